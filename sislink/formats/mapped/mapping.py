"""Vendor mappings: a vendor's export layout declared as data.

A mapping file (TOML) names the files a vendor's export holds, which record
kinds each row yields, which column carries which canonical field, and how
the vendor writes dates and codes. ``load_mapping`` turns a file into a
``VendorMapping``; ``sislink.formats.mapped.checks`` explains what is wrong
with one that does not load.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

from sislink.errors import UsageError
from sislink.formats.text import TextFormat
from sislink.model import KINDS, RecordKind, SourceDialect
from sislink.model.crosswalks import Crosswalk

BUILTIN_FOLDER = Path(__file__).resolve().parent.parent / "mappings"
"""The folder of the mappings sislink ships, each registered as a format."""


def column_key(name: str) -> str:
    """Return the form of a column name that header matching compares."""
    return name.strip().casefold()


@dataclass(frozen=True, slots=True)
class RecordMap:
    """The record of one kind that each row of a file yields."""

    kind: RecordKind
    columns: dict[str, str]
    """Vendor column name to canonical field name."""

    def required_columns(self) -> list[tuple[str, str]]:
        """Return the (column, field) pairs whose field every record needs."""
        spec = KINDS[self.kind]
        return [
            (column, name)
            for column, name in self.columns.items()
            if spec.by_name[name].required
        ]


@dataclass(frozen=True, slots=True)
class SkipRule:
    """Rows whose ``column`` holds one of ``values`` are skipped, with a reason."""

    column: str
    values: frozenset[str]
    """Values compared trimmed and casefolded."""
    reason: str

    def applies(self, value: str) -> bool:
        return value.strip().casefold() in self.values


@dataclass(frozen=True, slots=True)
class FileMap:
    """One file of a vendor export: its name (or glob) and what its rows carry."""

    name: str
    records: tuple[RecordMap, ...]
    required: bool = True
    """Whether a submission without a file of this name is rejected."""
    ignore: tuple[str, ...] = ()
    """Columns known to be in the export and deliberately not read."""
    order: tuple[str, ...] = ()
    """Column names in file order: the header of a headerless file, and the
    order the writer uses."""
    skip: SkipRule | None = None

    def matches(self, file_name: str) -> bool:
        """Return whether ``file_name`` is this file, ignoring case."""
        return fnmatch.fnmatchcase(file_name.casefold(), self.name.casefold())

    @property
    def kinds(self) -> tuple[RecordKind, ...]:
        return tuple(record.kind for record in self.records)

    @property
    def write_name(self) -> str:
        """Return the file name the writer uses: the name without glob characters."""
        return self.name.replace("*", "").replace("?", "")

    def columns(self) -> list[str]:
        """Return every column the file carries, in file order, each once."""
        found = list(self.order)
        seen = {column_key(column) for column in found}
        for record in self.records:
            for column in record.columns:
                if column_key(column) not in seen:
                    seen.add(column_key(column))
                    found.append(column)
        return found


@dataclass(frozen=True)
class VendorMapping:
    """A vendor export layout: files, columns, date formats and code crosswalks."""

    name: str
    description: str
    source: str
    """The public document the layout was written from."""
    files: tuple[FileMap, ...]
    encoding: str = "utf-8"
    delimiter: str = ","
    quoted: bool = True
    header: bool = True
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    crosswalks: tuple[Crosswalk, ...] = ()
    assumptions: dict[str, str] = field(default_factory=dict)
    """What the layout takes for granted without a public source, by subject."""
    origin: str = ""
    """The mapping file it was loaded from."""

    @property
    def kinds(self) -> tuple[RecordKind, ...]:
        found = {kind for file_map in self.files for kind in file_map.kinds}
        return tuple(kind for kind in RecordKind if kind in found)

    def dialect(self) -> SourceDialect:
        """Return how this vendor writes values, for normalization."""
        return SourceDialect(
            self.name, self.date_formats, "calpads", tuple(self.crosswalks)
        )

    def text_format(self, encoding: str | None = None) -> TextFormat:
        """Return the delimited-text settings, with ``encoding`` if one is declared."""
        return TextFormat(
            encoding or self.encoding, self.delimiter, self.quoted, self.header
        )

    def file_map(self, file_name: str) -> FileMap | None:
        """Return the declared file that ``file_name`` is, or None."""
        for file_map in self.files:
            if file_map.matches(file_name):
                return file_map
        return None

    def crosswalk(self, code_set: str) -> Crosswalk | None:
        """Return this vendor's crosswalk for ``code_set``, or None."""
        for crosswalk in self.crosswalks:
            if crosswalk.code_set == code_set:
                return crosswalk
        return None


class MappingInvalid(UsageError):
    """A mapping file cannot be used: the message lists every problem."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(
            f"mapping file {path} is invalid:\n{listed}\n"
            f"run `sislink mapping check {path}` for the fixes"
        )
        self.problems = problems


def load_mapping(path: Path) -> VendorMapping:
    """Load and validate the mapping file at ``path``.

    Raises:
        UsageError: the file is missing or unreadable.
        MappingInvalid: the file has problems; each one is listed.
    """
    from sislink.formats.mapped.checks import check_mapping_file

    mapping, problems = check_mapping_file(path)
    if mapping is None:
        raise MappingInvalid(path, [problem.describe() for problem in problems])
    return mapping


def builtin_mappings() -> list[VendorMapping]:
    """Load the mappings shipped in ``sislink/formats/mappings``, by file name."""
    return [load_mapping(path) for path in sorted(BUILTIN_FOLDER.glob("*.toml"))]
