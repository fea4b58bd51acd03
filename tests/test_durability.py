"""Crash safety and locking, tested with real processes on both backends.

A submission runs as a separate ``sislink`` process that is killed with
SIGKILL at each stage it logs. The database must then hold nothing of that
submission, and running the same submission again must give the same state
as an uninterrupted run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from sislink.formats.sislink_csv import write_kind
from sislink.model import RecordKind
from sislink.store.organizations import add_organization
from sislink.store.schema import changes, persons, record_versions, submissions

pytestmark = pytest.mark.slow

STUDENTS = 12_000
STAGES = [
    "reading",
    "merged 5000 student records",
    "merged 5000 enrollment records",
    "ending records left out",
    "numbering changes",
    "committing",
]


def write_set(folder: Path, count: int, name_suffix: str = "", first: int = 0) -> Path:
    students = (
        {
            "local_student_id": f"L{n:06d}",
            "state_student_id": f"{first + n:010d}",
            "first_name": f"Student{name_suffix}",
            "last_surname": f"Number {n}",
            "birth_date": "2015-03-02",
        }
        for n in range(count)
    )
    enrollments = (
        {
            "local_student_id": f"L{n:06d}",
            "school_id": "1000001",
            "entry_date": "2026-08-19",
            "entry_grade_level": "05",
        }
        for n in range(count)
    )
    write_kind(folder, RecordKind.STUDENT, students)
    write_kind(folder, RecordKind.ENROLLMENT, enrollments)
    return folder


def start(url: str, org: str, folder: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "sislink", "-v", "--db", url, "submit"]
    command += ["--org", org, "--format", "sislink-csv", str(folder), "--json"]
    # A small snapshot after a large one ends most records; these tests are
    # about concurrency, not the mass-change guard.
    command += ["--max-end-share", "100"]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def wait_for(process: subprocess.Popen[str], marker: str) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        if marker in line:
            return
    raise AssertionError(f"the process ended before logging {marker!r}")


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate()
    # Give the database server a moment to notice the closed connection.
    time.sleep(0.2)


def counts(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:

        def count(table: Any) -> int:
            return connection.execute(
                select(func.count()).select_from(table)
            ).scalar_one()

        return {
            "versions": count(record_versions),
            "open": connection.execute(
                select(func.count()).where(
                    record_versions.c.valid_to_submission_id.is_(None)
                )
            ).scalar_one(),
            "persons": count(persons),
            "changes": count(changes),
            "submissions": connection.execute(
                select(func.count()).where(submissions.c.status == "committed")
            ).scalar_one(),
        }


@pytest.fixture
def hub(engine: Engine) -> Engine:
    with engine.begin() as connection:
        add_organization(connection, "2000000", "Alpha Charter", "charter")
        add_organization(connection, "3000000", "Beta Charter", "charter")
        add_organization(connection, "1000001", "Alpha Elementary", "school", "2000000")
    return engine


def finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-2000:]
    return out


@pytest.mark.parametrize("stage", STAGES)
def test_killed_submission_leaves_nothing(
    hub: Engine, database_url: str, tmp_path: Path, stage: str
) -> None:
    folder = write_set(tmp_path / "first", STUDENTS)
    empty = counts(hub)

    complete = {
        "versions": 2 * STUDENTS,
        "open": 2 * STUDENTS,
        "persons": STUDENTS,
        "changes": 2 * STUDENTS,
        "submissions": 1,
    }

    process = start(database_url, "2000000", folder)
    wait_for(process, stage)
    kill(process)
    if stage == "committing":
        # The commit may finish before the signal lands: all or nothing.
        assert counts(hub) in (empty, complete)
    else:
        assert counts(hub) == empty

    finish(start(database_url, "2000000", folder))
    after = counts(hub)
    assert after["versions"] == complete["versions"]
    assert after["persons"] == complete["persons"]
    assert after["changes"] == complete["changes"]


@pytest.mark.parametrize("stage", ["merged 5000 student records", "committing"])
def test_killed_update_keeps_previous_state(
    hub: Engine, database_url: str, tmp_path: Path, stage: str
) -> None:
    finish(start(database_url, "2000000", write_set(tmp_path / "a", STUDENTS)))
    before = counts(hub)

    renamed = write_set(tmp_path / "b", STUDENTS, name_suffix="X")
    process = start(database_url, "2000000", renamed)
    wait_for(process, stage)
    kill(process)
    now = counts(hub)
    if stage != "committing" or now["submissions"] == before["submissions"]:
        assert now == before

    finish(start(database_url, "2000000", renamed))
    after = counts(hub)
    assert after["versions"] == before["versions"] + STUDENTS
    assert after["changes"] == before["changes"] + STUDENTS


def submission_times(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        query = select(
            submissions.c.id,
            submissions.c.organization_id,
            submissions.c.started_at,
            submissions.c.finished_at,
            submissions.c.first_change_version,
            submissions.c.last_change_version,
        ).order_by(submissions.c.id)
        return list(connection.execute(query))


def test_same_organization_never_interleaves(
    hub: Engine, database_url: str, tmp_path: Path
) -> None:
    big = start(database_url, "2000000", write_set(tmp_path / "a", STUDENTS))
    wait_for(big, "merged 5000 student records")
    small = start(database_url, "2000000", write_set(tmp_path / "b", 50))
    finish(small)
    finish(big)

    first, second = submission_times(hub)
    assert second.started_at >= first.finished_at
    assert second.first_change_version > first.last_change_version


def test_other_organization_runs_alongside(
    hub: Engine, database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time by design")
    big = start(database_url, "2000000", write_set(tmp_path / "a", STUDENTS))
    wait_for(big, "merged 5000 student records")
    # Stopped mid-transaction, the first submission holds whatever it has
    # locked until it continues: the second must finish without it.
    os.kill(big.pid, signal.SIGSTOP)
    try:
        small = start(
            database_url, "3000000", write_set(tmp_path / "b", 50, first=STUDENTS)
        )
        try:
            small.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            small.kill()
            small.communicate()
            pytest.fail("the other organization's submission waited")
        assert small.returncode == 0
    finally:
        os.kill(big.pid, signal.SIGCONT)
    finish(big)

    beta, alpha = sorted(submission_times(hub), key=lambda row: row.finished_at)
    assert beta.last_change_version < alpha.first_change_version


def test_shared_state_ids_link_after_race(
    hub: Engine, database_url: str, tmp_path: Path
) -> None:
    big = start(database_url, "2000000", write_set(tmp_path / "a", STUDENTS))
    wait_for(big, "merged 5000 student records")
    small = start(database_url, "3000000", write_set(tmp_path / "b", 50))
    finish(big)
    result = json.loads(finish(small))
    assert result["persons"] == {"linked": 50, "created": 0, "review": 0}
    assert counts(hub)["persons"] == STUDENTS
