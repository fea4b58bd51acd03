"""Tests of the OneRoster 1.1 CSV reader and writer.

The sample bundles in samples/oneroster-csv are synthetic: a bulk bundle of
one charter with two schools and three students, and a delta bundle that
ends one student and one enrollment.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sislink.cli import app
from sislink.formats.base import ReadItem, RecordSource
from sislink.formats.oneroster import OneRosterCsvReader
from sislink.formats.oneroster.writer import write
from sislink.model import (
    Finding,
    Provenance,
    RecordKind,
    Removed,
    Severity,
    Skipped,
    SourceRecord,
)
from sislink.normalize import normalize

SAMPLES = Path(__file__).parent / "samples" / "oneroster-csv"
BULK = SAMPLES / "bulk"
DELTA = SAMPLES / "delta"

runner = CliRunner()


# --- helpers ---------------------------------------------------------------


def read_all(*paths: Path, encoding: str | None = None) -> list[ReadItem]:
    reader = OneRosterCsvReader(encoding)
    return list(reader.read(reader.collect(list(paths))))


def records(items: list[ReadItem], kind: RecordKind) -> list[SourceRecord]:
    return [i for i in items if isinstance(i, SourceRecord) and i.kind == kind]


def findings(items: list[ReadItem], code: str | None = None) -> list[Finding]:
    return [
        i for i in items if isinstance(i, Finding) and (code is None or i.code == code)
    ]


def normalized(record: SourceRecord) -> dict[str, Any]:
    canonical, problems = normalize(record)
    assert [p for p in problems if p.is_error] == []
    return canonical.data


def bundle(tmp_path: Path, name: str = "bundle") -> Path:
    """Return a copy of the bulk sample bundle to change."""
    target = tmp_path / name
    shutil.copytree(BULK, target)
    return target


def replace_line(path: Path, line: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def set_manifest(folder: Path, prop: str, value: str) -> None:
    manifest = folder / "manifest.csv"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    lines = [line for line in lines if not line.startswith(prop + ",")]
    lines.append(f"{prop},{value}")
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- the bulk sample -------------------------------------------------------


def test_collect_orders_bundle() -> None:
    files = OneRosterCsvReader().collect([BULK])

    assert [f.name for f in files] == [
        "manifest.csv",
        "orgs.csv",
        "academicSessions.csv",
        "demographics.csv",
        "users.csv",
        "enrollments.csv",
    ]


def test_covered_kinds_bulk_and_delta() -> None:
    reader = OneRosterCsvReader()

    assert reader.covered_kinds(reader.collect([BULK])) == {
        RecordKind.ORGANIZATION,
        RecordKind.STUDENT,
        RecordKind.ENROLLMENT,
    }
    assert reader.covered_kinds(reader.collect([DELTA])) == frozenset()


def test_bulk_sample_items() -> None:
    items = read_all(BULK)

    assert findings(items) == []
    assert len(records(items, RecordKind.ORGANIZATION)) == 3
    assert len(records(items, RecordKind.STUDENT)) == 3
    assert len(records(items, RecordKind.ENROLLMENT)) == 3
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert [(s.kind, s.provenance.line) for s in skipped] == [
        (RecordKind.ORGANIZATION, 5),
        (RecordKind.STUDENT, 5),
        (RecordKind.ENROLLMENT, 6),
    ]


def test_districts_come_before_schools() -> None:
    organizations = records(read_all(BULK), RecordKind.ORGANIZATION)

    kinds = [r.fields["organization_kind"] for r in organizations]
    assert kinds == ["district", "school", "school"]


@pytest.mark.parametrize(
    ("local_id", "field", "expected"),
    [
        ("stu-001", "first_name", "Ana"),
        ("stu-001", "middle_name", "Lucía"),
        ("stu-001", "last_surname", "Pérez"),
        ("stu-001", "state_student_id", "4000000001"),
        ("stu-001", "birth_date", "2015-03-09"),
        ("stu-001", "sex", "F"),
        ("stu-002", "state_student_id", "0012345678"),
        ("stu-002", "sex", "M"),
        ("stu-003", "last_surname", "O'Neil"),
        ("stu-003", "state_student_id", "4000000003"),
    ],
)
def test_student_fields(local_id: str, field: str, expected: str) -> None:
    students = records(read_all(BULK), RecordKind.STUDENT)
    found = {r.fields["local_student_id"]: normalized(r) for r in students}

    assert found[local_id][field] == expected


@pytest.mark.parametrize(
    ("key", "field", "expected"),
    [
        ("stu-001|org-hhe|2024-08-14", "entry_grade_level", "03"),
        ("stu-001|org-hhe|2024-08-14", "exit_withdraw_date", None),
        ("stu-002|org-hhe|2024-08-14", "entry_grade_level", "KN"),
        ("stu-003|org-hhm|2024-08-14", "exit_withdraw_date", "2025-06-12"),
        ("stu-003|org-hhm|2024-08-14", "entry_grade_level", "07"),
    ],
)
def test_enrollment_fields(key: str, field: str, expected: str | None) -> None:
    enrollments = records(read_all(BULK), RecordKind.ENROLLMENT)
    found = {normalize(r)[0].key: normalized(r) for r in enrollments}

    assert found[key].get(field) == expected


# --- guardians -------------------------------------------------------------

AGENT_ROW = (
    "{id},{status},,false,org-hhe,{role},{id},,{given_name},{family_name},,,,,,,,"
)


def with_agents(tmp_path: Path, agent_ids: str, *agents: str) -> Path:
    """Return a bundle whose first student names ``agent_ids``, agents appended."""
    folder = bundle(tmp_path)
    users = folder / "users.csv"
    replace_line(
        users,
        2,
        "stu-001,,,true,org-hhe,student,aperez,{SSID:4000000001},Ana,Pérez,Lucía,"
        f'10001,,,,"{agent_ids}",03,',
    )
    with users.open("a", encoding="utf-8") as handle:
        handle.writelines(agent + "\n" for agent in agents)
    return folder


def agent(
    user: str, role: str, given_name: str, family_name: str, status: str = ""
) -> str:
    return AGENT_ROW.format(
        id=user,
        status=status,
        role=role,
        given_name=given_name,
        family_name=family_name,
    )


def first_student(folder: Path) -> dict[str, Any]:
    students = records(read_all(folder), RecordKind.STUDENT)
    found = {r.fields["local_student_id"]: normalized(r) for r in students}
    return found["stu-001"]


def test_guardians_follow_agent_order(tmp_path: Path) -> None:
    folder = with_agents(
        tmp_path,
        "par-2,tch-001,par-1,par-3",
        agent("par-1", "parent", "Rosa", "Pérez"),
        agent("par-2", "guardian", "Omar", "Haddad"),
        agent("par-3", "relative", "Lina", "Pérez"),
    )

    student = first_student(folder)

    assert student["guardian_1_first_name"] == "Omar"
    assert student["guardian_1_last_surname"] == "Haddad"
    assert student["guardian_2_first_name"] == "Rosa"
    assert student["guardian_2_last_surname"] == "Pérez"


def test_agents_are_not_students(tmp_path: Path) -> None:
    folder = with_agents(tmp_path, "par-1", agent("par-1", "parent", "Rosa", "Pérez"))

    items = read_all(folder)

    assert findings(items) == []
    assert len(records(items, RecordKind.STUDENT)) == 3
    skipped = [
        (i.kind, i.provenance.line)
        for i in items
        if isinstance(i, Skipped) and i.provenance.file == "users.csv"
    ]
    assert skipped == [(RecordKind.STUDENT, 5), (RecordKind.STUDENT, 6)]


def test_deleted_agent_is_no_guardian(tmp_path: Path) -> None:
    folder = with_agents(
        tmp_path,
        "par-1,par-2",
        agent("par-1", "parent", "Rosa", "Pérez", status="tobedeleted"),
        agent("par-2", "guardian", "Omar", "Haddad"),
    )

    student = first_student(folder)

    assert student["guardian_1_first_name"] == "Omar"
    assert student.get("guardian_2_first_name") is None


def test_unknown_agent_gives_no_guardian(tmp_path: Path) -> None:
    student = first_student(with_agents(tmp_path, "par-9,tch-001"))

    assert student.get("guardian_1_first_name") is None
    assert student.get("guardian_1_last_surname") is None


UNRESOLVED = "guardian-reference-unresolved"
STUDENT_ROW = "{id},{status},,true,org-hhe,student,{id},,Kim,Lee,,{id},,,,{agents},03,"


def student_row(user: str, agent_ids: str, status: str = "") -> str:
    return STUDENT_ROW.format(id=user, status=status, agents=f'"{agent_ids}"')


def append_users(folder: Path, *rows: str) -> None:
    with (folder / "users.csv").open("a", encoding="utf-8") as handle:
        handle.writelines(row + "\n" for row in rows)


def test_unknown_agents_one_warning(tmp_path: Path) -> None:
    # Line 2 names par-9, which has no row. Line 6 is par-1's row.
    folder = with_agents(
        tmp_path, "par-9,par-1", agent("par-1", "parent", "Rosa", "Pérez")
    )
    append_users(
        folder,
        student_row("stu-004", "tch-001"),
        student_row("stu-005", "par-1"),
        student_row("stu-006", "par-8"),
    )

    items = read_all(folder)

    [warning] = findings(items, UNRESOLVED)
    assert warning.severity is Severity.WARNING
    assert warning.kind is RecordKind.STUDENT
    assert warning.provenance == Provenance("users.csv", 2)
    assert warning.message.startswith("3 student record(s) name guardians")
    assert "in agentSourcedIds" in warning.message
    assert "(at lines 2, 7 and 9)" in warning.message
    assert "users.csv" in warning.fix
    assert len(records(items, RecordKind.STUDENT)) == 6


def test_unknown_agents_warning_names_no_person(tmp_path: Path) -> None:
    folder = with_agents(tmp_path, "par-9")

    [warning] = findings(read_all(folder), UNRESOLVED)

    text = warning.message + warning.fix
    for private in ("par-9", "stu-001", "Ana", "Pérez", "4000000001", "10001"):
        assert private not in text
    assert (warning.field, warning.value, warning.record_key) == (None, None, None)


def test_unknown_agents_warning_lists_five(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    append_users(folder, *(student_row(f"stu-1{n}", "par-9") for n in range(7)))

    [warning] = findings(read_all(folder), UNRESOLVED)

    assert warning.message.startswith("7 student record(s)")
    assert "(at lines 6, 7, 8, 9 and 10, and in 2 more records)" in warning.message


def test_deleted_or_teacher_agent_is_unresolved(tmp_path: Path) -> None:
    folder = with_agents(
        tmp_path,
        "par-1",
        agent("par-1", "parent", "Rosa", "Pérez", status="tobedeleted"),
    )
    append_users(folder, student_row("stu-004", "tch-001"))

    [warning] = findings(read_all(folder), UNRESOLVED)

    assert "(at lines 2 and 7)" in warning.message


def test_resolved_agents_no_unresolved_warning(tmp_path: Path) -> None:
    folder = with_agents(
        tmp_path,
        "par-1,par-2",
        agent("par-1", "parent", "Rosa", "Pérez"),
        agent("par-2", "relative", "Omar", "Haddad"),
    )

    assert findings(read_all(folder)) == []
    assert findings(read_all(BULK), UNRESOLVED) == []


@pytest.mark.parametrize(
    ("status", "warned"), [("active", True), ("tobedeleted", False)]
)
def test_delta_student_unknown_agent(tmp_path: Path, status: str, warned: bool) -> None:
    folder = tmp_path / "delta"
    shutil.copytree(DELTA, folder)
    replace_line(folder / "users.csv", 2, student_row("stu-002", "par-1", status))

    items = read_all(folder)

    assert len(findings(items, UNRESOLVED)) == int(warned)


def test_two_classes_make_one_enrollment() -> None:
    enrollments = records(read_all(BULK), RecordKind.ENROLLMENT)

    first = [r for r in enrollments if r.fields["local_student_id"] == "stu-001"]
    assert len(first) == 1
    assert first[0].fields["entry_date"] == "2024-08-14"
    assert first[0].provenance.file == "enrollments.csv"
    assert first[0].provenance.line == 2


def test_enrollments_from_org_sourced_ids(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    (folder / "enrollments.csv").unlink()
    set_manifest(folder, "file.enrollments", "absent")

    items = read_all(folder)

    enrollments = records(items, RecordKind.ENROLLMENT)
    assert [normalize(r)[0].key for r in enrollments] == [
        "stu-001|org-hhe|2024-08-14",
        "stu-002|org-hhe|2024-08-14",
        "stu-003|org-hhm|2024-08-14",
    ]
    assert enrollments[0].provenance.file == "users.csv"
    reader = OneRosterCsvReader()
    assert RecordKind.ENROLLMENT in reader.covered_kinds(reader.collect([folder]))


def test_delta_sample_removes() -> None:
    items = read_all(DELTA)

    removed = [i for i in items if isinstance(i, Removed)]
    assert [(r.kind, r.key) for r in removed] == [
        (RecordKind.STUDENT, "stu-002"),
        (RecordKind.ENROLLMENT, "stu-003|org-hhm|2024-08-14"),
    ]
    assert removed[0].provenance.file == "users.csv"
    assert removed[0].provenance.line == 2
    assert findings(items) == []


# --- the manifest ------------------------------------------------------------


def file_errors(items: list[ReadItem]) -> list[Finding]:
    return findings(items, "file-unreadable")


def test_missing_manifest_one_error(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    (folder / "manifest.csv").unlink()

    items = read_all(folder)

    [error] = file_errors(items)
    assert error.provenance is not None
    assert error.provenance.file == "manifest.csv"
    assert "missing" in error.message
    assert records(items, RecordKind.STUDENT) == []


@pytest.mark.parametrize(
    ("prop", "value", "message"),
    [
        ("oneroster.version", "1.0", "declares '1.0'"),
        ("oneroster.version", "1.2", "declares '1.2'"),
        ("file.users", "full", "is not bulk, delta or absent"),
        ("file.users", "absent", "lists it as absent"),
        ("file.orgs", "absent", "lists it as absent"),
    ],
)
def test_manifest_errors(tmp_path: Path, prop: str, value: str, message: str) -> None:
    folder = bundle(tmp_path)
    set_manifest(folder, prop, value)

    [error] = file_errors(read_all(folder))

    assert message in error.message


def test_manifest_without_version(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    manifest = folder / "manifest.csv"
    text = manifest.read_text(encoding="utf-8").replace("oneroster.version,1.1\n", "")
    manifest.write_text(text, encoding="utf-8")

    [error] = file_errors(read_all(folder))

    assert "no oneroster.version" in error.message


@pytest.mark.parametrize("mode", ["bulk", "delta"])
def test_listed_file_missing(tmp_path: Path, mode: str) -> None:
    folder = bundle(tmp_path)
    (folder / "demographics.csv").unlink()
    set_manifest(folder, "file.demographics", mode)

    [error] = file_errors(read_all(folder))

    assert error.provenance is not None
    assert error.provenance.file == "demographics.csv"
    assert f"listed as {mode}" in error.message


def test_other_file_given_is_ignored(tmp_path: Path) -> None:
    folder = bundle(tmp_path)

    items = read_all(folder, folder / "classes.csv")

    [ignored] = findings(items, "file-ignored")
    assert ignored.severity is Severity.WARNING
    assert ignored.provenance is not None
    assert ignored.provenance.file == "classes.csv"


# --- rows that go wrong ------------------------------------------------------


USERS_ROW = "stu-009,{status},,true,org-hhe,student,zz,{ids},Zoe,Ng,,,,,,,{grade},"


@pytest.mark.parametrize(
    ("file", "line", "text", "code", "kind"),
    [
        (
            "users.csv",
            3,
            "stu-002,,,true,org-hhe,student,btran",
            "row-width-mismatch",
            RecordKind.STUDENT,
        ),
        (
            "users.csv",
            3,
            USERS_ROW.format(status="inactive", ids="", grade="01"),
            "oneroster-status-invalid",
            RecordKind.STUDENT,
        ),
        (
            "users.csv",
            3,
            USERS_ROW.format(status="", ids="SSID-123", grade="01"),
            "oneroster-user-ids-invalid",
            RecordKind.STUDENT,
        ),
        (
            "enrollments.csv",
            3,
            "enr-2,,,cls-3art,org-hhe,stu-001,student,false,2024-02-30,",
            "date-invalid",
            RecordKind.ENROLLMENT,
        ),
        (
            "enrollments.csv",
            3,
            "enr-2,,,cls-3art,org-hhe,stu-001,student,false,08/21/2024,",
            "date-invalid",
            RecordKind.ENROLLMENT,
        ),
        (
            "enrollments.csv",
            3,
            "enr-2,,,cls-3art,,stu-001,student,false,2024-08-21,",
            "required-missing",
            RecordKind.ENROLLMENT,
        ),
        (
            "demographics.csv",
            3,
            "stu-001,,,2015-03-09,female,,,,,,,,,,,",
            "oneroster-demographics-duplicate",
            RecordKind.STUDENT,
        ),
        (
            "orgs.csv",
            3,
            "org-hhe,deleted,,Harbor Hills Elementary,school,0136861,org-hh",
            "oneroster-status-invalid",
            RecordKind.ORGANIZATION,
        ),
    ],
)
def test_bad_row_finding(
    tmp_path: Path, file: str, line: int, text: str, code: str, kind: RecordKind
) -> None:
    folder = bundle(tmp_path)
    replace_line(folder / file, line, text)

    [found] = findings(read_all(folder), code)

    assert found.kind == kind
    assert found.provenance is not None
    assert found.provenance.file == file
    assert found.provenance.line == line


def test_rest_of_file_loads_after_bad_row(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    replace_line(folder / "users.csv", 3, "stu-002,,,true")

    students = records(read_all(folder), RecordKind.STUDENT)

    assert [r.fields["local_student_id"] for r in students] == ["stu-001", "stu-003"]


def test_invalid_bytes_name_line(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    users = folder / "users.csv"
    users.write_bytes(users.read_bytes().replace("Pérez".encode(), b"P\xe9rez"))

    items = read_all(folder)

    [error] = findings(items, "encoding-invalid")
    assert error.provenance is not None
    assert (error.provenance.file, error.provenance.line) == ("users.csv", 2)
    assert error.kind is RecordKind.STUDENT
    assert len(records(items, RecordKind.STUDENT)) == 2


def test_declared_cp1252_decodes(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    for path in folder.glob("*.csv"):
        path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))

    items = read_all(folder, encoding="cp1252")

    assert findings(items) == []
    names = {r.fields["last_surname"] for r in records(items, RecordKind.STUDENT)}
    assert "Pérez" in names


def test_wrong_delimiter_one_file_error(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    users = folder / "users.csv"
    users.write_text(
        users.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8"
    )

    [error] = file_errors(read_all(folder))

    assert error.provenance is not None
    assert error.provenance.file == "users.csv"
    assert "semicolon" in error.message


def test_byte_order_mark_is_stripped(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    users = folder / "users.csv"
    users.write_bytes(b"\xef\xbb\xbf" + users.read_bytes())

    assert findings(read_all(folder)) == []


def test_missing_column_one_file_error(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    users = folder / "users.csv"
    users.write_text(
        users.read_text(encoding="utf-8").replace("givenName", "firstName", 1),
        encoding="utf-8",
    )

    [error] = file_errors(read_all(folder))

    assert "'givenName'" in error.message
    assert error.provenance is not None
    assert error.provenance.line == 1


def test_empty_users_file_one_error(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    (folder / "users.csv").write_bytes(b"")

    items = read_all(folder)

    [error] = file_errors(items)
    assert error.provenance is not None
    assert error.provenance.file == "users.csv"
    assert records(items, RecordKind.STUDENT) == []


def test_header_only_file_is_empty_snapshot(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    users = folder / "users.csv"
    users.write_text(users.read_text(encoding="utf-8").splitlines()[0] + "\n")

    items = read_all(folder)

    assert file_errors(items) == []
    assert records(items, RecordKind.STUDENT) == []


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("birthDate", "0/0/0000", "date-invalid"),
        ("birthDate", "2016-02-30", "date-invalid"),
        ("sex", "unknown", "code-unmapped"),
        ("sex", "other", None),
    ],
)
def test_demographic_values(
    tmp_path: Path, column: str, value: str, code: str | None
) -> None:
    folder = bundle(tmp_path)
    row = {"birthDate": "2015-03-09", "sex": "female", column: value}
    replace_line(
        folder / "demographics.csv",
        2,
        f"stu-001,,,{row['birthDate']},{row['sex']},,,,,,,true,US,CA,,",
    )
    [first, *_] = records(read_all(folder), RecordKind.STUDENT)

    _record, problems = normalize(first)

    assert [p.code for p in problems] == ([code] if code else [])


@pytest.mark.parametrize(
    ("grade", "expected", "code"),
    [
        ("KG", "KN", None),
        ("TK", "TK", None),
        ("PK", "PS", None),
        ("PR", "PS", None),
        ("09", "09", None),
        ("UG", None, "code-unmapped"),
        ("13", None, "code-unmapped"),
        ("IT", None, "code-unmapped"),
    ],
)
def test_grade_crosswalk(
    tmp_path: Path, grade: str, expected: str | None, code: str | None
) -> None:
    folder = bundle(tmp_path)
    replace_line(
        folder / "users.csv",
        2,
        f"stu-001,,,true,org-hhe,student,aperez,{{SSID:4000000001}},Ana,Pérez,"
        f",10001,,,,,{grade},",
    )
    [first, *_] = records(read_all(folder), RecordKind.ENROLLMENT)

    record, problems = normalize(first)

    assert record.data["entry_grade_level"] == expected
    assert code is None or code in [p.code for p in problems]


def test_postsecondary_grade_is_rejected(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    replace_line(
        folder / "users.csv",
        2,
        "stu-001,,,true,org-hhe,student,aperez,,Ana,Pérez,,10001,,,,,PS,",
    )

    items = read_all(folder)

    [error] = findings(items, "oneroster-grade-postsecondary")
    assert error.kind is RecordKind.ENROLLMENT
    assert len(records(items, RecordKind.ENROLLMENT)) == 2


@pytest.mark.parametrize(
    ("user_ids", "expected"),
    [
        ("{SSID:1.23457E+09}", "identifier-scientific-notation"),
        ("{SSID:0000012345}", None),
        ('"{SSID: 0000012345 }"', None),
        ('"{SSID:\x0b0000012345\x1f }"', "control-character-removed"),
    ],
)
def test_state_id_values(tmp_path: Path, user_ids: str, expected: str | None) -> None:
    folder = bundle(tmp_path)
    replace_line(
        folder / "users.csv",
        2,
        f"stu-001,,,true,org-hhe,student,aperez,{user_ids},Ana,Pérez,,,,,,,03,",
    )
    [first, *_] = records(read_all(folder), RecordKind.STUDENT)

    record, problems = normalize(first)

    assert [p.code for p in problems] == ([expected] if expected else [])
    if expected is None:
        assert record.data["state_student_id"] == "0000012345"


def test_tobedeleted_in_bulk_is_skipped(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    replace_line(
        folder / "users.csv",
        3,
        "stu-002,tobedeleted,,true,org-hhe,student,btran,,Ben,Tran,,,,,,,KG,",
    )

    items = read_all(folder)

    assert [i for i in items if isinstance(i, Removed)] == []
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert any("tobedeleted" in s.reason for s in skipped)


def test_delta_row_without_status(tmp_path: Path) -> None:
    folder = tmp_path / "delta"
    shutil.copytree(DELTA, folder)
    replace_line(
        folder / "users.csv",
        2,
        "stu-002,,,false,org-hhe,student,btran,,Ben,Tran,,,,,,,KG,",
    )

    [error] = findings(read_all(folder), "oneroster-status-invalid")

    assert error.kind is RecordKind.STUDENT
    assert "delta" in error.message


# --- writer round trip -------------------------------------------------------


ORGANIZATIONS: list[dict[str, Any]] = [
    {
        "education_organization_id": "1964733",
        "name_of_institution": "Harbor & Hills, Charter",
        "organization_kind": "district",
        "parent_education_organization_id": None,
    },
    {
        "education_organization_id": "0136861",
        "name_of_institution": 'Harbor Hills "North" Elementary',
        "organization_kind": "school",
        "parent_education_organization_id": "1964733",
    },
]

STUDENTS: list[dict[str, Any]] = [
    {
        "local_student_id": "H-1001",
        "state_student_id": "0000000001",
        "first_name": "Ana",
        "middle_name": "Lucía",
        "last_surname": "O'Neil",
        "birth_date": "2014-03-09",
        "sex": "F",
        "guardian_1_first_name": "María José",
        "guardian_1_last_surname": "O'Neil",
        "guardian_2_first_name": "Sam",
        "guardian_2_last_surname": "Lee, Jr.",
    },
    {
        "local_student_id": "H-1002",
        "district_student_id": "900123",
        "first_name": "Ben",
        "last_surname": "Tran, Jr.",
        "birth_date": "2019-11-30",
        "sex": "M",
        "guardian_1_first_name": "Thu",
        "guardian_1_last_surname": "Tran",
    },
]

ENROLLMENTS: list[dict[str, Any]] = [
    {
        "local_student_id": "H-1001",
        "school_id": "0136861",
        "entry_date": "2024-08-15",
        "exit_withdraw_date": "2025-06-12",
        "entry_grade_level": "05",
    },
    {
        "local_student_id": "H-1002",
        "school_id": "0136861",
        "entry_date": "2024-08-15",
        "entry_grade_level": "PS",
    },
]

WRITTEN = {
    RecordKind.ORGANIZATION: ORGANIZATIONS,
    RecordKind.STUDENT: STUDENTS,
    RecordKind.ENROLLMENT: ENROLLMENTS,
}


def canonical(record: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in record.items() if value is not None}


@pytest.mark.parametrize("kind", list(WRITTEN))
def test_writer_round_trip(tmp_path: Path, kind: RecordKind) -> None:
    write(tmp_path, lambda k: iter(WRITTEN.get(k, [])))

    items = read_all(tmp_path)

    assert findings(items) == []
    found = [normalized(r) for r in records(items, kind)]
    assert found == [canonical(r) for r in WRITTEN[kind]]


def test_writer_bundle_layout(tmp_path: Path) -> None:
    paths = write(tmp_path, lambda k: iter(WRITTEN.get(k, [])))

    assert sorted(p.name for p in paths) == [
        "demographics.csv",
        "enrollments.csv",
        "manifest.csv",
        "orgs.csv",
        "users.csv",
    ]
    manifest = (tmp_path / "manifest.csv").read_text(encoding="utf-8")
    assert "oneroster.version,1.1" in manifest
    assert "file.users,bulk" in manifest
    assert "file.classes,absent" in manifest
    reader = OneRosterCsvReader()
    assert reader.covered_kinds(reader.collect([tmp_path])) == set(WRITTEN)


def test_writer_writes_guardian_agents(tmp_path: Path) -> None:
    write(tmp_path, lambda k: iter(WRITTEN.get(k, [])))

    with (tmp_path / "users.csv").open(encoding="utf-8", newline="") as handle:
        users = {row["sourcedId"]: row for row in csv.DictReader(handle)}

    assert users["H-1001"]["agentSourcedIds"] == ("H-1001-guardian-1,H-1001-guardian-2")
    assert users["H-1002"]["agentSourcedIds"] == "H-1002-guardian-1"
    guardian = users["H-1001-guardian-2"]
    assert guardian["role"] == "guardian"
    assert guardian["givenName"] == "Sam"
    assert guardian["familyName"] == "Lee, Jr."
    assert guardian["orgSourcedIds"] == "0136861"
    assert "H-1002-guardian-2" not in users


SIBLING_ENROLLMENTS: list[dict[str, Any]] = [
    {"local_student_id": "S1", "school_id": "0136861", "entry_date": "2024-08-15"},
    {"local_student_id": "S2", "school_id": "0136879", "entry_date": "2024-08-15"},
]
"""The siblings S1 and S2 attend two schools, and S3 has no enrollment."""


def sibling_source(siblings: list[dict[str, Any]]) -> RecordSource:
    records = {
        RecordKind.STUDENT: siblings,
        RecordKind.ENROLLMENT: SIBLING_ENROLLMENTS,
    }
    return lambda kind: iter(records.get(kind, []))


def test_writer_siblings_share_guardian(
    tmp_path: Path, siblings: list[dict[str, Any]]
) -> None:
    write(tmp_path, sibling_source(siblings))

    with (tmp_path / "users.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))

    assert [row["sourcedId"] for row in rows] == [
        "S1",
        "S2",
        "S3",
        "S1-guardian-1",
        "S1-guardian-2",
        "S2-guardian-1",
        "S3-guardian-1",
    ]
    users = {row["sourcedId"]: row for row in rows}
    assert users["S1"]["agentSourcedIds"] == "S1-guardian-1,S1-guardian-2"
    assert users["S2"]["agentSourcedIds"] == "S2-guardian-1,S1-guardian-1"
    assert users["S3"]["agentSourcedIds"] == "S3-guardian-1"
    shared = users["S1-guardian-1"]
    assert shared["givenName"] == "Rosa"
    assert shared["familyName"] == "Ruiz"
    assert shared["orgSourcedIds"] == "0136861,0136879"
    assert users["S3-guardian-1"]["orgSourcedIds"] == ""


def test_writer_siblings_read_back(
    tmp_path: Path,
    siblings: list[dict[str, Any]],
    siblings_read_back: list[dict[str, Any]],
) -> None:
    write(tmp_path, sibling_source(siblings))

    items = read_all(tmp_path)

    assert findings(items) == []
    found = [normalized(r) for r in records(items, RecordKind.STUDENT)]
    assert found == siblings_read_back


def test_writer_charter_reads_back_as_district(tmp_path: Path) -> None:
    charter = {**ORGANIZATIONS[0], "organization_kind": "charter"}
    write(tmp_path, lambda k: iter([charter] if k is RecordKind.ORGANIZATION else []))

    [record] = records(read_all(tmp_path), RecordKind.ORGANIZATION)

    assert record.fields["organization_kind"] == "district"


def test_writer_rejects_selpa(tmp_path: Path) -> None:
    selpa = {"education_organization_id": "3701", "organization_kind": "selpa"}

    with pytest.raises(ValueError, match="selpa"):
        write(tmp_path, lambda k: iter([selpa] if k is RecordKind.ORGANIZATION else []))


# --- property-based ----------------------------------------------------------


CELL = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"),
    max_size=12,
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELL, min_size=18, max_size=18), max_size=8))
def test_random_user_rows_never_raise(rows: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name) / "bundle"
        shutil.copytree(BULK, folder)
        with (folder / "users.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                (BULK / "users.csv")
                .read_text(encoding="utf-8")
                .splitlines()[0]
                .split(",")
            )
            writer.writerows(rows)
        items = read_all(folder)

    for item in items:
        assert isinstance(item, SourceRecord | Removed | Skipped | Finding)
        if isinstance(item, SourceRecord):
            normalize(item)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(["manifest.csv", "orgs.csv", "users.csv", "enrollments.csv"]),
    content=st.binary(max_size=200),
)
def test_random_bytes_in_bundle_never_raise(name: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name) / "bundle"
        shutil.copytree(BULK, folder)
        (folder / name).write_bytes(content)
        items = read_all(folder)

    for item in items:
        assert isinstance(item, SourceRecord | Removed | Skipped | Finding)


# --- end to end --------------------------------------------------------------


def sislink(url: str, *args: str) -> Any:
    return runner.invoke(app, ["--db", url, *args])


def submit(url: str, folder: Path) -> dict[str, Any]:
    result = sislink(
        url, "submit", "--org", "1964733", "-f", "oneroster-csv", str(folder), "--json"
    )
    assert result.exit_code == 0, result.output
    outcome: dict[str, Any] = json.loads(result.stdout)
    return outcome


def test_bulk_then_delta_end_to_end(database_url: str) -> None:
    assert sislink(database_url, "init").exit_code == 0
    added = sislink(
        database_url,
        "org",
        "add",
        "1964733",
        "--name",
        "Harbor Hills",
        "--kind",
        "charter",
    )
    assert added.exit_code == 0, added.output

    first = submit(database_url, BULK)

    assert first["status"] == "committed"
    counts = first["records"]
    assert counts["organization"]["accepted"] == 3
    assert counts["student"]["accepted"] == 3
    assert counts["enrollment"]["accepted"] == 3
    for kind_counts in counts.values():
        assert kind_counts["read"] == (
            kind_counts["accepted"] + kind_counts["rejected"] + kind_counts["skipped"]
        )

    second = submit(database_url, DELTA)

    assert second["status"] == "committed"
    assert second["changes"]["student"]["ended"] == 1
    assert second["changes"]["enrollment"]["ended"] == 1
    feed = json.loads(sislink(database_url, "changes", "--since", "0", "--json").stdout)
    operations = {(c["kind"], c["key"], c["operation"]) for c in feed["changes"]}
    assert ("student", "stu-002", "end") in operations
    assert ("enrollment", "stu-003|org-hhm|2024-08-14", "end") in operations
    assert ("student", "stu-001", "insert") in operations
    assert ("student", "stu-001", "end") not in operations


def test_edge_control_characters_in_ids_and_values(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    replace_line(
        folder / "users.csv",
        2,
        "stu-001\x0b,,,true,org-hhe\x1f,student\x0c,aperez,{SSID:4000000001},"
        "Ana,\x1cPérez,Lucía,10001,,,,,03,",
    )

    items = read_all(folder)

    [first, *_] = records(items, RecordKind.STUDENT)
    # Ids and codes join files and steer reading, so their edges are stripped.
    assert first.fields["local_student_id"] == "stu-001"
    assert first.fields["birth_date"] == "2015-03-09"
    # A value keeps the control character for normalization to report.
    assert first.fields["last_surname"] == "\x1cPérez"
    record, problems = normalize(first)
    assert record.data["last_surname"] == "Pérez"
    assert [(p.code, p.field) for p in problems] == [
        ("control-character-removed", "lastSurname")
    ]
    enrollments = records(items, RecordKind.ENROLLMENT)
    assert "stu-001" in {e.fields["local_student_id"] for e in enrollments}
