"""Calendar of the generated school year: key dates, grades and ages.

Dates inside the generator are proleptic Gregorian ordinals (``date.toordinal``)
because adding days to an int is cheap; records carry them as ISO text.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

SCHOOL_YEAR_START = date(2026, 8, 19)
FIRST_ROUND_AS_OF = date(2026, 12, 18)
"""The day the first round of files is exported."""

SECOND_ROUND_AS_OF = date(2027, 2, 12)
"""The day the second round of files is exported."""

AGE_REFERENCE_DAY = date(2026, 9, 1)
"""Grade placement in California uses the child's age on September 1."""

# Mondays of the weeks without school sessions in the generated calendar:
# Thanksgiving week and the two weeks of winter break. The calendar is
# synthetic, not any real district's.
BREAK_MONDAYS = frozenset(
    day.toordinal()
    for day in (date(2026, 11, 23), date(2026, 12, 21), date(2026, 12, 28))
)

GRADES = ("TK", "KN", *(f"{grade:02d}" for grade in range(1, 13)))

AGE_FOR_GRADE = {grade: position + 4 for position, grade in enumerate(GRADES)}
"""Age on September 1 of a student placed on time: TK 4, KN 5, grade n n + 5."""


@cache
def iso(ordinal: int) -> str:
    """Return the ISO text (``YYYY-MM-DD``) of a date ordinal."""
    return date.fromordinal(ordinal).isoformat()


def ordinal(text: str) -> int:
    """Return the ordinal of an ISO date text."""
    return date.fromisoformat(text).toordinal()


def add_years(day: int, years: int) -> int:
    """Return the ordinal ``years`` later, moving February 29 to February 28."""
    value = date.fromordinal(day)
    try:
        return value.replace(year=value.year + years).toordinal()
    except ValueError:
        return value.replace(year=value.year + years, day=28).toordinal()


def age_on(birth: int, day: int) -> int:
    """Return the age in whole years on ``day`` of a person born on ``birth``."""
    born = date.fromordinal(birth)
    on = date.fromordinal(day)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def birth_range(age: int) -> tuple[int, int]:
    """Return the first and last birth ordinal of a child ``age`` years old on
    the reference day."""
    last = add_years(AGE_REFERENCE_DAY.toordinal(), -age)
    first = add_years(last, -1) + 1
    return first, last


def school_weeks(start: date, until: date) -> list[int]:
    """Return the Monday ordinals of the school weeks from ``start`` to ``until``.

    The first week is the first full week after ``start``; break weeks are left
    out.
    """
    monday = start + timedelta(days=(7 - start.weekday()) % 7)
    weeks: list[int] = []
    day = monday.toordinal()
    while day <= until.toordinal():
        if day not in BREAK_MONDAYS:
            weeks.append(day)
        day += 7
    return weeks
