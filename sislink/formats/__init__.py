"""Readers (and writers where useful), one folder per source format."""

from __future__ import annotations

from pathlib import Path

from sislink.errors import UsageError
from sislink.formats.base import Reader, ReadItem, RecordSource, Writer
from sislink.formats.calpads import CalpadsReader
from sislink.formats.calpads import writer as calpads_writer
from sislink.formats.carried import FieldLoss
from sislink.formats.edfi_json import EdFiJsonReader
from sislink.formats.edfi_json import writer as edfi_json_writer
from sislink.formats.edfi_xml import EdFiXmlReader
from sislink.formats.edfi_xml import writer as edfi_xml_writer
from sislink.formats.mapped import builtin_mappings, load_mapping, mapped_writer
from sislink.formats.mapped import reader_class as mapped_reader_class
from sislink.formats.mapped.writer import mapping_field_losses
from sislink.formats.oneroster import OneRosterCsvReader
from sislink.formats.oneroster import writer as oneroster_writer
from sislink.formats.powerschool_json import PowerSchoolJsonReader
from sislink.formats.powerschool_json import writer as powerschool_json_writer
from sislink.formats.sislink_csv import SislinkCsvReader
from sislink.formats.sislink_csv import writer as sislink_csv_writer
from sislink.formats.text import check_encoding

READERS: dict[str, type[Reader]] = {
    reader.name: reader for reader in (EdFiXmlReader, SislinkCsvReader, CalpadsReader)
}
BUILTIN_MAPPINGS = builtin_mappings()
READERS.update({m.name: mapped_reader_class(m) for m in BUILTIN_MAPPINGS})
READERS[PowerSchoolJsonReader.name] = PowerSchoolJsonReader
READERS[OneRosterCsvReader.name] = OneRosterCsvReader
READERS[EdFiJsonReader.name] = EdFiJsonReader

WRITERS: dict[str, Writer] = {
    EdFiXmlReader.name: edfi_xml_writer.write,
    SislinkCsvReader.name: sislink_csv_writer.write,
    CalpadsReader.name: calpads_writer.write,
}
"""The formats sislink can also write, by the name of the reader that reads them."""
WRITERS.update({m.name: mapped_writer(m) for m in BUILTIN_MAPPINGS})
WRITERS[PowerSchoolJsonReader.name] = powerschool_json_writer.write
WRITERS[OneRosterCsvReader.name] = oneroster_writer.write
WRITERS[EdFiJsonReader.name] = edfi_json_writer.write

FIELD_LOSSES: dict[str, tuple[FieldLoss, ...]] = {
    EdFiXmlReader.name: edfi_xml_writer.FIELD_LOSSES,
    SislinkCsvReader.name: (),
    CalpadsReader.name: tuple(calpads_writer.field_losses()),
    PowerSchoolJsonReader.name: powerschool_json_writer.FIELD_LOSSES,
    OneRosterCsvReader.name: oneroster_writer.FIELD_LOSSES,
    EdFiJsonReader.name: edfi_json_writer.FIELD_LOSSES,
}
"""The fields each written format leaves out of the kinds it writes."""
FIELD_LOSSES.update({m.name: tuple(mapping_field_losses(m)) for m in BUILTIN_MAPPINGS})


def get_reader(
    name: str, encoding: str | None = None, mapping: Path | None = None
) -> Reader:
    """Return a reader for the format called ``name``.

    ``encoding`` is the text encoding the source declares, replacing the
    format's default; formats that carry their own declaration (XML) ignore it.
    ``mapping`` is a user's mapping file; its reader is used instead of the
    format's, whatever ``name`` says.

    Raises:
        UsageError: no format has that name, the mapping file is missing or
            invalid (``MappingInvalid`` lists the problems), or the encoding
            cannot be used.
    """
    reader = READERS.get(name)
    if mapping is not None:
        reader = mapped_reader_class(load_mapping(mapping))
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise UsageError(f"unknown format {name!r}: use one of {known}")
    if encoding is not None:
        problem = check_encoding(encoding)
        if problem is not None:
            raise UsageError(f"invalid encoding: {problem}")
    return reader(encoding)


def get_writer(name: str) -> Writer:
    """Return the writer of the format called ``name``.

    Raises:
        UsageError: no format of that name can be written.
    """
    try:
        return WRITERS[name]
    except KeyError:
        known = ", ".join(sorted(WRITERS))
        raise UsageError(
            f"format {name!r} cannot be written: use one of {known}"
        ) from None


__all__ = [
    "FIELD_LOSSES",
    "READERS",
    "WRITERS",
    "ReadItem",
    "Reader",
    "RecordSource",
    "Writer",
    "get_reader",
    "get_writer",
]
