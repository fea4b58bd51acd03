"""Reader for CALPADS caret-delimited files (SENR, SINF, SPED, SWDS, MEET, PLAN, SERV).

Files may hold any mix of record types, because each line names its own
type in its first field. The records come out in the order the pipeline
needs, students before the records that refer to them, so the files are read
in three passes:

1. every line is checked, and SINF lines give the student records;
2. SENR lines give a student record for each local student id that no SINF
   line described, the first SENR line of that id;
3. every other line gives its records: enrollments from SENR, programs from
   SWDS, meetings from MEET, plans from PLAN, services from SERV, and all
   three special-education kinds from the legacy SPED file.

So a submission never has two student records for one local id: SINF is the
student record when present, and SENR fills in for the students SINF leaves
out. Findings about a line are reported once, in the first pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from sislink.formats.base import Reader, ReadItem, check_readable
from sislink.formats.calpads.layouts import (
    DELETE_TRANSACTION_CODES,
    LAYOUTS,
    PROGRAM,
    SENR,
    SINF,
    SPED,
    STUDENT,
)
from sislink.formats.calpads.positions import FileLayout
from sislink.formats.text import TextFormat, TextRow, read_delimited
from sislink.model import (
    KINDS,
    Finding,
    Provenance,
    RecordKind,
    Removed,
    SourceDialect,
    SourceRecord,
)
from sislink.model.characters import trim
from sislink.normalize import normalize
from sislink.validate import rules

DIALECT = SourceDialect("calpads", ("%Y%m%d",), "calpads")
"""CALPADS writes dates as CCYYMMDD and uses the state's own code values."""

SUFFIXES = (".txt", ".dat", ".csv")
"""File name endings a folder is searched for."""

COVERED: dict[str, tuple[RecordKind, ...]] = {
    "SENR": (RecordKind.STUDENT, RecordKind.ENROLLMENT),
    "SINF": (RecordKind.STUDENT,),
    "SWDS": (RecordKind.SPECIAL_EDUCATION_PROGRAM,),
    "MEET": (RecordKind.EVALUATION,),
    "PLAN": (RecordKind.PLAN,),
    "SERV": (RecordKind.SERVICE,),
    "SPED": (
        RecordKind.SPECIAL_EDUCATION_PROGRAM,
        RecordKind.PLAN,
        RecordKind.EVALUATION,
    ),
}
"""The kinds a file of each record type carries in full."""


class CalpadsReader(Reader):
    """Reads CALPADS state reporting files: caret delimited, no header, CCYYMMDD."""

    name: ClassVar[str] = "calpads"
    description: ClassVar[str] = (
        "California CALPADS state reporting files: caret (^) delimited, no "
        "header row, dates as CCYYMMDD, the record type in the first field of "
        "each line (SENR, SINF, SWDS, MEET, PLAN, SERV and the legacy SPED); "
        "UTF-8 unless declared, such as --encoding cp1252"
    )
    files: ClassVar[tuple[str, ...]] = (
        *(f"{record_type}.txt" for record_type in LAYOUTS),
        "any other *.txt, *.dat or *.csv file: each line's record type decides",
    )
    kinds: ClassVar[tuple[RecordKind, ...]] = (
        RecordKind.STUDENT,
        RecordKind.ENROLLMENT,
        RecordKind.SPECIAL_EDUCATION_PROGRAM,
        RecordKind.PLAN,
        RecordKind.EVALUATION,
        RecordKind.SERVICE,
    )

    def collect(self, paths: Sequence[Path]) -> list[Path]:
        """Return the files of ``paths``, in name order.

        A folder contributes the ``.txt``, ``.dat`` and ``.csv`` files directly
        inside it.
        """
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                files.extend(
                    sorted(
                        child
                        for child in path.iterdir()
                        if child.suffix.lower() in SUFFIXES and child.is_file()
                    )
                )
            else:
                check_readable(path)
                files.append(path)
        return files

    def covered_kinds(self, files: Sequence[Path]) -> frozenset[RecordKind]:
        """Return the kinds of the record types found in ``files``.

        CALPADS extracts are full files unless the source submits them with
        ``--delta``.
        """
        found: set[RecordKind] = set()
        for path in files:
            for record_type in _record_types(path):
                found.update(COVERED.get(record_type, ()))
        return frozenset(found)

    def read(self, files: Sequence[Path]) -> Iterator[ReadItem]:
        text_format = TextFormat(self.encoding, "^", quoted=False, header=False)
        state = _ReadState(text_format)
        for path in files:
            yield from state.check_file(path)
        for path in files:
            if "SENR" in state.types_of.get(path, ()):
                yield from state.enrollment_students(path)
        for path in files:
            if state.types_of.get(path, set()) - {"SINF"}:
                yield from state.other_records(path)


