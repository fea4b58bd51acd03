"""Vendor SIS exports read and written through declared mappings (TOML files)."""

from sislink.formats.mapped.checks import check_mapping_file, check_mapping_text
from sislink.formats.mapped.mapping import (
    BUILTIN_FOLDER,
    FileMap,
    MappingInvalid,
    RecordMap,
    VendorMapping,
    builtin_mappings,
    load_mapping,
)
from sislink.formats.mapped.problems import MappingProblem
from sislink.formats.mapped.reader import MappedCsvReader, reader_class
from sislink.formats.mapped.writer import mapped_writer

__all__ = [
    "BUILTIN_FOLDER",
    "FileMap",
    "MappedCsvReader",
    "MappingInvalid",
    "MappingProblem",
    "RecordMap",
    "VendorMapping",
    "builtin_mappings",
    "check_mapping_file",
    "check_mapping_text",
    "load_mapping",
    "mapped_writer",
    "reader_class",
]
