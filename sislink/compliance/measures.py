"""Every compliance measure, for the organizations in scope, as of one date."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import date, timedelta

from sqlalchemy import Connection

from sislink.compliance.exits import exit_dates, settle_at_exit
from sislink.compliance.loading import (
    Enrollment,
    HubIndex,
    read_deliveries,
    read_index,
    read_organization,
)
from sislink.compliance.model import (
    ComplianceResult,
    DayCount,
    Measure,
    Obligation,
    OrganizationInfo,
    Period,
    Student,
    Transfer,
)
from sislink.compliance.quality import data_quality
from sislink.compliance.rules import TRANSFER_DAYS, add_years
from sislink.compliance.services import measure_services
from sislink.compliance.timelines import (
    Context,
    annual_reviews,
    initial_evaluations,
    triennials,
)
from sislink.compliance.transfers import arrivals
from sislink.errors import UsageError
from sislink.model.calendar import SchoolCalendar
from sislink.store.asof import cutoff_of, last_submissions, submission_times
from sislink.store.calendars import calendars_as_of
from sislink.store.organizations import Organization, list_organizations

log = logging.getLogger(__name__)

PRIMARY_ENROLLMENT = "10"
SENDING_KINDS = frozenset({"district", "charter"})


def default_since(as_of: date) -> date:
    """Return the first day of the default period: the year up to ``as_of``."""
    return add_years(as_of, -1) + timedelta(days=1)


def compute_measures(
    connection: Connection,
    as_of: date,
    *,
    since: date | None = None,
    organization_codes: Collection[str] | None = None,
) -> ComplianceResult:
    """Compute every measure as of the end of ``as_of`` (UTC) from stored history.

    Only submissions committed by then count. ``since`` starts the measured
    period (default: a year before ``as_of``). ``organization_codes`` limits
    the result to those districts and charters; transfers from other
    organizations are still found.

    Raises:
        UsageError: a code is unknown, or ``since`` is after ``as_of``.
    """
    start = since or default_since(as_of)
    if start > as_of:
        raise UsageError(f"the period start {start} is after the as-of date {as_of}")
    period = Period(start, as_of)
    cutoff = cutoff_of(as_of)
    result = ComplianceResult(period, cutoff)

    last = last_submissions(connection, cutoff)
    scope = _scope(list_organizations(connection), last, organization_codes)
    rows = submission_times(connection, cutoff)
    committed = {id_: at.date() for id_, _org, _status, at in rows}
    calendars = calendars_as_of(connection, cutoff)
    index = read_index(connection, last)
    result.quality = data_quality(connection, period, rows, last)

    for organization in scope:
        calendar = calendars.get(organization.id)
        count = DayCount.SCHOOL_CALENDAR if calendar else DayCount.CALENDAR_DAYS
        result.organizations.append(
            OrganizationInfo(
                organization.id,
                organization.code,
                organization.name,
                organization.kind,
                count,
            )
        )
        submission_id = last.get(organization.id)
        if submission_id is not None:
            _measure_organization(
                connection,
                result,
                organization.id,
                submission_id,
                calendar,
                index,
                committed,
            )
    log.info(
        "computed compliance measures for %d organizations as of %s",
        len(scope),
        as_of,
    )
    return result


def _scope(
    organizations: list[Organization],
    last: Mapping[int, int],
    codes: Collection[str] | None,
) -> list[Organization]:
    if codes is None:
        return [o for o in organizations if o.kind in SENDING_KINDS or o.id in last]
    by_code = {o.code: o for o in organizations}
    unknown = sorted(set(codes) - set(by_code))
    if unknown:
        raise UsageError(
            f"organization {', '.join(unknown)} not found: "
            "`sislink org list` shows the codes"
        )
    return [by_code[code] for code in codes]


def _measure_organization(
    connection: Connection,
    result: ComplianceResult,
    organization_id: int,
    submission_id: int,
    calendar: SchoolCalendar | None,
    index: HubIndex,
    committed: Mapping[int, date],
) -> None:
    period = result.period
    enrollments = index.enrollments.get(organization_id, ())
    school_of = schools(enrollments, period.as_of)
    exited = exit_dates(enrollments, period.as_of)
    context = Context(period, organization_id, calendar, index, committed, exited)
    students = read_organization(connection, organization_id, submission_id)

    def student_of(local_id: str) -> Student:
        records = students.get(local_id)
        person_id = records.person_id if records else None
        return Student(organization_id, local_id, person_id, school_of.get(local_id))

    for local_id, records in students.items():
        student = student_of(local_id)
        for measure in (initial_evaluations, annual_reviews, triennials):
            for obligation in measure(context, student, records):
                counted = _counted(obligation, exited, period)
                if counted is not None:
                    result.obligations.append(counted)

    moved = list(arrivals(index, organization_id, period, committed, school_of))
    windows = {a.student.local_student_id: a.interim for a in moved}
    deliveries = read_deliveries(connection, organization_id, submission_id)
    services = measure_services(
        period, calendar, students, student_of, deliveries, windows, exited
    )
    result.service_months.extend(services.months)
    if services.measured_from is not None:
        result.service_start[organization_id] = services.measured_from

    for arrival in moved:
        obligation = Obligation(
            Measure.TRANSFER_PLAN,
            arrival.student,
            f"{arrival.student.local_student_id}|{arrival.entry_date}",
            arrival.entry_date,
            arrival.entry_date + timedelta(days=TRANSFER_DAYS),
            arrival.plan_date,
            arrival.status,
        )
        counted = _counted(obligation, exited, period)
        if counted is None:
            continue
        result.obligations.append(counted)
        interim = services.interim_minutes.get(arrival.student.local_student_id, 0)
        result.transfers.append(
            Transfer(
                arrival.student,
                arrival.from_organization_id,
                arrival.exit_date,
                arrival.entry_date,
                arrival.plan_date,
                counted.status,
                interim,
            )
        )


def _counted(
    obligation: Obligation, exited: Mapping[str, date], period: Period
) -> Obligation | None:
    """Return an obligation as its organization counts it, or None when the
    student exited before it fell due (``settle_at_exit``)."""
    exit_date = exited.get(obligation.student.local_student_id)
    if exit_date is None:
        return obligation
    return settle_at_exit(obligation, exit_date, period)


def schools(enrollments: Collection[Enrollment], as_of: date) -> dict[str, str | None]:
    """Return each student's school on ``as_of``: the primary enrollment then,
    else any enrollment then, else the latest one."""
    ranked: dict[str, tuple[tuple[int, int, date], str | None]] = {}
    for enrollment in enrollments:
        if enrollment.entry > as_of:
            continue
        rank = (
            int(enrollment.covers(as_of)),
            int(enrollment.status in (None, PRIMARY_ENROLLMENT)),
            enrollment.entry,
        )
        local_id = enrollment.local_student_id
        if local_id not in ranked or rank > ranked[local_id][0]:
            ranked[local_id] = (rank, enrollment.school)
    return {local_id: school for local_id, (_rank, school) in ranked.items()}
