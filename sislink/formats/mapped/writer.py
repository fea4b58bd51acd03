"""The writer behind every vendor mapping: canonical records back to vendor files.

It inverts the mapping: each canonical field goes to its vendor column, each
code through the reverse of the vendor's crosswalk, each date in the
vendor's first date format.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from sislink.formats.base import RecordSource, StoredRecord, Writer
from sislink.formats.carried import FieldLoss, losses_outside
from sislink.formats.mapped.mapping import FileMap, RecordMap, VendorMapping
from sislink.model import KINDS, FieldType, RecordKind
from sislink.model.records import JsonValue

STUDENT_FIELD = "local_student_id"


def mapped_writer(mapping: VendorMapping) -> Writer:
    """Return a writer of the files that ``mapping`` reads."""

    def write(directory: Path, records: RecordSource) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        return [
            _write_file(directory, mapping, file_map, records)
            for file_map in mapping.files
        ]

    return write


def mapping_field_losses(mapping: VendorMapping) -> list[FieldLoss]:
    """Return the fields of each kind ``mapping`` carries that no column holds."""
    carried: dict[RecordKind, set[str]] = {}
    for file_map in mapping.files:
        for record_map in file_map.records:
            fields = carried.setdefault(record_map.kind, set())
            fields.update(record_map.columns.values())
    reason = f"the {mapping.name} mapping maps no column to it"
    return [
        loss
        for kind, fields in carried.items()
        for loss in losses_outside(kind, fields, reason)
    ]


def _write_file(
    directory: Path, mapping: VendorMapping, file_map: FileMap, records: RecordSource
) -> Path:
    path = directory / file_map.write_name
    columns = file_map.columns()
    formatter = _Formatter(mapping)
    options: dict[str, object] = {"delimiter": mapping.delimiter}
    if not mapping.quoted:
        options["quoting"] = csv.QUOTE_NONE
    with path.open("w", encoding=mapping.encoding, newline="") as handle:
        writer = csv.writer(handle, **options)  # type: ignore[arg-type]
        if mapping.header:
            writer.writerow(columns)
        for row in _joined_rows(file_map, records):
            cells = dict.fromkeys(columns, "")
            for record_map, values in row:
                for column, name in record_map.columns.items():
                    text = formatter.text(record_map.kind, name, values.get(name))
                    cells[column] = text or cells[column]
            writer.writerow([cells[column] for column in columns])
    return path


def _joined_rows(
    file_map: FileMap, records: RecordSource
) -> Iterator[list[tuple[RecordMap, StoredRecord]]]:
    """Yield each row's records: the first kind's record joined with the others'.

    NOTE: a row carries one record of each further kind per student, so when a
    student has several (earlier enrollments), only the latest is written;
    the further kinds' records are held in memory, one per student.
    """
    first, *others = file_map.records
    latest: list[dict[str, StoredRecord]] = [
        latest_by_student(other.kind, records(other.kind)) for other in others
    ]
    for values in records(first.kind):
        student = values.get(STUDENT_FIELD)
        row: list[tuple[RecordMap, StoredRecord]] = [(first, values)]
        for other, by_student in zip(others, latest, strict=True):
            match = by_student.pop(str(student), None)
            if match is not None:
                row.append((other, match))
        yield row
    for other, by_student in zip(others, latest, strict=True):
        for values in by_student.values():
            yield [(other, values)]


def latest_by_student(
    kind: RecordKind, records: Iterable[StoredRecord]
) -> dict[str, StoredRecord]:
    """Return each student's record of ``kind`` with the latest key dates."""
    spec = KINDS[kind]
    dates = [n for n in spec.key if spec.by_name[n].type is FieldType.DATE]
    latest: dict[str, StoredRecord] = {}
    for values in records:
        student = str(values.get(STUDENT_FIELD))
        held = latest.get(student)
        if held is None or _recency(dates, values) >= _recency(dates, held):
            latest[student] = values
    return latest


def _recency(dates: list[str], values: StoredRecord) -> tuple[str, ...]:
    return tuple(str(values.get(name) or "") for name in dates)


class _Formatter:
    """Writes canonical values the way the vendor writes them."""

    def __init__(self, mapping: VendorMapping) -> None:
        self.date_format = mapping.date_formats[0]
        self.delimiter = None if mapping.quoted else mapping.delimiter
        self.reverse: dict[str, dict[str, str]] = {}
        for crosswalk in mapping.crosswalks:
            reverse: dict[str, str] = {}
            for vendor_code, code in crosswalk.mapping.items():
                reverse.setdefault(code, vendor_code)
            self.reverse[crosswalk.code_set] = reverse

    def text(self, kind: RecordKind, name: str, value: JsonValue) -> str:
        """Return the vendor text of one canonical value ('' for None)."""
        if value is None:
            return ""
        spec = KINDS[kind].by_name[name]
        if isinstance(value, bool):
            text = "1" if value else "0"
        elif spec.type is FieldType.DATE and isinstance(value, str):
            text = vendor_date(value, self.date_format)
        elif spec.code_set is not None:
            # A canonical code the vendor has no code for is written as is,
            # which the reader accepts as the California code.
            text = self.reverse.get(spec.code_set, {}).get(str(value), str(value))
        else:
            text = str(value)
        if self.delimiter is not None:
            # NOTE: a file without quoting cannot hold its delimiter in a
            # value, so the writer replaces it with a space.
            text = text.replace(self.delimiter, " ")
        return text


def vendor_date(value: str, date_format: str) -> str:
    """Return an ISO date in ``date_format``; text that is no date is kept as is.

    A quarantined record keeps its date as sent (``2016-02-30``), and writing
    it back unchanged lets the reader report it again.
    """
    try:
        return date.fromisoformat(value).strftime(date_format)
    except ValueError:
        return value
