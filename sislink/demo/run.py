"""The whole job on generated data: ``sislink demo``.

The demo creates a fresh database in the output folder and registers the
district and its charters. It loads the district's roster, submits the
public Ed-Fi Grand Bend sample as one charter's export and submits every
generated charter. A second round follows with transfers, exits, new
students and reviews. The folder then contains the database, every file
that was submitted and a report.
"""

from __future__ import annotations

import functools
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import Engine

from sislink.demo.compliance import write_compliance_report
from sislink.demo.export import write_roster
from sislink.demo.generator import generate_world
from sislink.demo.rounds import next_round
from sislink.demo.world import World
from sislink.formats import READERS, get_writer
from sislink.formats.sislink_csv import write_kind
from sislink.model import RecordKind
from sislink.model.summary import SubmissionResult
from sislink.pipeline import SubmissionRequest, submit
from sislink.report.summary import write_report
from sislink.store.database import create_store_engine, migrate
from sislink.store.organizations import add_organization
from sislink.tables import key_column, number_column, print_table, text_column

SAMPLES = Path(__file__).parent / "samples"
GRAND_BEND = SAMPLES / "edfi-grand-bend"
GRAND_BEND_CODE = "255901"
GRAND_BEND_NAME = "Grand Bend"

DATABASE_NAME = "sislink.db"
OWNED = (DATABASE_NAME, f"{DATABASE_NAME}-wal", f"{DATABASE_NAME}-shm")
"""Files in the output folder that a new run deletes, besides ``OWNED_FOLDERS``."""
OWNED_FOLDERS = ("files", "report")

CHARTER_FORMATS = (
    "powerschool-csv",
    "illuminate-csv",
    "calpads",
    "oneroster-csv",
    "edfi-json",
    "edfi-xml",
    "powerschool-json",
    "sislink-csv",
)
"""The SIS format of the generated charters by position: each one once, so the
demo reads every format, then the two common vendor exports in turn."""


@dataclass(frozen=True, slots=True)
class Job:
    """One submission of the demo: whose files, in which format, in which round."""

    round_number: int
    code: str
    name: str
    format: str
    folder: Path


@dataclass(slots=True)
class Outcome:
    """A job with what its submission did and how long it took, in seconds."""

    job: Job
    result: SubmissionResult
    seconds: float

    def to_json(self) -> dict[str, Any]:
        """Return the submission's ``--json`` result with the job's details."""
        return {
            "round": self.job.round_number,
            "name": self.job.name,
            "format": self.job.format,
            "seconds": round(self.seconds, 3),
            **self.result.to_json(),
        }


def run_demo(
    out: Path,
    *,
    students: int,
    charters: int,
    seed: int,
    console: Console,
    quiet: bool = False,
) -> dict[str, Any]:
    """Run the demo into ``out`` and return its summary as JSON-ready data.

    ``students`` is the size of the whole district, charters included, and
    ``charters`` the number of generated charters (Grand Bend comes on top).
    With ``quiet`` nothing is printed. Files the demo wrote in ``out`` before
    are replaced; nothing else in the folder is touched.
    """
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    _clear(out)
    engine = create_store_engine(f"sqlite:///{out / DATABASE_NAME}")
    try:
        migrate(engine)
        world = generate_world(students, charters, seed)
        _register(engine, world)
        later = next_round(world, seed + 1)
        jobs = _write_round(world, out / "files" / "round-1", grand_bend=True)
        jobs += _write_round(later, out / "files" / "round-2", grand_bend=False)
        outcomes = _submit_all(engine, jobs, console, quiet)
        report = write_report(engine, out / "report", title="sislink demo")
        write_compliance_report(engine, out / "report")
    finally:
        engine.dispose()

    summary = {
        "database": str(out / DATABASE_NAME),
        "report": str(report),
        "students": students,
        "charters": charters,
        "seed": seed,
        "defects_injected": len(world.defects) + len(later.defects),
        "seconds": round(time.perf_counter() - started, 3),
        "submissions": [outcome.to_json() for outcome in outcomes],
    }
    if not quiet:
        _print_summary(console, outcomes)
        console.print(
            f"{summary['defects_injected']:,} defects were injected on purpose; "
            "the findings above are sislink finding them.\n"
            f"database: {summary['database']}\nreport:   {report}\n"
            f"finished in {summary['seconds']:.1f} s",
            highlight=False,
        )
    return summary


def _clear(out: Path) -> None:
    for name in OWNED:
        (out / name).unlink(missing_ok=True)
    for name in OWNED_FOLDERS:
        shutil.rmtree(out / name, ignore_errors=True)


def _register(engine: Engine, world: World) -> None:
    """Add the district, every charter and the charters' schools.

    The district registers the charters' schools itself, because several SIS
    exports name a school only by its code.
    """
    district = world.district
    with engine.begin() as connection:
        add_organization(connection, district.code, district.name, "district")
        for code in world.charter_codes:
            charter = world.organizations[code]
            add_organization(connection, code, charter.name, "charter", district.code)
            for school in charter.schools:
                add_organization(
                    connection, school.school_id, school.name, "school", code
                )
        add_organization(
            connection, GRAND_BEND_CODE, GRAND_BEND_NAME, "charter", district.code
        )


