"""Decoding of delimited text files, shared by every text format.

Every text reader goes through ``read_delimited``, so these rules apply to
all of them. A byte-order mark is stripped. The declared encoding is applied
strictly: a line with invalid bytes becomes an error naming its line, byte
offset and column but not its text, and the rest of the file still loads. A
file that splits into a single column is checked against other common
delimiters. Cells are returned exactly as decoded. The format readers trim
them with ``sislink.model.characters.trim``, and normalization types them.
"""

from __future__ import annotations

import codecs
import csv
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sislink.formats.base import file_error
from sislink.model import Finding, Provenance, RecordKind
from sislink.validate import rules

BOM = codecs.BOM_UTF8
DELIMITERS = (",", ";", "\t", "|", "^")
"""Delimiters a file may turn out to use when it is not the declared one."""

DELIMITER_NAMES = {
    ",": "comma",
    ";": "semicolon",
    "\t": "tab",
    "|": "pipe",
    "^": "caret",
}

# Decoded lines are read one at a time, so an encoding whose line ends are
# not the byte 0x0A cannot be split correctly.
SNIFFED_BYTES = 8192
"""How much of a file's start is read to tell text from a binary file."""

BINARY_SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an older Excel workbook (.xls)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (codecs.BOM_UTF16_LE, "UTF-16 text"),
    (codecs.BOM_UTF16_BE, "UTF-16 text"),
)
"""Starts of files that are sent by mistake in place of delimited text."""

BINARY_NUL_SHARE = 0.01
"""A file whose start has more NUL bytes than this share is not text.

Text has none. A stray NUL in one row is read with the row, and
normalization removes it from the value."""

BINARY_MINIMUM_START = 1024
"""The minimum byte count the NUL share is taken over. A shorter file counts
as this long, so one stray NUL in a file of a row or two is not binary."""

UNSUPPORTED_ENCODINGS = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32"})


@dataclass(frozen=True, slots=True)
class TextFormat:
    """The encoding, delimiter, quoting and header of a source's text files."""

    encoding: str = "utf-8"
    delimiter: str = ","
    quoted: bool = True
    """Whether cells may be quoted. CALPADS caret files are not: quotes are text."""
    header: bool = True


LineLayout = Callable[[str], tuple[RecordKind | None, Sequence[str]]]
"""A function from a line's first cell to the line's record kind and column names.

A reader of files without a header row passes one to ``read_delimited``, so
that a line that cannot be decoded is counted against its kind and the
error names the column of the invalid byte. The first cell is decoded with
invalid bytes replaced, and is never part of a finding."""


@dataclass(frozen=True, slots=True)
class TextRow:
    """One row of cells and the physical line it starts on (1-based)."""

    line: int
    cells: list[str]


