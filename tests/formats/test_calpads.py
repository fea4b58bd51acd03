"""Tests of the CALPADS caret-file reader and writer.

The sample files in ``samples/calpads`` are synthetic and cp1252 encoded, as
Windows tools write them.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sislink.cli import app
from sislink.demo.generator import generate_world
from sislink.errors import InputError
from sislink.formats import get_reader, get_writer
from sislink.formats.base import ReadItem, StoredRecord
from sislink.formats.calpads import layouts
from sislink.formats.calpads.layouts import LAYOUTS
from sislink.formats.calpads.positions import FileLayout, Position
from sislink.formats.calpads.reader import CalpadsReader
from sislink.model import (
    KINDS,
    FieldType,
    Finding,
    Provenance,
    RecordKind,
    Removed,
    Skipped,
    SourceRecord,
)
from sislink.model.codes import CODE_SETS
from sislink.normalize import normalize

SAMPLES = Path(__file__).parent / "samples" / "calpads"
LEGACY = SAMPLES / "legacy"

STUDENT = RecordKind.STUDENT
ENROLLMENT = RecordKind.ENROLLMENT
PROGRAM = RecordKind.SPECIAL_EDUCATION_PROGRAM
PLAN = RecordKind.PLAN
EVALUATION = RecordKind.EVALUATION
SERVICE = RecordKind.SERVICE

FAST = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


# --- helpers ---------------------------------------------------------------


def line(record_type: str, values: Mapping[str, str] | None = None) -> str:
    """Return a line of ``record_type`` with ``values`` by field number (``1.09``)."""
    layout = LAYOUTS[record_type]
    cells = [""] * layout.width
    cells[0] = record_type
    numbers = [position.number for position in layout.positions]
    for number, value in (values or {}).items():
        cells[numbers.index(number)] = value
    return "^".join(cells)


def write(
    folder: Path, name: str, lines: Iterable[str], encoding: str = "utf-8"
) -> Path:
    path = folder / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def read_all(*paths: Path, encoding: str | None = None) -> list[ReadItem]:
    reader = get_reader("calpads", encoding)
    return list(reader.read(reader.collect(list(paths))))


def records(items: list[ReadItem], kind: RecordKind) -> list[SourceRecord]:
    return [i for i in items if isinstance(i, SourceRecord) and i.kind is kind]


def findings(items: list[ReadItem], code: str | None = None) -> list[Finding]:
    return [
        i for i in items if isinstance(i, Finding) and (code is None or i.code == code)
    ]


def canonical(items: list[ReadItem], kind: RecordKind) -> list[dict[str, Any]]:
    return [normalize(record)[0].data for record in records(items, kind)]


def sample_value(position: Position, kind: RecordKind, name: str) -> tuple[str, Any]:
    """Return a source text for a field and the canonical value it becomes."""
    spec = KINDS[kind].by_name[name]
    if spec.type is FieldType.DATE:
        return "20240131", "2024-01-31"
    if spec.type is FieldType.INTEGER:
        return "30", 30
    if spec.type is FieldType.CODE:
        assert spec.code_set is not None
        code = next(iter(CODE_SETS[spec.code_set].codes))
        return code, code
    if spec.type is FieldType.IDENTIFIER:
        return "00042", "00042"
    return "Text é", "Text é"


def full_line(layout: FileLayout) -> str:
    """Return a line with every position that fills a canonical field filled."""
    values: dict[str, str] = {}
    for position in layout.positions:
        if position.fills:
            kind, name = position.fills[0]
            values[position.number] = sample_value(position, kind, name)[0]
    return line(layout.record_type, values)


FIELD_CASES = [
    pytest.param(layout, position, kind, name, id=f"{position.number}-{kind}-{name}")
    for layout in LAYOUTS.values()
    for position in layout.positions
    for kind, name in position.fills
]


# --- the layouts -------------------------------------------------------------


@pytest.mark.parametrize(
    ("record_type", "width"),
    [
        ("SENR", 35),
        ("SPED", 43),
        ("SINF", 42),
        ("SWDS", 14),
        ("MEET", 20),
        ("PLAN", 20),
        ("SERV", 17),
    ],
)
def test_layout_widths(record_type: str, width: int) -> None:
    assert LAYOUTS[record_type].width == width


@pytest.mark.parametrize(
    ("record_type", "number", "kind", "name"),
    [
        ("SENR", "1.05", ENROLLMENT, "school_id"),
        ("SENR", "1.09", STUDENT, "local_student_id"),
        ("SENR", "1.10", STUDENT, "first_name"),
        ("SENR", "1.11", STUDENT, "middle_name"),
        ("SENR", "1.12", STUDENT, "last_surname"),
        ("SENR", "1.17", STUDENT, "birth_date"),
        ("SENR", "1.23", ENROLLMENT, "entry_date"),
        ("SENR", "1.24", ENROLLMENT, "enrollment_status"),
        ("SENR", "1.25", ENROLLMENT, "entry_grade_level"),
        ("SPED", "14.24", PLAN, "plan_type"),
        ("SPED", "14.28", PLAN, "primary_disability"),
        ("SPED", "14.29", PLAN, "secondary_disability"),
        ("PLAN", "23.12", PLAN, "effective_start_date"),
        ("PLAN", "23.15", PLAN, "primary_disability"),
        ("PLAN", "23.17", PLAN, "secondary_disability"),
        ("SWDS", "22.12", PROGRAM, "special_education_status"),
        ("SINF", "2.39", STUDENT, "guardian_1_first_name"),
        ("SINF", "2.40", STUDENT, "guardian_1_last_surname"),
    ],
)
def test_confirmed_positions(
    record_type: str, number: str, kind: RecordKind, name: str
) -> None:
    layout = LAYOUTS[record_type]
    position = next(p for p in layout.positions if p.number == number)
    assert position.confirmed
    assert (kind, name) in position.fills


def test_every_assumption_has_a_reason() -> None:
    for layout in LAYOUTS.values():
        for position in layout.positions:
            assert position.confirmed or position.assumption, position.number


# --- every field ---------------------------------------------------------------


@pytest.mark.parametrize(("layout", "position", "kind", "name"), FIELD_CASES)
def test_every_field_is_read(
    tmp_path: Path, layout: FileLayout, position: Position, kind: RecordKind, name: str
) -> None:
    text, expected = sample_value(position, kind, name)
    path = write(tmp_path, "FILE.txt", [full_line(layout)])
    cells = full_line(layout).split("^")
    cells[layout.positions.index(position)] = text
    path.write_text("^".join(cells) + "\n", encoding="utf-8")

    items = read_all(path)

    (record,) = records(items, kind)
    assert record.provenance == Provenance("FILE.txt", 1)
    data, problems = normalize(record)
    assert data.data[name] == expected
    assert [p for p in problems if p.is_error] == []


# --- the samples -----------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_items() -> list[ReadItem]:
    return read_all(SAMPLES, encoding="cp1252")


@pytest.mark.parametrize(
    ("kind", "count"),
    [
        (STUDENT, 3),
        (ENROLLMENT, 4),
        (PROGRAM, 2),
        (PLAN, 2),
        (EVALUATION, 2),
        (SERVICE, 2),
    ],
)
def test_sample_counts(
    sample_items: list[ReadItem], kind: RecordKind, count: int
) -> None:
    assert len(records(sample_items, kind)) == count


def test_sample_has_no_findings(sample_items: list[ReadItem]) -> None:
    assert findings(sample_items) == []


def test_students_come_first(sample_items: list[ReadItem]) -> None:
    kinds = [i.kind for i in sample_items if isinstance(i, SourceRecord)]
    assert kinds[:3] == [STUDENT] * 3
    assert STUDENT not in kinds[3:]


def test_sinf_is_the_student_record(sample_items: list[ReadItem]) -> None:
    students = records(sample_items, STUDENT)
    by_id = {s.fields["local_student_id"]: s for s in students}
    assert len(by_id) == len(students)
    assert by_id["000101"].provenance == Provenance("SINF.txt", 1)
    assert by_id["000101"].fields["postal_code"] == "90012"
    assert by_id["000102"].provenance == Provenance("SINF.txt", 2)


def test_senr_fills_in_missing_students(sample_items: list[ReadItem]) -> None:
    student = next(
        s
        for s in records(sample_items, STUDENT)
        if s.fields["local_student_id"] == "000103"
    )
    assert student.provenance == Provenance("SENR.txt", 4)
    assert normalize(student)[0].data == {
        "local_student_id": "000103",
        "state_student_id": "0034567890",
        "first_name": "Renée",
        "middle_name": "Marie",
        "last_surname": "Côté",
        "birth_date": "2016-01-20",
        "sex": "F",
    }


def test_senr_only_gives_one_student_per_id(tmp_path: Path) -> None:
    senr = (SAMPLES / "SENR.txt").read_bytes()
    (tmp_path / "SENR.txt").write_bytes(senr)

    items = read_all(tmp_path, encoding="cp1252")

    students = records(items, STUDENT)
    assert sorted(s.fields["local_student_id"] for s in students) == [
        "000101",
        "000102",
        "000103",
    ]
    assert len(records(items, ENROLLMENT)) == 4


def test_cp1252_names_and_quote(sample_items: list[ReadItem]) -> None:
    names = {
        s.fields["local_student_id"]: (s.fields["first_name"], s.fields["last_surname"])
        for s in records(sample_items, STUDENT)
    }
    assert names["000101"] == ("José", "Peña")
    assert names["000102"] == ("Zoë", 'O"Brien')


def test_cp1252_read_as_utf8_names_byte(tmp_path: Path) -> None:
    items = read_all(SAMPLES / "SENR.txt")

    problems = findings(items, "encoding-invalid")
    assert [p.provenance for p in problems] == [
        Provenance("SENR.txt", n) for n in (1, 2, 3, 4)
    ]
    first = problems[0]
    assert first.is_error
    assert first.kind is ENROLLMENT
    assert "0xE9" in first.message
    assert "byte offset 70" in first.message
    assert first.field == "1.10 Student Legal First Name"
    assert "in column '1.10 Student Legal First Name'" in first.message
    assert first.value is None
    assert "Jos" not in first.message
    assert "Luis" not in first.message
    assert records(items, ENROLLMENT) == []


def test_sample_leading_zeros_kept(sample_items: list[ReadItem]) -> None:
    (service,) = [
        s for s in canonical(sample_items, SERVICE) if s["service_id"] == "S-02"
    ]
    assert service["nonpublic_agency_id"] == "0000456"
    assert service["local_student_id"] == "000102"


def test_legacy_sped_kinds(tmp_path: Path) -> None:
    items = read_all(LEGACY, encoding="cp1252")

    assert findings(items) == []
    (program,) = canonical(items, PROGRAM)
    assert program["begin_date"] == "2022-08-05"
    assert program["program_education_organization_id"] == "1234567"
    plans = canonical(items, PLAN)
    assert [p["plan_id"] for p in plans] == ["MTG-1", "MTG-2"]
    assert plans[1]["secondary_disability"] == "240"
    assert plans[1]["effective_start_date"] == "2023-08-01"
    evaluations = canonical(items, EVALUATION)
    assert [e["meeting_type"] for e in evaluations] == ["10", "20", "30"]
    assert evaluations[0]["consent_date"] == "2022-06-10"


def test_covered_kinds_follow_record_types(tmp_path: Path) -> None:
    reader = CalpadsReader()
    senr = write(tmp_path, "a.txt", [line("SENR"), line("SERV")])
    empty = write(tmp_path, "b.txt", [])

    covered = reader.covered_kinds([senr, empty])

    assert covered == {STUDENT, ENROLLMENT, SERVICE}


def test_collect_takes_text_files(tmp_path: Path) -> None:
    write(tmp_path, "SENR.txt", [line("SENR")])
    write(tmp_path, "sped.dat", [line("SPED")])
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")

    files = CalpadsReader().collect([tmp_path])

    assert [f.name for f in files] == ["SENR.txt", "sped.dat"]


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        CalpadsReader().collect([tmp_path / "SENR.txt"])


# --- what goes wrong ---------------------------------------------------------------

GOOD_SENR = line(
    "SENR",
    {
        "1.05": "7654321",
        "1.08": "0012345678",
        "1.09": "000101",
        "1.10": "Ana",
        "1.12": "Ruiz",
        "1.17": "20150314",
        "1.23": "20230815",
        "1.24": "10",
        "1.25": "03",
    },
)


def _replace(text: str, number: str, value: str) -> str:
    layout = LAYOUTS[text.split("^", 1)[0]]
    cells = text.split("^")
    cells[[p.number for p in layout.positions].index(number)] = value
    return "^".join(cells)


@pytest.mark.parametrize(
    ("second_line", "code", "kind"),
    [
        pytest.param(GOOD_SENR[: GOOD_SENR.rindex("^")], "calpads-field-count-mismatch",
                     ENROLLMENT, id="short-row"),
        pytest.param(GOOD_SENR + "^", "calpads-field-count-mismatch", ENROLLMENT,
                     id="long-row"),
        pytest.param(line("PLAN")[:-3], "calpads-field-count-mismatch", PLAN,
                     id="short-plan"),
        pytest.param("SXYZ^^1", "calpads-record-type-unknown", None, id="unknown-type"),
        pytest.param("senr^x", "calpads-field-count-mismatch", ENROLLMENT,
                     id="lower-case-type"),
        pytest.param("SENR^A\x00B", "calpads-field-count-mismatch", ENROLLMENT,
                     id="nul-byte"),
    ],
)  # fmt: skip
def test_bad_rows_become_findings(
    tmp_path: Path, second_line: str, code: str, kind: RecordKind | None
) -> None:
    path = write(tmp_path, "SENR.txt", [GOOD_SENR, second_line, GOOD_SENR])

    items = read_all(path)

    (problem,) = findings(items)
    assert problem.code == code
    assert problem.is_error
    assert problem.kind is kind
    assert problem.provenance == Provenance("SENR.txt", 2)
    assert len(records(items, ENROLLMENT)) == 2


@pytest.mark.parametrize(
    ("second_line", "detail"),
    [
        pytest.param(
            "SINF,,0001,Ana,Ruiz,20150302",
            "the line has no caret '^', so it is not a CALPADS record",
            id="comma-delimited",
        ),
        pytest.param(
            "Ana Ruiz^20150302^000101",
            "the line's first field is not a record type code",
            id="name-first",
        ),
        pytest.param(
            "^Ana^Ruiz", "the line's first field is empty", id="empty-first-field"
        ),
    ],
)
def test_unknown_record_type_quotes_nothing(
    tmp_path: Path, second_line: str, detail: str
) -> None:
    path = write(tmp_path, "SENR.txt", [GOOD_SENR, second_line])

    (problem,) = findings(read_all(path))

    assert problem.code == "calpads-record-type-unknown"
    assert problem.message.startswith(f"{detail}. Every line starts with one of ")
    assert problem.value is None
    assert "Ana" not in problem.message
    assert "Ruiz" not in problem.message


@pytest.mark.parametrize(
    ("number", "value", "code", "field"),
    [
        ("1.23", "20160230", "date-invalid", "entryDate"),
        ("1.23", "2016-02-01", "date-invalid", "entryDate"),
        ("1.23", "00000000", "date-invalid", "entryDate"),
        ("1.25", "13", "code-unknown", "entryGradeLevel"),
        ("1.24", "40", "code-unknown", "enrollmentStatus"),
        ("1.09", "1.23457E+09", "identifier-scientific-notation", "localStudentId"),
        ("1.05", "", "required-missing", "schoolId"),
    ],
)
def test_bad_values_become_findings(
    tmp_path: Path, number: str, value: str, code: str, field: str
) -> None:
    path = write(tmp_path, "SENR.txt", [GOOD_SENR, _replace(GOOD_SENR, number, value)])

    items = read_all(path)

    enrollment = records(items, ENROLLMENT)[1]
    _record, problems = normalize(enrollment)
    (problem,) = problems
    assert problem.code == code
    assert problem.field == field
    assert problem.provenance == Provenance("SENR.txt", 2)


@pytest.mark.parametrize(
    ("number", "value", "code"),
    [
        ("1.17", "20160230", "date-invalid"),
        ("1.08", "1.23457E+09", "identifier-scientific-notation"),
        ("1.18", "Q", "code-unknown"),
    ],
)
def test_bad_student_values(tmp_path: Path, number: str, value: str, code: str) -> None:
    path = write(tmp_path, "SENR.txt", [_replace(GOOD_SENR, number, value)])

    (student,) = records(read_all(path), STUDENT)

    _record, problems = normalize(student)
    assert [p.code for p in problems] == [code]
    assert problems[0].provenance == Provenance("SENR.txt", 1)


def test_ssid_leading_zeros_kept(tmp_path: Path) -> None:
    path = write(tmp_path, "SENR.txt", [GOOD_SENR])

    (student,) = canonical(read_all(path), STUDENT)

    assert student["state_student_id"] == "0012345678"
    assert student["local_student_id"] == "000101"


def test_wrong_delimiter_rejects_file(tmp_path: Path) -> None:
    path = write(tmp_path, "SENR.txt", [GOOD_SENR.replace("^", "|")])

    items = read_all(path)

    (problem,) = findings(items)
    assert problem.code == "file-unreadable"
    assert "pipe" in problem.message
    assert problem.provenance == Provenance("SENR.txt", 1)
    assert records(items, ENROLLMENT) == []


def test_empty_file_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "SENR.txt"
    path.write_bytes(b"")

    (problem,) = findings(read_all(path))

    assert problem.code == "calpads-file-empty"
    assert not problem.is_error
    assert problem.provenance == Provenance("SENR.txt")


def test_blank_lines_are_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, "SENR.txt", ["", GOOD_SENR, "   "])

    items = read_all(path)

    assert findings(items) == []
    assert [r.provenance.line for r in records(items, ENROLLMENT)] == [2]


def test_byte_order_mark_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "SENR.txt"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD_SENR.encode() + b"\n")

    items = read_all(path)

    assert findings(items) == []
    assert CalpadsReader().covered_kinds([path]) == {STUDENT, ENROLLMENT}


def test_transaction_types_warn_once(tmp_path: Path) -> None:
    marked = _replace(GOOD_SENR, "1.02", "D")
    path = write(tmp_path, "SENR.txt", [GOOD_SENR, marked, marked])

    items = read_all(path)

    (problem,) = findings(items)
    assert problem.code == "calpads-transaction-type-not-applied"
    assert not problem.is_error
    assert problem.provenance == Provenance("SENR.txt", 2)
    assert "2 line(s)" in problem.message
    assert len(records(items, ENROLLMENT)) == 3


def test_delete_code_yields_removals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sislink.formats.calpads import reader

    monkeypatch.setattr(reader, "DELETE_TRANSACTION_CODES", frozenset({"D"}))
    path = write(tmp_path, "SENR.txt", [_replace(GOOD_SENR, "1.02", "D")])

    items = read_all(path)

    (removed,) = [i for i in items if isinstance(i, Removed)]
    assert removed.kind is ENROLLMENT
    assert removed.key == "000101|7654321|2023-08-15"
    assert records(items, STUDENT) == []
    assert findings(items) == []


def test_no_deletion_code_is_declared() -> None:
    assert not layouts.DELETE_TRANSACTION_CODES


# --- writer and round trip -----------------------------------------------------------

ROUND_TRIP: dict[RecordKind, list[dict[str, Any]]] = {
    STUDENT: [
        {
            "local_student_id": "000101",
            "state_student_id": "0012345678",
            "first_name": "José",
            "middle_name": 'Luis "Pepe"',
            "last_surname": "Peña",
            "birth_date": "2015-03-14",
            "sex": "M",
            "postal_code": "90012",
            "guardian_1_first_name": "María",
            "guardian_1_last_surname": "Peña",
            "guardian_2_first_name": "Luis",
            "guardian_2_last_surname": "Ortega",
            "preferred_first_name": "not carried",
        },
    ],
    ENROLLMENT: [
        {
            "local_student_id": "000101",
            "school_id": "0765432",
            "entry_date": "2023-08-15",
            "exit_withdraw_date": "2024-01-31",
            "exit_withdraw_type": "T160",
            "entry_grade_level": "TK",
            "enrollment_status": "10",
            "entry_type": "not carried",
        },
    ],
    PROGRAM: [
        {
            "local_student_id": "000101",
            "program_education_organization_id": "1234567",
            "begin_date": "2023-09-01",
            "special_education_status": "3",
        },
    ],
    PLAN: [
        {
            "local_student_id": "000101",
            "plan_id": "P-01",
            "plan_type": "150",
            "effective_start_date": "2023-08-01",
            "primary_disability": "281",
            "secondary_disability": "240",
            "special_education_setting": "400",
            "general_education_participation": "1",
        },
    ],
    EVALUATION: [
        {
            "local_student_id": "000101",
            "evaluation_id": "M-01",
            "referral_date": "2023-06-01",
            "consent_date": "2023-06-10",
            "meeting_type": "10",
            "meeting_date": "2023-08-01",
            "meeting_delay_code": "1",
        },
    ],
    SERVICE: [
        {
            "local_student_id": "000101",
            "service_id": "S-01",
            "service_code": "330",
            "provider_type": "400",
            "nonpublic_agency_id": "0000456",
            "location": "100",
            "duration_minutes": 30,
            "start_date": "2023-08-01",
        },
    ],
}


def carried(kind: RecordKind) -> set[str]:
    """Return the fields of ``kind`` that the written layouts carry."""
    from sislink.formats.calpads.writer import WRITTEN

    return {
        name
        for layout in WRITTEN
        if layout.kind is kind or (layout.record_type == "SENR" and kind is STUDENT)
        for position in layout.positions
        for target, name in position.fills
        if target is kind
    }


def round_trip(
    folder: Path, source: Mapping[RecordKind, Iterable[StoredRecord]]
) -> list[ReadItem]:
    written = get_writer("calpads")(folder, lambda kind: iter(source.get(kind, [])))
    assert [p.name for p in written] == [
        "SINF.txt",
        "SENR.txt",
        "SWDS.txt",
        "MEET.txt",
        "PLAN.txt",
        "SERV.txt",
    ]
    return read_all(folder)


@pytest.mark.parametrize("kind", list(ROUND_TRIP))
def test_round_trip_keeps_values(tmp_path: Path, kind: RecordKind) -> None:
    items = round_trip(tmp_path, ROUND_TRIP)

    assert findings(items) == []
    expected = [
        {k: v for k, v in record.items() if k in carried(kind)}
        for record in ROUND_TRIP[kind]
    ]
    assert canonical(items, kind) == expected


def test_writer_writes_ccyymmdd(tmp_path: Path) -> None:
    round_trip(tmp_path, ROUND_TRIP)

    cells = (tmp_path / "SENR.txt").read_text(encoding="utf-8").split("^")

    assert len(cells) == 35
    assert cells[0] == "SENR"
    assert cells[16] == "20150314"
    assert cells[22] == "20230815"
    assert cells[11] == "Peña"


def test_writer_rejects_caret(tmp_path: Path) -> None:
    student = {**ROUND_TRIP[STUDENT][0], "last_surname": "Pe^na"}

    with pytest.raises(ValueError, match="caret"):
        get_writer("calpads")(tmp_path, lambda kind: iter([student]))


# (character in a value, how the writer's error describes it)
UNWRITABLE = [
    ("^", "a caret '^'"),
    ("\r\n", "a line break"),
    ("\t", "a tab"),
    ("\x00", "the control character U+0000"),
    ("\x1b", "the control character U+001B"),
    ("\x7f", "the control character U+007F"),
    ("\x9b", "the control character U+009B"),
    ("\x85", "a line break"),
    ("\u2028", "a line break"),
    ("\u2029", "a line break"),
]


@pytest.mark.parametrize(("character", "described"), UNWRITABLE)
def test_writer_rejects_unwritable_character(
    tmp_path: Path, character: str, described: str
) -> None:
    student = {**ROUND_TRIP[STUDENT][0], "first_name": f"Jo{character}sé"}

    with pytest.raises(ValueError, match="CALPADS file cannot carry") as raised:
        get_writer("calpads")(tmp_path, lambda kind: iter([student]))

    message = str(raised.value)
    assert message.startswith(
        f"SINF.txt, student with local id 000101: student field first_name "
        f"contains {described}, which"
    )
    assert "Jo" not in message
    assert "sé" not in message


def test_writer_names_the_file_of_other_kinds(tmp_path: Path) -> None:
    plan = {**ROUND_TRIP[PLAN][0], "special_education_setting": "4\t00"}
    source = {**ROUND_TRIP, PLAN: [plan]}

    with pytest.raises(ValueError, match="CALPADS file cannot carry") as raised:
        get_writer("calpads")(tmp_path, lambda kind: iter(source.get(kind, [])))

    assert str(raised.value).startswith(
        "PLAN.txt, student with local id 000101: plan field "
        "special_education_setting contains a tab, which"
    )


def test_writer_puts_guardians_in_sinf(tmp_path: Path) -> None:
    round_trip(tmp_path, ROUND_TRIP)

    cells = (tmp_path / "SINF.txt").read_text(encoding="utf-8").rstrip().split("^")

    assert len(cells) == 42
    assert cells[38:42] == ["María", "Peña", "Luis", "Ortega"]


def test_caret_error_leaves_out_the_name(tmp_path: Path) -> None:
    student = {**ROUND_TRIP[STUDENT][0], "guardian_2_first_name": "Lu^is"}

    with pytest.raises(ValueError, match="guardian_2_first_name") as raised:
        get_writer("calpads")(tmp_path, lambda kind: iter([student]))

    assert "Lu^is" not in str(raised.value)


def test_round_trip_demo_world(tmp_path: Path) -> None:
    world = generate_world(120, 1, seed=3, defect_rate=0.0, deliveries=False)
    charter = next(code for code in world.organizations if code != world.district_code)

    def source(kind: RecordKind) -> Iterator[StoredRecord]:
        return iter(world.records(charter, kind))

    get_writer("calpads")(tmp_path, source)
    items = read_all(tmp_path)

    assert findings(items) == []
    for kind in (STUDENT, ENROLLMENT, PROGRAM, PLAN, EVALUATION, SERVICE):
        fields = carried(kind)
        expected = [
            {k: v for k, v in r.items() if k in fields and v not in (None, "")}
            for r in world.records(charter, kind)
        ]
        assert canonical(items, kind) == expected, kind


# --- properties ------------------------------------------------------------------


def _check_items(items: list[ReadItem]) -> None:
    for item in items:
        assert isinstance(item, SourceRecord | Removed | Skipped | Finding)
        if isinstance(item, SourceRecord):
            normalize(item)


@FAST
@given(content=st.binary(max_size=400))
def test_random_bytes_never_raise(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "SENR.txt"
        path.write_bytes(b"SENR^" + content)
        for encoding in ("utf-8", "cp1252"):
            _check_items(read_all(path, encoding=encoding))


CELL = st.text(
    alphabet=st.characters(blacklist_characters="^\r\n\x00", codec="utf-8"),
    max_size=12,
)


@st.composite
def well_formed_lines(draw: st.DrawFn) -> str:
    layout = draw(st.sampled_from(list(LAYOUTS.values())))
    cells = draw(st.lists(CELL, min_size=layout.width - 1, max_size=layout.width - 1))
    return "^".join([layout.record_type, *cells])


@FAST
@given(lines=st.lists(well_formed_lines(), max_size=8))
def test_random_rows_read(lines: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), "MIXED.txt", lines)
        items = read_all(path)

    _check_items(items)
    assert [f for f in findings(items) if f.is_error] == []
    by_type: dict[str, list[str | None]] = {"SENR": [], "SINF": []}
    for student in records(items, STUDENT):
        assert student.provenance.line is not None
        record_type = lines[student.provenance.line - 1][:4]
        by_type[record_type].append(student.fields.get("local_student_id"))
    assert len(set(by_type["SENR"])) == len(by_type["SENR"])
    assert not set(by_type["SENR"]) & set(by_type["SINF"])


# --- end to end --------------------------------------------------------------------

runner = CliRunner()


def sislink(url: str, *args: str) -> Any:
    return runner.invoke(app, ["--db", url, *args])


@pytest.fixture
def url(database_url: str) -> str:
    assert sislink(database_url, "init").exit_code == 0
    return database_url


def add_organizations(url: str, lea: str, kind: str) -> None:
    assert (
        sislink(url, "org", "add", lea, "--name", "LEA", "--kind", kind).exit_code == 0
    )
    for school in ("7654321", "7654322"):
        added = sislink(
            url, "org", "add", school, "--name", school, "--kind", "school",
            "--parent", lea,
        )  # fmt: skip
        assert added.exit_code == 0, added.output


def stored(url: str) -> dict[str, dict[str, dict[str, Any]]]:
    feed = json.loads(sislink(url, "changes", "--since", "0", "--json").stdout)
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for change in feed["changes"]:
        found.setdefault(change["kind"], {})[change["key"]] = change["data"]
    return found


def test_submit_samples_end_to_end(url: str) -> None:
    add_organizations(url, "1234567", "charter")

    result = sislink(
        url, "submit", "--org", "1234567", "--format", "calpads",
        "--encoding", "cp1252", str(SAMPLES), "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["status"] == "committed"
    expected = {
        "student": 3,
        "enrollment": 4,
        "special_education_program": 2,
        "plan": 2,
        "evaluation": 2,
        "service": 2,
    }
    for kind, count in expected.items():
        counts = summary["records"][kind]
        assert counts["accepted"] == count, kind
        assert counts["read"] == (
            counts["accepted"] + counts["rejected"] + counts["skipped"]
        )
    data = stored(url)
    assert data["student"]["000103"]["last_surname"] == "Côté"
    assert data["student"]["000102"]["last_surname"] == 'O"Brien'
    assert data["enrollment"]["000101|7654322|2024-02-05"]["entry_grade_level"] == "03"
    assert data["plan"]["000101|P-01"]["secondary_disability"] == "240"
    assert data["service"]["000102|S-02"]["nonpublic_agency_id"] == "0000456"


def test_submit_utf8_misread_rejects_rows(url: str) -> None:
    add_organizations(url, "1234567", "charter")

    result = sislink(
        url, "submit", "--org", "1234567", "-f", "calpads",
        str(SAMPLES / "SENR.txt"), "--json",
    )  # fmt: skip

    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    counts = summary["records"]["enrollment"]
    assert counts["rejected"] == 4
    assert counts["read"] == counts["accepted"] + counts["rejected"] + counts["skipped"]


def test_roster_load_from_senr_and_sinf(url: str, tmp_path: Path) -> None:
    add_organizations(url, "1964733", "district")
    for name in ("SENR.txt", "SINF.txt"):
        (tmp_path / name).write_bytes((SAMPLES / name).read_bytes())

    result = sislink(
        url, "roster", "load", "-f", "calpads", "--encoding", "cp1252",
        str(tmp_path), "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["organization"] == "1964733"
    assert summary["records"]["student"]["accepted"] == 3
    assert summary["records"]["enrollment"]["accepted"] == 4
    data = stored(url)
    assert data["student"]["000101"]["state_student_id"] == "0012345678"
    assert data["student"]["000101"]["first_name"] == "José"


def test_edge_control_characters(tmp_path: Path) -> None:
    senr = _replace(GOOD_SENR, "1.10", "\x1fAna\x0b")
    path = write(tmp_path, "SENR.txt", ["\x0c" + senr])

    items = read_all(path)

    assert findings(items) == []
    [student] = records(items, STUDENT)
    assert student.fields["first_name"] == "\x1fAna\x0b"
    record, problems = normalize(student)
    assert record.data["first_name"] == "Ana"
    assert [(p.code, p.field) for p in problems] == [
        ("control-character-removed", "firstName")
    ]
