"""The measures' results: obligations, service months, transfers, data quality."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Measure(StrEnum):
    """The obligations the measures track, named as the JSON report names them."""

    INITIAL_EVALUATION = "initial_evaluations"
    ANNUAL_REVIEW = "annual_reviews"
    TRIENNIAL = "triennials"
    TRANSFER_PLAN = "transfers"


class Status(StrEnum):
    """The state of an obligation on the as-of date."""

    ON_TIME = "on_time"
    LATE = "late"
    OVERDUE_OPEN = "overdue_open"
    UPCOMING = "upcoming"
    UNMET_AT_EXIT = "unmet_at_exit"
    """Past due and not met on the day the student exited the organization.
    The organization can no longer meet it, so it is not open."""


class DayCount(StrEnum):
    """The way the days of a timeline were counted."""

    CALENDAR_DAYS = "calendar-days"
    SCHOOL_CALENDAR = "school-calendar"


@dataclass(frozen=True, slots=True)
class Period:
    """The measured period: obligations due or met from ``since`` to ``as_of``."""

    since: date
    as_of: date

    def includes(self, due: date, completed: date | None) -> bool:
        """Whether an obligation belongs to the period.

        It does if it came due in the period, was met in it, or is still
        open past its due date; one that is open and not yet due is listed
        as upcoming instead.
        """
        if completed is None:
            return True
        return self.since <= completed <= self.as_of or self.since <= due <= self.as_of

    def status(self, due: date, completed: date | None) -> Status:
        """Return the status of an obligation due on ``due``."""
        if completed is not None:
            return Status.ON_TIME if completed <= due else Status.LATE
        return Status.OVERDUE_OPEN if due < self.as_of else Status.UPCOMING


@dataclass(frozen=True, slots=True)
class Student:
    """A student as one organization records them."""

    organization_id: int
    local_student_id: str
    person_id: int | None
    school: str | None


@dataclass(frozen=True, slots=True)
class Obligation:
    """One deadline a student's organization had to meet, and whether it did.

    ``basis`` is the date the timeline runs from (consent, the last review,
    the last evaluation, the entry after a transfer).
    """

    measure: Measure
    student: Student
    record_key: str
    basis: date
    due: date
    completed: date | None
    status: Status
    day_count: DayCount = DayCount.CALENDAR_DAYS
    calendar_due: date | None = None
    calendar_status: Status | None = None
    delay_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceMonth:
    """Minutes prescribed and delivered for one service of one student in a month."""

    student: Student
    service_id: str
    service_code: str
    month: str
    prescribed_minutes: float
    delivered_minutes: int


@dataclass(frozen=True, slots=True)
class Transfer:
    """A student with a plan in effect who moved from one organization to another."""

    student: Student
    from_organization_id: int
    exit_date: date
    entry_date: date
    plan_date: date | None
    status: Status
    interim_minutes: int


@dataclass(slots=True)
class DataQuality:
    """The state of an organization's feed on the as-of date."""

    submissions: int = 0
    rejected: int = 0
    last_submission: datetime | None = None
    longest_gap_days: int | None = None
    days_since_last: int | None = None
    open_errors: int = 0
    open_warnings: int = 0

    @property
    def rejection_rate(self) -> float | None:
        """Share of submissions rejected, or None without submissions."""
        return self.rejected / self.submissions if self.submissions else None


@dataclass(frozen=True, slots=True)
class OrganizationInfo:
    """An organization measured, with the day count its timelines used."""

    id: int
    code: str
    name: str
    kind: str
    day_count: DayCount


@dataclass
class ComplianceResult:
    """Every measure for the organizations in scope, as of one date."""

    period: Period
    cutoff: datetime
    organizations: list[OrganizationInfo] = field(default_factory=list)
    obligations: list[Obligation] = field(default_factory=list)
    service_months: list[ServiceMonth] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    quality: dict[int, DataQuality] = field(default_factory=dict)
    service_start: dict[int, date] = field(default_factory=dict)
    """First day each organization's services were measured from."""
