"""``sislink export``: what each organization sees, written in a format."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from sislink.cli import app
from sislink.errors import UsageError
from sislink.export import export
from sislink.formats import get_reader
from sislink.formats.sislink_csv import write_kind
from sislink.model import RecordKind, SourceRecord
from sislink.normalize import normalize
from sislink.pipeline import SubmissionRequest, submit
from sislink.store.organizations import add_organization
from sislink.store.schema import record_versions

DISTRICT = "1964733"
ALPHA = "2000000"
BETA = "3000000"


def student(local_id: str, first: str, last: str) -> dict[str, Any]:
    return {
        "local_student_id": local_id,
        "first_name": first,
        "last_surname": last,
        "birth_date": "2015-03-02",
        "sex": "F",
    }


@pytest.fixture
def hub(engine: Engine, tmp_path: Path) -> Engine:
    with engine.begin() as connection:
        add_organization(connection, DISTRICT, "Unified District", "district")
        add_organization(connection, ALPHA, "Alpha Charter", "charter", DISTRICT)
        add_organization(connection, BETA, "Beta Charter", "charter", DISTRICT)
    sent = {
        ALPHA: [student("A1", "=HYPERLINK(1)", "García"), student("A2", "Ana", "Li")],
        BETA: [student("B1", "Luz", "-Ortiz")],
    }
    for code, students in sent.items():
        folder = tmp_path / "sent" / code
        write_kind(folder, RecordKind.STUDENT, students)
        submit(engine, SubmissionRequest(code, "sislink-csv", [folder]))
    return engine


def read_back(folder: Path) -> list[dict[str, Any]]:
    reader = get_reader("sislink-csv")
    items = reader.read(reader.collect([folder]))
    return [normalize(item)[0].data for item in items if isinstance(item, SourceRecord)]


def test_charter_sees_only_its_own(hub: Engine, tmp_path: Path) -> None:
    result = export(hub, "csv", tmp_path / "out", ALPHA)
    assert result.records == {ALPHA: {"student": 2}}
    assert not (tmp_path / "out" / BETA).exists()


def test_district_sees_its_charters(hub: Engine, tmp_path: Path) -> None:
    result = export(hub, "csv", tmp_path / "out", DISTRICT)
    assert set(result.records) == {ALPHA, BETA}


def test_csv_neutralizes_formulas_only_in_output(hub: Engine, tmp_path: Path) -> None:
    export(hub, "csv", tmp_path / "out")
    with (tmp_path / "out" / ALPHA / "students.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["firstName"] == "'=HYPERLINK(1)"
    with (tmp_path / "out" / BETA / "students.csv").open(encoding="utf-8") as f:
        assert next(csv.DictReader(f))["lastSurname"] == "'-Ortiz"
    with hub.connect() as connection:
        stored = connection.execute(
            select(record_versions.c.data).where(record_versions.c.record_key == "A1")
        ).scalar_one()
    assert stored["first_name"] == "=HYPERLINK(1)"


def test_exported_csv_reads_back_as_stored(hub: Engine, tmp_path: Path) -> None:
    export(hub, "csv", tmp_path / "out", BETA)
    (record,) = read_back(tmp_path / "out" / BETA)
    # The neutralized surname is the only difference from what was stored.
    assert record == {**student("B1", "Luz", "'-Ortiz")}


def test_other_formats_are_not_neutralized(hub: Engine, tmp_path: Path) -> None:
    export(hub, "edfi-xml", tmp_path / "out", ALPHA)
    text = (tmp_path / "out" / ALPHA / "Student.xml").read_text(encoding="utf-8")
    assert "=HYPERLINK(1)" in text
    assert "'=HYPERLINK" not in text


def test_persons_file_links_local_ids(hub: Engine, tmp_path: Path) -> None:
    export(hub, "csv", tmp_path / "out", DISTRICT)
    with (tmp_path / "out" / "persons.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["localStudentId"] for r in rows) == ["A1", "A2", "B1"]
    assert len({r["personId"] for r in rows}) == 3


def test_unknown_format_names_the_choices(hub: Engine, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="csv"):
        export(hub, "xlsx", tmp_path / "out")


def test_cli_export_prints_json_and_rejects_bad_format(
    hub: Engine, database_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    done = runner.invoke(
        app,
        ["--db", database_url, "export", "-f", "csv", "--out", str(out), "--json"],
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["records"][ALPHA] == {"student": 2}

    wrong = runner.invoke(
        app, ["--db", database_url, "export", "-f", "xlsx", "--out", str(out)]
    )
    assert wrong.exit_code == 2
    assert "cannot be written" in wrong.output


def test_unmapped_code_survives_export_and_reimport(
    engine: Engine, grand_bend: Path, tmp_path: Path
) -> None:
    with engine.begin() as connection:
        add_organization(connection, "255901", "Grand Bend", "charter")
    submit(engine, SubmissionRequest("255901", "edfi-xml", [grand_bend]))
    export(engine, "csv", tmp_path / "out", "255901")

    again = submit(
        engine,
        SubmissionRequest("255901", "sislink-csv", [tmp_path / "out" / "255901"]),
    )

    for kind, counts in again.kinds.items():
        assert counts.updated == 0, kind
        assert counts.ended == 0, kind


@pytest.fixture
def with_programs(hub: Engine, tmp_path: Path) -> Engine:
    folder = tmp_path / "programs" / ALPHA
    write_kind(folder, RecordKind.STUDENT, [student("A1", "Eva", "García")])
    program = {
        "local_student_id": "A1",
        "program_education_organization_id": ALPHA,
        "begin_date": "2026-08-19",
    }
    write_kind(folder, RecordKind.SPECIAL_EDUCATION_PROGRAM, [program])
    request = SubmissionRequest(ALPHA, "sislink-csv", [folder], snapshot=False)
    result = submit(hub, request)
    assert result.status == "committed", result.findings
    return hub


@pytest.mark.parametrize("file_format", ["oneroster-csv", "powerschool-json"])
def test_export_counts_kinds_left_out(
    with_programs: Engine, tmp_path: Path, file_format: str
) -> None:
    result = export(with_programs, file_format, tmp_path / "out", ALPHA)
    assert result.left_out == {ALPHA: {"special_education_program": 1}}
    assert result.to_json()["left_out"] == result.left_out


def test_sislink_csv_leaves_nothing_out(with_programs: Engine, tmp_path: Path) -> None:
    result = export(with_programs, "csv", tmp_path / "out")
    assert result.left_out == {}
    assert result.records[ALPHA]["special_education_program"] == 1


def test_cli_export_names_left_out_kinds(
    with_programs: Engine, database_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    command = ["--db", database_url, "export", "-f", "oneroster-csv"]
    shown = runner.invoke(app, [*command, "--out", str(tmp_path / "text")])
    assert shown.exit_code == 0, shown.output
    assert "oneroster-csv does not carry every record kind" in shown.stdout
    assert "1 current record was left out" in shown.stdout
    (row,) = [line for line in shown.stdout.splitlines() if "special_education" in line]
    assert row.split() == [ALPHA, "special_education_program", "1"]

    data = runner.invoke(app, [*command, "--out", str(tmp_path / "json"), "--json"])
    assert data.exit_code == 0, data.output
    assert json.loads(data.stdout)["left_out"] == {
        ALPHA: {"special_education_program": 1}
    }


@pytest.mark.parametrize(
    ("field", "value", "described"),
    [
        ("guardian_1_last_surname", "Li^Ruiz", "a caret '^'"),
        ("first_name", "An\ta", "a tab"),
        ("last_surname", "Li\u2028Ruiz", "a line break"),
    ],
)
def test_cli_export_reports_unwritable_value(
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    field: str,
    value: str,
    described: str,
) -> None:
    with engine.begin() as connection:
        add_organization(connection, ALPHA, "Alpha Charter", "charter")
    sent = tmp_path / "sent"
    unwritable = {**student("A7", "Ana", "Li"), field: value}
    write_kind(sent, RecordKind.STUDENT, [unwritable])
    submit(engine, SubmissionRequest(ALPHA, "sislink-csv", [sent]))

    done = CliRunner().invoke(
        app,
        [
            "--db",
            database_url,
            "export",
            "-f",
            "calpads",
            "--out",
            str(tmp_path / "out"),
        ],
    )

    assert done.exit_code == 1
    assert "internal error" not in done.output
    assert f"organization {ALPHA}" in done.output
    assert "SINF.txt" in done.output
    assert "local id A7" in done.output
    assert f"field {field} contains {described}" in done.output
    assert value not in done.output


# --- guardians -----------------------------------------------------------------

GUARDIAN_FIELDS = tuple(
    f"guardian_{number}_{part}"
    for number in (1, 2)
    for part in ("first_name", "last_surname")
)
SIBLINGS = [
    {
        **student("G1", "Ana", "Ruiz"),
        "postal_code": "94110",
        "guardian_1_first_name": "Rosa",
        "guardian_1_last_surname": "Ruiz",
        "guardian_2_first_name": "Omar",
        "guardian_2_last_surname": "Ruiz",
    },
    {
        **student("G2", "Eva", "Ruiz"),
        "postal_code": "94110",
        "guardian_1_first_name": "Omar",
        "guardian_1_last_surname": "Ruiz",
        "guardian_2_first_name": "Rosa",
        "guardian_2_last_surname": "Ruiz",
    },
    {
        **student("G3", "Luz", "Ortiz"),
        "guardian_1_first_name": "Rosa",
        "guardian_1_last_surname": "Ortiz",
    },
]
"""Siblings G1 and G2 share two guardians, in the other order, and a postal
code. G3 has one of their first names with another surname: three distinct
guardians."""

NAMESAKES = [
    *SIBLINGS[:2],
    {
        **student("G4", "Noah", "Ruiz"),
        "postal_code": "94601",
        "guardian_1_first_name": "Rosa",
        "guardian_1_last_surname": "Ruiz",
        "guardian_2_first_name": "Omar",
        "guardian_2_last_surname": "Ruiz",
    },
    {
        **student("G5", "Luis", "Ruiz"),
        "postal_code": "94110",
        "guardian_1_first_name": "Rosa",
        "guardian_1_last_surname": "Ruiz",
    },
    {
        **student("G6", "Sol", "Ruiz"),
        "guardian_1_first_name": "Rosa",
        "guardian_1_last_surname": "Ruiz",
        "guardian_2_first_name": "Omar",
        "guardian_2_last_surname": "Ruiz",
    },
]
"""G1 and G2's parents' names on three other families' children: G4 names
both at another postal code, G5 only Rosa at theirs, and G6 both without a
postal code. The siblings share two guardians and the others have their own:
seven guardians."""


def guardian_users(folder: Path) -> int:
    with (folder / "users.csv").open(encoding="utf-8", newline="") as handle:
        return sum(row["role"] == "guardian" for row in csv.DictReader(handle))


def edfi_contacts(folder: Path) -> int:
    contacts = json.loads((folder / "contacts.json").read_text(encoding="utf-8"))
    return len(contacts)


def xml_contacts(folder: Path) -> int:
    root = etree.parse(str(folder / "Contact.xml")).getroot()
    return len(root.findall("{*}Contact"))


GUARDIAN_COUNTERS = {
    "oneroster-csv": guardian_users,
    "edfi-json": edfi_contacts,
    "edfi-xml": xml_contacts,
}
"""The formats that keep guardians as people of their own, and how to count
the guardians an exported folder contains."""


def submit_to_alpha(
    engine: Engine, folder: Path, students: list[dict[str, Any]]
) -> Engine:
    """Add charter ALPHA and commit ``students`` as its submission."""
    with engine.begin() as connection:
        add_organization(connection, ALPHA, "Alpha Charter", "charter")
    write_kind(folder, RecordKind.STUDENT, students)
    result = submit(engine, SubmissionRequest(ALPHA, "sislink-csv", [folder]))
    assert result.status == "committed", result.findings
    return engine


@pytest.fixture
def with_siblings(engine: Engine, tmp_path: Path) -> Engine:
    return submit_to_alpha(engine, tmp_path / "siblings", SIBLINGS)


@pytest.mark.parametrize("file_format", sorted(GUARDIAN_COUNTERS))
def test_guardians_survive_export_and_reread(
    with_siblings: Engine, tmp_path: Path, file_format: str
) -> None:
    export(with_siblings, file_format, tmp_path / "out", ALPHA)
    reader = get_reader(file_format)
    items = reader.read(reader.collect([tmp_path / "out" / ALPHA]))

    students = [
        normalize(item)[0].data
        for item in items
        if isinstance(item, SourceRecord) and item.kind is RecordKind.STUDENT
    ]

    guardians = {
        r["local_student_id"]: {f: r.get(f) for f in GUARDIAN_FIELDS} for r in students
    }
    assert guardians == {
        s["local_student_id"]: {f: s.get(f) for f in GUARDIAN_FIELDS} for s in SIBLINGS
    }


@pytest.mark.parametrize("file_format", sorted(GUARDIAN_COUNTERS))
def test_export_writes_shared_guardian_once(
    with_siblings: Engine, tmp_path: Path, file_format: str
) -> None:
    export(with_siblings, file_format, tmp_path / "out", ALPHA)

    count = GUARDIAN_COUNTERS[file_format](tmp_path / "out" / ALPHA)

    assert count == 3


@pytest.mark.parametrize("file_format", sorted(GUARDIAN_COUNTERS))
def test_export_keeps_namesake_guardians_apart(
    engine: Engine, tmp_path: Path, file_format: str
) -> None:
    submit_to_alpha(engine, tmp_path / "namesakes", NAMESAKES)

    export(engine, file_format, tmp_path / "out", ALPHA)

    assert GUARDIAN_COUNTERS[file_format](tmp_path / "out" / ALPHA) == 7
