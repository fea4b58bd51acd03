"""Benchmark: every compliance measure for the charters' students.

The suite loads the workload's charters (not the district) into a fresh
database through the submission pipeline, then times ``compute_measures``
over all of them as of the generator's first export day. Run it within
``python -m bench.run`` or alone::

    python -m bench.compliance --students 750000 --charters 200

which prints the section for SQLite.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench import markdown
from bench.backends import Backend, SqliteBackend
from bench.load import register_organizations
from bench.suite import BenchContext
from bench.workload import Workload, WorkloadSpec, prepare_workload
from sislink.compliance import compute_measures
from sislink.compliance.model import ComplianceResult
from sislink.demo.dates import FIRST_ROUND_AS_OF
from sislink.demo.generator import DEFAULT_DEFECT_RATE
from sislink.pipeline import SubmissionRequest, submit
from sislink.store.database import create_store_engine

log = logging.getLogger("bench")

AIM_SECONDS = 30.0
"""Aim for computing every measure over 150,000 charter students."""


class ComplianceSuite:
    """Times every compliance measure over the loaded charters."""

    title = "Compliance measures"

    def run(self, context: BenchContext) -> str:
        """Load the charters on each backend and time the measures."""
        parts = [_introduction(context.workload)]
        for backend in context.backends:
            parts.append(_measure(backend, context))
        return "\n\n".join(parts)


def _measure(backend: Backend, context: BenchContext) -> str:
    workload = context.workload
    with backend.fresh_database(context.scratch) as url:
        register_organizations(url, workload)
        started = time.perf_counter()
        _load_charters(url, workload)
        load_seconds = time.perf_counter() - started
        log.info("%s: loaded the charters in %.1f s", backend.name, load_seconds)
        engine = create_store_engine(url)
        timings: list[float] = []
        result: ComplianceResult | None = None
        try:
            for number in range(1, context.runs + 1):
                started = time.perf_counter()
                with engine.connect() as connection:
                    result = compute_measures(connection, FIRST_ROUND_AS_OF)
                timings.append(time.perf_counter() - started)
                log.info(
                    "%s run %d: compliance measures in %.2f s",
                    backend.name,
                    number,
                    timings[-1],
                )
        finally:
            engine.dispose()
    assert result is not None
    return _section(backend, load_seconds, timings, result)


def _load_charters(url: str, workload: Workload) -> None:
    engine = create_store_engine(url)
    try:
        for charter in workload.charters:
            request = SubmissionRequest(
                charter.code,
                "sislink-csv",
                [workload.charter_folder(charter.code)],
                actor="bench",
            )
            submit(engine, request)
    finally:
        engine.dispose()


def _section(
    backend: Backend,
    load_seconds: float,
    timings: Sequence[float],
    result: ComplianceResult,
) -> str:
    median = statistics.median(timings)
    obligations = Counter(o.measure.value for o in result.obligations)
    rows = [
        ["compute every measure, median (s)", markdown.seconds(median)],
        ["fastest / slowest run", f"{min(timings):.2f} s / {max(timings):.2f} s"],
        ["runs", str(len(timings))],
        [
            "aim",
            f"under {AIM_SECONDS:.0f} s: {_met(median < AIM_SECONDS)}",
        ],
        [
            "loading the charters first, not timed above (s)",
            markdown.seconds(load_seconds),
        ],
        ["organizations measured", markdown.count(len(result.organizations))],
        *[
            [f"obligations: {name}", markdown.count(count)]
            for name, count in sorted(obligations.items())
        ],
        ["service months", markdown.count(len(result.service_months))],
        ["transfers", markdown.count(len(result.transfers))],
    ]
    return f"### {backend.label}\n\n" + markdown.table(["measure", "value"], rows)


def _met(condition: bool) -> str:
    return "met" if condition else "not met"


def _introduction(workload: Workload) -> str:
    students = workload.charter_counts.rows.get("student", 0)
    return (
        f"The {len(workload.charters)} charters' files ({markdown.count(students)} "
        "student rows, without the district) are submitted to a fresh database, "
        f"then `compute_measures(connection, {FIRST_ROUND_AS_OF.isoformat()})` "
        "computes every measure for every charter: initial evaluations, annual "
        "reviews, triennials, service minutes, transfers and data quality. The "
        "time covers reading the stored history as of that date and computing; "
        "writing a report is not included."
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite on SQLite and print its section."""
    parser = argparse.ArgumentParser(prog="python -m bench.compliance")
    parser.add_argument("--students", type=int, default=750_000)
    parser.add_argument("--charters", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--delivery-weeks", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=Path(".bench"))
    arguments = parser.parse_args(argv)
    logging.basicConfig(format="%(asctime)s %(message)s")
    log.setLevel(logging.INFO)
    spec = WorkloadSpec(
        arguments.students,
        arguments.charters,
        arguments.seed,
        DEFAULT_DEFECT_RATE,
        arguments.delivery_weeks,
    )
    workload = prepare_workload(spec, arguments.cache)
    context = BenchContext(
        workload, [SqliteBackend()], arguments.runs, arguments.cache / "scratch"
    )
    suite = ComplianceSuite()
    sys.stdout.write(f"## {suite.title}\n\n{suite.run(context)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
