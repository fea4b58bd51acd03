"""Deadlines of students who exited an organization.

A student has exited an organization when every enrollment there that began
by the as-of date has an exit date before it (the exit date is the last day
enrolled). From the exit on, the
organization the student enrolls in carries the IEP and its deadlines. It
adopts the IEP or writes a new one within 30 days (Education Code 56325(a)).
The 60-day timeframe of an initial evaluation does not apply to an
evaluation that the student's move interrupted (34 CFR 300.301(d)(2)).

So at the organization the student left, a deadline that falls after the
exit day is left out, and one that fell due by then without being met is
``UNMET_AT_EXIT``: counted against the organization, but no longer open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from sislink.compliance.loading import Enrollment
from sislink.compliance.model import Obligation, Period, Status


def exit_dates(enrollments: Iterable[Enrollment], as_of: date) -> dict[str, date]:
    """Return, by local student id, the day each student who had exited the
    organization by ``as_of`` left it: the last exit date of their enrollments.

    A student with an enrollment that covers ``as_of`` or has no exit date
    has not exited. Enrollments that begin after ``as_of`` are left out.
    """
    last_exit: dict[str, date | None] = {}
    for enrollment in enrollments:
        if enrollment.entry > as_of:
            continue
        local_id = enrollment.local_student_id
        ended = enrollment.exit
        if ended is None or ended >= as_of:
            last_exit[local_id] = None
        elif local_id not in last_exit:
            last_exit[local_id] = ended
        else:
            known = last_exit[local_id]
            if known is not None and ended > known:
                last_exit[local_id] = ended
    return {
        local_id: ended for local_id, ended in last_exit.items() if ended is not None
    }


def settle_at_exit(
    obligation: Obligation, exit_date: date, period: Period
) -> Obligation | None:
    """Return an obligation of a student who exited on ``exit_date`` as the
    organization they left counts it, or None when it is not theirs.

    A met obligation is kept as it is. An unmet one due after the exit is
    the receiving organization's. An unmet one due by the exit is
    ``UNMET_AT_EXIT`` while its due date or the exit falls in the period.
    An initial evaluation is kept or left out by its state due date. Its
    calendar-day count is ``UNMET_AT_EXIT`` when that due date also fell by
    the exit, and is not counted otherwise.
    """
    if obligation.completed is not None:
        return obligation
    if obligation.due > exit_date:
        return None
    if not period.includes(obligation.due, exit_date):
        return None
    calendar_status = None
    if obligation.calendar_due is not None and obligation.calendar_due <= exit_date:
        calendar_status = Status.UNMET_AT_EXIT
    return replace(
        obligation, status=Status.UNMET_AT_EXIT, calendar_status=calendar_status
    )
