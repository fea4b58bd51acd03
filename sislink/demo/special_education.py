"""A child's special-education history, drawn once and shared by every school.

A ``Profile`` holds what does not depend on the organization: disabilities,
setting, the initial evaluation, the annual review cycle and the services the
plan prescribes. ``sislink.demo.plans`` turns it into the records one
organization keeps.

The frequencies are rough, invented for the demo: specific learning
disability and speech or language impairment lead, then autism and other
health impairment, with speech and autism more common in the early grades.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import NamedTuple

from sislink.demo.dates import GRADES, add_years, age_on, ordinal
from sislink.demo.services import ServiceTemplate, draw_services

DISABILITY_SHARE = 0.13
REFERRAL_ONLY_SHARE = 0.005
"""Share of students without a disability who were referred and evaluated this year."""

SECONDARY_DISABILITY_SHARE = 0.15
LATE_INITIAL_SHARE = 0.08
"""Share of initial evaluations whose meeting came more than 60 days after consent."""

DELAY_CODE_SHARE = 0.5
"""Share of late initial evaluations that carry a meeting delay code."""

# NOTE: meeting delay codes 20 (parent did not make the child available),
# 40 (school break) and 50 (transfer) are read from a vendor's help page on
# CALPADS meeting delay reasons, not from the state's own code table.
DELAY_CODES = ("20", "40", "50")
OVERDUE_REVIEW_SHARE = 0.03
"""Share of students whose annual review is more than a year old on the export day."""

ISP_SHARE = 0.005

EARLY_GRADES = frozenset(GRADES[: GRADES.index("02") + 1])

# (code, weight) by grade band.
DISABILITY_EARLY = (
    ("240", 38), ("320", 24), ("280", 9), ("281", 8), ("290", 6), ("210", 4),
    ("310", 3), ("270", 2), ("220", 2), ("260", 1), ("250", 1), ("230", 1),
    ("330", 0.5), ("300", 0.1),
)  # fmt: skip
DISABILITY_LATER = (
    ("290", 44), ("280", 15), ("320", 15), ("240", 13), ("210", 5), ("260", 4),
    ("310", 1.5), ("220", 1.2), ("270", 0.8), ("250", 0.4), ("230", 0.4),
    ("330", 0.3), ("300", 0.05),
)  # fmt: skip
LATE_ONSET = frozenset({"290", "280", "260"})
"""Disabilities usually identified in school rather than before it."""

# Ed-Fi special education settings (the federal IDEA educational environments),
# with the matching general education participation and hours per week.
SETTINGS = (
    ("Inside regular class 80% or more of the day", "80% or more", 1.0, 6.0, 0.60),
    ("Inside regular class 40% through 79% of the day", "40% to 79%", 7.0, 18.0, 0.20),
    (
        "Inside regular class less than 40% of the day",
        "Less than 40%",
        19.0,
        30.0,
        0.15,
    ),
    ("Separate school", "Less than 40%", 30.0, 32.5, 0.04),
    ("Homebound/hospital", "Less than 40%", 5.0, 10.0, 0.01),
)


class InitialEvaluation(NamedTuple):
    """The Part B initial evaluation, as date ordinals."""

    referral: int
    consent: int
    evaluation: int
    meeting: int
    delay_code: str | None


@dataclass(frozen=True, slots=True)
class Profile:
    """A child's special-education history independent of any organization."""

    birth: int
    primary: str
    secondary: str | None
    setting: str
    participation: str
    hours_per_week: float
    plan_type: str
    part_c_start: int | None
    initial: InitialEvaluation
    review_lead_days: int
    overdue: bool
    services: tuple[ServiceTemplate, ...]

    def annual_meeting(self, year: int) -> int:
        """Return the day of the meeting ``year`` years after the initial one."""
        if year == 0:
            return self.initial.meeting
        return add_years(self.initial.meeting, year) - self.review_lead_days

    def latest_year(self, until: int) -> int:
        """Return the number of annual reviews held by ``until``, 0 if none."""
        year = 0
        while self.annual_meeting(year + 1) <= until:
            year += 1
        if self.overdue and year > 0:
            year -= 1
        return year


def meeting_type_of(year: int) -> str:
    """Return the meeting type of the review ``year`` years after the initial one."""
    if year == 0:
        return "10"
    return "40" if year % 3 == 0 else "20"


def draw_profile(
    rng: random.Random, birth_date: str, grade: str, as_of: int
) -> Profile:
    """Draw the special-education history of a child with a disability."""
    birth = ordinal(birth_date)
    table = DISABILITY_EARLY if grade in EARLY_GRADES else DISABILITY_LATER
    primary = _pick(rng, table)
    secondary = _pick(rng, table) if rng.random() < SECONDARY_DISABILITY_SHARE else None

    part_c_start, initial = _initial_evaluation(rng, birth, primary, as_of)
    setting, participation, low, high, _ = rng.choices(
        SETTINGS, weights=[entry[4] for entry in SETTINGS]
    )[0]
    return Profile(
        birth=birth,
        primary=primary,
        secondary=None if secondary == primary else secondary,
        setting=setting,
        participation=participation,
        hours_per_week=round(rng.uniform(low, high) * 2) / 2,
        plan_type="200" if rng.random() < ISP_SHARE else "100",
        part_c_start=part_c_start,
        initial=initial,
        review_lead_days=rng.randint(0, 21),
        overdue=rng.random() < OVERDUE_REVIEW_SHARE,
        services=draw_services(rng, primary),
    )


def _initial_evaluation(
    rng: random.Random, birth: int, primary: str, as_of: int
) -> tuple[int | None, InitialEvaluation]:
    """Return the Part C start (or None) and the Part B initial evaluation."""
    age_now = (as_of - birth) / 365.25
    if primary in LATE_ONSET and age_now > 6.5:
        age = 6.0 + (age_now - 6.0) * rng.random()
    else:
        age = 1.5 + (age_now - 1.5) * rng.random() ** 1.5

    part_c_start = None
    meeting = min(birth + int(age * 365.25), as_of - 1)
    if age < 3.0:
        # Identified as an infant or toddler: an IFSP first, then the Part B
        # initial evaluation shortly before the third birthday.
        third_birthday = add_years(birth, 3)
        part_c_start = min(meeting, third_birthday - 90)
        meeting = third_birthday - rng.randint(1, 30)

    late = rng.random() < LATE_INITIAL_SHARE
    consent = meeting - (rng.randint(61, 120) if late else rng.randint(30, 58))
    delay_code = (
        rng.choice(DELAY_CODES) if late and rng.random() < DELAY_CODE_SHARE else None
    )
    initial = InitialEvaluation(
        referral=consent - rng.randint(7, 25),
        consent=consent,
        evaluation=meeting - rng.randint(0, 10),
        meeting=meeting,
        delay_code=delay_code,
    )
    return part_c_start, initial


def disability_at(code: str | None, birth: int, day: int) -> str | None:
    """Return ``code`` as it stands on ``day``: established medical disability
    (281) applies only under age 6, after which it becomes other health
    impairment (280)."""
    if code == "281" and age_on(birth, day) >= 6:
        return "280"
    return code


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([code for code, _ in table], weights=[w for _, w in table])[0]
