"""Figures per organization and school, for reports: counts, rates and trends.

Counts that a monitor may see go through ``suppression``: each measure is a
table (organizations or schools by outcome) whose row total is the number
due, so the monitor role hides small cells and their complements together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sislink.compliance.model import (
    ComplianceResult,
    Measure,
    Obligation,
    ServiceMonth,
    Status,
    Student,
)
from sislink.compliance.rules import SERVICE_SHARE
from sislink.compliance.suppression import (
    COMPLEMENT_MARK,
    PRIMARY_MARK,
    THRESHOLD,
    Cell,
    CountTable,
    ShownTable,
    show,
)

TIMELINE_COLUMNS = (
    "on_time",
    "late_with_reason",
    "late_without_reason",
    "overdue_open",
    "unmet_at_exit",
)
TRANSFER_COLUMNS = (
    "plan_within_30_days",
    "plan_after_30_days",
    "overdue_open",
    "unmet_at_exit",
)
SERVICE_COLUMNS = ("at_least_90_percent", "below_90_percent", "no_delivery_logged")
TIMELINES = (Measure.INITIAL_EVALUATION, Measure.ANNUAL_REVIEW, Measure.TRIENNIAL)
DUE_SOON_DAYS = (30, 60)

GroupKey = Callable[[Student], str | None]


@dataclass(frozen=True, slots=True)
class StudentService:
    """One student's minutes over the measured months, all services together."""

    student: Student
    prescribed: float
    delivered: int

    @property
    def outcome(self) -> str:
        """The service column the student falls in."""
        if self.delivered == 0:
            return "no_delivery_logged"
        if self.delivered >= SERVICE_SHARE * self.prescribed:
            return "at_least_90_percent"
        return "below_90_percent"


def student_services(months: Iterable[ServiceMonth]) -> list[StudentService]:
    """Return each student's prescribed and delivered minutes, prescribed only."""
    prescribed: dict[Student, float] = defaultdict(float)
    delivered: dict[Student, int] = defaultdict(int)
    for month in months:
        prescribed[month.student] += month.prescribed_minutes
        delivered[month.student] += month.delivered_minutes
    return [
        StudentService(student, minutes, delivered[student])
        for student, minutes in prescribed.items()
        if minutes > 0
    ]


def timeline_column(obligation: Obligation, calendar_days: bool = False) -> str | None:
    """Return the table column of an obligation, or None while it is upcoming."""
    status = obligation.calendar_status if calendar_days else obligation.status
    if status is Status.ON_TIME:
        return "on_time"
    if status is Status.LATE:
        return "late_with_reason" if obligation.delay_reason else "late_without_reason"
    if status is Status.OVERDUE_OPEN:
        return "overdue_open"
    if status is Status.UNMET_AT_EXIT:
        return "unmet_at_exit"
    return None


def transfer_column(obligation: Obligation) -> str | None:
    """Return the transfer table column of a transfer obligation."""
    return {
        Status.ON_TIME: "plan_within_30_days",
        Status.LATE: "plan_after_30_days",
        Status.OVERDUE_OPEN: "overdue_open",
        Status.UNMET_AT_EXIT: "unmet_at_exit",
    }.get(obligation.status)


def count_table(
    rows: Sequence[str],
    columns: Sequence[str],
    items: Iterable[tuple[str | None, str | None]],
) -> CountTable:
    """Count (row, column) pairs into a table; pairs outside it are skipped."""
    row_index = {name: i for i, name in enumerate(rows)}
    column_index = {name: i for i, name in enumerate(columns)}
    cells = [[0 for _ in columns] for _ in rows]
    for row, column in items:
        if row in row_index and column in column_index:
            cells[row_index[row]][column_index[column]] += 1
    return CountTable(list(rows), list(columns), cells)


