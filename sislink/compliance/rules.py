"""The legal timelines the measures apply, each with the rule it comes from."""

from __future__ import annotations

from datetime import date, timedelta

from sislink.model.calendar import SchoolCalendar

INITIAL_EVALUATION_DAYS = 60
"""Initial evaluation: 60 days from the parent's consent to evaluate, in calendar
days under 34 CFR 300.301(c)(1) and, in California, in days counted as Education
Code 56344(a) counts them (breaks of more than five school days left out)."""

LATE_REFERRAL_DAYS = 30
"""Education Code 56344(a): for a referral made 30 days or less before the end of
the regular school year, the IEP is due 30 days after the next year starts."""

ANNUAL_REVIEW_YEARS = 1
"""34 CFR 300.324(b)(1)(i): the IEP team reviews the IEP at least once a year."""

TRIENNIAL_YEARS = 3
"""34 CFR 300.303(b)(2): a reevaluation at least once every three years."""

TRANSFER_DAYS = 30
"""Education Code 56325(a): after a transfer from another SELPA in California the
new LEA provides comparable services for at most 30 days, then adopts the old
IEP or develops a new one. 34 CFR 300.323(e) requires comparable services."""

SERVICE_SHARE = 0.9
"""Share of prescribed minutes a student must receive to count as served."""

IEP_PLAN_TYPE = "100"
INITIAL_MEETING = "10"
ANNUAL_MEETING = "20"
TRIENNIAL_MEETING = "40"
REVIEW_MEETINGS = frozenset({INITIAL_MEETING, ANNUAL_MEETING, TRIENNIAL_MEETING})
"""Meeting types (CALPADS Meeting Type Code) that hold an annual review; Part C
initial meetings (15) and pending ones (30) do not."""


def add_years(day: date, years: int) -> date:
    """Return the same day ``years`` later, February 29 becoming February 28."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def federal_initial_due(consent: date) -> date:
    """Return the due date of an initial evaluation in calendar days."""
    return consent + timedelta(days=INITIAL_EVALUATION_DAYS)


def state_initial_due(
    consent: date, referral: date | None, calendar: SchoolCalendar | None
) -> date:
    """Return the due date of an initial evaluation under Ed. Code 56344(a).

    Without a calendar the count is in calendar days, the same as the
    federal one. With one, breaks of more than five school days are not
    counted, and a referral made 30 days or less before the summer break
    moves the due date to 30 days after the next school year's first day.
    """
    if calendar is None:
        return federal_initial_due(consent)
    if referral is not None:
        year = calendar.next_year_start(referral)
        if year is not None:
            last_day, next_first_day = year
            if 0 <= (last_day - referral).days <= LATE_REFERRAL_DAYS:
                return next_first_day + timedelta(days=LATE_REFERRAL_DAYS)
    return calendar.add_counted_days(consent, INITIAL_EVALUATION_DAYS)
