"""Reader for the sislink CSV layout."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

from sislink.formats.base import Reader, ReadItem, check_readable, file_error
from sislink.formats.sislink_csv.layout import FILE_NAMES, KIND_OF_FILE, field_of_column
from sislink.formats.text import TextFormat, read_delimited
from sislink.model import (
    KINDS,
    Finding,
    Provenance,
    RecordKind,
    Severity,
    SourceDialect,
    SourceRecord,
)
from sislink.model.characters import trim

DIALECT = SourceDialect("sislink-csv", ("%Y-%m-%d",), "calpads")
LOAD_ORDER = list(RecordKind)


class SislinkCsvReader(Reader):
    """Reads one CSV file per record kind: comma separated, ISO dates, UTF-8
    unless the source declares another encoding."""

    name: ClassVar[str] = "sislink-csv"
    description: ClassVar[str] = (
        "sislink's own CSV layout: one file per record kind (students.csv, "
        "enrollments.csv, ...), Ed-Fi style column names, UTF-8, ISO dates"
    )
    files: ClassVar[tuple[str, ...]] = tuple(FILE_NAMES.values())
    kinds: ClassVar[tuple[RecordKind, ...]] = tuple(RecordKind)

    def collect(self, paths: Sequence[Path]) -> list[Path]:
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                files.extend(
                    path / n for n in FILE_NAMES.values() if (path / n).is_file()
                )
            else:
                check_readable(path)
                files.append(path)
        return sorted(files, key=_load_position)

    def covered_kinds(self, files: Sequence[Path]) -> frozenset[RecordKind]:
        return frozenset(KIND_OF_FILE[f.name] for f in files if f.name in KIND_OF_FILE)

    def read(self, files: Sequence[Path]) -> Iterator[ReadItem]:
        for path in files:
            kind = KIND_OF_FILE.get(path.name)
            if kind is None:
                known = ", ".join(FILE_NAMES.values())
                yield file_error(
                    path,
                    "is not a file of the sislink CSV layout",
                    f"name each file after its record kind: {known}",
                )
                continue
            yield from _read_file(path, kind, TextFormat(encoding=self.encoding))


def _load_position(path: Path) -> int:
    kind = KIND_OF_FILE.get(path.name)
    return LOAD_ORDER.index(kind) if kind else len(LOAD_ORDER)


def _read_file(
    path: Path, kind: RecordKind, text_format: TextFormat
) -> Iterator[ReadItem]:
    rows = read_delimited(path, text_format, kind)
    header: list[str] | None = None
    names: list[str | None] = []
    problems_seen = False
    for row in rows:
        if isinstance(row, Finding):
            problems_seen = True
            yield row
            continue
        if header is None:
            header = row.cells
            names = _field_names(kind, header)
            problems = list(_check_header(path, kind, header, names))
            yield from problems
            if any(problem.is_error for problem in problems):
                return
            continue
        if not any(trim(cell) for cell in row.cells):
            continue
        provenance = Provenance(path.name, row.line)
        if len(row.cells) != len(header):
            yield _width_error(kind, provenance, len(row.cells), len(header))
            continue
        values = {
            name: text
            for name, cell in zip(names, row.cells, strict=True)
            if name is not None and (text := trim(cell))
        }
        yield SourceRecord(kind, values, provenance, DIALECT)
    if header is None and not problems_seen:
        # A header-only file is an empty snapshot of its kind; a file without
        # even a header is a failed export, and must not end every record.
        yield file_error(
            path,
            "is empty: it has no header row",
            f"export the file again; a {kind} file with no records still has "
            "its header row",
        )


def _field_names(kind: RecordKind, header: list[str]) -> list[str | None]:
    by_column = field_of_column(kind)
    return [by_column.get(column.strip().casefold()) for column in header]


def _check_header(
    path: Path, kind: RecordKind, header: list[str], fields: list[str | None]
) -> Iterator[Finding]:
    if not any(fields):
        # A first line that names no known column is likely a student's
        # data in a file without a header row, so the finding quotes no cell.
        yield file_error(
            path,
            f"line 1 names none of the columns of the {kind} layout, so it is "
            "not a header row",
            "export the file with the header row of the sislink CSV layout, or "
            "submit it in the format it was exported in",
            line=1,
        )
        return
    for column, name in zip(header, fields, strict=True):
        if name is None:
            yield Finding(
                "column-unknown",
                Severity.WARNING,
                f"{path.name}: column {column!r} is not part of the {kind} layout "
                "and was ignored",
                "remove the column or rename it to a documented column name",
                kind=kind,
                provenance=Provenance(path.name, 1, column=column),
                value=column,
            )
    present = {name for name in fields if name}
    for spec in KINDS[kind].fields:
        if spec.required and spec.name not in present:
            yield file_error(
                path,
                f"has no column {spec.column!r}, which every {kind} row needs",
                f"add the column {spec.column!r} to the header",
                line=1,
            )


def _width_error(
    kind: RecordKind, provenance: Provenance, found: int, expected: int
) -> Finding:
    return Finding(
        "row-width-mismatch",
        Severity.ERROR,
        f"row has {found} values but the header has {expected} columns",
        "check for an unquoted comma or a missing value in this row",
        kind=kind,
        provenance=provenance,
    )