def measure_tables(
    result: ComplianceResult, rows: Sequence[str], key: GroupKey
) -> dict[str, CountTable]:
    """Return one count table per measure, rows grouped by ``key``."""
    by_measure: dict[Measure, list[Obligation]] = defaultdict(list)
    for obligation in result.obligations:
        by_measure[obligation.measure].append(obligation)
    tables = {
        measure.value: count_table(
            rows,
            TIMELINE_COLUMNS,
            ((key(o.student), timeline_column(o)) for o in by_measure[measure]),
        )
        for measure in TIMELINES
    }
    tables["initial_evaluations_calendar_days"] = count_table(
        rows,
        TIMELINE_COLUMNS,
        (
            (key(o.student), timeline_column(o, calendar_days=True))
            for o in by_measure[Measure.INITIAL_EVALUATION]
        ),
    )
    tables["transfers"] = count_table(
        rows,
        TRANSFER_COLUMNS,
        (
            (key(o.student), transfer_column(o))
            for o in by_measure[Measure.TRANSFER_PLAN]
        ),
    )
    tables["services"] = count_table(
        rows,
        SERVICE_COLUMNS,
        ((key(s.student), s.outcome) for s in student_services(result.service_months)),
    )
    return tables


def upcoming_counts(
    result: ComplianceResult, key: GroupKey
) -> dict[tuple[str | None, Measure], dict[str, int]]:
    """Count open obligations not yet due: all, and due within 30 and 60 days."""
    counts: dict[tuple[str | None, Measure], dict[str, int]] = defaultdict(
        lambda: {"upcoming": 0, "due_within_30_days": 0, "due_within_60_days": 0}
    )
    as_of = result.period.as_of
    for obligation in result.obligations:
        if obligation.status is not Status.UPCOMING:
            continue
        figures = counts[(key(obligation.student), obligation.measure)]
        figures["upcoming"] += 1
        for days in DUE_SOON_DAYS:
            if obligation.due <= as_of + timedelta(days=days):
                figures[f"due_within_{days}_days"] += 1
    return counts


def add_cells(*cells: Cell) -> Cell:
    """Return the sum of shown cells; a hidden part hides the sum too."""
    if all(isinstance(cell, int) for cell in cells):
        return sum(cell for cell in cells if isinstance(cell, int))
    return COMPLEMENT_MARK


def protect(value: int, suppress: bool) -> Cell:
    """Return a count that is in no published sum, hidden if small."""
    return PRIMARY_MARK if suppress and value < THRESHOLD else value


def shown_rows(table: CountTable, suppress: bool) -> dict[str, dict[str, Cell]]:
    """Return a table as shown, by row name then column name, totals included."""
    shown: ShownTable = show(table, suppress)
    return {
        row: dict(zip(shown.columns, cells, strict=True))
        for row, cells in zip(shown.rows, shown.cells, strict=True)
    }


def timeline_figures(
    row: dict[str, Cell], upcoming: dict[str, int], suppress: bool
) -> dict[str, Any]:
    """Return a timeline measure's figures for one row of its table."""
    return {
        "due": row["total"],
        "on_time": row["on_time"],
        "late": add_cells(row["late_with_reason"], row["late_without_reason"]),
        "late_with_reason": row["late_with_reason"],
        "late_without_reason": row["late_without_reason"],
        "overdue_open": row["overdue_open"],
        "unmet_at_exit": row["unmet_at_exit"],
        **{name: protect(value, suppress) for name, value in upcoming.items()},
    }


def month_trend(result: ComplianceResult) -> list[dict[str, Any]]:
    """Return, per month of the period, timeliness and service delivery rates.

    Timeliness is the share of obligations due that month that were met on
    time; service delivery the share of prescribed minutes delivered.
    """
    due: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    period = result.period
    for obligation in result.obligations:
        column = timeline_column(obligation)
        if column is None or obligation.measure is Measure.TRANSFER_PLAN:
            continue
        if not period.since <= obligation.due <= period.as_of:
            continue
        figures = due[obligation.due.strftime("%Y-%m")]
        figures[0] += column == "on_time"
        figures[1] += 1
    minutes: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for service in result.service_months:
        minutes[service.month][0] += service.delivered_minutes
        minutes[service.month][1] += service.prescribed_minutes
    rows = []
    for month in sorted(set(due) | set(minutes)):
        on_time, total = due.get(month, [0, 0])
        delivered, prescribed = minutes.get(month, [0.0, 0.0])
        rows.append(
            {
                "month": month,
                "due": total,
                "on_time_share": on_time / total if total else None,
                "delivered_share": delivered / prescribed if prescribed else None,
            }
        )
    return rows
