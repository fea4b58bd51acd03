"""Run the benchmarks and write the results page: ``python -m bench.run``.

``make bench`` runs this module with ``--out docs/benchmarks.md``, and
``make bench BENCH_ARGS="--students 20000"`` passes further options. The
page is written in full by this module: a header with the date, the
machine, the command and the workload, then one section per suite in
``SUITES``.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench import markdown
from bench.backends import (
    BACKEND_NAMES,
    DEFAULT_POSTGRES_URL,
    POSTGRES_URL_VARIABLE,
    Backend,
    BenchError,
    make_backends,
)
from bench.compliance import ComplianceSuite
from bench.identity import IdentitySuite
from bench.load import LoadSuite
from bench.machine import Machine
from bench.measure import PROJECT_ROOT
from bench.suite import BenchContext, Suite
from bench.workload import (
    DISTRICT_SHARE,
    REFERENCE_CHARTER_STUDENTS,
    REFERENCE_PLAN_STUDENTS,
    REFERENCE_SERVICES,
    ScopeCounts,
    Workload,
    WorkloadSpec,
    prepare_workload,
)
from sislink.demo.generator import DEFAULT_DEFECT_RATE, DEFAULT_DELIVERY_WEEKS
from sislink.model import RecordKind

log = logging.getLogger("bench")

SUITES: dict[str, Suite] = {
    "load": LoadSuite(),
    "compliance": ComplianceSuite(),
    "identity": IdentitySuite(),
}
"""The suites by their ``--suites`` name, in page order. Each returns one
section of the page."""

DEFAULT_STUDENTS = 750_000
STUDENTS_PER_CHARTER = 3_750
"""Default ratio of all students to charters: 200 charters at 750,000 students,
so an average charter has 750 students at any size."""

DEFAULT_DELIVERY_WINDOW_WEEKS = 2
"""Service-delivery window of the benchmark, shorter than the generator's
default because deliveries outnumber every other kind by far."""

DEFAULT_CACHE = PROJECT_ROOT / ".bench"


def default_charters(students: int) -> int:
    """Return the default number of charters for ``students`` students in all."""
    return max(1, round(students / STUDENTS_PER_CHARTER))


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    """Parse the command line of ``python -m bench.run``."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Benchmark sislink's loads on generated data and write the "
        "results page.",
    )

    parser.add_argument(
        "--students",
        type=_positive,
        default=DEFAULT_STUDENTS,
        help="students in all, district and charters (default %(default)s); "
        f"the district has {DISTRICT_SHARE * 100:.0f}%% of them",
    )

    parser.add_argument(
        "--charters",
        type=_positive,
        help="number of charters (default: one per "
        f"{STUDENTS_PER_CHARTER:,} students, so 200 at 750,000)",
    )

    parser.add_argument(
        "--runs",
        type=_positive,
        default=3,
        help="repetitions of every measured task (default %(default)s)",
    )

    parser.add_argument(
        "--seed", type=int, default=1, help="generator seed (default %(default)s)"
    )

    parser.add_argument(
        "--backends",
        default=",".join(BACKEND_NAMES),
        help="comma-separated databases to measure (default %(default)s)",
    )

    parser.add_argument(
        "--suites",
        default=",".join(SUITES),
        help="comma-separated suites to run, in page order (default %(default)s)",
    )

    parser.add_argument(
        "--append",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a section an earlier run of one suite's own command wrote (for "
        "example `python -m bench.identity > FILE`), added after this run's "
        "sections with a note that it was measured apart; may be repeated",
    )

    parser.add_argument(
        "--out",
        type=Path,
        default=Path("docs/benchmarks.md"),
        help="Markdown file to write (default %(default)s)",
    )

    parser.add_argument(
        "--cache",
        type=Path,
        default=DEFAULT_CACHE,
        help="folder for the generated files and scratch databases "
        "(default: .bench in the project folder)",
    )

    parser.add_argument(
        "--delivery-weeks",
        type=_non_negative,
        default=DEFAULT_DELIVERY_WINDOW_WEEKS,
        help="service-delivery window in school weeks, 0 to leave deliveries "
        "out (default %(default)s)",
    )

    parser.add_argument(
        "--defect-rate",
        type=_fraction,
        default=DEFAULT_DEFECT_RATE,
        help="share of records with an injected defect (default %(default)s)",
    )

    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(POSTGRES_URL_VARIABLE, DEFAULT_POSTGRES_URL),
        help=f"PostgreSQL database in which each run creates and drops a schema "
        f"(default: ${POSTGRES_URL_VARIABLE}, else {DEFAULT_POSTGRES_URL})",
    )

    return parser.parse_args(argv)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run every suite and write the page; return the process exit code."""
    logging.basicConfig(format="%(asctime)s %(message)s")
    log.setLevel(logging.INFO)
    arguments_list = list(sys.argv[1:] if argv is None else argv)
    arguments = parse_arguments(arguments_list)
    # SIGTERM exits through SystemExit, so the running child is killed and the
    # scratch database or PostgreSQL schema of the current run is removed.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    started = time.perf_counter()
    try:
        backends = make_backends(_split(arguments.backends), arguments.postgres_url)
        for backend in backends:
            backend.check_available()
        spec = WorkloadSpec(
            students=arguments.students,
            charters=arguments.charters or default_charters(arguments.students),
            seed=arguments.seed,
            defect_rate=arguments.defect_rate,
            delivery_weeks=arguments.delivery_weeks,
        )
        workload = prepare_workload(spec, arguments.cache)
        context = BenchContext(
            workload, backends, arguments.runs, arguments.cache / "scratch"
        )
        suites = select_suites(_split(arguments.suites))
        sections = []
        for suite in suites:
            log.info("running the suite %r", suite.title)
            sections.append(f"## {suite.title}\n\n{suite.run(context)}")
        sections += [appended_section(path) for path in arguments.append]
    except BenchError as error:
        log.error("benchmark failed: %s", error)
        return 1

    command = shlex.join(["python", "-m", "bench.run", *arguments_list])
    minutes = (time.perf_counter() - started) / 60
    page = render_page(command, Machine.current(), context, sections, minutes)
    write_page(arguments.out, page)
    log.info("wrote %s", arguments.out)
    return 0


def _exit_on_signal(number: int, _frame: object) -> None:
    log.error("benchmark stopped by signal %d", number)
    sys.exit(128 + number)


def source_revision() -> str:
    """Return the git commit of the measured code.

    The commit is marked when ``sislink/`` has uncommitted changes, because
    then the figures belong to code that no commit contains.
    """
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        changes = _git("status", "--porcelain", "--", "sislink")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    if changes:
        return f"{commit}, with uncommitted changes in sislink/"
    return commit


def _git(*arguments: str) -> str:
    completed = subprocess.run(
        ["git", *arguments],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.strip()


def select_suites(names: list[str]) -> list[Suite]:
    """Return the suites named on the command line, in page order.

    Raises ``BenchError`` for an unknown name or an empty list.
    """
    known = ", ".join(SUITES)
    unknown = [name for name in names if name not in SUITES]
    if unknown:
        raise BenchError(f"unknown suite {unknown[0]!r}: use one or more of {known}")
    if not names:
        raise BenchError(f"no suite named: use one or more of {known}")
    return [suite for name, suite in SUITES.items() if name in names]


def _split(names: str) -> list[str]:
    return [name.strip() for name in names.split(",") if name.strip()]


def appended_section(path: Path) -> str:
    """Return a section written by one suite's own command, marked as measured apart.

    Raises:
        BenchError: the file cannot be read or is not a ``## `` section.
    """
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise BenchError(f"cannot read the section {path}: {error.strerror}") from error
    heading, _, body = text.partition("\n")
    if not heading.startswith("## "):
        raise BenchError(f"{path} does not start with a '## ' heading")
    note = (
        "_This section was measured apart from the rest of the page, by the "
        "suite's own command on the same machine; its text gives its sizes._"
    )
    return f"{heading}\n\n{note}\n{body}"


def write_page(path: Path, page: str) -> None:
    """Write ``page`` to ``path`` through a temporary file, so no half page remains."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(path)


