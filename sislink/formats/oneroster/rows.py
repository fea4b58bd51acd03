"""Rows of one OneRoster CSV file as column-to-value maps, and their status."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sislink.formats.base import file_error
from sislink.formats.oneroster.layout import (
    ACTIVE,
    BULK,
    COLUMNS,
    EXTRA_COLUMNS,
    REQUIRED_COLUMNS,
    TO_BE_DELETED,
)
from sislink.formats.text import TextFormat, read_delimited
from sislink.model import Finding, Provenance, RecordKind
from sislink.model.characters import trim
from sislink.validate import rules

STRIPPED_COLUMNS = frozenset(
    {
        "sourcedId",
        "parentSourcedId",
        "orgSourcedIds",
        "agentSourcedIds",
        "userSourcedId",
        "classSourcedId",
        "schoolSourcedId",
        "status",
        "type",
        "role",
    }
)
"""The columns of ids and codes, which ``_trimmed`` strips like ``str.strip``."""


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its line and its non-empty values, trimmed, by column name."""

    file: str
    line: int
    values: dict[str, str]

    @property
    def provenance(self) -> Provenance:
        return Provenance(self.file, self.line)

    def get(self, column: str) -> str | None:
        return self.values.get(column)


def read_rows(
    path: Path, encoding: str, kind: RecordKind | None
) -> Iterator[Row | Finding]:
    """Yield the data rows of ``path``, and findings about its header and rows.

    Column names are matched ignoring case. Columns OneRoster does not define,
    such as ``metadata.*`` extensions, are ignored. A header without a column
    the reader needs, or no header at all, yields one file error and ends the
    file, so an empty file never passes for an empty snapshot. ``kind`` is the
    record kind that a row-level error counts against.
    """
    known = {
        column.casefold(): column
        for column in (*COLUMNS[path.name], *EXTRA_COLUMNS.get(path.name, ()))
    }
    header: list[str | None] | None = None
    rejected = False
    for row in read_delimited(path, TextFormat(encoding=encoding), kind):
        if isinstance(row, Finding):
            rejected = rejected or row.code == "file-unreadable"
            yield row
            continue
        if header is None:
            header = [known.get(cell.strip().casefold()) for cell in row.cells]
            problem = _missing_column(path, header)
            if problem is not None:
                yield problem
                return
            continue
        if not any(trim(cell) for cell in row.cells):
            continue
        if len(row.cells) != len(header):
            yield rules.ROW_WIDTH_MISMATCH.finding(
                kind=kind, provenance=Provenance(path.name, row.line)
            )
            continue
        values = {
            column: text
            for column, cell in zip(header, row.cells, strict=True)
            if column is not None and (text := _trimmed(column, cell))
        }
        yield Row(path.name, row.line, values)
    if header is None and not rejected:
        yield file_error(
            path,
            "has no header row; OneRoster files are never empty",
            "export the file again, or list it as absent in manifest.csv",
        )


def _trimmed(column: str, cell: str) -> str:
    """Return a cell without whitespace at its edges.

    Ids and codes lose control characters at their edges too, as with
    ``str.strip``, because they join rows across files and steer reading.
    Other values keep them, so that normalization removes them with a warning.
    NOTE: a control character inside an id still breaks the joins it is in.
    """
    return cell.strip() if column in STRIPPED_COLUMNS else trim(cell)


def _missing_column(path: Path, header: list[str | None]) -> Finding | None:
    present = set(header)
    for column in REQUIRED_COLUMNS[path.name]:
        if column not in present:
            return file_error(
                path,
                f"has no column {column!r}, which this reader needs",
                f"export the file with the OneRoster 1.1 header, {column!r} included",
                line=1,
            )
    return None


def row_status(row: Row, mode: str, kind: RecordKind | None) -> str | Finding:
    """Return ``active`` or ``tobedeleted`` for a row, or a finding if invalid.

    A bulk file leaves status empty, so empty reads as active there. A delta
    file must say active or tobedeleted on every row. ``kind`` is the record
    kind an invalid status counts against, None for rows that are no record.
    """
    status = (row.get("status") or "").casefold()
    if status in (ACTIVE, TO_BE_DELETED) or (mode == BULK and not status):
        return status or ACTIVE
    allowed = f"{ACTIVE}, {TO_BE_DELETED}" + (" or empty" if mode == BULK else "")
    return rules.ONEROSTER_STATUS_INVALID.finding(
        kind=kind,
        provenance=row.provenance,
        field="status",
        value=row.get("status") or "",
        mode=mode,
        allowed=allowed,
    )
