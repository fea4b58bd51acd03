"""The load suite: roster load, charter load and unchanged re-submission.

On each backend and in each run, a fresh database is migrated and the
district and charters are registered (not timed). Three phases then run
in order, each in its own child process: (a) the district's roster load,
(b) every charter's submission, one after another, and (c) the same
charter files submitted again unchanged. In a second fresh database the
floor loads the district's files and then the charters' files with no
logic (``bench.floor``). Each phase is then compared with the cheapest way
to store the same rows on the same backend, measured in the same run.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from bench import markdown
from bench.backends import Backend
from bench.measure import Summary, TaskResult, run_child
from bench.suite import BenchContext
from bench.workload import REFERENCE_CHARTER_STUDENTS, Workload
from sislink.store.database import create_store_engine, migrate
from sislink.store.organizations import add_organization

log = logging.getLogger(__name__)

FLOOR_RATIO_AIM = 3.0
"""The charter load should take at most this multiple of the floor's time."""

PEAK_MEMORY_AIM_KIB = 2 * 1024 * 1024
"""The charter load's child process should peak below 2 GiB."""

RESUBMISSION_SHARE_AIM = 0.10
"""An unchanged re-submission should take less than this share of the first load."""

AIM_CHARTER_STUDENTS = REFERENCE_CHARTER_STUDENTS
"""The charter population the aims are stated for."""

AIM_SIZE_TOLERANCE = 0.1
"""Relative difference from ``AIM_CHARTER_STUDENTS`` beyond which the page
states that the aims were measured at another size."""


@dataclass(frozen=True, slots=True)
class Phase:
    """A measured pipeline phase and the floor task that loads the same files."""

    task: str
    label: str
    floor_task: str


ROSTER = Phase("roster", "District roster load", "floor-district")
CHARTERS = Phase(
    "charters", "Charter load, one charter after another", "floor-charters"
)
RESUBMIT = Phase(
    "resubmit", "Unchanged re-submission of all charters", "floor-charters"
)
PHASES = (ROSTER, CHARTERS, RESUBMIT)
FLOORS = {
    "floor-district": "Floor: district files",
    "floor-charters": "Floor: charter files",
}


@dataclass(slots=True)
class TaskRuns:
    """The repeated measurements of one task on one backend."""

    results: list[TaskResult] = field(default_factory=list)

    @property
    def seconds(self) -> Summary:
        """Return the median, minimum and maximum wall time."""
        return Summary.of([r.seconds for r in self.results])

    @property
    def rows(self) -> int:
        """Return the records or rows per run, the same in every run."""
        return self.results[0].rows

    @property
    def peak_rss_kib(self) -> int:
        """Return the highest peak resident set size of all runs."""
        return max(r.peak_rss_kib for r in self.results)

    @property
    def rate(self) -> float:
        """Return records per second at the median wall time."""
        median = self.seconds.median
        return self.rows / median if median > 0 else 0.0

    def detail_total(self, name: str) -> int:
        """Return the sum of an integer detail over all runs."""
        return sum(int(r.details.get(name, 0)) for r in self.results)

    def stage_share(self, stage: str) -> float:
        """Return a pipeline stage's share of the submissions' own time, over all runs.

        The stage and total seconds are those the pipeline measures itself
        (``SubmissionResult.seconds``); 0.0 when the runs recorded none.
        """
        stage_total = total = 0.0
        for result in self.results:
            stages = result.details.get("stage_seconds", {})
            stage_total += float(stages.get(stage, 0.0))
            total += float(stages.get("total", 0.0))
        return stage_total / total if total else 0.0

    def statuses(self) -> Counter[str]:
        """Return how many submissions ended in each status, over all runs."""
        total: Counter[str] = Counter()
        for result in self.results:
            total.update(result.details.get("statuses", {}))
        return total


@dataclass(slots=True)
class BackendRuns:
    """Every task's measurements on one backend."""

    backend: Backend
    tasks: dict[str, TaskRuns] = field(default_factory=dict)

    def task(self, name: str) -> TaskRuns:
        """Return the measurements of task ``name``, creating them empty."""
        return self.tasks.setdefault(name, TaskRuns())

    def floor_ratio(self, phase: Phase) -> float:
        """Return the phase's median time as a multiple of its floor's median."""
        floor = self.tasks[phase.floor_task].seconds.median
        return self.tasks[phase.task].seconds.median / floor

    def resubmission_share(self) -> float:
        """Return the re-submission's median time as a share of the charter load's."""
        first = self.tasks[CHARTERS.task].seconds.median
        return self.tasks[RESUBMIT.task].seconds.median / first