def _write_round(world: World, folder: Path, *, grand_bend: bool) -> list[Job]:
    """Write one round's exports and return the submissions that read them.

    The district sends its roster in the sislink CSV layout, and charters
    send the formats of ``CHARTER_FORMATS`` (see ``charter_format``).
    """
    round_number = world.round_number
    district = world.district
    jobs = [
        Job(
            round_number,
            district.code,
            district.name,
            "sislink-csv",
            write_roster(world, folder / district.code),
        )
    ]
    if grand_bend:
        jobs.append(
            Job(round_number, GRAND_BEND_CODE, GRAND_BEND_NAME, "edfi-xml", GRAND_BEND)
        )
    for position, code in enumerate(world.charter_codes):
        jobs += _write_charter(world, code, folder / code, charter_format(position))
    return jobs


def charter_format(position: int) -> str:
    """Return the format of the charter at ``position``: each format once, then
    the two common vendor exports in turn."""
    if position < len(CHARTER_FORMATS):
        return CHARTER_FORMATS[position]
    return CHARTER_FORMATS[position % 2]


def _write_charter(
    world: World, code: str, folder: Path, file_format: str
) -> list[Job]:
    """Write one charter's SIS export, and its special-education export if needed.

    A charter's SIS format may not carry the special-education kinds, which
    its special-education system then sends in the sislink CSV layout.
    """
    round_number = world.round_number
    name = world.organizations[code].name
    records = functools.partial(world.records, code)
    export = folder / file_format
    get_writer(file_format)(export, records)
    jobs = [Job(round_number, code, name, file_format, export)]

    carried = set(READERS[file_format].kinds) | {RecordKind.ORGANIZATION}
    missing = [kind for kind in RecordKind if kind not in carried]
    if missing:
        supplement = folder / "special-education"
        for kind in missing:
            write_kind(supplement, kind, records(kind))
        label = f"{name} (special education)"
        jobs.append(Job(round_number, code, label, "sislink-csv", supplement))
    return jobs


def _submit_all(
    engine: Engine, jobs: list[Job], console: Console, quiet: bool
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    with _progress(console, quiet, len(jobs)) as report:
        for job in jobs:
            started = time.perf_counter()

            def on_stage(stage: str, read: int, job: Job = job) -> None:
                report(f"round {job.round_number}, {job.name}: {stage}", read, 0)

            request = SubmissionRequest(
                job.code,
                job.format,
                [job.folder],
                actor="demo",
                progress=on_stage,
            )
            result = submit(engine, request)
            outcomes.append(Outcome(job, result, time.perf_counter() - started))
            report(f"round {job.round_number}, {job.name}: {result.status}", 0, 1)
    return outcomes


@contextmanager
def _progress(console: Console, quiet: bool, total: int) -> Iterator[Any]:
    """Yield ``report(description, records_read, submissions_done)``."""
    if quiet:
        yield lambda description, read, done: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("submissions"),
        TextColumn("{task.fields[read]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("starting", total=total, read="")

        def report(description: str, read: int, done: int) -> None:
            read_text = f"{read:,} records read" if read else ""
            bar.update(task, description=description, advance=done, read=read_text)

        yield report


def _print_summary(console: Console, outcomes: list[Outcome]) -> None:
    """Print two tables per round, one row per submission in each.

    The first gives what each submission did to the records, the second
    how its students were linked to persons. Split this way, both fit 80
    columns; codes, formats and numbers are never cut, and the
    organization's name wraps.
    """
    records = [
        key_column("code"),
        key_column("format"),
        *(number_column(name) for name in RECORD_COLUMNS),
    ]
    persons = [
        key_column("code"),
        text_column("organization"),
        *(number_column(name) for name in PERSON_COLUMNS),
    ]
    for round_number in sorted({o.job.round_number for o in outcomes}):
        rows = [
            _summary_row(outcome)
            for outcome in outcomes
            if outcome.job.round_number == round_number
        ]
        console.print()
        print_table(
            console,
            records,
            [[row[0], row[2], *row[3 : 3 + len(RECORD_COLUMNS)]] for row in rows],
            title=f"round {round_number}: records",
        )
        console.print()
        print_table(
            console,
            persons,
            [[row[0], row[1], *row[3 + len(RECORD_COLUMNS) :]] for row in rows],
            title=f"round {round_number}: students linked to persons",
        )


RECORD_COLUMNS = (
    "students",
    "inserted",
    "updated",
    "ended",
    "errors",
    "warnings",
)
PERSON_COLUMNS = ("linked", "created", "review")


def _summary_row(outcome: Outcome) -> list[str]:
    result = outcome.result
    kinds = result.kinds.values()
    students = result.kinds.get(RecordKind.STUDENT)
    issues = result.severity_counts()
    numbers = (
        students.read if students else 0,
        sum(c.inserted for c in kinds),
        sum(c.updated for c in kinds),
        sum(c.ended for c in kinds),
        issues["error"],
        issues["warning"],
        result.persons.linked,
        result.persons.created,
        result.persons.review,
    )
    name = outcome.job.name
    if result.status != "committed":
        name = f"{name} [{result.status}]"
    return [outcome.job.code, name, outcome.job.format, *(f"{n:,}" for n in numbers)]
