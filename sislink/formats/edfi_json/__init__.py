"""Ed-Fi ODS/API resources as JSON files (Data Standard 5.x): reader and writer."""

from sislink.formats.edfi_json.reader import EdFiJsonReader

__all__ = ["EdFiJsonReader"]