@dataclass
class _ReadState:
    """The state the passes share: record types per file and students read.

    NOTE: ``students`` and ``programs`` hold one key per student, so memory
    grows with the number of students, not with the size of the files.
    """

    text_format: TextFormat
    types_of: dict[Path, set[str]] = field(default_factory=dict)
    """The valid record types found in each readable file."""
    students: set[str] = field(default_factory=set)
    """Local student ids that already have a student record."""
    programs: set[str] = field(default_factory=set)
    """Keys of the program records read from SPED lines."""

    def check_file(self, path: Path) -> Iterator[ReadItem]:
        """Check every line of ``path``, and yield its findings and SINF students."""
        types: set[str] = set()
        transactions: Counter[str] = Counter()
        first_transaction: int | None = None
        lines = 0
        for row in read_delimited(path, self.text_format, line_layout=_line_layout):
            if isinstance(row, Finding):
                yield row
                if row.code == "file-unreadable":
                    return
                continue
            layout, problem = _check_row(path, row)
            lines += layout is not None or problem is not None
            if layout is None:
                if problem is not None:
                    yield problem
                continue
            types.add(layout.record_type)
            code = row.cells[1].strip()
            if code and code not in DELETE_TRANSACTION_CODES:
                transactions[code] += 1
                first_transaction = first_transaction or row.line
            if layout is SINF:
                yield from self._records(path, row, layout, (STUDENT,))
        self.types_of[path] = types
        if lines == 0:
            yield rules.CALPADS_FILE_EMPTY.finding(provenance=Provenance(path.name))
        if transactions:
            yield _transactions_warning(path, transactions, first_transaction)

    def enrollment_students(self, path: Path) -> Iterator[ReadItem]:
        """Yield a student from SENR for each local id without a student yet."""
        for row, layout in self._valid_rows(path):
            if layout is SENR and not _deletes(row):
                yield from self._records(path, row, layout, (STUDENT,))

    def other_records(self, path: Path) -> Iterator[ReadItem]:
        """Yield every record that is not a student, in the order of the lines."""
        for row, layout in self._valid_rows(path):
            kinds = tuple(kind for kind in layout.kinds if kind is not STUDENT)
            yield from self._records(path, row, layout, kinds)

    def _valid_rows(self, path: Path) -> Iterator[tuple[TextRow, FileLayout]]:
        for row in read_delimited(path, self.text_format):
            if isinstance(row, TextRow):
                layout, _problem = _check_row(path, row)
                if layout is not None:
                    yield row, layout

    def _records(
        self,
        path: Path,
        row: TextRow,
        layout: FileLayout,
        kinds: tuple[RecordKind, ...],
    ) -> Iterator[ReadItem]:
        provenance = Provenance(path.name, row.line)
        for kind in kinds:
            fields = layout.fields_of(kind, row.cells)
            if not self._wanted(layout, kind, fields):
                continue
            source = SourceRecord(kind, fields, provenance, DIALECT)
            if _deletes(row):
                yield Removed(kind, normalize(source)[0].key, provenance)
            else:
                yield source

    def _wanted(
        self, layout: FileLayout, kind: RecordKind, fields: dict[str, str]
    ) -> bool:
        """Return whether a line's fields make a record of ``kind`` worth reading."""
        if kind is STUDENT:
            # NOTE: every SINF line gives a student, so a student with several
            # effective-dated SINF lines gets a key-duplicate finding on the
            # later ones, and the first line is kept.
            local_id = fields.get("local_student_id", "")
            if layout is SENR and local_id in self.students:
                return False
            self.students.add(local_id)
            return True
        if layout is SPED and kind is PROGRAM:
            # A SPED line is one meeting, so a student has several: the program
            # is read from the first line that has its begin date.
            if "begin_date" not in fields:
                return False
            key = KINDS[kind].key_of(fields)
            if key in self.programs:
                return False
            self.programs.add(key)
            return True
        if layout is SPED and kind is RecordKind.PLAN:
            # A pending meeting (type 30) has no plan yet.
            return "plan_type" in fields
        return True


