"""Writer for the sislink CSV layout."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

from sislink.formats.base import RecordSource
from sislink.formats.sislink_csv.layout import FILE_NAMES, columns
from sislink.model import KINDS, RecordKind
from sislink.model.records import JsonValue


def format_value(value: JsonValue) -> str:
    """Return the CSV text of a stored value: booleans as 1/0, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _sent(record: Mapping[str, JsonValue], name: str) -> JsonValue:
    """Return a field's value, or the source text of a code that had no mapping.

    Normalization stores an unmapped code as None with the text as sent
    beside it (``primary_disability_source``); writing that text back means
    a file read, exported and read again changes nothing.
    """
    value = record.get(name)
    if value is None:
        return record.get(f"{name}_source")
    return value


def write_kind(
    directory: Path, kind: RecordKind, records: Iterable[Mapping[str, JsonValue]]
) -> Path:
    """Write ``records`` of one kind to its file in ``directory``; return the file."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILE_NAMES[kind]
    names = [spec.name for spec in KINDS[kind].fields]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns(kind))
        for record in records:
            writer.writerow([format_value(_sent(record, name)) for name in names])
    return path


def write(directory: Path, records: RecordSource) -> list[Path]:
    """Write one file per record kind, header only when a kind has no records.

    Every kind gets a file because a file in this layout is a full snapshot
    of its kind: a missing file leaves that kind's stored records alone.
    """
    return [write_kind(directory, kind, records(kind)) for kind in RecordKind]