def render_page(
    command: str,
    machine: Machine,
    context: BenchContext,
    sections: list[str],
    minutes: float,
) -> str:
    """Return the whole page: header, machine, workload and the suites' sections.

    ``minutes`` is the wall time of the whole benchmark, workload included.
    """
    parts = [
        "# Benchmarks",
        "This page is written by `make bench` (`python -m bench.run`, code in "
        "`bench/`). Rerun it rather than editing the page.",
        f"Measured on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with:\n\n"
        f"```sh\n{command}\n```\n\nThe whole benchmark took {minutes:.1f} minutes.",
        _machine_table(machine, context.backends),
        "The machines these figures come from are shared with other work and "
        "noisy, so a single timing can differ widely from one run to the next. "
        "Ratios measured within the same runs (a phase against its floor, a "
        "re-submission against the first load) matter more than single timings.",
        _workload_section(context.workload),
        *sections,
    ]
    return "\n\n".join(parts) + "\n"


def _machine_table(machine: Machine, backends: list[Backend]) -> str:
    rows = [
        ["CPU", machine.cpu_model],
        ["cores", str(machine.cores)],
        ["memory", machine.memory_text()],
        ["operating system", f"{machine.operating_system}, {machine.kernel}"],
        ["Python", machine.python],
        ["sislink commit", source_revision()],
    ]
    for backend in backends:
        rows.append([backend.label, backend.version()])
    return markdown.table(["machine and software", ""], rows, numeric=False)


