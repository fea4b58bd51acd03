"""The interface between the benchmark runner and its suites.

The page that ``python -m bench.run`` writes has a fixed header (date,
machine, command, workload) followed by one section per suite. A suite
gets the shared context, runs its measurements and returns its section as
Markdown. New benchmarks (validation cost share, identity matching,
compliance measures) are added as further suites, each under its ``--suites``
name in ``bench.run.SUITES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bench.backends import Backend
from bench.workload import Workload


@dataclass(frozen=True, slots=True)
class BenchContext:
    """Everything a suite needs: the options, the workload and the backends.

    ``runs`` is the number of repetitions of each measured task, and
    ``scratch`` a folder for database files, emptied by the suites that
    use it.
    """

    workload: Workload
    backends: list[Backend]
    runs: int
    scratch: Path


class Suite(Protocol):
    """A group of related measurements that writes one section of the page."""

    @property
    def title(self) -> str:
        """Return the section's heading, without the leading ``##``."""
        ...

    def run(self, context: BenchContext) -> str:
        """Run the measurements and return the section's Markdown body."""
        ...