def _check_row(path: Path, row: TextRow) -> tuple[FileLayout | None, Finding | None]:
    """Return the row's layout, or None and the finding that explains why not.

    Blank lines have neither a layout nor a finding.
    """
    if not any(trim(cell) for cell in row.cells):
        return None, None
    provenance = Provenance(path.name, row.line)
    record_type = row.cells[0].strip()
    layout = LAYOUTS.get(record_type.upper())
    if layout is None:
        # The first field is left out of the finding: in a file that is not
        # caret delimited, it is the whole line.
        problem = rules.CALPADS_RECORD_TYPE_UNKNOWN.finding(
            provenance=provenance,
            field="recordType",
            known=", ".join(LAYOUTS),
            detail=_first_field_detail(row),
        )
        return None, problem
    if len(row.cells) != layout.width:
        problem = rules.CALPADS_FIELD_COUNT_MISMATCH.finding(
            kind=layout.kind,
            provenance=provenance,
            record_type=layout.record_type,
            found=len(row.cells),
            expected=layout.width,
        )
        return None, problem
    return layout, None


def _first_field_detail(row: TextRow) -> str:
    """Return why a line's first field is no record type code, without quoting it."""
    if len(row.cells) == 1:
        return "the line has no caret '^', so it is not a CALPADS record"
    if not row.cells[0].strip():
        return "the line's first field is empty"
    return "the line's first field is not a record type code"


def _deletes(row: TextRow) -> bool:
    return row.cells[1].strip() in DELETE_TRANSACTION_CODES


def _line_layout(record_type: str) -> tuple[RecordKind | None, list[str]]:
    """Return the kind and field names of a line whose first field is ``record_type``.

    A line that cannot be decoded then counts as a rejected record of that
    kind, and its error names the CALPADS field of the invalid byte.
    """
    layout = LAYOUTS.get(record_type.strip().upper())
    if layout is None:
        return None, []
    return layout.kind, [f"{p.number} {p.name}" for p in layout.positions]


def _transactions_warning(
    path: Path, transactions: Counter[str], first_line: int | None
) -> Finding:
    return rules.CALPADS_TRANSACTION_TYPE_NOT_APPLIED.finding(
        provenance=Provenance(path.name, first_line),
        field="transactionType",
        value=", ".join(sorted(transactions)),
        count=sum(transactions.values()),
        codes=", ".join(repr(code) for code in sorted(transactions)),
        line=first_line,
    )


def _record_types(path: Path) -> set[str]:
    """Return the record types that start the lines of ``path``.

    Only the bytes before each line's first caret are looked at, so the
    declared encoding does not matter. Undecodable lines are reported when
    the file is read.
    """
    found: set[str] = set()
    try:
        with path.open("rb") as handle:
            for raw in handle:
                head = raw.split(b"^", 1)[0].strip().lstrip(b"\xef\xbb\xbf")
                record_type = head.decode("ascii", errors="replace").upper()
                if record_type in LAYOUTS:
                    found.add(record_type)
    except OSError:
        return found
    return found