def _workload_section(workload: Workload) -> str:
    spec = workload.spec
    district = workload.district_counts
    charters = workload.charter_counts
    call = (
        f"`generate_world({spec.students}, {spec.charters}, seed={spec.seed}, "
        f"district_share={DISTRICT_SHARE}, defect_rate={spec.defect_rate:g}, "
        f"deliveries={spec.delivery_weeks > 0}, "
        f"delivery_weeks={max(spec.delivery_weeks, 1)})`"
    )
    source = "reused from the cache" if workload.reused else "generated by this run"
    rows = [
        [
            kind.value,
            markdown.count(district.rows.get(kind.value, 0)),
            markdown.count(charters.rows.get(kind.value, 0)),
        ]
        for kind in RecordKind
    ]
    rows.append(
        [
            "all rows",
            markdown.count(district.total_rows),
            markdown.count(charters.total_rows),
        ]
    )
    rows.append(
        [
            "students with plans",
            markdown.count(district.students_with_plans),
            markdown.count(charters.students_with_plans),
        ]
    )
    rows.append(
        [
            "file size MiB",
            markdown.mebibytes(district.file_bytes / 1024),
            markdown.mebibytes(charters.file_bytes / 1024),
        ]
    )
    parts = [
        "## Workload",
        f"{markdown.count(spec.students)} students in all: the district and "
        f"{spec.charters} charters, from the project's seeded generator, {call}, "
        "written with `write_roster` and `write_sislink_csv` in the sislink CSV "
        f"layout. The files were {source} (generating and writing them took "
        f"{workload.generation_seconds:.1f} s). The cache folder is "
        f"`{workload.folder.name}` under the cache directory.",
        "Rows per record kind in the files:",
        markdown.table(["record kind", "district", "charters"], rows),
        _targets(workload),
        _deliveries(workload),
    ]
    return "\n\n".join(parts)


def _targets(workload: Workload) -> str:
    charters = workload.charter_counts
    students = charters.rows.get(RecordKind.STUDENT.value, 0)
    scale = students / REFERENCE_CHARTER_STUDENTS
    services = charters.rows.get(RecordKind.SERVICE.value, 0)
    return (
        f"The charters should carry about {markdown.count(REFERENCE_PLAN_STUDENTS)} "
        f"students with plans and about {markdown.count(REFERENCE_SERVICES)} "
        "service prescriptions per "
        f"{markdown.count(REFERENCE_CHARTER_STUDENTS)} charter students. For this "
        f"run's {markdown.count(students)} charter students that is about "
        f"{markdown.count(REFERENCE_PLAN_STUDENTS * scale)} and "
        f"{markdown.count(REFERENCE_SERVICES * scale)}. The files carry "
        f"{markdown.count(charters.students_with_plans)} students with plans and "
        f"{markdown.count(services)} service prescriptions."
    )


def _deliveries(workload: Workload) -> str:
    weeks = workload.spec.delivery_weeks
    if weeks == 0:
        return (
            "Service deliveries are left out (`--delivery-weeks 0`), so the "
            "loads contain every other kind only."
        )
    text = (
        f"Service deliveries are included for a window of {weeks} school "
        "week(s) before the export day (`--delivery-weeks`)."
    )
    district = workload.district_counts
    charters = workload.charter_counts
    if district.full_window_deliveries is None:
        return text
    if charters.full_window_deliveries is None:
        return text
    text += (
        f" The generator's default window of {DEFAULT_DELIVERY_WEEKS} weeks would "
        f"give {markdown.count(district.full_window_deliveries)} district and "
        f"{markdown.count(charters.full_window_deliveries)} charter delivery rows "
        "for the same students (counted, not written), "
        f"{markdown.share(_full_window_share(district))} of the district's rows and "
        f"{markdown.share(_full_window_share(charters))} of the charters'. The "
        "benchmark uses a shorter window so that deliveries do not make up most "
        "of every phase."
    )
    return text


def _full_window_share(counts: ScopeCounts) -> float:
    """Return the deliveries' share of all rows with the default delivery window."""
    assert counts.full_window_deliveries is not None
    written = counts.rows.get(RecordKind.SERVICE_DELIVERY.value, 0)
    total = counts.total_rows - written + counts.full_window_deliveries
    return counts.full_window_deliveries / total if total else 0.0


if __name__ == "__main__":
    sys.exit(main())
