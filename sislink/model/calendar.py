"""School calendars: the days without regular school sessions, and day counts.

California Education Code 56344(a) gives 60 days from the parent's written
consent to develop the IEP, and leaves out of the count the days between
regular school sessions and school vacations of more than five school days.
A calendar therefore answers two questions: which days a timeline skips
(breaks of more than five school days) and which days are school days (for
services, which are owed on school days only).

School days are Monday to Friday outside every listed range.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

KINDS = {
    "break": "days without regular school sessions: holidays, vacations, intersessions",
    "summer": "the break between two regular school years",
}
LONG_BREAK_SCHOOL_DAYS = 5
"""A break longer than this many school days is not counted (Ed. Code 56344(a))."""

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CalendarRange:
    """One listed range of days without school sessions, both ends included."""

    first: date
    last: date
    kind: str
    label: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Block:
    """Listed ranges that touch or are separated only by a weekend, merged."""

    first: date
    last: date
    school_days: int
    summer: bool

    @property
    def long(self) -> bool:
        """Whether the block is a break of more than five school days."""
        return self.school_days > LONG_BREAK_SCHOOL_DAYS


def weekdays_between(first: date, last: date) -> int:
    """Return the number of Mondays to Fridays from ``first`` to ``last``, inclusive."""
    if last < first:
        return 0
    days = (last - first).days + 1
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    start = first.weekday()
    count += sum(1 for offset in range(rest) if (start + offset) % 7 < 5)
    return count


class SchoolCalendar:
    """An organization's days without school sessions, merged into blocks."""

    def __init__(self, ranges: Iterable[CalendarRange]) -> None:
        self.ranges = sorted(ranges, key=lambda r: (r.first, r.last))
        self.blocks = _merge(self.ranges)
        self._firsts = [block.first for block in self.blocks]
        self._long = [block for block in self.blocks if block.long]
        self._long_firsts = [block.first for block in self._long]

    def block_at(self, day: date) -> Block | None:
        """Return the block that contains ``day``, or None on a listed-free day."""
        index = bisect_right(self._firsts, day) - 1
        if index >= 0 and self.blocks[index].last >= day:
            return self.blocks[index]
        return None

    def is_school_day(self, day: date) -> bool:
        """Whether ``day`` is a weekday outside every listed range."""
        return day.weekday() < 5 and self.block_at(day) is None

    def school_days(self, first: date, last: date) -> int:
        """Return the school days from ``first`` to ``last``, inclusive."""
        if last < first:
            return 0
        count = weekdays_between(first, last)
        index = max(bisect_right(self._firsts, first) - 1, 0)
        for block in self.blocks[index:]:
            if block.first > last:
                break
            count -= weekdays_between(max(block.first, first), min(block.last, last))
        return count

    def add_counted_days(self, start: date, days: int) -> date:
        """Return the day on which ``days`` counted days after ``start`` have passed.

        Days inside a break of more than five school days are not counted
        (Ed. Code 56344(a)); every other day is, weekends included.
        """
        day, remaining = start, days
        index = bisect_right(self._long_firsts, day) - 1
        if index >= 0 and self._long[index].last >= day:
            day = self._long[index].last
        index = bisect_right(self._long_firsts, day)
        for block in self._long[index:]:
            counted = (block.first - day).days - 1
            if remaining <= counted:
                break
            remaining -= counted
            day = block.last
        return day + timedelta(days=remaining)

    def next_year_start(self, day: date) -> tuple[date, date] | None:
        """Return the last day of the school year that includes ``day`` and the
        first school day of the next one, or None when no summer follows."""
        for block in self.blocks:
            if block.summer and block.first > day:
                first_day = block.last + ONE_DAY
                while not self.is_school_day(first_day):
                    first_day += ONE_DAY
                return block.first - ONE_DAY, first_day
        return None


def _merge(ranges: Sequence[CalendarRange]) -> list[Block]:
    blocks: list[Block] = []
    first: date | None = None
    last = date.min
    summer = False
    for item in ranges:
        if first is not None and _joined(last, item.first):
            last = max(last, item.last)
            summer = summer or item.kind == "summer"
            continue
        if first is not None:
            blocks.append(Block(first, last, weekdays_between(first, last), summer))
        first, last, summer = item.first, item.last, item.kind == "summer"
    if first is not None:
        blocks.append(Block(first, last, weekdays_between(first, last), summer))
    return blocks


def _joined(last: date, next_first: date) -> bool:
    """Whether a range starting on ``next_first`` continues a block ending ``last``."""
    return (
        next_first <= last + ONE_DAY
        or weekdays_between(last + ONE_DAY, next_first - ONE_DAY) == 0
    )
