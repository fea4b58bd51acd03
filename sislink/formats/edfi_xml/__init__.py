"""Ed-Fi XML interchange files (Data Standard 5.2)."""

from sislink.formats.edfi_xml.reader import EdFiXmlReader

__all__ = ["EdFiXmlReader"]
