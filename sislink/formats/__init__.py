"""Readers (and writers where useful), one folder per source format."""

from __future__ import annotations

from sislink.errors import UsageError
from sislink.formats.base import Reader, ReadItem
from sislink.formats.edfi_xml import EdFiXmlReader
from sislink.formats.sislink_csv import SislinkCsvReader

READERS: dict[str, type[Reader]] = {
    reader.name: reader for reader in (EdFiXmlReader, SislinkCsvReader)
}


def get_reader(name: str) -> Reader:
    """Return a reader for the format called ``name``.

    Raises:
        UsageError: no format has that name.
    """
    try:
        return READERS[name]()
    except KeyError:
        known = ", ".join(sorted(READERS))
        raise UsageError(f"unknown format {name!r}: use one of {known}") from None


__all__ = ["READERS", "ReadItem", "Reader", "get_reader"]