class LoadSuite:
    """Roster load, charter load and re-submission, compared with the floor."""

    title = "Roster load, charter load and unchanged re-submission"

    def run(self, context: BenchContext) -> str:
        """Measure every phase and floor on every backend; return the section."""
        baseline = self._run_task(context.workload, "baseline", "", "baseline")
        measured = [self._measure(backend, context) for backend in context.backends]
        return self._render(context, measured, baseline.peak_rss_kib)

    def _measure(self, backend: Backend, context: BenchContext) -> BackendRuns:
        runs = BackendRuns(backend)
        workload = context.workload
        for number in range(1, context.runs + 1):
            where = f"{backend.name} run {number}/{context.runs}"
            with backend.fresh_database(context.scratch) as url:
                register_organizations(url, workload)
                for phase in PHASES:
                    result = self._run_task(workload, phase.task, url, where)
                    runs.task(phase.task).results.append(result)
            with backend.fresh_database(context.scratch) as url:
                for task in FLOORS:
                    result = self._run_task(workload, task, url, where)
                    runs.task(task).results.append(result)
        return runs

    @staticmethod
    def _run_task(workload: Workload, task: str, url: str, where: str) -> TaskResult:
        arguments = ["--workload", str(workload.folder)]
        if url:
            arguments += ["--url", url]
        result = run_child(task, arguments)
        log.info(
            "%s, %s: %.2f s, %s rows, peak %s MiB",
            where,
            task,
            result.seconds,
            markdown.count(result.rows),
            markdown.mebibytes(result.peak_rss_kib),
        )
        return result

    def _render(
        self, context: BenchContext, measured: list[BackendRuns], baseline_kib: int
    ) -> str:
        parts = [
            _introduction(context),
            *(_backend_section(runs) for runs in measured),
            _method(context, baseline_kib),
        ]
        return "\n\n".join(parts)


def register_organizations(url: str, workload: Workload) -> None:
    """Migrate the database at ``url`` and register the district and charters."""
    engine = create_store_engine(url)
    try:
        migrate(engine)
        district = workload.district
        with engine.begin() as connection:
            add_organization(connection, district.code, district.name, "district")
            for charter in workload.charters:
                add_organization(
                    connection, charter.code, charter.name, "charter", district.code
                )
    finally:
        engine.dispose()


def _introduction(context: BenchContext) -> str:
    workload = context.workload
    district_rows = workload.district_counts.total_rows
    charter_rows = workload.charter_counts.total_rows
    charter_students = workload.charter_counts.rows.get("student", 0)
    lines = [
        f"Every figure is over {context.runs} run(s) per backend. The roster "
        f"load submits the district's files ({markdown.count(district_rows)} "
        f"rows). The charter load submits the {len(workload.charters)} charters' "
        f"files ({markdown.count(charter_rows)} rows, "
        f"{markdown.count(charter_students)} students) one charter after another, "
        "into the database the roster load filled. The re-submission then "
        "submits the same charter files again.",
    ]
    if abs(charter_students / AIM_CHARTER_STUDENTS - 1) > AIM_SIZE_TOLERANCE:
        lines.append(
            "The aims below are stated for a charter load of "
            f"{markdown.count(AIM_CHARTER_STUDENTS)} students. This run's charters "
            f"have {markdown.count(charter_students)}, so its results against the "
            "aims are indicative only."
        )
    return "\n\n".join(lines)


def _backend_section(runs: BackendRuns) -> str:
    header = [
        "phase",
        "records",
        "median s",
        "min s",
        "max s",
        "records/s",
        "peak RSS MiB",
        "floor s",
        "ratio to floor",
    ]
    rows: list[list[str]] = []
    for phase in PHASES:
        task = runs.tasks[phase.task]
        floor = runs.tasks[phase.floor_task]
        rows.append(
            [
                phase.label,
                *_timing_cells(task),
                markdown.seconds(floor.seconds.median),
                markdown.ratio(runs.floor_ratio(phase)),
            ]
        )
    for name, label in FLOORS.items():
        rows.append([label, *_timing_cells(runs.tasks[name]), "", ""])

    parts = [
        f"### {runs.backend.label}",
        markdown.table(header, rows),
        _aims(runs),
        _stages(runs),
        _checks(runs),
    ]
    return "\n\n".join(parts)


def _timing_cells(task: TaskRuns) -> list[str]:
    summary = task.seconds
    return [
        markdown.count(task.rows),
        markdown.seconds(summary.median),
        markdown.seconds(summary.minimum),
        markdown.seconds(summary.maximum),
        markdown.count(task.rate),
        markdown.mebibytes(task.peak_rss_kib),
    ]


