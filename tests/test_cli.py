"""The command line through its runner: output, JSON shapes and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sislink.cli import app

runner = CliRunner()


def sislink(url: str, *args: str) -> Any:
    return runner.invoke(app, ["--db", url, *args])


@pytest.fixture
def url(database_url: str) -> str:
    assert sislink(database_url, "init").exit_code == 0
    return database_url


def test_grand_bend_submission(url: str, grand_bend: Path) -> None:
    added = sislink(
        url, "org", "add", "255901", "--name", "Grand Bend", "--kind", "charter"
    )
    assert added.exit_code == 0, added.output

    first = sislink(
        url,
        "submit",
        "--org",
        "255901",
        "--format",
        "edfi-xml",
        str(grand_bend),
        "--json",
    )
    assert first.exit_code == 0, first.output
    result = json.loads(first.stdout)
    assert result["status"] == "committed"
    assert result["records"]["student"]["accepted"] == 960
    assert result["records"]["special_education_program"]["accepted"] == 97
    for counts in result["records"].values():
        assert (
            counts["read"]
            == counts["accepted"] + counts["rejected"] + counts["skipped"]
        )
    assert set(result) >= {
        "submission_id",
        "status",
        "records",
        "persons",
        "changes",
        "issues",
        "change_versions",
    }

    again = json.loads(
        sislink(
            url,
            "submit",
            "--org",
            "255901",
            "-f",
            "edfi-xml",
            str(grand_bend),
            "--json",
        ).stdout
    )
    for counts in again["changes"].values():
        assert counts["inserted"] == counts["updated"] == counts["ended"] == 0
    assert again["change_versions"] is None


def test_grand_bend_values_stored(url: str, grand_bend: Path) -> None:
    sislink(url, "org", "add", "255901", "--name", "Grand Bend", "--kind", "charter")
    sislink(url, "submit", "--org", "255901", "-f", "edfi-xml", str(grand_bend))
    feed = json.loads(
        sislink(url, "changes", "--since", "0", "--limit", "5000", "--json").stdout
    )
    programs = {
        c["key"]: c["data"]
        for c in feed["changes"]
        if c["kind"] == "special_education_program"
    }
    assert len(programs) == 97
    program = programs["605145|255901|2021-08-30"]
    assert program["primary_disability"] == "250"
    assert program["special_education_setting"] == (
        "Inside reg class between 40-79% of the day"
    )
    assert program["iep_begin_date"] == "2021-09-01"
    assert program["iep_review_date"] == "2021-08-27"
    assert program["last_evaluation_date"] == "2021-08-23"
    assert program["special_education_exit_date"] == "2021-10-01"
    assert program["special_education_exit_reason"] == "Reached the age limit"


def test_person_show_lists_history(url: str, grand_bend: Path) -> None:
    sislink(url, "org", "add", "255901", "--name", "Grand Bend", "--kind", "charter")
    sislink(url, "submit", "--org", "255901", "-f", "edfi-xml", str(grand_bend))
    shown = sislink(url, "person", "show", "1", "--json")
    assert shown.exit_code == 0, shown.output
    person = json.loads(shown.stdout)
    assert person["identifiers"][0]["type"] == "local"
    assert person["records"][0]["source"]["file"] == "Student.xml"
    assert person["records"][0]["source"]["line"] > 1


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["submit", "--org", "404", "-f", "sislink-csv", "."],
            2,
            "organization '404' not found",
        ),
        (["submit", "--org", "X", "-f", "nope", "."], 2, "unknown format 'nope'"),
        (
            ["org", "add", "1", "--name", "N", "--kind", "county"],
            2,
            "unknown --kind 'county'",
        ),
        (["person", "show", "12345"], 2, "person 12345 not found"),
        (["changes", "--org", "404"], 2, "organization '404' not found"),
        (["submit", "--org", "X"], 2, "Missing"),
    ],
)
def test_usage_errors_exit_2(
    url: str, args: list[str], code: int, message: str
) -> None:
    sislink(url, "org", "add", "X", "--name", "X", "--kind", "charter")
    result = sislink(url, *args)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_file_exits_1(url: str, tmp_path: Path) -> None:
    sislink(url, "org", "add", "X", "--name", "X", "--kind", "charter")
    result = sislink(
        url, "submit", "--org", "X", "-f", "sislink-csv", str(tmp_path / "none.csv")
    )
    assert result.exit_code == 1
    assert "file not found" in result.output


def test_rejected_rows_exit_1(url: str, tmp_path: Path) -> None:
    sislink(url, "org", "add", "X", "--name", "X", "--kind", "charter")
    (tmp_path / "students.csv").write_text(
        "localStudentId,firstName,lastSurname,birthDate\nA1,Ana,Pérez,0/0/0000\n",
        encoding="utf-8",
    )
    result = sislink(
        url, "submit", "--org", "X", "-f", "sislink-csv", str(tmp_path), "--json"
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["issues"]["error"] == 1


def test_uninitialized_database_says_run_init(tmp_path: Path) -> None:
    result = sislink(f"sqlite:///{tmp_path / 'new.db'}", "org", "list")
    assert result.exit_code == 1
    assert "run `sislink init`" in result.output


def test_unreachable_database_is_clear() -> None:
    result = sislink("postgresql+psycopg://nobody@127.0.0.1:1/none", "org", "list")
    assert result.exit_code == 1
    assert "cannot use the database" in result.output
    assert "Traceback" not in result.output


def test_roster_load_uses_district(url: str, tmp_path: Path) -> None:
    sislink(url, "org", "add", "1964733", "--name", "Unified", "--kind", "district")
    (tmp_path / "students.csv").write_text(
        "localStudentId,stateStudentId,firstName,lastSurname,birthDate\n"
        "D1,0000000001,Ana,Pérez,2015-01-02\n",
        encoding="utf-8",
    )
    result = sislink(
        url, "roster", "load", "-f", "sislink-csv", str(tmp_path), "--json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["organization"] == "1964733"


@pytest.mark.parametrize(
    "command",
    [
        ["init"],
        ["submit"],
        ["roster", "load"],
        ["changes"],
        ["person", "show"],
        ["org", "add"],
        ["demo"],
        ["formats"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_undeclared_format_is_one_clear_error(url: str, grand_bend: Path) -> None:
    sislink(url, "org", "add", "255901", "--name", "Grand Bend", "--kind", "charter")
    declared = sislink(url, "org", "formats", "255901", "sislink-csv", "--json")
    assert declared.exit_code == 0, declared.output
    assert json.loads(declared.stdout)["formats"] == ["sislink-csv"]

    refused = sislink(
        url, "submit", "--org", "255901", "--format", "edfi-xml", str(grand_bend)
    )
    assert refused.exit_code == 1
    assert "declared that it sends sislink-csv, not edfi-xml" in refused.output
    assert "Traceback" not in refused.output

    sislink(url, "org", "formats", "255901", "--clear")
    accepted = sislink(
        url, "submit", "--org", "255901", "--format", "edfi-xml", str(grand_bend)
    )
    assert accepted.exit_code == 0, accepted.output


def test_declaring_an_unknown_format_is_a_usage_error(url: str) -> None:
    sislink(url, "org", "add", "255901", "--name", "Grand Bend", "--kind", "charter")
    result = sislink(url, "org", "formats", "255901", "excel")
    assert result.exit_code == 2
    assert "unknown format excel" in result.output


def test_empty_organization_code_is_a_usage_error(url: str) -> None:
    result = sislink(url, "org", "add", " ", "--name", "X", "--kind", "school")
    assert result.exit_code == 2
    assert "must not be empty" in result.output


def test_submit_prints_first_errors_and_the_report_command(
    url: str, tmp_path: Path
) -> None:
    sislink(url, "org", "add", "2000000", "--name", "Alpha", "--kind", "charter")
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "students.csv").write_text(
        "localStudentId;firstName;lastSurname;birthDate\nS1;Ana;Ruiz;2016-05-10\n",
        encoding="utf-8",
    )
    result = sislink(
        url, "submit", "--org", "2000000", "-f", "sislink-csv", str(folder)
    )
    assert result.exit_code == 1
    assert "semicolon" in result.output
    assert "sislink issues" in result.output
    assert "1 error," in result.output


def _dry_run_seven_bad_dates(url: str, folder: Path, *options: str) -> Any:
    """Dry-run a students file whose seven rows each have an invalid birth date."""
    sislink(url, "org", "add", "2000000", "--name", "Alpha", "--kind", "charter")
    rows = "".join(f"S{n},Ana,Ruiz,2016/05/1{n}\n" for n in range(7))
    (folder / "students.csv").write_text(
        "localStudentId,firstName,lastSurname,birthDate\n" + rows, encoding="utf-8"
    )
    submit = ("submit", "--org", "2000000", "-f", "sislink-csv", str(folder))
    return sislink(url, *submit, "--dry-run", *options)


def test_dry_run_prints_every_finding(url: str, tmp_path: Path) -> None:
    result = _dry_run_seven_bad_dates(url, tmp_path)
    assert result.exit_code == 1
    for line in range(2, 9):
        assert f"students.csv, line {line}:" in result.output
    assert "sislink issues" not in result.output
    assert "more errors" not in result.output
    assert "in the format YYYY-MM-DD" in result.output


def test_dry_run_json_lists_findings(url: str, tmp_path: Path) -> None:
    result = _dry_run_seven_bad_dates(url, tmp_path, "--json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert [f["source_line"] for f in findings] == list(range(2, 9))
    assert findings[0]["code"] == "date-invalid"
    assert findings[0]["field"] == "birthDate"
    assert findings[0]["value"] == "2016/05/10"


@pytest.mark.parametrize(
    "command",
    [
        ("person", "show"),
        ("person", "merge", "1"),
        ("review", "show"),
        ("review", "accept"),
        ("issues",),
        ("submission", "confirm"),
        ("submission", "discard"),
        ("changes", "--since"),
        ("changes", "--limit"),
    ],
)
def test_id_past_64_bits_is_usage_error(url: str, command: tuple[str, ...]) -> None:
    result = sislink(url, *command, str(2**64))
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output
    assert "9223372036854775807" in result.output


def test_submission_list_shows_newest_first(url: str, grand_bend: Path) -> None:
    sislink(url, "org", "add", "255901", "--name", "Grand Bend", "--kind", "charter")
    for _ in range(2):
        sislink(url, "submit", "--org", "255901", "-f", "edfi-xml", str(grand_bend))
    listed = sislink(url, "submission", "list", "--org", "255901", "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [row["id"] for row in rows] == [2, 1]
    assert rows[0]["issues"]["warning"] == 0
    assert rows[1]["issues"]["warning"] == 17


def at_80_columns(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "80"})


def whole_words(output: str) -> set[str]:
    return {word.strip(",;:") for line in output.splitlines() for word in line.split()}


def test_rules_keep_codes_at_80_columns(tmp_path: Path) -> None:
    from sislink.validate import RULES

    result = at_80_columns("--db", f"sqlite:///{tmp_path / 'x.db'}", "rules")
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    assert max(len(line.rstrip()) for line in result.stdout.splitlines()) <= 80
    words = whole_words(result.stdout)
    for code in RULES:
        assert code in words, code


def test_formats_keep_names_at_80_columns(tmp_path: Path) -> None:
    from sislink.formats import READERS

    result = at_80_columns("--db", f"sqlite:///{tmp_path / 'x.db'}", "formats")
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    assert max(len(line.rstrip()) for line in result.stdout.splitlines()) <= 80
    words = whole_words(result.stdout)
    for name, reader in READERS.items():
        assert name in words, name
        for kind in reader.kinds:
            assert kind.value in words, kind.value
        for file in reader.files:
            if " " not in file:
                assert file in words, file


def test_person_show_at_80_columns(url: str, grand_bend: Path) -> None:
    sislink(url, "org", "add", "255901", "--name", "Grand Bend", "--kind", "charter")
    sislink(url, "submit", "--org", "255901", "-f", "edfi-xml", str(grand_bend))
    person = json.loads(sislink(url, "person", "show", "1", "--json").stdout)
    shown = at_80_columns("--db", url, "person", "show", "1")
    assert shown.exit_code == 0, shown.output
    assert "…" not in shown.stdout
    words = whole_words(shown.stdout)
    for identifier in person["identifiers"]:
        assert identifier["value"] in words
    for record in person["records"]:
        assert record["key"] in words
        assert record["kind"] in words
        for value in record["data"].values():
            if isinstance(value, str) and len(value) == 10 and value[4] == "-":
                assert any(word.endswith(value) for word in words), value


def test_changes_page_names_next_since(url: str, grand_bend: Path) -> None:
    sislink(url, "org", "add", "255901", "--name", "Grand Bend", "--kind", "charter")
    sislink(url, "submit", "--org", "255901", "-f", "edfi-xml", str(grand_bend))

    first = json.loads(
        sislink(url, "changes", "--since", "0", "--limit", "5", "--json").stdout
    )
    versions = [change["change_version"] for change in first["changes"]]
    assert len(versions) == 5
    assert first["newest"] == versions[-1]
    assert first["next_since"] == versions[-1]
    assert first["more"] is True
    assert first["latest_version"] > versions[-1]

    text = sislink(url, "changes", "--since", "0", "--limit", "5")
    assert text.exit_code == 0, text.output
    assert f"sislink changes --since {versions[-1]} --limit 5" in text.stdout
    assert "more follow" in text.stdout

    rest = ["--since", str(first["next_since"]), "--limit", "9999", "--json"]
    second = json.loads(sislink(url, "changes", *rest).stdout)
    assert second["changes"][0]["change_version"] == versions[-1] + 1
    assert second["more"] is False
    assert second["next_since"] == second["latest_version"]

    last = sislink(url, "changes", "--since", str(second["next_since"]))
    assert "no changes after version" in last.stdout
    assert f"--since {second['next_since']}" in last.stdout


def test_changes_since_beyond_newest(url: str) -> None:
    result = sislink(url, "changes", "--since", "99")
    assert result.exit_code == 0, result.output
    assert "newest change version in this database is 0" in result.stdout
    feed = json.loads(sislink(url, "changes", "--since", "99", "--json").stdout)
    assert feed["next_since"] == 99
    assert feed["latest_version"] == 0
    assert feed["changes"] == []


@pytest.mark.parametrize(
    ("database", "message"),
    [
        ("mysql://user@127.0.0.1/records", "unsupported database URL scheme 'mysql'"),
        ("oracle://user@127.0.0.1/records", "use sqlite:///FILE or postgresql+psycopg"),
        ("postgresql+asyncpg://user@127.0.0.1/x", "driver 'postgresql+asyncpg'"),
        ("notaurl", "invalid database URL 'notaurl' in --db"),
    ],
)
def test_unsupported_database_url(database: str, message: str) -> None:
    result = sislink(database, "org", "list")
    assert result.exit_code == 2
    assert message in result.stderr
    assert "--db" in result.stderr
    assert "Traceback" not in result.output


def test_sqlite_folder_missing(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    result = sislink(f"sqlite:///{missing / 'sislink.db'}", "init")
    assert result.exit_code == 2
    assert f"the folder {missing} of the SQLite database in --db" in result.stderr
    assert f"mkdir -p {missing}" in result.stderr
    assert not missing.exists()


def test_sqlite_path_is_folder(tmp_path: Path) -> None:
    result = sislink(f"sqlite:///{tmp_path}", "init")
    assert result.exit_code == 2
    assert "is a folder, not a file" in result.stderr


def test_sqlite_file_not_a_database(tmp_path: Path) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database\n", encoding="utf-8")
    result = sislink(f"sqlite:///{text_file}", "org", "list")
    assert result.exit_code == 1
    assert "file is not a database" in result.stderr
    assert "sislink init" in result.stderr


def test_database_url_from_environment() -> None:
    result = runner.invoke(
        app, ["org", "list"], env={"SISLINK_DATABASE_URL": "mysql://u@127.0.0.1/x"}
    )
    assert result.exit_code == 2
    assert "$SISLINK_DATABASE_URL" in result.stderr
