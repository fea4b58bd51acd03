"""Timeline measures of one organization: initial evaluations, annual reviews,
triennial reevaluations.

Each deadline becomes an ``Obligation``. A review or reevaluation that was
held closes the obligation that the previous one opened; the last one opens
an obligation that stays open while an IEP is in effect.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from sislink.compliance.loading import Data, HubIndex, StudentRecords, day
from sislink.compliance.model import DayCount, Measure, Obligation, Period, Student
from sislink.compliance.rules import (
    ANNUAL_REVIEW_YEARS,
    IEP_PLAN_TYPE,
    INITIAL_MEETING,
    REVIEW_MEETINGS,
    TRIENNIAL_MEETING,
    TRIENNIAL_YEARS,
    add_years,
    federal_initial_due,
    state_initial_due,
)
from sislink.model import KINDS, RecordKind
from sislink.model.calendar import SchoolCalendar


@dataclass(frozen=True, slots=True)
class Context:
    """The facts every timeline of one organization is measured against."""

    period: Period
    organization_id: int
    calendar: SchoolCalendar | None
    index: HubIndex

    @property
    def day_count(self) -> DayCount:
        """The day count of this organization's state timelines."""
        if self.calendar is None:
            return DayCount.CALENDAR_DAYS
        return DayCount.SCHOOL_CALENDAR

    def held(self, value: object) -> date | None:
        """Return a meeting date that was on or before the as-of date."""
        when = day(value)
        return when if when is not None and when <= self.period.as_of else None

    def carried_elsewhere(self, student: Student, when: date) -> bool:
        """Return whether an event on ``when`` falls in another organization's time."""
        return self.index.enrolled_elsewhere(
            student.person_id, self.organization_id, when
        )


def initial_evaluations(
    context: Context, student: Student, records: StudentRecords
) -> Iterator[Obligation]:
    """Yield the initial evaluations (consent to eligibility meeting) of a student.

    Both counts are kept: the state count of Ed. Code 56344(a), which uses the
    organization's school calendar when one is loaded, and the calendar-day
    count of 34 CFR 300.301(c)(1).
    """
    for version in records.evaluations:
        data = version.data
        consent = day(data.get("consent_date"))
        if data.get("meeting_type") != INITIAL_MEETING or consent is None:
            continue
        if consent > context.period.as_of:
            continue
        if context.carried_elsewhere(student, consent):
            continue
        meeting = context.held(data.get("meeting_date"))
        due = state_initial_due(
            consent, day(data.get("referral_date")), context.calendar
        )
        calendar_due = federal_initial_due(consent)
        if not context.period.includes(max(due, calendar_due), meeting):
            continue
        reason = data.get("meeting_delay_code") or data.get("delay_reason") or None
        yield Obligation(
            Measure.INITIAL_EVALUATION,
            student,
            version.record_key,
            consent,
            due,
            meeting,
            context.period.status(due, meeting),
            context.day_count,
            calendar_due,
            context.period.status(calendar_due, meeting),
            str(reason) if reason else None,
        )


def annual_reviews(
    context: Context, student: Student, records: StudentRecords
) -> Iterator[Obligation]:
    """Yield the annual IEP reviews of a student (34 CFR 300.324(b)(1)(i))."""
    meetings = _review_dates(context, records)
    in_effect = _plan_in_effect(context.period.as_of, records)
    yield from _chain(
        context,
        student,
        Measure.ANNUAL_REVIEW,
        meetings,
        ANNUAL_REVIEW_YEARS,
        in_effect,
    )


def triennials(
    context: Context, student: Student, records: StudentRecords
) -> Iterator[Obligation]:
    """Yield the triennial reevaluations of a student (34 CFR 300.303(b)(2))."""
    events: dict[date, str] = {}
    for version in records.evaluations:
        data = version.data
        if data.get("meeting_type") not in (INITIAL_MEETING, TRIENNIAL_MEETING):
            continue
        if data.get("eligible") is False:
            continue
        held = context.held(data.get("meeting_date")) or context.held(
            data.get("evaluation_date")
        )
        if held is not None:
            events.setdefault(held, version.record_key)
    for version in records.plan_versions:
        data = version.data
        if data.get("meeting_type") == TRIENNIAL_MEETING:
            held = context.held(data.get("meeting_date"))
            if held is not None:
                events.setdefault(held, version.record_key)
    if not events:
        for program in records.programs:
            held = context.held(program.get("last_evaluation_date"))
            if held is not None:
                events.setdefault(held, _program_key(program))
    in_effect = _plan_in_effect(context.period.as_of, records)
    yield from _chain(
        context,
        student,
        Measure.TRIENNIAL,
        sorted(events.items()),
        TRIENNIAL_YEARS,
        in_effect,
    )


def _review_dates(context: Context, records: StudentRecords) -> list[tuple[date, str]]:
    """Return the dates of IEP meetings that held a review, with a record key.

    Every known version counts, so a source that keeps a plan's id and
    updates its dates at each review still shows the earlier reviews.
    NOTE: a meeting date later corrected in the source also counts as a
    review on the date first sent.
    """
    dates: dict[date, str] = {}
    for version in records.plan_versions:
        data = version.data
        if data.get("plan_type") != IEP_PLAN_TYPE:
            continue
        meeting_type = data.get("meeting_type")
        if meeting_type is not None and meeting_type not in REVIEW_MEETINGS:
            continue
        held = context.held(data.get("meeting_date")) or context.held(
            data.get("effective_start_date")
        )
        if held is not None:
            dates.setdefault(held, version.record_key)
    if not dates:
        for program in records.programs:
            held = context.held(program.get("iep_review_date")) or context.held(
                program.get("iep_begin_date")
            )
            if held is not None:
                dates.setdefault(held, _program_key(program))
    return sorted(dates.items())


def _plan_in_effect(as_of: date, records: StudentRecords) -> bool:
    """Return whether the student had an IEP in effect on ``as_of``."""
    has_plans = False
    for version in records.plan_versions:
        data = version.data
        if not version.current or data.get("plan_type") != IEP_PLAN_TYPE:
            continue
        has_plans = True
        start = day(data.get("effective_start_date"))
        end = day(data.get("effective_end_date"))
        if start is not None and start <= as_of and (end is None or end >= as_of):
            return True
    if has_plans:
        return False
    for program in records.programs:
        ends = [
            day(program.get(name))
            for name in ("end_date", "special_education_exit_date", "iep_end_date")
        ]
        if day(program.get("iep_begin_date")) is None:
            continue
        if all(end is None or end >= as_of for end in ends):
            return True
    return False


def _chain(
    context: Context,
    student: Student,
    measure: Measure,
    events: Iterable[tuple[date, str]],
    years: int,
    open_while_in_effect: bool,
) -> Iterator[Obligation]:
    """Yield one obligation per gap between events, and one after the last."""
    period = context.period
    previous: tuple[date, str] | None = None
    for held, key in events:
        if previous is not None and not context.carried_elsewhere(student, held):
            due = add_years(previous[0], years)
            if period.includes(due, held):
                status = period.status(due, held)
                yield Obligation(measure, student, key, previous[0], due, held, status)
        previous = (held, key)
    if previous is None or not open_while_in_effect:
        return
    due = add_years(previous[0], years)
    yield Obligation(
        measure, student, previous[1], previous[0], due, None, period.status(due, None)
    )


def _program_key(program: Data) -> str:
    return KINDS[RecordKind.SPECIAL_EDUCATION_PROGRAM].key_of(program)