def _met(condition: bool) -> str:
    return "met" if condition else "not met"


def _aims(runs: BackendRuns) -> str:
    ratio = runs.floor_ratio(CHARTERS)
    peak = runs.tasks[CHARTERS.task].peak_rss_kib
    share = runs.resubmission_share()
    rows = [
        [
            "charter load time, as a multiple of its floor",
            f"within {markdown.ratio(FLOOR_RATIO_AIM)}",
            markdown.ratio(ratio),
            _met(ratio <= FLOOR_RATIO_AIM),
        ],
        [
            "charter load peak memory",
            f"under {markdown.mebibytes(PEAK_MEMORY_AIM_KIB)} MiB (2 GiB)",
            f"{markdown.mebibytes(peak)} MiB",
            _met(peak < PEAK_MEMORY_AIM_KIB),
        ],
        [
            "unchanged re-submission time, as a share of the charter load's",
            f"under {markdown.share(RESUBMISSION_SHARE_AIM)}",
            markdown.share(share),
            _met(share < RESUBMISSION_SHARE_AIM),
        ],
    ]
    return markdown.table(["aim", "target", "measured", "result"], rows)


STAGES = (
    ("validate", "validation: every rule on every record, and the reference checks"),
    ("link", "linking students to the person index"),
    ("merge", "comparing with stored versions and writing new ones"),
)


def _stages(runs: BackendRuns) -> str:
    """Show where the charter load spends its time, validation first."""
    task = runs.tasks[CHARTERS.task]
    rows = [
        [description, markdown.share(task.stage_share(stage))]
        for stage, description in STAGES
    ]
    rest = 1 - sum(task.stage_share(stage) for stage, _ in STAGES)
    rows.append(
        ["reading, normalizing, numbering changes and committing", markdown.share(rest)]
    )
    table = markdown.table(["stage of the charter load", "share of its time"], rows)
    return (
        "Where the charter load spends its time, as the pipeline measures "
        "each submission's stages (all runs together):\n\n" + table
    )


def _checks(runs: BackendRuns) -> str:
    """Describe what the submissions did, so a broken run cannot pass unnoticed."""
    lines = []
    for phase in PHASES:
        task = runs.tasks[phase.task]
        statuses = ", ".join(
            f"{count} {status}" for status, count in sorted(task.statuses().items())
        )
        runs_count = len(task.results)
        rejected = task.detail_total("rejected") / runs_count
        changes = task.detail_total("changes") / runs_count
        expected = " (expected 0)" if phase is RESUBMIT else ""
        lines.append(
            f"- {phase.label}: submissions over {runs_count} run(s): {statuses}; "
            f"records rejected per run: {markdown.count(rejected)}; "
            f"changes written per run: {markdown.count(changes)}{expected}."
        )
    return "\n".join(lines)


def _method(context: BenchContext, baseline_kib: int) -> str:
    return "\n".join(
        [
            "How these figures were measured:",
            "",
            "- Each run starts from a fresh database: a new SQLite file, or a new "
            "PostgreSQL schema that is dropped afterwards. Migrating it and "
            "registering the district and the charters is not timed.",
            "- Each phase and each floor runs in its own child process "
            "(`python -m bench.child TASK`). Its time is the wall time of its work "
            "inside the child, from the first submission or file read to the last "
            "commit, without interpreter start-up and imports. Submissions use "
            "`sislink.pipeline.submit` with the `sislink-csv` format.",
            f"- Median, min and max are over {context.runs} run(s). Records/s is "
            "the records read (the sum of `SubmissionResult.kinds[kind].read`, "
            "or the rows inserted for a floor) divided by the median time.",
            "- Peak RSS is the child's `ru_maxrss` as `os.wait4` reports it, the "
            "highest of all runs. It includes the interpreter and the imported "
            "libraries: a child that only imports them peaks at "
            f"{markdown.mebibytes(baseline_kib)} MiB.",
            "- The floor parses the same files with `pyarrow.csv.read_csv`, every "
            "column as a string, and inserts the rows into plain tables with one "
            "text column per CSV column and no index, in one transaction: `COPY` "
            "from CSV written by pyarrow on PostgreSQL, `executemany` on SQLite "
            "(WAL, `synchronous=NORMAL`, as sislink configures it). The ratio to "
            "the floor is the phase's median time divided by the floor's median "
            "time for the same rows, measured in the same runs.",
            "- The re-submission share is the re-submission's median time divided "
            "by the charter load's median time.",
        ]
    )
