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
from conftest import History
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
        for name in ("due", "on_time", "late", "overdue_open"):
            assert name in organization["annual_reviews"]
        for name in (
            "prescribed_minutes",
            "delivered_minutes",
            "students_below_90_percent",
        ):
            assert name in organization["services"]
        assert set(organization["transfers"]) >= {"transfers", "plan_within_30_days"}


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
