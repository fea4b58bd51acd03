"""Service deliveries: the sessions a service was scheduled for and what happened.

Deliveries are never stored. They are rebuilt from the service prescription
whenever a caller asks, with a random generator seeded by the world's seed
and the service id, so each build returns the same sessions. Every session
from the service's start draws its values, including sessions before the
reported weeks, so a session keeps its id and outcome from one round to the
next.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sislink.demo.dates import SCHOOL_YEAR_START, iso, ordinal, school_weeks
from sislink.demo.entities import Membership, Service
from sislink.model.records import JsonValue

# Weekday offsets (Monday 0) of the sessions of a service held n times a week.
WEEKLY_OFFSETS = {1: (1,), 2: (0, 3), 3: (0, 2, 4), 4: (0, 1, 3, 4), 5: (0, 1, 2, 3, 4)}
MONTHLY_OFFSET = 2
"""Services counted per month meet on Wednesdays."""

DELIVERED_SHARE = 0.88
STUDENT_ABSENT_SHARE = 0.06
SHORTENED_SHARE = 0.12
"""Share of delivered sessions that ran 5 or 10 minutes short."""

MAKE_UP_SHARE = 0.6
"""Share of sessions missed by the provider that get a make-up session."""

FAR_FUTURE = date.max.toordinal()


@dataclass(frozen=True, slots=True)
class DeliveryCalendar:
    """The school weeks up to the export day and which of them a file reports."""

    seed: int
    weeks: tuple[int, ...]
    first_reported_day: int
    as_of: int

    @classmethod
    def build(cls, seed: int, as_of: date, reported_weeks: int) -> DeliveryCalendar:
        """Return the calendar that reports the last ``reported_weeks`` school weeks."""
        weeks = tuple(school_weeks(SCHOOL_YEAR_START, as_of))
        reported = weeks[-reported_weeks:] if reported_weeks > 0 else ()
        first = reported[0] if reported else FAR_FUTURE
        return cls(seed, weeks, first, as_of.toordinal())


def session_days(
    service: Service, weeks: tuple[int, ...], window: tuple[int, int]
) -> Iterator[int]:
    """Yield the scheduled session days of ``service`` inside ``window`` (ordinals)."""
    low, high = window
    for index in range(bisect_left(weeks, low - 4), len(weeks)):
        monday = weeks[index]
        if monday > high:
            return
        for offset in _offsets(service, index):
            day = monday + offset
            if low <= day <= high:
                yield day


def _offsets(service: Service, week_index: int) -> tuple[int, ...]:
    if service.frequency_period == "week":
        return WEEKLY_OFFSETS[min(max(service.frequency, 1), 5)]
    # ``frequency`` sessions in every four weeks, spread evenly.
    per_four_weeks = service.frequency
    if (week_index + 1) * per_four_weeks // 4 > week_index * per_four_weeks // 4:
        return (MONTHLY_OFFSET,)
    return ()


def delivery_window(
    membership: Membership, service: Service, calendar: DeliveryCalendar
) -> tuple[int, int]:
    """Return the first and last day the service was owed at this organization."""
    low = max(ordinal(service.start_date), ordinal(membership.entry_date))
    high = min(ordinal(service.end_date), calendar.as_of)
    if membership.exit_date is not None:
        high = min(high, ordinal(membership.exit_date))
    return low, high


def count_reported_sessions(
    membership: Membership, service: Service, calendar: DeliveryCalendar
) -> int:
    """Return how many scheduled sessions of ``service`` the file reports."""
    low, high = delivery_window(membership, service, calendar)
    low = max(low, calendar.first_reported_day)
    return sum(1 for _ in session_days(service, calendar.weeks, (low, high)))


def service_deliveries(
    membership: Membership, service: Service, calendar: DeliveryCalendar
) -> list[dict[str, JsonValue]]:
    """Build the delivery records of one service in the reported weeks.

    Scheduled sessions get ids ``<service id>-<n>``, counted from the
    service's first session; a make-up session gets ``<service id>-M<n>``
    after the session it makes up.
    """
    low, high = delivery_window(membership, service, calendar)
    seed = f"{calendar.seed}/{membership.organization_code}/{service.service_id}"
    rng = random.Random(seed)
    rows: list[dict[str, JsonValue]] = []
    days = session_days(service, calendar.weeks, (low, high))
    for number, day in enumerate(days, start=1):
        outcome, length, make_up = rng.random(), rng.random(), rng.random()
        if day < calendar.first_reported_day:
            continue
        status, minutes = _outcome(service.duration_minutes, outcome, length)
        rows.append(_row(membership, service, f"{number:03d}", day, minutes, status))
        if status == "provider-absent" and make_up < MAKE_UP_SHARE:
            # The next school day: Tuesday to Friday, or Monday after a Friday.
            later = day + (3 if (day - 1) % 7 == 4 else 1)
            if later <= high:
                duration = service.duration_minutes
                rows.append(
                    _row(
                        membership,
                        service,
                        f"M{number:03d}",
                        later,
                        duration,
                        "make-up",
                    )
                )
    return rows


def _outcome(duration: int, outcome: float, length: float) -> tuple[str, int]:
    if outcome < DELIVERED_SHARE:
        if length < SHORTENED_SHARE:
            shortened = 5 if length < SHORTENED_SHARE / 2 else 10
            return "delivered", max(10, duration - shortened)
        return "delivered", duration
    if outcome < DELIVERED_SHARE + STUDENT_ABSENT_SHARE:
        return "student-absent", 0
    return "provider-absent", 0


def _row(
    membership: Membership,
    service: Service,
    suffix: str,
    day: int,
    minutes: int,
    status: str,
) -> dict[str, JsonValue]:
    return {
        "local_student_id": membership.local_id,
        "delivery_id": f"{service.service_id}-{suffix}",
        "service_id": service.service_id,
        "service_code": service.service_code,
        "delivery_date": iso(day),
        "minutes": minutes,
        "provider_id": service.provider_id,
        "delivery_status": status,
    }
