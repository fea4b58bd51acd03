"""Timeline measures of one organization: initial evaluations, annual reviews,
triennial reevaluations.

Each deadline becomes an ``Obligation``. A review or reevaluation that was
held closes the obligation that the previous one opened; the last one opens
an obligation that stays open while an IEP is in effect.

Meeting dates come from every stored version of each plan, less the dates
that a later version of the same plan corrected (``meeting_counts``).
Evaluation records of one student with the same consent date are one
evaluation (``merged_evaluations``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
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
from sislink.store.asof import KnownVersion

FILLED_FROM_OTHERS = (
    "referral_date",
    "evaluation_date",
    "meeting_delay_code",
    "delay_reason",
    "eligible",
)
"""Fields of a merged evaluation that, when the record with the meeting date
leaves them empty, come from the other records of the same consent."""


@dataclass(frozen=True, slots=True)
class Context:
    """The facts every timeline of one organization is measured against."""

    period: Period
    organization_id: int
    calendar: SchoolCalendar | None
    index: HubIndex
    committed: Mapping[int, date]
    """The day each submission committed, by submission id."""
    exits: Mapping[str, date]
    """The day each student who exited the organization left it, by local id."""

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
    for record_key, data in merged_evaluations(context, records):
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
            record_key,
            consent,
            due,
            meeting,
            context.period.status(due, meeting),
            context.day_count,
            calendar_due,
            context.period.status(calendar_due, meeting),
            str(reason) if reason else None,
        )


def merged_evaluations(
    context: Context, records: StudentRecords
) -> list[tuple[str, Data]]:
    """Return a student's evaluations, with a record key each, one per consent.

    Many sources write one row for the referral and another for the meeting
    of one initial evaluation, so initial evaluations (meeting type 10) with
    the same consent date are merged into one. Its meeting date is the
    latest one held by the as-of date among them, so that a conflict never
    makes the evaluation look earlier than one of its records shows. Its key
    and other fields come from the record with that meeting date. A field of
    ``FILLED_FROM_OTHERS`` that this record leaves empty comes from the first
    of the others, in key order, that has it.
    """
    merged: list[tuple[str, Data]] = []
    by_consent: dict[date, list[KnownVersion]] = {}
    for version in sorted(records.evaluations, key=lambda v: v.record_key):
        data = version.data
        consent = day(data.get("consent_date"))
        if data.get("meeting_type") != INITIAL_MEETING or consent is None:
            merged.append((version.record_key, data))
        else:
            by_consent.setdefault(consent, []).append(version)
    for versions in by_consent.values():
        if len(versions) == 1:
            merged.append((versions[0].record_key, versions[0].data))
            continue
        # max() returns the first of equal keys: the first record in key
        # order when none has a meeting held.
        chosen = max(
            versions,
            key=lambda v: context.held(v.data.get("meeting_date")) or date.min,
        )
        data = dict(chosen.data)
        for name in FILLED_FROM_OTHERS:
            if data.get(name) is None:
                data[name] = next(
                    (v.data[name] for v in versions if v.data.get(name) is not None),
                    None,
                )
        merged.append((chosen.record_key, data))
    return merged


def annual_reviews(
    context: Context, student: Student, records: StudentRecords
) -> Iterator[Obligation]:
    """Yield the annual IEP reviews of a student (34 CFR 300.324(b)(1)(i))."""
    meetings = _review_dates(context, records)
    in_effect = _plan_in_effect(context, student, records)
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
    for record_key, data in merged_evaluations(context, records):
        if data.get("meeting_type") not in (INITIAL_MEETING, TRIENNIAL_MEETING):
            continue
        if data.get("eligible") is False:
            continue
        held = context.held(data.get("meeting_date")) or context.held(
            data.get("evaluation_date")
        )
        if held is not None:
            events.setdefault(held, record_key)
    later = _later_versions(records)
    for version in records.plan_versions:
        data = version.data
        if data.get("meeting_type") != TRIENNIAL_MEETING:
            continue
        held = context.held(data.get("meeting_date"))
        if held is not None and meeting_counts(context, version, later):
            events.setdefault(held, version.record_key)
    if not events:
        for program in records.programs:
            held = context.held(program.get("last_evaluation_date"))
            if held is not None:
                events.setdefault(held, _program_key(program))
    in_effect = _plan_in_effect(context, student, records)
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

    Every known version counts unless a later version corrected its date, so
    a source that keeps a plan's id and updates its dates at each review
    still shows the earlier reviews.
    """
    dates: dict[date, str] = {}
    later = _later_versions(records)
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
        if held is not None and meeting_counts(context, version, later):
            dates.setdefault(held, version.record_key)
    if not dates:
        for program in records.programs:
            held = context.held(program.get("iep_review_date")) or context.held(
                program.get("iep_begin_date")
            )
            if held is not None:
                dates.setdefault(held, _program_key(program))
    return sorted(dates.items())


def meeting_counts(
    context: Context,
    version: KnownVersion,
    later: Mapping[tuple[str, int], KnownVersion],
) -> bool:
    """Return whether a plan version's meeting date is a meeting held, rather
    than a date that a later version of the same plan corrected.

    The date of a version current on the as-of date counts. So does the date
    of a version ended without a later version, which happens when the plan
    was left out or removed, as when a plan with another id replaces it after
    a review. The date of a replaced version counts when the next version
    with another date carries a later date that was still ahead on the day
    this version was first sent, because that version then records the next
    meeting. Any other change of the date is a correction. ``later`` maps
    (record key, first submission id) to the version.
    """
    this = _meeting_or_start(version.data)
    successor = version
    while True:
        replaced_in = successor.valid_to_submission_id
        if successor.current or replaced_in is None:
            return True
        following = later.get((version.record_key, replaced_in))
        if following is None:
            return True
        successor = following
        if _meeting_or_start(successor.data) != this:
            break
    that = _meeting_or_start(successor.data)
    if this is None or that is None or that <= this:
        return False
    sent = context.committed.get(version.first_submission_id)
    return sent is None or that > sent


def _later_versions(
    records: StudentRecords,
) -> dict[tuple[str, int], KnownVersion]:
    return {(v.record_key, v.first_submission_id): v for v in records.plan_versions}


def _meeting_or_start(data: Data) -> date | None:
    """Return a plan's meeting date, or its start date when it has none."""
    return day(data.get("meeting_date")) or day(data.get("effective_start_date"))


def _plan_in_effect(
    context: Context, student: Student, records: StudentRecords
) -> bool:
    """Return whether the student had an IEP in effect on the as-of date, or,
    for a student who exited the organization, on the exit day.

    For a student who exited, the last version of each plan counts, current
    or not, because a source's files often leave out the students who left.
    NOTE: a plan whose end date has passed is not in effect, so the review
    it needed stops being counted as overdue the day after the plan ends,
    even while the student still has that plan and no newer one.
    """
    exit_date = context.exits.get(student.local_student_id)
    as_of = context.period.as_of if exit_date is None else exit_date
    later = _later_versions(records)
    has_plans = False
    for version in records.plan_versions:
        data = version.data
        if data.get("plan_type") != IEP_PLAN_TYPE:
            continue
        replaced = (version.record_key, version.valid_to_submission_id) in later
        if not version.current and (exit_date is None or replaced):
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