def check_encoding(name: str) -> str | None:
    """Return why ``name`` cannot be used as a declared encoding, or None."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return f"{name!r} is not an encoding Python knows"
    if info.name in UNSUPPORTED_ENCODINGS or info.name.startswith(("utf-16", "utf-32")):
        return f"{name!r} is not supported: export the file as UTF-8 instead"
    return None


def read_delimited(
    path: Path,
    text_format: TextFormat,
    kind: RecordKind | None = None,
    line_layout: LineLayout | None = None,
) -> Iterator[TextRow | Finding]:
    """Yield the rows of ``path``, the header first when the format has one.

    Problems become findings and never stop the file: a line that cannot be
    decoded, or a row the CSV parser rejects, yields one error finding of
    ``kind`` and reading goes on. A first row that is a single column but
    splits on another common delimiter yields a file error naming it, and
    nothing else is read; so does a file that starts like a workbook, a PDF,
    UTF-16 text or other binary data. ``path`` must be readable
    (``check_readable``).

    A finding about a line that cannot be decoded names the column of the
    invalid byte from the header row, or from ``line_layout`` in a file
    without one, and otherwise the field's position in the line.
    """
    with path.open("rb") as handle:
        binary = _binary_kind(handle.read(SNIFFED_BYTES))
        if binary is not None:
            yield file_error(
                path,
                f"is not delimited text: it looks like {binary}",
                "export the data from the source system as CSV (UTF-8) and "
                "submit that file",
            )
            return
        handle.seek(0)
        lines = _DecodedLines(path, handle, text_format, kind, line_layout)
        reader = csv.reader(lines, strict=True, **_dialect(text_format))
        first = True
        while True:
            start = reader.line_num
            lines.start_row()
            try:
                cells = next(reader)
            except StopIteration:
                yield from lines.drain()
                return
            except csv.Error as exc:
                yield from lines.drain()
                yield _parse_error(path, kind, lines.physical(start), exc)
                continue
            yield from lines.drain()
            row = TextRow(lines.physical(start), cells)
            if first:
                first = False
                problem = _delimiter_problem(path, text_format.delimiter, row)
                if problem is not None:
                    yield problem
                    return
                if text_format.header:
                    lines.header = row.cells
            yield row


def _dialect(text_format: TextFormat) -> dict[str, Any]:
    """Return the ``csv.reader`` arguments for ``text_format``."""
    dialect: dict[str, Any] = {"delimiter": text_format.delimiter}
    if not text_format.quoted:
        dialect["quoting"] = csv.QUOTE_NONE
    return dialect


class _DecodedLines:
    """The file's lines decoded one at a time, skipping lines that do not decode.

    ``csv.reader`` pulls lines from this iterator; findings about skipped
    lines wait in ``pending`` until the reader has returned its next row.
    """

    def __init__(
        self,
        path: Path,
        handle: BinaryIO,
        text_format: TextFormat,
        kind: RecordKind | None,
        line_layout: LineLayout | None,
    ) -> None:
        self._path = path
        self._handle = handle
        self._format = text_format
        self._encoding = text_format.encoding
        self._delimiter = text_format.delimiter.encode(text_format.encoding)
        self._kind = kind
        self._line_layout = line_layout
        self.header: list[str] | None = None
        """The header row's cells, once read, in a format with a header row."""
        # Decoded lines handed out for the row being parsed. A line that
        # follows one of them continues a quoted value.
        self._row_lines = 0
        self._offset = 0
        self._number = 0
        # Physical line numbers of the decoded lines handed out, oldest first,
        # kept from the start of the row being parsed.
        self._numbers: deque[int] = deque()
        self._base = 0
        self.pending: list[Finding] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        while True:
            raw = self._handle.readline()
            if not raw:
                raise StopIteration
            self._number += 1
            offset = self._offset
            self._offset += len(raw)
            if self._number == 1 and raw.startswith(BOM):
                raw = raw[len(BOM) :]
                offset += len(BOM)
            try:
                text = raw.decode(self._encoding)
            except UnicodeDecodeError as exc:
                self.pending.append(self._decode_error(raw, offset, exc))
                continue
            self._numbers.append(self._number)
            self._row_lines += 1
            return text

    def start_row(self) -> None:
        """Mark the start of a row, before ``csv.reader`` parses it."""
        self._row_lines = 0

    def physical(self, index: int) -> int:
        """Return the physical line number of the ``index``-th decoded line (0-based).

        Lines before ``index`` are forgotten, since rows are parsed in order.
        """
        while self._base < index and self._numbers:
            self._numbers.popleft()
            self._base += 1
        if self._numbers:
            return self._numbers[0]
        return self._number

    def drain(self) -> list[Finding]:
        """Return and forget the findings about lines skipped so far."""
        found, self.pending = self.pending, []
        return found

    def _decode_error(
        self, raw: bytes, line_offset: int, exc: UnicodeDecodeError
    ) -> Finding:
        """Return the error about a line that cannot be decoded.

        The finding names the line, the byte offset and the column, and
        leaves out the line's text, which may contain a student's name, birth
        date and identifiers, because findings go back to the sender and into
        reports.
        """
        kind, columns = self._layout(raw)
        if self._row_lines:
            column, place = None, "in a quoted value continued from the line before"
        else:
            column, place = _place(
                self._field_position(raw[: exc.start]), self.header or columns
            )
        bad = raw[exc.start : exc.start + 1]
        return rules.ENCODING_INVALID.finding(
            kind=kind,
            provenance=Provenance(self._path.name, self._number),
            field=column,
            encoding=self._encoding,
            byte=f"0x{bad.hex().upper()}",
            offset=line_offset + exc.start,
            place=place,
        )

    def _layout(self, raw: bytes) -> tuple[RecordKind | None, Sequence[str]]:
        """Return the kind and column names of a line that cannot be decoded."""
        if self._line_layout is None:
            return self._kind, ()
        first = raw.split(self._delimiter, 1)[0]
        kind, columns = self._line_layout(first.decode(self._encoding, "replace"))
        return kind or self._kind, columns

    def _field_position(self, before: bytes) -> int | None:
        """Return the 1-based position of the field that follows ``before``.

        ``before`` is the start of a line up to an invalid byte. None means
        that the start does not parse.
        """
        text = before.decode(self._encoding, errors="replace")
        try:
            rows = list(csv.reader([text], **_dialect(self._format)))
        except csv.Error:
            return None
        return max(len(rows[0]), 1) if rows else 1


def _place(position: int | None, columns: Sequence[str]) -> tuple[str | None, str]:
    """Return the column at ``position`` in ``columns`` and where it is, in words."""
    if position is None:
        return None, "at a place in the line that cannot be located"
    if position <= len(columns) and columns[position - 1].strip():
        column = columns[position - 1].strip()
        return column, f"in column {column!r}"
    return None, f"in field {position} of the line"


def _binary_kind(start: bytes) -> str | None:
    """Return what a file starting with ``start`` looks like, if it is not text."""
    for signature, description in BINARY_SIGNATURES:
        if start.startswith(signature):
            return description
    if start.count(0) / max(len(start), BINARY_MINIMUM_START) > BINARY_NUL_SHARE:
        return "binary data (it holds many NUL bytes)"
    return None


def _parse_error(
    path: Path, kind: RecordKind | None, line: int, exc: csv.Error
) -> Finding:
    return rules.ROW_UNPARSABLE.finding(
        kind=kind, provenance=Provenance(path.name, line), reason=str(exc)
    )


def _delimiter_problem(path: Path, declared: str, row: TextRow) -> Finding | None:
    if len(row.cells) != 1:
        return None
    text = row.cells[0]
    counts = {d: text.count(d) for d in DELIMITERS if d != declared}
    found = max(counts, key=lambda d: counts[d])
    if counts[found] == 0:
        return None
    return file_error(
        path,
        f"line {row.line} has a single column with the declared delimiter "
        f"({_delimiter_name(declared)}), and it seems to use "
        f"{_delimiter_name(found)} instead",
        f"export the file delimited by {_delimiter_name(declared)}, or declare "
        f"{_delimiter_name(found)} as the source's delimiter",
        line=row.line,
    )


def _delimiter_name(delimiter: str) -> str:
    name = DELIMITER_NAMES.get(delimiter)
    return f"{name} {delimiter!r}" if name else repr(delimiter)
