"""Measured child processes and the statistics over repeated runs.

Each measured task runs in its own ``python -m bench.child`` process, so
its peak resident memory is its own and not that of the earlier phases.
The child times its own work and writes the result to a JSON file. The
parent reaps the child with ``os.wait4``, whose resource usage gives the
child's peak resident set size (``ru_maxrss``, in KiB on Linux).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.backends import BenchError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The folder that contains the ``bench`` package, the children's working folder."""


@dataclass(frozen=True, slots=True)
class TaskResult:
    """One measured run of a task in a child process.

    ``seconds`` is the wall time of the task's own work, measured inside the
    child and excluding interpreter start-up and imports. ``rows`` is the
    number of records or rows the task processed. ``peak_rss_kib`` is the
    child's peak resident set size. ``details`` contains task-specific counts.
    """

    seconds: float
    rows: int
    peak_rss_kib: int
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Summary:
    """Median, minimum and maximum of repeated measurements."""

    median: float
    minimum: float
    maximum: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        """Return the summary of ``values``; raises ``ValueError`` when empty."""
        if not values:
            raise ValueError("no measurements to summarize")
        return cls(statistics.median(values), min(values), max(values))


def run_child(task: str, arguments: Sequence[str]) -> TaskResult:
    """Run ``python -m bench.child TASK ARGUMENTS...`` and return its measurement.

    Raises ``BenchError`` when the child exits with an error or writes no result.
    """
    with tempfile.TemporaryDirectory(prefix="sislink-bench-") as folder:
        result_path = Path(folder) / "result.json"
        command = [
            sys.executable,
            "-m",
            "bench.child",
            task,
            *arguments,
            "--result",
            str(result_path),
        ]
        process = subprocess.Popen(command, cwd=PROJECT_ROOT)
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()
            process.wait()
            raise
        # os.wait4 reaped the child, so Popen must not wait for it again.
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise BenchError(
                f"benchmark task {task!r} failed with exit code "
                f"{process.returncode}; its error output is above"
            )
        try:
            payload = json.loads(result_path.read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise BenchError(
                f"benchmark task {task!r} exited without writing its result"
            ) from error
    return TaskResult(
        seconds=float(payload["seconds"]),
        rows=int(payload["rows"]),
        peak_rss_kib=usage.ru_maxrss,
        details=dict(payload.get("details", {})),
    )
