"""The calendar, due-list and report commands through the CLI runner."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import History, plan
from sqlalchemy import Engine
from typer.testing import CliRunner

from sislink.cli import app
from sislink.model import RecordKind
from sislink.store.schema import metadata

runner = CliRunner()


def test_migrations_match_metadata(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


@pytest.fixture
def loaded(history: History, database_url: str) -> str:
    history.organization("C1")
    history.submit(
        "C1",
        history.at(date(2027, 1, 5)),
        [
            (
                RecordKind.EVALUATION,
                "S",
                {
                    "local_student_id": "S1",
                    "evaluation_id": "EV1",
                    "meeting_type": "10",
                    "consent_date": "2026-11-01",
                },
            )
        ],
    )
    return database_url


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (
            "first_date,last_date,kind,label\n2026-12-21,2027-01-01,break,Winter\n",
            0,
            "",
        ),
        (
            "first_date,last_date,kind,label\n2026-12-21,2027-01-01,holiday,Winter\n",
            1,
            "line 2, kind: invalid value 'holiday'",
        ),
        (
            "first_date,last_date,kind,label\n2026-13-01,2027-01-01,break,X\n",
            1,
            "line 2, first_date: invalid date '2026-13-01'",
        ),
        ("start,end\n", 1, "the first line must be first_date,last_date,kind,label"),
    ],
)
def test_calendar_load(
    loaded: str, tmp_path: Path, content: str, code: int, message: str
) -> None:
    path = tmp_path / "calendar.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(
        app, ["--db", loaded, "calendar", "load", "--org", "C1", str(path), "--json"]
    )
    assert result.exit_code == code, result.output
    assert message in result.output
    if code == 0:
        assert json.loads(result.output)["breaks_not_counted"] == [
            {"first_date": "2026-12-21", "last_date": "2027-01-01"}
        ]


def due_list(url: str, *extra: str, env: dict[str, str] | None = None) -> Any:
    command = ["--db", url, "compliance", "due", "--org", "C1", "--within", "30"]
    return runner.invoke(app, [*command, "--as-of", "2027-01-10", *extra], env=env)


def test_due_list_json(loaded: str) -> None:
    result = due_list(loaded, "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)["rows"]
    assert row["local_student_id"] == "S1"
    assert row["obligation"] == "initial evaluation"
    assert row["due_date"] == "2026-12-31"
    assert row["days_left"] == -10
    assert isinstance(row["person_id"], int)


@pytest.mark.parametrize("file_format", ["json", "csv", "html", "xlsx"])
def test_report_formats(loaded: str, tmp_path: Path, file_format: str) -> None:
    out = tmp_path / f"report.{file_format}"
    result = runner.invoke(
        app,
        [
            "--db",
            loaded,
            "report",
            "compliance",
            "--as-of",
            "2027-01-10",
            "--role",
            "monitor",
            "--format",
            file_format,
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    if file_format == "json":
        report = json.loads(out.read_text())
        (organization,) = report["organizations"]
        assert organization["code"] == "C1"
        assert organization["initial_evaluations"]["overdue_open"] == "<11"
        for name in ("due", "on_time", "late", "overdue_open", "unmet_at_exit"):
            assert name in organization["annual_reviews"]
        for name in (
            "prescribed_minutes",
            "delivered_minutes",
            "students_below_90_percent",
        ):
            assert name in organization["services"]
        assert set(organization["transfers"]) >= {
            "transfers",
            "plan_within_30_days",
            "unmet_at_exit",
        }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--as-of", "2027-02-30", "--format", "json"], "invalid --as-of '2027-02-30'"),
        (["--as-of", "2027-01-10", "--format", "pdf"], "unknown --format 'pdf'"),
        (
            ["--as-of", "2027-01-10", "--format", "json", "--role", "public"],
            "unknown --role",
        ),
        (["--as-of", "2027-01-10", "--format", "xlsx"], "--format xlsx needs --out"),
        (
            ["--as-of", "2027-01-10", "--format", "json", "--org", "NOPE"],
            "organization NOPE not found",
        ),
    ],
)
def test_report_usage_errors(loaded: str, arguments: list[str], message: str) -> None:
    result = runner.invoke(app, ["--db", loaded, "report", "compliance", *arguments])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_due_list_at_80_columns(loaded: str) -> None:
    result = due_list(loaded, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    lines = result.stdout.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    (row,) = [line for line in lines if line.startswith("2026-12-31")]
    assert row.split()[:2] == ["2026-12-31", "-10"]
    assert "S1" in row.split()
    assert any("2026-11-01" in line.split() for line in lines)


def report_text(url: str, file_format: str) -> str:
    command = ["--db", url, "report", "compliance", "--as-of", "2027-01-10"]
    result = runner.invoke(app, [*command, "--format", file_format])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_report_times_are_readable(loaded: str) -> None:
    report = json.loads(report_text(loaded, "json"))
    (organization,) = report["organizations"]
    quality = organization["data_quality"]
    assert quality["last_submission"] == "2027-01-05 12:00 UTC"
    assert report["records_committed_before"] == "2027-01-11 00:00 UTC"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", report["generated"])


@pytest.mark.parametrize(
    ("file_format", "times"),
    [
        ("html", ["2027-01-05 12:00 UTC", "2027-01-11 00:00 UTC"]),
        ("csv", ["2027-01-05 12:00 UTC"]),
    ],
)
def test_report_shows_no_raw_timestamps(
    loaded: str, file_format: str, times: list[str]
) -> None:
    text = report_text(loaded, file_format)
    for time in times:
        assert time in text
    assert re.search(r"\d\d:\d\d:\d\d", text) is None
    assert "+00:00" not in text


def test_readable_time_takes_naive_as_utc() -> None:
    from datetime import datetime, timedelta, timezone

    from sislink.report.compliance import readable_time

    assert (
        readable_time(datetime(2027, 1, 5, 12, 30, 59, 123)) == "2027-01-05 12:30 UTC"
    )
    pacific = timezone(timedelta(hours=-8))
    later = datetime(2027, 1, 5, 20, 0, tzinfo=pacific)
    assert readable_time(later) == "2027-01-06 04:00 UTC"


def report_of(url: str, as_of: str, code: str) -> dict[str, Any]:
    command = ["--db", url, "report", "compliance", "--as-of", as_of]
    result = runner.invoke(app, [*command, "--format", "json", "--org", code])
    assert result.exit_code == 0, result.output
    (organization,) = json.loads(result.stdout)["organizations"]
    return dict(organization)


def due_rows(url: str, as_of: str, code: str, within: str) -> list[dict[str, Any]]:
    command = ["--db", url, "compliance", "due", "--org", code, "--within", within]
    result = runner.invoke(app, [*command, "--as-of", as_of, "--json"])
    assert result.exit_code == 0, result.output
    return list(json.loads(result.output)["rows"])


def test_corrected_review_reported_overdue(history: History, database_url: str) -> None:
    history.organization("C1")
    typo = plan("G", "PG", "2026-12-01", effective_start_date="2026-01-10")
    history.submit("C1", history.at(date(2026, 12, 5)), [(RecordKind.PLAN, "G", typo)])
    fixed = plan("G", "PG", "2026-01-10")
    history.submit("C1", history.at(date(2026, 12, 6)), [(RecordKind.PLAN, "G", fixed)])

    reviews = report_of(database_url, "2027-02-12", "C1")["annual_reviews"]
    assert (reviews["due"], reviews["on_time"], reviews["overdue_open"]) == (1, 0, 1)
    (row,) = due_rows(database_url, "2027-02-12", "C1", "400")
    assert (row["due_date"], row["basis_date"]) == ("2027-01-10", "2026-01-10")


def test_one_consent_counted_once(history: History, database_url: str) -> None:
    history.organization("C1")
    referral = {
        "local_student_id": "K",
        "evaluation_id": "EK1",
        "consent_date": "2026-09-01",
        "meeting_type": "10",
    }
    meeting = {
        **referral,
        "evaluation_id": "EK2",
        "meeting_date": "2026-10-15",
        "eligible": True,
    }
    history.submit(
        "C1",
        history.at(date(2026, 11, 1)),
        [(RecordKind.EVALUATION, "K", referral), (RecordKind.EVALUATION, "K", meeting)],
    )

    evaluations = report_of(database_url, "2026-12-05", "C1")["initial_evaluations"]
    assert (evaluations["due"], evaluations["on_time"]) == (1, 1)
    assert evaluations["overdue_open"] == 0
    assert due_rows(database_url, "2026-12-05", "C1", "30") == []


def test_exited_students_leave_due_list(history: History, database_url: str) -> None:
    history.organization("C1")
    history.organization("C2")
    for person, local_id in (("X", "X"), ("Y", "Y")):
        history.submit(
            "C1",
            history.at(date(2026, 10, 2)),
            [
                (
                    RecordKind.ENROLLMENT,
                    person,
                    {
                        "local_student_id": local_id,
                        "school_id": "C1",
                        "entry_date": "2025-08-20",
                        "exit_withdraw_date": "2026-10-01",
                    },
                ),
                (
                    RecordKind.PLAN,
                    person,
                    plan(local_id, f"P{local_id}", "2026-03-01"),
                ),
            ],
        )
    history.submit(
        "C2",
        history.at(date(2026, 11, 25)),
        [
            (
                RecordKind.ENROLLMENT,
                "X",
                {
                    "local_student_id": "X2",
                    "school_id": "C2",
                    "entry_date": "2026-10-10",
                },
            ),
            (RecordKind.PLAN, "X", plan("X2", "QX", "2026-11-20")),
        ],
    )

    assert due_rows(database_url, "2026-12-05", "C1", "365") == []
    reviews = report_of(database_url, "2026-12-05", "C1")["annual_reviews"]
    assert (reviews["due"], reviews["upcoming"]) == (0, 0)
    (row,) = due_rows(database_url, "2026-12-05", "C2", "365")
    assert (row["local_student_id"], row["due_date"]) == ("X2", "2027-11-20")
    transfers = report_of(database_url, "2026-12-05", "C2")["transfers"]
    assert (transfers["transfers"], transfers["plan_within_30_days"]) == (1, 0)
    assert transfers["plan_after_30_days"] == 1
