"""Service delivery of one organization: minutes delivered against prescribed.

A prescription owes ``duration_minutes`` times ``frequency`` minutes per
``frequency_period``, spread over school days: a week is five school days,
a month the school days of that calendar month. Minutes are measured from
the organization's first logged delivery (or the period's start, if later),
because a source's delivery log often begins after its prescriptions do and
minutes before the log begins are unknown rather than missing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from sislink.compliance.loading import Data, StudentRecords, day
from sislink.compliance.model import Period, ServiceMonth, Student
from sislink.model.calendar import SchoolCalendar, weekdays_between

SCHOOL_DAYS_PER_YEAR = 180
"""School days in a year, for prescriptions counted per year.
NOTE: an estimate of a common California school year, because the calendar
file does not say where a school year begins."""

DELIVERED_STATUSES = frozenset({"delivered", "make-up"})
"""Delivery statuses whose minutes count; a delivery without status counts too."""


@dataclass(frozen=True, slots=True)
class Prescription:
    """One service prescription, as minutes owed per period between two dates."""

    service_id: str
    service_code: str
    start: date
    end: date | None
    minutes: int
    period: str


@dataclass
class ServiceOutcome:
    """The service months of one organization and what the transfer measure needs."""

    months: list[ServiceMonth] = field(default_factory=list)
    measured_from: date | None = None
    interim_minutes: dict[str, int] = field(default_factory=dict)


def prescriptions(records: StudentRecords) -> list[Prescription]:
    """Return a student's measurable prescriptions: those with minutes and period."""
    found = []
    for data in records.services:
        start = day(data.get("start_date"))
        duration, frequency = data.get("duration_minutes"), data.get("frequency")
        period = data.get("frequency_period")
        if start is None or not isinstance(duration, int):
            continue
        if not isinstance(frequency, int) or period not in PERIODS:
            continue
        found.append(
            Prescription(
                str(data.get("service_id") or ""),
                str(data.get("service_code") or ""),
                start,
                day(data.get("end_date")),
                duration * frequency,
                str(period),
            )
        )
    return found


def measure_services(
    period: Period,
    calendar: SchoolCalendar | None,
    students: Mapping[str, StudentRecords],
    student_of: Callable[[str], Student],
    deliveries: Iterable[Data],
    interim_windows: Mapping[str, tuple[date, date]],
    exits: Mapping[str, date],
) -> ServiceOutcome:
    """Compare minutes prescribed and delivered per student, service and month.

    ``interim_windows`` gives, for students who arrived by transfer, the
    days between entry and the new plan; minutes delivered in them are
    summed in ``interim_minutes``. ``exits`` gives the day each student who
    exited the organization left it: minutes are prescribed up to that day.
    """
    owed = {local_id: prescriptions(records) for local_id, records in students.items()}
    delivered, first_logged, interim = _delivered(
        period, owed, deliveries, interim_windows
    )
    start = max(period.since, first_logged) if first_logged else period.since
    outcome = ServiceOutcome(measured_from=start, interim_minutes=interim)
    days = SchoolDays(calendar)
    for local_id, items in owed.items():
        last_day = exits.get(local_id, period.as_of)
        for item in items:
            for month, minutes in _prescribed(item, start, last_day, days):
                key = (local_id, item.service_id, month)
                outcome.months.append(
                    ServiceMonth(
                        student_of(local_id),
                        item.service_id,
                        item.service_code,
                        month,
                        minutes,
                        delivered.pop(key, 0),
                    )
                )
    for (local_id, service_id, month), minutes in sorted(delivered.items()):
        if month >= _month(start):
            outcome.months.append(
                ServiceMonth(student_of(local_id), service_id, "", month, 0.0, minutes)
            )
    return outcome


def _delivered(
    period: Period,
    owed: Mapping[str, list[Prescription]],
    deliveries: Iterable[Data],
    interim_windows: Mapping[str, tuple[date, date]],
) -> tuple[dict[tuple[str, str, str], int], date | None, dict[str, int]]:
    """Sum delivered minutes by student, matched service and month."""
    totals: dict[tuple[str, str, str], int] = defaultdict(int)
    interim: dict[str, int] = defaultdict(int)
    first: date | None = None
    for data in deliveries:
        when = day(data.get("delivery_date"))
        if when is None or when > period.as_of:
            continue
        first = when if first is None or when < first else first
        minutes = data.get("minutes")
        status = data.get("delivery_status")
        if not isinstance(minutes, int) or minutes <= 0 or when < period.since:
            continue
        if status is not None and status not in DELIVERED_STATUSES:
            continue
        local_id = str(data.get("local_student_id") or "")
        service_id = _match(owed.get(local_id, ()), data, when)
        totals[(local_id, service_id, _month(when))] += minutes
        window = interim_windows.get(local_id)
        if window is not None and window[0] <= when <= window[1]:
            interim[local_id] += minutes
    return totals, first, interim


def _match(items: Iterable[Prescription], data: Data, when: date) -> str:
    """Return the id of the prescription a delivery belongs to, or its own id."""
    service_id = str(data.get("service_id") or "")
    code = data.get("service_code")
    fallback = ""
    for item in items:
        if service_id and item.service_id == service_id:
            return service_id
        active = item.start <= when and (item.end is None or when <= item.end)
        if not fallback and item.service_code == code and active:
            fallback = item.service_id
    return fallback or service_id or f"code {code}"


class SchoolDays:
    """Counts school days from the calendar, or Mondays to Fridays without one."""

    def __init__(self, calendar: SchoolCalendar | None) -> None:
        self.calendar = calendar

    def count(self, first: date, last: date) -> int:
        """Return the school days from ``first`` to ``last``, inclusive."""
        if self.calendar is None:
            return weekdays_between(first, last)
        return self.calendar.school_days(first, last)


def _prescribed(
    item: Prescription, start: date, last_day: date, days: SchoolDays
) -> Iterable[tuple[str, float]]:
    first = max(item.start, start)
    last = min(item.end or last_day, last_day)
    month_first = first.replace(day=1)
    while month_first <= last:
        month_last = _next_month(month_first) - timedelta(days=1)
        span = days.count(max(first, month_first), min(last, month_last))
        minutes = _minutes(item, span, days.count(month_first, month_last))
        yield month_first.strftime("%Y-%m"), minutes
        month_first = _next_month(month_first)


def _minutes(item: Prescription, span_days: int, month_days: int) -> float:
    if item.period == "day":
        return float(item.minutes * span_days)
    if item.period == "week":
        return item.minutes * span_days / 5
    if item.period == "month":
        return item.minutes * span_days / month_days if month_days else 0.0
    return item.minutes * span_days / SCHOOL_DAYS_PER_YEAR


PERIODS = frozenset({"day", "week", "month", "year"})


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _month(when: date) -> str:
    return when.strftime("%Y-%m")
