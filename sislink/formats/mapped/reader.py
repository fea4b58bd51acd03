"""The one reader behind every vendor mapping: delimited text, columns by name."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

from sislink.formats.base import Reader, ReadItem, check_readable, file_error
from sislink.formats.mapped.mapping import FileMap, VendorMapping, column_key
from sislink.formats.text import TextRow, read_delimited
from sislink.model import (
    Finding,
    Provenance,
    RecordKind,
    Skipped,
    SourceDialect,
    SourceRecord,
)
from sislink.model.characters import trim
from sislink.validate import rules


class MappedCsvReader(Reader):
    """Reads the files of one vendor mapping through ``read_delimited``.

    Header names are matched ignoring case and surrounding space. A row
    yields one record per kind its file declares. When a file declares
    several kinds, a kind's record is left out of a row whose cells for that
    kind alone are all empty (a student with no current enrollment).
    """

    mapping: ClassVar[VendorMapping]

    def collect(self, paths: Sequence[Path]) -> list[Path]:
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                files.extend(
                    child
                    for child in sorted(path.iterdir())
                    if child.is_file() and self.mapping.file_map(child.name)
                )
            else:
                check_readable(path)
                files.append(path)
        return sorted(files, key=self._load_position)

    def covered_kinds(self, files: Sequence[Path]) -> frozenset[RecordKind]:
        kinds: set[RecordKind] = set()
        for path in files:
            file_map = self.mapping.file_map(path.name)
            if file_map is not None:
                kinds.update(file_map.kinds)
        return frozenset(kinds)

    def read(self, files: Sequence[Path]) -> Iterator[ReadItem]:
        yield from self._missing_files(files)
        dialect = self.mapping.dialect()
        for path in files:
            file_map = self.mapping.file_map(path.name)
            if file_map is None:
                expected = ", ".join(f.name for f in self.mapping.files)
                yield file_error(
                    path,
                    f"is not a file of the {self.mapping.name} mapping",
                    f"send only the files it expects: {expected}",
                )
                continue
            yield from _FileReading(self, path, file_map, dialect).rows()

    def _missing_files(self, files: Sequence[Path]) -> Iterator[Finding]:
        for file_map in self.mapping.files:
            if file_map.required and not any(file_map.matches(f.name) for f in files):
                yield file_error(
                    Path(file_map.name),
                    f"no file of this name was sent, and the {self.mapping.name} "
                    "mapping needs it",
                    f"add the export file named {file_map.name} to the submission",
                )

    def _load_position(self, path: Path) -> tuple[int, str]:
        kinds = list(RecordKind)
        file_map = self.mapping.file_map(path.name)
        if file_map is None:
            return len(kinds), path.name
        return min(kinds.index(kind) for kind in file_map.kinds), path.name


class _FileReading:
    """The state of reading one file: its header positions and mapping."""

    def __init__(
        self,
        reader: MappedCsvReader,
        path: Path,
        file_map: FileMap,
        dialect: SourceDialect,
    ) -> None:
        self.mapping = reader.mapping
        self.text_format = self.mapping.text_format(reader.encoding)
        self.path = path
        self.file_map = file_map
        self.dialect = dialect
        self.kind = file_map.kinds[0]
        self.positions: dict[str, int] = {}
        self.width = 0
        self.own_columns = _own_columns(file_map)

    def rows(self) -> Iterator[ReadItem]:
        seen_row = False
        rows = read_delimited(self.path, self.text_format, self.kind, self._layout)
        for row in rows:
            if isinstance(row, Finding):
                yield row
                if row.code == "file-unreadable":
                    return
                continue
            if not seen_row:
                seen_row = True
                problems = list(self._start(row))
                yield from problems
                if any(problem.is_error for problem in problems):
                    return
                if self.text_format.header:
                    continue
            yield from self._row(row)
        if not seen_row and self.text_format.header:
            yield file_error(
                self.path,
                "is empty: it has no header row",
                "export the file again with column names on the first row",
            )

    def _start(self, first: TextRow) -> Iterator[Finding]:
        """Set the column positions from the header (or the declared order)."""
        names = first.cells if self.text_format.header else list(self.file_map.order)
        if not any(name.strip() for name in names):
            yield file_error(
                self.path,
                f"line {first.line} is empty where the header row belongs",
                "export the file again with column names on the first row",
                line=first.line,
            )
            return
        self.width = len(names)
        for position, name in enumerate(names):
            self.positions.setdefault(column_key(name), position)
        yield from self._check_header(names)

    def _layout(self, first_cell: str) -> tuple[RecordKind, tuple[str, ...]]:
        """Return the kind and declared column order of a line of this file.

        ``read_delimited`` uses the order in a file without a header row.
        """
        return self.kind, self.file_map.order

    def _check_header(self, names: list[str]) -> Iterator[Finding]:
        known = {column_key(c) for c in self.file_map.columns()}
        known.update(column_key(c) for c in self.file_map.ignore)
        if self.file_map.skip is not None:
            known.add(column_key(self.file_map.skip.column))
        if self.text_format.header and not known & {column_key(n) for n in names}:
            # A first line that names no known column is likely a student's
            # data in a file without a header row, so the finding quotes no cell.
            yield file_error(
                self.path,
                f"line 1 names none of the columns of the {self.mapping.name} "
                "mapping, so it is not a header row",
                "export the file with its header row, or submit it in the "
                "format it was exported in",
                line=1,
            )
            return
        for record in self.file_map.records:
            for column, name in record.required_columns():
                if column_key(column) not in self.positions:
                    yield file_error(
                        self.path,
                        f"has no column {column!r}, which the {self.mapping.name} "
                        f"mapping reads as {name}, required for every "
                        f"{record.kind} record",
                        f"export the file with the column {column!r}, or correct "
                        "the column name in the mapping",
                        line=1,
                    )
        unknown = [n for n in names if column_key(n) not in known and n.strip()]
        if unknown and self.text_format.header:
            shown = ", ".join(repr(n) for n in unknown)
            yield rules.COLUMNS_UNMAPPED.finding(
                kind=self.kind,
                provenance=Provenance(self.path.name, 1),
                value=shown,
                mapping=self.mapping.name,
            )

    def _row(self, row: TextRow) -> Iterator[ReadItem]:
        if not any(trim(cell) for cell in row.cells):
            return
        provenance = Provenance(self.path.name, row.line)
        if len(row.cells) != self.width:
            yield rules.ROW_WIDTH_MISMATCH.finding(
                kind=self.kind,
                provenance=provenance,
                value=f"{len(row.cells)} values, {self.width} columns",
            )
            return
        skip = self.file_map.skip
        if skip is not None and skip.applies(self._cell(row, skip.column)):
            for kind in self.file_map.kinds:
                yield Skipped(kind, provenance, skip.reason)
            return
        for record in self.file_map.records:
            fields = {
                name: value
                for column, name in record.columns.items()
                if (value := self._cell(row, column))
            }
            if len(self.file_map.records) > 1 and not any(
                self._cell(row, column) for column in self.own_columns[record.kind]
            ):
                continue
            yield SourceRecord(record.kind, fields, provenance, self.dialect)

    def _cell(self, row: TextRow, column: str) -> str:
        position = self.positions.get(column_key(column))
        return "" if position is None else trim(row.cells[position])


def _own_columns(file_map: FileMap) -> dict[RecordKind, list[str]]:
    """Return each kind's columns that no other kind of the file also reads."""
    counts: dict[str, int] = {}
    for record in file_map.records:
        for column in record.columns:
            counts[column_key(column)] = counts.get(column_key(column), 0) + 1
    return {
        record.kind: [c for c in record.columns if counts[column_key(c)] == 1]
        for record in file_map.records
    }


def _listed_files(mapping: VendorMapping) -> tuple[str, ...]:
    """Return the file names to list: a pattern follows the name the writer uses."""
    listed: list[str] = []
    for file_map in mapping.files:
        if file_map.write_name != file_map.name:
            listed.append(file_map.write_name)
        listed.append(file_map.name)
    return tuple(listed)


def reader_class(mapping: VendorMapping) -> type[MappedCsvReader]:
    """Return a reader class registered under the mapping's format name."""
    return type(
        f"MappedCsvReader[{mapping.name}]",
        (MappedCsvReader,),
        {
            "mapping": mapping,
            "name": mapping.name,
            "description": mapping.description,
            "files": _listed_files(mapping),
            "kinds": mapping.kinds,
            "default_encoding": mapping.encoding,
        },
    )
