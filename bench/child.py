"""One measured benchmark task, run as ``python -m bench.child TASK``.

The parent process (``bench.measure.run_child``) starts this module once
per task and run, so the process's peak memory belongs to that task
alone. The task's own wall time is measured here, from just before its
first submission or file read to just after its last commit, and written
with its counts to the JSON file named by ``--result``.

Tasks:

- ``roster``: submit the district's roster files;
- ``charters``: submit every charter's files, one charter after another;
- ``resubmit``: the same as ``charters``, expected to change nothing;
- ``floor-district`` and ``floor-charters``: load the same files with no
  logic (see ``bench.floor``);
- ``baseline``: nothing after the imports, to show the memory every task
  starts with.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.floor import load_floor
from bench.workload import Workload, load_workload
from sislink.model.summary import SubmissionResult
from sislink.pipeline import SubmissionRequest, submit
from sislink.store.database import create_store_engine

FORMAT = "sislink-csv"
ACTOR = "bench"
TASKS = (
    "roster",
    "charters",
    "resubmit",
    "floor-district",
    "floor-charters",
    "baseline",
)


def submission_folders(workload: Workload, task: str) -> list[tuple[str, Path]]:
    """Return the organization code and folder of each submission of ``task``."""
    if task == "roster":
        return [(workload.district.code, workload.district_folder)]
    return [(org.code, workload.charter_folder(org.code)) for org in workload.charters]


def run_submissions(url: str, workload: Workload, task: str) -> dict[str, Any]:
    """Submit the task's folders one after another and return the measurement."""
    engine = create_store_engine(url)
    results: list[SubmissionResult] = []
    try:
        started = time.perf_counter()
        for code, folder in submission_folders(workload, task):
            request = SubmissionRequest(code, FORMAT, [folder], actor=ACTOR)
            results.append(submit(engine, request))
        seconds = time.perf_counter() - started
    finally:
        engine.dispose()

    read = sum(c.read for r in results for c in r.kinds.values())
    statuses = Counter(r.status for r in results)
    return {
        "seconds": seconds,
        "rows": read,
        "details": {
            "submissions": len(results),
            "statuses": dict(statuses),
            "rejected": sum(c.rejected for r in results for c in r.kinds.values()),
            "changes": sum(
                c.inserted + c.updated + c.ended
                for r in results
                for c in r.kinds.values()
            ),
            "unchanged": sum(c.unchanged for r in results for c in r.kinds.values()),
            "stage_seconds": stage_seconds(results),
        },
    }


def stage_seconds(results: Sequence[SubmissionResult]) -> dict[str, float]:
    """Return the seconds the submissions spent per pipeline stage, summed."""
    total: Counter[str] = Counter()
    for result in results:
        total.update(result.seconds)
    return dict(total)


def run_floor(url: str, workload: Workload, task: str) -> dict[str, Any]:
    """Load the task's files with no logic and return the measurement."""
    if task == "floor-district":
        folders = [workload.district_folder]
        prefix = "district"
    else:
        folders = [workload.charter_folder(org.code) for org in workload.charters]
        prefix = "charters"
    files = [path for folder in folders for path in sorted(folder.glob("*.csv"))]
    started = time.perf_counter()
    rows = load_floor(url, files, prefix)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "details": {"files": len(files)}}


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the child's command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.child",
        description="Run one measured benchmark task (started by bench.run).",
    )
    parser.add_argument("task", choices=TASKS, help="the task to run")
    parser.add_argument(
        "--url",
        help="SQLAlchemy URL of the database to use; every task but baseline needs it",
    )
    parser.add_argument(
        "--workload",
        required=True,
        type=Path,
        help="cached workload folder, the one containing manifest.json",
    )
    parser.add_argument(
        "--result", required=True, type=Path, help="JSON file to write the result to"
    )
    arguments = parser.parse_args(argv)
    if arguments.task != "baseline" and not arguments.url:
        parser.error(f"the {arguments.task} task needs --url")
    return arguments


def main(argv: Sequence[str] | None = None) -> None:
    """Run the task named on the command line and write its result file."""
    arguments = parse_arguments(argv)
    workload = load_workload(arguments.workload)
    if arguments.task == "baseline":
        outcome: dict[str, Any] = {"seconds": 0.0, "rows": 0}
    elif arguments.task.startswith("floor-"):
        outcome = run_floor(arguments.url, workload, arguments.task)
    else:
        outcome = run_submissions(arguments.url, workload, arguments.task)
    arguments.result.write_text(json.dumps(outcome), encoding="utf-8")


if __name__ == "__main__":
    main()
