"""Transfers: students with an IEP in effect who move to another organization.

A transfer is an enrollment starting at one organization shortly after the
same person's enrollment ended at another, while an IEP was in effect there.
Education Code 56325(a) gives the receiving organization 30 days of
comparable services, after which it adopts the old IEP or develops a new one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sislink.compliance.loading import Enrollment, HubIndex, PlanSpan
from sislink.compliance.model import Period, Status, Student
from sislink.compliance.rules import TRANSFER_DAYS

MAX_GAP_DAYS = 30
"""Most days between the exit at one organization and the entry at the next.
NOTE: a move with a longer gap, such as one over the summer, is not counted
as a transfer."""

MAX_OVERLAP_DAYS = 7
"""Most days the new enrollment may start before the old one ends."""


@dataclass(frozen=True, slots=True)
class Arrival:
    """A transfer into one organization, before its interim services are summed."""

    student: Student
    from_organization_id: int
    exit_date: date
    entry_date: date
    plan_date: date | None
    status: Status

    @property
    def interim(self) -> tuple[date, date]:
        """The days of comparable services: from entry to the plan or day 30."""
        deadline = self.entry_date + timedelta(days=TRANSFER_DAYS)
        last = min(self.plan_date, deadline) if self.plan_date else deadline
        return self.entry_date, max(last, self.entry_date)


def arrivals(
    index: HubIndex,
    organization_id: int,
    period: Period,
    committed: Mapping[int, date],
    school_of: Mapping[str, str | None],
) -> Iterator[Arrival]:
    """Yield the transfers into ``organization_id`` that entered in the period.

    ``committed`` maps submission ids to the day they committed, which dates
    the adoption of a plan sent with its original dates.
    """
    seen: set[tuple[int, date]] = set()
    for enrollment in index.enrollments.get(organization_id, ()):
        person_id = enrollment.person_id
        entry = enrollment.entry
        if person_id is None or (person_id, entry) in seen:
            continue
        if not period.since <= entry <= period.as_of:
            continue
        previous = _previous(index, enrollment)
        if previous is None:
            continue
        seen.add((person_id, entry))
        plans = [
            span
            for span in index.plans_by_person.get(person_id, ())
            if span.organization_id == organization_id
        ]
        plan_date = _plan_date(plans, entry, committed)
        due = entry + timedelta(days=TRANSFER_DAYS)
        local_id = enrollment.local_student_id
        student = Student(organization_id, local_id, person_id, school_of.get(local_id))
        yield Arrival(
            student,
            previous[0].organization_id,
            previous[0].exit or entry,
            entry,
            plan_date,
            period.status(due, plan_date),
        )


def _previous(
    index: HubIndex, arrival: Enrollment
) -> tuple[Enrollment, PlanSpan] | None:
    """Return the enrollment the student left, with the IEP in effect at exit."""
    assert arrival.person_id is not None
    entry = arrival.entry
    best: tuple[Enrollment, PlanSpan] | None = None
    for earlier in index.by_person.get(arrival.person_id, ()):
        exit_date = earlier.exit
        if earlier.organization_id == arrival.organization_id or exit_date is None:
            continue
        gap = (arrival.entry - exit_date).days
        if not -MAX_OVERLAP_DAYS <= gap <= MAX_GAP_DAYS:
            continue
        plan = next(
            (
                span
                for span in index.plans_by_person.get(arrival.person_id, ())
                if span.organization_id == earlier.organization_id
                and span.in_effect(exit_date)
            ),
            None,
        )
        if plan is not None and (best is None or exit_date > (best[0].exit or entry)):
            best = (earlier, plan)
    return best


def _plan_date(
    plans: list[PlanSpan], entry: date, committed: Mapping[int, date]
) -> date | None:
    """Return the day the receiving organization adopted or wrote an IEP.

    A plan written on or after entry counts from its meeting or start date.
    A plan already in effect at entry is the old IEP adopted, dated by the
    day the organization first sent it.
    """
    written = [span.written for span in plans if span.written >= entry]
    adopted = [
        max(committed[span.first_submission_id], entry)
        for span in plans
        if span.written < entry
        and span.in_effect(entry)
        and span.first_submission_id in committed
    ]
    candidates = written + adopted
    return min(candidates) if candidates else None
