"""Validation through whole submissions, on SQLite and PostgreSQL.

One submission trips every rule at once. The mass-change guard holds back a
snapshot that would withdraw too much. A later submission resolves the
findings it fixes and supersedes those it raises again, so each problem has
one open finding, and the reports and commands show all of it. A record
sent again unchanged is checked again while it has an open finding.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update
from typer.testing import CliRunner

from sislink import pipeline
from sislink.cli import app
from sislink.compliance.measures import compute_measures
from sislink.formats.sislink_csv import write_kind
from sislink.held import confirm_held, discard_held
from sislink.model import Provenance, RecordKind
from sislink.pipeline import SubmissionRequest, submit
from sislink.report.findings import render_findings
from sislink.store.organizations import add_organization, get_organization
from sislink.store.schema import changes, findings, record_versions, submissions

DISTRICT, CHARTER = "1964733", "2000000"
DISTRICT_SCHOOL, SCHOOL, OTHER_SCHOOL = "0100009", "0100001", "0100002"
STUDENT, ENROLLMENT = RecordKind.STUDENT, RecordKind.ENROLLMENT
PLAN, EVALUATION, SERVICE = RecordKind.PLAN, RecordKind.EVALUATION, RecordKind.SERVICE


def student(local_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "local_student_id": local_id,
        "first_name": f"Kid{local_id}",
        "last_surname": "Ruiz",
        "birth_date": "2016-05-10",
        **changes,
    }


def enrollment(local_id: str, school: str = SCHOOL, **changes: Any) -> dict[str, Any]:
    return {
        "local_student_id": local_id,
        "school_id": school,
        "entry_date": "2026-08-19",
        "entry_grade_level": "05",
        "enrollment_status": "10",
        **changes,
    }


def plan(local_id: str, plan_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "local_student_id": local_id,
        "plan_id": plan_id,
        "plan_type": "100",
        "effective_start_date": "2026-09-01",
        "primary_disability": "290",
        **changes,
    }


def evaluation(local_id: str, evaluation_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "local_student_id": local_id,
        "evaluation_id": evaluation_id,
        "consent_date": "2026-09-01",
        "meeting_date": "2026-10-01",
        "meeting_type": "10",
        **changes,
    }


def service(local_id: str, service_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "local_student_id": local_id,
        "service_id": service_id,
        "service_code": "330",
        "duration_minutes": 30,
        "frequency": 2,
        "start_date": "2026-09-01",
        **changes,
    }


def organizations_rows() -> list[dict[str, Any]]:
    return [
        {
            "education_organization_id": code,
            "name_of_institution": f"School {code}",
            "organization_kind": "school",
        }
        for code in (SCHOOL, OTHER_SCHOOL)
    ]


def write(folder: Path, records: dict[RecordKind, list[dict[str, Any]]]) -> Path:
    for kind, rows in records.items():
        write_kind(folder, kind, rows)
    return folder


def run(engine: Engine, folder: Path, org: str = CHARTER, **options: Any) -> Any:
    return submit(engine, SubmissionRequest(org, "sislink-csv", [folder], **options))


@pytest.fixture
def hub(engine: Engine, tmp_path: Path) -> Engine:
    with engine.begin() as connection:
        add_organization(connection, DISTRICT, "Unified District", "district")
        add_organization(connection, CHARTER, "Alpha Charter", "charter", DISTRICT)
        add_organization(
            connection, DISTRICT_SCHOOL, "District School", "school", DISTRICT
        )
    return engine


EXPECTED_CODES = {
    "required-missing",
    "date-invalid",
    "code-unknown",
    "key-duplicate",
    "student-reference-unresolved",
    "school-reference-unresolved",
    "state-student-id-invalid",
    "state-student-id-short",
    "date-in-future",
    "birth-date-implausible",
    "grade-age-mismatch",
    "exit-before-entry",
    "plan-end-before-start",
    "meeting-before-consent",
    "disability-281-age",
    "frequency-without-duration",
    "duration-too-short",
    "agency-id-missing",
    "local-id-two-children",
    "local-ids-one-child",
    "record-id-reused",
    "primary-enrollment-twice",
    "primary-enrollment-overlap",
    "special-education-disappeared",
    "submission-gap",
    "name-character-invalid",
    "name-without-letters",
}


def test_one_submission_trips_every_rule(hub: Engine, tmp_path: Path) -> None:
    # The district has an open primary enrollment of the child with SSID 1111111111.
    write(
        tmp_path / "district",
        {
            STUDENT: [student("D1", state_student_id="1111111111")],
            ENROLLMENT: [enrollment("D1", DISTRICT_SCHOOL)],
        },
    )
    run(hub, tmp_path / "district", DISTRICT)
    # The charter's earlier submission, two months ago, had plan P0 for S1.
    base = {
        RecordKind.ORGANIZATION: organizations_rows(),
        STUDENT: [student("S1")],
        PLAN: [plan("S1", "P0")],
    }
    run(hub, write(tmp_path / "first", base))
    with hub.begin() as connection:
        connection.execute(
            update(submissions).values(
                started_at=datetime.now(UTC) - timedelta(days=60)
            )
        )

    students = [
        student("S1"),
        student("S2", birth_date="2016-02-30"),
        student("S3", first_name=""),
        student("S4", state_student_id="12AB"),
        student("S5", state_student_id="12345"),
        student("S6", birth_date="2031-01-01"),
        student("S7", birth_date="1980-01-01"),
        student("S1"),
        student("S1", first_name="Other"),
        student("S8", first_name="KidS1"),
        student("S9", state_student_id="1111111111", first_name="Moved"),
        student("S10", birth_date="2024-03-01"),
        student("S11", guardian_1_last_surname="Ro^sa"),
        student("S12", first_name="-"),
    ]
    enrollments = [
        enrollment("S1"),
        enrollment("S1", OTHER_SCHOOL, entry_date="2026-09-01"),
        enrollment("S4", entry_grade_level="5th"),
        enrollment("S5", "9999999"),
        enrollment("S8", entry_grade_level="12"),
        enrollment("S9", exit_withdraw_date="2026-08-01", enrollment_status="20"),
        enrollment("S9", OTHER_SCHOOL, entry_date="2026-09-10"),
        enrollment("NOBODY"),
    ]
    plans = [
        plan("S1", "P1", effective_end_date="2026-08-01"),
        plan("S4", "P1"),
        plan("S10", "P10", primary_disability="281"),
    ]
    evaluations = [evaluation("S1", "E1", meeting_date="2026-08-15")]
    services = [
        service("S1", "V1", duration_minutes=None),
        service("S1", "V2", duration_minutes=5),
        service("S1", "V3", provider_type="400"),
    ]
    folder = write(
        tmp_path / "second",
        {
            RecordKind.ORGANIZATION: organizations_rows(),
            STUDENT: students,
            ENROLLMENT: enrollments,
            PLAN: plans,
            EVALUATION: evaluations,
            SERVICE: services,
        },
    )

    result = run(hub, folder)

    codes = {f.code for f in result.findings}
    assert codes >= EXPECTED_CODES, EXPECTED_CODES - codes
    for kind, counts in result.kinds.items():
        assert counts.balanced, kind
    assert result.status == "committed"


def test_findings_name_file_line_field_and_value(hub: Engine, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "s",
        {STUDENT: [student("S1")], SERVICE: [service("S1", "V1", duration_minutes=5)]},
    )
    result = run(hub, folder)
    (short,) = [f for f in result.findings if f.code == "duration-too-short"]
    assert short.provenance is not None
    assert (short.provenance.file, short.provenance.line) == ("services.csv", 2)
    assert (short.field, short.value, short.record_key) == (
        "durationMinutes",
        "5",
        "S1|V1",
    )


def test_name_characters_are_reported(hub: Engine, tmp_path: Path) -> None:
    names = {
        "middle_name": "Lu\tz",
        "guardian_1_first_name": "Zoe\nQuinn",
        "guardian_2_last_surname": "Ro^sa",
    }
    folder = write(tmp_path / "s", {STUDENT: [student("S1"), student("S2", **names)]})

    result = run(hub, folder)

    found = [f for f in result.findings if f.code == "name-character-invalid"]
    assert [(f.provenance.file, f.provenance.line) for f in found if f.provenance] == [
        ("students.csv", 3),
        ("students.csv", 3),
        ("students.csv", 3),
    ]
    assert [(f.field, f.value, f.record_key) for f in found] == [
        ("middleName", None, "S2"),
        ("guardian1FirstName", None, "S2"),
        ("guardian2LastSurname", None, "S2"),
    ]
    assert result.kinds[STUDENT].inserted == 2
    with hub.connect() as connection:
        stored = connection.execute(
            select(findings.c.field, findings.c.value).where(
                findings.c.code == "name-character-invalid"
            )
        ).all()
    assert sorted(tuple(row) for row in stored) == [
        ("guardian1FirstName", None),
        ("guardian2LastSurname", None),
        ("middleName", None),
    ]


def test_name_without_letters_is_reported(hub: Engine, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "s",
        {STUDENT: [student("S1"), student("S2", first_name="..", last_surname="'")]},
    )

    result = run(hub, folder)

    found = [f for f in result.findings if f.code == "name-without-letters"]
    assert [(f.field, f.value, f.record_key) for f in found] == [
        ("firstName", None, "S2"),
        ("lastSurname", None, "S2"),
    ]
    assert [f.provenance for f in found] == [Provenance("students.csv", 3)] * 2
    assert result.kinds[STUDENT].inserted == 2
    with hub.connect() as connection:
        stored = connection.execute(
            select(findings.c.field, findings.c.value).where(
                findings.c.code == "name-without-letters"
            )
        ).all()
    assert sorted(tuple(row) for row in stored) == [
        ("firstName", None),
        ("lastSurname", None),
    ]


def students_and_enrollments(count: int, grade: str = "05") -> dict[RecordKind, Any]:
    ids = [f"S{n:03d}" for n in range(count)]
    return {
        RecordKind.ORGANIZATION: organizations_rows(),
        STUDENT: [student(i) for i in ids],
        ENROLLMENT: [enrollment(i, entry_grade_level=grade) for i in ids],
    }


def current_count(engine: Engine, kind: RecordKind) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).where(
                    record_versions.c.kind == kind.value,
                    record_versions.c.valid_to_submission_id.is_(None),
                )
            ).scalar_one()
        )


def change_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(changes)).scalar_one()
        )


def test_mistyped_code_across_a_file_is_held(hub: Engine, tmp_path: Path) -> None:
    run(hub, write(tmp_path / "good", students_and_enrollments(40)))
    before = change_count(hub)

    held = run(hub, write(tmp_path / "bad", students_and_enrollments(40, "5th")))

    assert held.status == "held"
    (guard,) = [f for f in held.findings if f.code == "mass-change-held"]
    assert f"sislink submission confirm {held.submission_id}`" in guard.fix
    assert held.kinds[ENROLLMENT].rejected == 40
    assert held.kinds[STUDENT].held == 40
    assert held.kinds[STUDENT].accepted == 0
    for counts in held.kinds.values():
        assert counts.balanced
    assert change_count(hub) == before
    assert current_count(hub, ENROLLMENT) == 40


def test_snapshot_missing_half_is_held_then_confirmed(
    hub: Engine, tmp_path: Path
) -> None:
    run(hub, write(tmp_path / "all", students_and_enrollments(40)))
    half = students_and_enrollments(20)
    held = run(hub, write(tmp_path / "half", half))
    assert held.status == "held"
    assert current_count(hub, STUDENT) == 40
    for path in (tmp_path / "half").iterdir():
        path.unlink()  # the stored copy is what a confirmation reads

    confirmed = confirm_held(hub, held.submission_id, actor="test")

    assert confirmed.status == "committed"
    assert confirmed.kinds[STUDENT].ended == 20
    assert current_count(hub, STUDENT) == 20
    with hub.connect() as connection:
        row = connection.execute(
            select(submissions.c.status, submissions.c.resolved_by_submission_id).where(
                submissions.c.id == held.submission_id
            )
        ).one()
    assert tuple(row) == ("confirmed", confirmed.submission_id)


def test_discarded_submission_applies_nothing(hub: Engine, tmp_path: Path) -> None:
    run(hub, write(tmp_path / "all", students_and_enrollments(40)))
    held = run(hub, write(tmp_path / "half", students_and_enrollments(20)))
    discard_held(hub, held.submission_id, actor="test")
    assert current_count(hub, STUDENT) == 40
    with pytest.raises(Exception, match="discarded, not held"):
        confirm_held(hub, held.submission_id, actor="test")


def test_higher_limit_lets_the_snapshot_through(hub: Engine, tmp_path: Path) -> None:
    from sislink.validate.guard import GuardLimits

    run(hub, write(tmp_path / "all", students_and_enrollments(40)))
    result = run(
        hub,
        write(tmp_path / "half", students_and_enrollments(20)),
        limits=GuardLimits(0.6),
    )
    assert result.status == "committed"
    assert current_count(hub, STUDENT) == 20


def test_fixed_record_resolves_its_finding(hub: Engine, tmp_path: Path) -> None:
    broken = {STUDENT: [student("S1"), student("S2", birth_date="2016-13-01")]}
    first = run(hub, write(tmp_path / "first", broken))
    fixed = {STUDENT: [student("S1"), student("S2")]}
    second = run(hub, write(tmp_path / "second", fixed))

    with hub.connect() as connection:
        rows = connection.execute(
            select(
                findings.c.code, findings.c.status, findings.c.resolved_submission_id
            ).where(findings.c.submission_id == first.submission_id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("date-invalid", "resolved", second.submission_id)
    ]
    assert second.kinds[STUDENT].inserted == 1


def test_issues_command_reports_in_three_formats(
    hub: Engine, database_url: str, tmp_path: Path
) -> None:
    folder = write(
        tmp_path / "s",
        {STUDENT: [student("S1", first_name="=cmd()"), student("S2", birth_date="x")]},
    )
    submission_id = run(hub, folder).submission_id
    runner = CliRunner()

    def issues(fmt: str) -> Any:
        args = ["--db", database_url, "issues", str(submission_id), "--format", fmt]
        return runner.invoke(app, args)

    as_json = json.loads(issues("json").stdout)
    assert as_json["submission"]["id"] == submission_id
    assert [f["code"] for f in as_json["findings"]] == ["date-invalid"]
    as_csv = issues("csv").stdout.splitlines()
    assert as_csv[0].startswith(
        "file,line,record kind,record key,field,value,rule code"
    )
    assert "students.csv,3,student,S2,birthDate,x,date-invalid,error" in as_csv[1]
    html = issues("html").stdout
    assert "date-invalid" in html
    assert "What to do" in html
    assert issues("pdf").exit_code == 2


def test_rules_command_lists_every_rule(database_url: str) -> None:
    result = CliRunner().invoke(app, ["--db", database_url, "rules", "--json"])
    assert result.exit_code == 0
    rules = {r["code"]: r for r in json.loads(result.stdout)}
    assert set(rules) >= EXPECTED_CODES | {"mass-change-held", "rule-failed"}
    assert rules["duration-too-short"]["fields"] == ["duration_minutes"]
    assert rules["duration-too-short"]["severity"] == "error"
    assert "CALPADS" in rules["duration-too-short"]["source"]


def test_dry_run_prints_planned_changes(
    hub: Engine, database_url: str, tmp_path: Path
) -> None:
    folder = write(tmp_path / "s", {STUDENT: [student("S1"), student("S2")]})
    result = CliRunner().invoke(
        app,
        [
            "--db",
            database_url,
            "submit",
            "--org",
            CHARTER,
            "-f",
            "sislink-csv",
            str(folder),
            "--dry-run",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    assert output["status"] == "dry-run"
    assert output["planned_changes"] == [
        ["student", "S1", "insert"],
        ["student", "S2", "insert"],
    ]
    assert current_count(hub, STUDENT) == 0


def test_orphan_waits_for_its_student(hub: Engine, tmp_path: Path) -> None:
    # The special-education export comes before the student does.
    early = run(hub, write(tmp_path / "sped", {PLAN: [plan("S1", "P1")]}))
    assert early.kinds[PLAN].held == 1
    assert early.kinds[PLAN].balanced
    assert current_count(hub, PLAN) == 0

    later = run(hub, write(tmp_path / "sis", {STUDENT: [student("S1")]}))

    assert later.kinds[PLAN].inserted == 1
    assert current_count(hub, PLAN) == 1
    with hub.connect() as connection:
        status = connection.execute(
            select(findings.c.status, findings.c.resolved_submission_id).where(
                findings.c.submission_id == early.submission_id
            )
        ).one()
    assert tuple(status) == ("resolved", later.submission_id)


def test_unchanged_records_still_inform_the_checks(hub: Engine, tmp_path: Path) -> None:
    records = {
        STUDENT: [student("S1", birth_date="2024-03-01"), student("S2")],
        PLAN: [plan("S1", "P1", primary_disability="281"), plan("S2", "P2")],
    }
    first = run(hub, write(tmp_path / "first", records))
    # Another student makes the files differ, so every row is read again.
    records[STUDENT].append(student("S3"))
    again = run(hub, write(tmp_path / "again", records))

    for result in (first, again):
        codes = [f.code for f in result.findings]
        assert codes == ["disability-281-age"]
    assert again.kinds[STUDENT].inserted == 1
    assert again.kinds[STUDENT].unchanged == 2
    assert again.kinds[PLAN].inserted == 0
    assert again.kinds[PLAN].rejected == 1


@pytest.mark.parametrize("new_first", [False, True])
def test_repeated_consent_with_unchanged_evaluation(
    hub: Engine, tmp_path: Path, new_first: bool
) -> None:
    known = evaluation("S1", "E1", meeting_date=None)
    first = run(
        hub, write(tmp_path / "first", {STUDENT: [student("S1")], EVALUATION: [known]})
    )
    assert first.findings == []
    added = evaluation("S1", "E2", meeting_date="2026-10-15")
    rows = [added, known] if new_first else [known, added]
    again = run(
        hub, write(tmp_path / "again", {STUDENT: [student("S1")], EVALUATION: rows})
    )

    assert again.kinds[EVALUATION].unchanged == 1
    (found,) = again.findings
    assert found.code == "evaluation-consent-repeated"
    assert found.provenance is not None
    # Unchanged rows are remembered as they are read, before the batch of
    # changed rows is checked, so the new row carries the finding either way.
    line = 2 if new_first else 3
    assert (found.provenance.file, found.provenance.line) == ("evaluations.csv", line)
    assert (found.field, found.value) == ("consentDate", "2026-09-01")
    assert found.record_key == "S1|E2"

    # Both rows unchanged, in a file read again for another student.
    students = [student("S1"), student("S2")]
    third = run(hub, write(tmp_path / "third", {STUDENT: students, EVALUATION: rows}))
    assert third.kinds[EVALUATION].unchanged == 2
    assert [f.code for f in third.findings] == ["evaluation-consent-repeated"]


def test_resent_files_are_not_read_again(hub: Engine, tmp_path: Path) -> None:
    folder = write(tmp_path / "s", {STUDENT: [student("S1"), student("S2")]})
    first = run(hub, folder)
    again = run(hub, folder)

    assert again.status == "committed"
    assert again.submission_id != first.submission_id
    counts = again.kinds[STUDENT]
    assert (counts.read, counts.unchanged, counts.inserted) == (2, 2, 0)
    assert again.findings == []
    assert again.persons.linked == 2


def test_resent_files_with_errors_are_read_again(hub: Engine, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "s", {STUDENT: [student("S1"), student("S2", birth_date="x")]}
    )
    first = run(hub, folder)
    again = run(hub, folder)
    for result in (first, again):
        assert [f.code for f in result.findings] == ["date-invalid"]
        assert result.kinds[STUDENT].rejected == 1


def test_empty_file_rejects_the_submission(hub: Engine, tmp_path: Path) -> None:
    run(hub, write(tmp_path / "full", {STUDENT: [student("S1")]}))
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "students.csv").write_bytes(b"")

    result = run(hub, empty)

    assert result.status == "rejected"
    assert [f.code for f in result.findings] == ["file-unreadable"]
    assert "no header row" in result.findings[0].message
    assert current_count(hub, STUDENT) == 1


def test_unreadable_row_ends_nothing_of_its_kind(hub: Engine, tmp_path: Path) -> None:
    run(hub, write(tmp_path / "full", {STUDENT: [student("S1"), student("S2")]}))
    folder = write(tmp_path / "broken", {STUDENT: [student("S1")]})
    path = folder / "students.csv"
    path.write_text(
        path.read_text(encoding="utf-8") + "S2,only,three\n", encoding="utf-8"
    )

    result = run(hub, folder)

    codes = [f.code for f in result.findings]
    assert codes == ["row-width-mismatch", "ending-withheld"]
    assert result.kinds[STUDENT].ended == 0
    assert current_count(hub, STUDENT) == 2


# How later submissions close earlier findings.

SHORT_STATE_ID = "state-student-id-short"


def statuses(engine: Engine, submission_id: int) -> list[tuple[Any, ...]]:
    """Return (code, record key, status, closing submission) of a submission's
    findings, in the order they were stored."""
    columns = findings.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                columns.code,
                columns.record_key,
                columns.status,
                columns.resolved_submission_id,
            )
            .where(columns.submission_id == submission_id)
            .order_by(columns.id)
        )
        return [tuple(row) for row in rows]


def open_findings(engine: Engine, code: str) -> list[tuple[Any, ...]]:
    """Return (submission, record key, value) of every open finding of ``code``."""
    columns = findings.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(columns.submission_id, columns.record_key, columns.value)
            .where(columns.code == code, columns.status == "open")
            .order_by(columns.id)
        )
        return [tuple(row) for row in rows]


def test_unchanged_warning_record_stays_open(hub: Engine, tmp_path: Path) -> None:
    sent = {STUDENT: [student("S1"), student("S2", state_student_id="12345")]}
    first = run(hub, write(tmp_path / "first", sent))
    before = change_count(hub)
    # A new student makes the files differ, so every row is read again.
    sent[STUDENT].append(student("S3"))
    again = run(hub, write(tmp_path / "again", sent))

    assert statuses(hub, first.submission_id) == [
        (SHORT_STATE_ID, "S2", "superseded", again.submission_id)
    ]
    assert statuses(hub, again.submission_id) == [(SHORT_STATE_ID, "S2", "open", None)]
    assert open_findings(hub, SHORT_STATE_ID) == [(again.submission_id, "S2", "12345")]
    counts = again.kinds[STUDENT]
    assert (counts.unchanged, counts.inserted, counts.updated) == (2, 1, 0)
    assert change_count(hub) == before + 1


def test_data_quality_counts_unchanged_warning(hub: Engine, tmp_path: Path) -> None:
    sent = {STUDENT: [student("S1"), student("S2", state_student_id="12345")]}
    run(hub, write(tmp_path / "first", sent))
    sent[STUDENT].append(student("S3"))
    run(hub, write(tmp_path / "again", sent))

    with hub.connect() as connection:
        charter = get_organization(connection, CHARTER)
        measures = compute_measures(connection, datetime.now(UTC).date())
    quality = measures.quality[charter.id]
    assert quality.submissions == 2
    assert quality.open_errors == 0
    assert quality.open_warnings == 1


def test_resent_files_keep_findings_open(hub: Engine, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "s", {STUDENT: [student("S1"), student("S2", state_student_id="1")]}
    )
    first = run(hub, folder)
    again = run(hub, folder)

    assert again.findings == []
    assert statuses(hub, first.submission_id) == [(SHORT_STATE_ID, "S2", "open", None)]
    assert statuses(hub, again.submission_id) == []


def test_fixed_record_resolves_its_warning(hub: Engine, tmp_path: Path) -> None:
    bad = {STUDENT: [student("S1"), student("S2", state_student_id="12345")]}
    first = run(hub, write(tmp_path / "first", bad))
    fixed = {STUDENT: [student("S1"), student("S2", state_student_id="0000012345")]}
    second = run(hub, write(tmp_path / "second", fixed))

    assert statuses(hub, first.submission_id) == [
        (SHORT_STATE_ID, "S2", "resolved", second.submission_id)
    ]
    # A new state student id is a fact of its own.
    assert [f.code for f in second.findings] == ["state-student-id-changed"]
    assert open_findings(hub, SHORT_STATE_ID) == []


def test_changed_bad_record_keeps_one_open(hub: Engine, tmp_path: Path) -> None:
    bad = {STUDENT: [student("S1"), student("S2", state_student_id="12345")]}
    first = run(hub, write(tmp_path / "first", bad))
    still_bad = {
        STUDENT: [
            student("S1"),
            student("S2", state_student_id="123", last_surname="Ro"),
        ]
    }
    second = run(hub, write(tmp_path / "second", still_bad))

    assert second.kinds[STUDENT].updated == 1
    assert statuses(hub, first.submission_id) == [
        (SHORT_STATE_ID, "S2", "superseded", second.submission_id)
    ]
    assert open_findings(hub, SHORT_STATE_ID) == [(second.submission_id, "S2", "123")]


def test_rejected_record_keeps_one_open_error(hub: Engine, tmp_path: Path) -> None:
    bad = {STUDENT: [student("S1"), student("S2", birth_date="2016-13-01")]}
    first = run(hub, write(tmp_path / "first", bad))
    bad[STUDENT].append(student("S3"))
    unchanged = run(hub, write(tmp_path / "unchanged", bad))
    bad[STUDENT][1] = student("S2", birth_date="2016-14-01")
    changed = run(hub, write(tmp_path / "changed", bad))

    for result in (first, unchanged, changed):
        assert result.kinds[STUDENT].rejected == 1
    assert statuses(hub, first.submission_id) == [
        ("date-invalid", "S2", "superseded", unchanged.submission_id)
    ]
    assert statuses(hub, unchanged.submission_id) == [
        ("date-invalid", "S2", "superseded", changed.submission_id)
    ]
    assert open_findings(hub, "date-invalid") == [
        (changed.submission_id, "S2", "2016-14-01")
    ]


def test_left_out_record_resolves_its_finding(hub: Engine, tmp_path: Path) -> None:
    both = {STUDENT: [student("S1"), student("S2", state_student_id="12345")]}
    first = run(hub, write(tmp_path / "first", both))
    second = run(hub, write(tmp_path / "second", {STUDENT: [student("S1")]}))

    assert second.kinds[STUDENT].ended == 1
    assert statuses(hub, first.submission_id) == [
        (SHORT_STATE_ID, "S2", "resolved", second.submission_id)
    ]


def test_repeated_key_settles_by_its_rows(hub: Engine, tmp_path: Path) -> None:
    twice = {STUDENT: [student("S1"), student("S1")]}
    first = run(hub, write(tmp_path / "first", twice))
    twice[STUDENT].append(student("S2"))
    again = run(hub, write(tmp_path / "again", twice))
    once = run(hub, write(tmp_path / "once", {STUDENT: [student("S1"), student("S2")]}))

    assert again.kinds[STUDENT].unchanged == 1
    assert statuses(hub, first.submission_id) == [
        ("key-duplicate", "S1", "superseded", again.submission_id)
    ]
    assert statuses(hub, again.submission_id) == [
        ("key-duplicate", "S1", "resolved", once.submission_id)
    ]
    assert once.findings == []


def test_unchanged_pair_keeps_one_child_finding(hub: Engine, tmp_path: Path) -> None:
    # S2 has S1's name and birth date: probably one child entered twice.
    pair = {STUDENT: [student("S1"), student("S2", first_name="KidS1")]}
    first = run(hub, write(tmp_path / "first", pair))
    pair[STUDENT].append(student("S3"))
    again = run(hub, write(tmp_path / "again", pair))
    pair[STUDENT][1] = student("S2")
    renamed = run(hub, write(tmp_path / "renamed", pair))

    assert statuses(hub, first.submission_id) == [
        ("local-ids-one-child", "S2", "superseded", again.submission_id)
    ]
    assert statuses(hub, again.submission_id) == [
        ("local-ids-one-child", "S2", "resolved", renamed.submission_id)
    ]
    assert again.kinds[STUDENT].unchanged == 2
    assert renamed.findings == []


def test_unchanged_enrollments_keep_primary_twice(hub: Engine, tmp_path: Path) -> None:
    sent = {
        RecordKind.ORGANIZATION: organizations_rows(),
        STUDENT: [student("S1")],
        ENROLLMENT: [
            enrollment("S1"),
            enrollment("S1", OTHER_SCHOOL, entry_date="2026-09-01"),
        ],
    }
    first = run(hub, write(tmp_path / "first", sent))
    sent[STUDENT].append(student("S2"))
    again = run(hub, write(tmp_path / "again", sent))

    twice = "primary-enrollment-twice"
    key = f"S1|{OTHER_SCHOOL}|2026-09-01"
    assert statuses(hub, first.submission_id) == [
        (twice, key, "superseded", again.submission_id)
    ]
    assert open_findings(hub, twice) == [(again.submission_id, key, OTHER_SCHOOL)]
    assert again.kinds[ENROLLMENT].unchanged == 2


def test_new_enrollment_meets_unchanged_one(hub: Engine, tmp_path: Path) -> None:
    sent = {
        RecordKind.ORGANIZATION: organizations_rows(),
        STUDENT: [student("S1")],
        ENROLLMENT: [enrollment("S1")],
    }
    run(hub, write(tmp_path / "first", sent))
    # The student moved, and the first school did not exit them. The new
    # enrollment comes first in the file.
    moved = enrollment("S1", OTHER_SCHOOL, entry_date="2026-09-01")
    sent[ENROLLMENT].insert(0, moved)
    second = run(hub, write(tmp_path / "second", sent))

    found = [(f.code, f.record_key) for f in second.findings]
    assert found == [("primary-enrollment-twice", f"S1|{OTHER_SCHOOL}|2026-09-01")]
    assert second.kinds[ENROLLMENT].unchanged == 1
    assert second.kinds[ENROLLMENT].inserted == 1


def test_unchanged_plan_reusing_an_id_is_rejected(
    hub: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = {STUDENT: [student("S1"), student("S2")], PLAN: [plan("S1", "P1")]}
    run(hub, write(tmp_path / "first", sent))
    # One record per batch: S2's new plan is checked before S1's unchanged
    # plan is read, so the id is taken when the unchanged plan comes.
    monkeypatch.setattr(pipeline, "BATCH_SIZE", 1)
    sent[PLAN].insert(0, plan("S2", "P1"))
    second = run(hub, write(tmp_path / "second", sent))

    found = [(f.code, f.record_key) for f in second.findings]
    assert found == [("record-id-reused", "S1|P1")]
    counts = second.kinds[PLAN]
    assert (counts.inserted, counts.rejected, counts.unchanged) == (1, 1, 0)
    with hub.connect() as connection:
        current = connection.execute(
            select(record_versions.c.record_key).where(
                record_versions.c.kind == PLAN.value,
                record_versions.c.valid_to_submission_id.is_(None),
            )
        )
        assert sorted(current.scalars()) == ["S1|P1", "S2|P1"]


def test_birth_date_fix_resolves_grade_warning(hub: Engine, tmp_path: Path) -> None:
    # Twelfth grade at 10 years old on September 1: a grade-age mismatch.
    sent = {
        RecordKind.ORGANIZATION: organizations_rows(),
        STUDENT: [student("S1")],
        ENROLLMENT: [enrollment("S1", entry_grade_level="12")],
    }
    first = run(hub, write(tmp_path / "first", sent))
    sent[STUDENT].append(student("S2"))
    again = run(hub, write(tmp_path / "again", sent))
    sent[STUDENT][0] = student("S1", birth_date="2009-05-10")
    fixed = run(hub, write(tmp_path / "fixed", sent))

    mismatch = "grade-age-mismatch"
    key = f"S1|{SCHOOL}|2026-08-19"
    assert statuses(hub, first.submission_id) == [
        (mismatch, key, "superseded", again.submission_id)
    ]
    assert statuses(hub, again.submission_id) == [
        (mismatch, key, "resolved", fixed.submission_id)
    ]
    assert fixed.kinds[ENROLLMENT].unchanged == 1
    assert fixed.findings == []


def broken_students(folder: Path) -> Path:
    """Write S1 and a row that cannot be read, which ends no student."""
    write(folder, {STUDENT: [student("S1")]})
    path = folder / "students.csv"
    path.write_text(
        path.read_text(encoding="utf-8") + "S2,only,three\n", encoding="utf-8"
    )
    return folder


def test_file_finding_raised_again_is_superseded(hub: Engine, tmp_path: Path) -> None:
    run(hub, write(tmp_path / "full", {STUDENT: [student("S1"), student("S2")]}))
    broken = run(hub, broken_students(tmp_path / "broken"))
    again = run(hub, broken_students(tmp_path / "again"))
    fixed = run(
        hub, write(tmp_path / "fixed", {STUDENT: [student("S1"), student("S2")]})
    )

    assert statuses(hub, broken.submission_id) == [
        ("row-width-mismatch", None, "superseded", again.submission_id),
        ("ending-withheld", None, "superseded", again.submission_id),
    ]
    assert statuses(hub, again.submission_id) == [
        ("row-width-mismatch", None, "resolved", fixed.submission_id),
        ("ending-withheld", None, "resolved", fixed.submission_id),
    ]


def test_file_finding_waits_for_its_kind(hub: Engine, tmp_path: Path) -> None:
    run(hub, write(tmp_path / "full", {STUDENT: [student("S1"), student("S2")]}))
    broken = run(hub, broken_students(tmp_path / "broken"))
    plans = run(hub, write(tmp_path / "plans", {PLAN: [plan("S1", "P1")]}))

    assert plans.status == "committed"
    assert plans.kinds[PLAN].inserted == 1
    assert statuses(hub, broken.submission_id) == [
        ("row-width-mismatch", None, "open", None),
        ("ending-withheld", None, "open", None),
    ]


def test_unlinked_record_keeps_link_warning(hub: Engine, tmp_path: Path) -> None:
    first_id, second_id = "1111111111", "2222222222"
    run(
        hub,
        write(
            tmp_path / "first", {STUDENT: [student("S1", state_student_id=first_id)]}
        ),
    )
    moved = run(
        hub,
        write(
            tmp_path / "moved", {STUDENT: [student("S1", state_student_id=second_id)]}
        ),
    )
    # The student is rejected before linking, so the link warning cannot be
    # raised again, and it stays open.
    broken = student("S1", state_student_id=second_id, birth_date="2016-13-01")
    rejected = run(hub, write(tmp_path / "rejected", {STUDENT: [broken]}))
    fixed = run(
        hub,
        write(
            tmp_path / "fixed", {STUDENT: [student("S1", state_student_id=second_id)]}
        ),
    )

    changed = "state-student-id-changed"
    assert [f.code for f in moved.findings] == [changed]
    assert rejected.kinds[STUDENT].rejected == 1
    assert statuses(hub, moved.submission_id) == [
        (changed, "S1", "resolved", fixed.submission_id)
    ]
    assert statuses(hub, rejected.submission_id) == [
        ("date-invalid", "S1", "resolved", fixed.submission_id)
    ]
    assert fixed.findings == []


def test_adopted_orphan_keeps_other_findings(hub: Engine, tmp_path: Path) -> None:
    early = {
        RecordKind.ORGANIZATION: organizations_rows(),
        ENROLLMENT: [enrollment("S1", entry_grade_level="05\x07")],
    }
    orphan = run(hub, write(tmp_path / "early", early))
    later = run(hub, write(tmp_path / "later", {STUDENT: [student("S1")]}))

    key = f"S1|{SCHOOL}|2026-08-19"
    assert orphan.kinds[ENROLLMENT].held == 1
    assert later.kinds[ENROLLMENT].inserted == 1
    # The enrollment was applied as sent then, control character and all.
    assert statuses(hub, orphan.submission_id) == [
        ("control-character-removed", key, "open", None),
        ("student-reference-unresolved", key, "resolved", later.submission_id),
    ]


def test_rejected_submission_settles_nothing(hub: Engine, tmp_path: Path) -> None:
    bad = {STUDENT: [student("S1"), student("S2", state_student_id="12345")]}
    first = run(hub, write(tmp_path / "first", bad))
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "students.csv").write_bytes(b"")
    rejected = run(hub, empty)
    bad[STUDENT].append(student("S3"))
    again = run(hub, write(tmp_path / "again", bad))

    assert rejected.status == "rejected"
    assert statuses(hub, first.submission_id) == [
        (SHORT_STATE_ID, "S2", "superseded", again.submission_id)
    ]
    assert statuses(hub, rejected.submission_id) == [
        ("file-unreadable", None, "resolved", again.submission_id)
    ]


def test_findings_report_names_the_closing_one(hub: Engine, tmp_path: Path) -> None:
    sent = {STUDENT: [student("S1"), student("S2", state_student_id="12345")]}
    first = run(hub, write(tmp_path / "first", sent))
    sent[STUDENT].append(student("S3"))
    again = run(hub, write(tmp_path / "again", sent))

    with hub.connect() as connection:
        lines = render_findings(connection, first.submission_id, "csv").splitlines()
        html = render_findings(connection, first.submission_id, "html")
    assert lines[0].endswith(",status,closed by submission")
    assert lines[1].endswith(f",superseded,{again.submission_id}")
    assert "superseded" in html
