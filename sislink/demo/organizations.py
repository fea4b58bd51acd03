"""The district, its charters and their schools, with sizes per grade.

Codes follow the shape of California's CDS codes: an organization code is 7
digits, a county number then 5 digits, and a school code is 7 digits. The
values are random, so any match with a real code is a coincidence.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from sislink.demo.dates import GRADES
from sislink.demo.entities import IdScheme, Organization, School

GRADE_WEIGHT = {grade: (0.6 if grade == "TK" else 1.0) for grade in GRADES}
"""Relative cohort size: transitional kindergarten is smaller than other grades."""

# District school levels: the grades served and the usual enrollment.
DISTRICT_LEVELS = (
    (GRADES[0:7], 480, "Elementary"),
    (GRADES[7:10], 900, "Middle School"),
    (GRADES[10:14], 1700, "High School"),
)


def span(first: str, last: str) -> tuple[str, ...]:
    """Return the grades from ``first`` to ``last``, both included."""
    return GRADES[GRADES.index(first) : GRADES.index(last) + 1]


# Charter layouts: the grade spans of the charter's one or two schools, with weights.
CHARTER_LAYOUTS: tuple[tuple[tuple[tuple[str, ...], ...], float], ...] = (
    ((span("TK", "05"),), 0.18),
    ((span("KN", "05"),), 0.07),
    ((span("TK", "08"),), 0.12),
    ((span("06", "08"),), 0.10),
    ((span("09", "12"),), 0.15),
    ((span("06", "12"),), 0.08),
    ((span("TK", "05"), span("06", "08")), 0.12),
    ((span("06", "08"), span("09", "12")), 0.10),
    ((span("TK", "05"), span("TK", "05")), 0.05),
    ((span("TK", "08"), span("09", "12")), 0.03),
)

PLACE_WORDS = (
    "Sierra Vista", "Valle Verde", "Oak Grove", "Mission", "Sunset", "Cypress",
    "Harbor", "Canyon", "Mesa", "Rancho", "Los Robles", "Bayview", "Juniper",
    "Manzanita", "Arroyo", "Cedar", "Pacific", "Golden Hills", "Vista del Mar",
    "Las Palmas", "Alta Loma", "Cerro Azul", "Willow Creek", "Sycamore", "Redwood",
    "Poppy Field", "Coyote Hills", "Laguna", "El Camino", "Buena Vista",
)  # fmt: skip

CHARTER_SUFFIXES = (
    "Charter Academy", "Preparatory Academy", "Charter School", "Leadership Academy",
    "STEAM Academy", "Language Academy", "Community Charter",
)  # fmt: skip


@dataclass(slots=True)
class SchoolPlan:
    """A school and how many students of each grade it gets."""

    organization: Organization
    school: School
    grade_counts: dict[str, int]


class CodeRegistry:
    """Draws distinct 7-digit organization and school codes and unique names."""

    def __init__(self, rng: random.Random, county: int) -> None:
        self._rng = rng
        self._county = county
        self._used: set[str] = set()
        self._names: dict[str, int] = {}

    def organization_code(self) -> str:
        """Return an unused organization code: the county number and 5 digits."""
        return self._unused(
            lambda: f"{self._county:02d}{self._rng.randrange(10**5):05d}"
        )

    def school_code(self) -> str:
        """Return an unused 7-digit school code; many start with 0, as real ones do."""
        first = "0" if self._rng.random() < 0.4 else self._rng.choice("16")
        return self._unused(lambda: first + f"{self._rng.randrange(10**6):06d}")

    def name(self, suffix: str) -> str:
        """Return a place-like name with ``suffix``, numbered when already taken."""
        base = f"{self._rng.choice(PLACE_WORDS)} {suffix}"
        count = self._names.get(base, 0) + 1
        self._names[base] = count
        return base if count == 1 else f"{base} {count}"

    def _unused(self, draw: Callable[[], str]) -> str:
        while True:
            code = draw()
            if code not in self._used:
                self._used.add(code)
                return code


def split_total(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights``.

    Uses the largest-remainder method, so the parts always add up to ``total``.
    """
    scale = sum(weights)
    if total <= 0 or scale <= 0:
        return [0] * len(weights)
    exact = [total * weight / scale for weight in weights]
    parts = [math.floor(value) for value in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: parts[i] - exact[i])
    for index in by_remainder[: total - sum(parts)]:
        parts[index] += 1
    return parts


def grade_counts(
    rng: random.Random, total: int, grades: tuple[str, ...]
) -> dict[str, int]:
    """Split a school's ``total`` over its grades; cohorts differ by up to 15%."""
    weights = [GRADE_WEIGHT[grade] * rng.uniform(0.85, 1.15) for grade in grades]
    return dict(zip(grades, split_total(total, weights), strict=True))


def postal_codes(rng: random.Random, region: int) -> tuple[str, ...]:
    """Return the 2 to 4 ZIP codes a school draws its students from."""
    center = region + rng.randrange(400)
    return tuple(f"{center + offset:05d}" for offset in range(rng.randint(2, 4)))


def plan_district(
    rng: random.Random, codes: CodeRegistry, students: int, region: int
) -> tuple[Organization, list[SchoolPlan]]:
    """Create the district with elementary, middle and high schools for ``students``."""
    # District ids are 7-digit numbers with no leading zeros.
    scheme = IdScheme("", 7, rng.randrange(1_000_000, 3_000_000))
    name = codes.name("Unified School District")
    district = Organization(
        codes.organization_code(), name, "district", None, (), scheme
    )

    level_weights = [_weight(grades) for grades, _, _ in DISTRICT_LEVELS]
    level_totals = split_total(students, level_weights)
    plans: list[SchoolPlan] = []
    for (grades, typical_size, suffix), level_total in zip(
        DISTRICT_LEVELS, level_totals, strict=True
    ):
        count = max(1, round(level_total / typical_size))
        sizes = split_total(
            level_total, [rng.lognormvariate(0, 0.3) for _ in range(count)]
        )
        for size in sizes:
            school = School(
                codes.school_code(),
                codes.name(suffix),
                grades,
                postal_codes(rng, region),
            )
            plans.append(SchoolPlan(district, school, grade_counts(rng, size, grades)))
    district.schools = tuple(plan.school for plan in plans)
    return district, plans


def plan_charters(
    rng: random.Random,
    codes: CodeRegistry,
    count: int,
    students: int,
    district_code: str,
    region: int,
) -> list[SchoolPlan]:
    """Create ``count`` charters of unequal size sharing ``students``."""
    # A log-normal spread with sigma 0.9 makes the largest of 200 charters
    # about 20 times the median one.
    sizes = split_total(students, [rng.lognormvariate(0, 0.9) for _ in range(count)])
    plans: list[SchoolPlan] = []
    for size in sizes:
        plans.extend(_plan_charter(rng, codes, size, district_code, region))
    return plans


def _plan_charter(
    rng: random.Random, codes: CodeRegistry, size: int, district_code: str, region: int
) -> list[SchoolPlan]:
    layouts = [layout for layout, _ in CHARTER_LAYOUTS]
    layout = rng.choices(layouts, weights=[weight for _, weight in CHARTER_LAYOUTS])[0]
    name = codes.name(rng.choice(CHARTER_SUFFIXES))
    charter = Organization(
        codes.organization_code(),
        name,
        "charter",
        district_code,
        (),
        _charter_scheme(rng),
    )
    charter.keeps_plan_id = rng.random() < 0.5

    plans: list[SchoolPlan] = []
    school_sizes = split_total(size, [_weight(grades) for grades in layout])
    for number, (grades, school_size) in enumerate(
        zip(layout, school_sizes, strict=True)
    ):
        school_name = f"{name} {_level_name(grades)}".strip()
        if len(layout) > 1 and layout[0] == layout[1]:
            school_name += (" North", " South")[number]
        school = School(
            codes.school_code(), school_name, grades, postal_codes(rng, region)
        )
        plans.append(
            SchoolPlan(charter, school, grade_counts(rng, school_size, grades))
        )
    charter.schools = tuple(plan.school for plan in plans)
    return plans


def _charter_scheme(rng: random.Random) -> IdScheme:
    """Return one of the numbering schemes charter systems use."""
    draw = rng.random()
    if draw < 0.4:
        return IdScheme("", 6, 1)  # zero padded: 000001
    if draw < 0.7:
        return IdScheme("", 0, rng.randint(1000, 60000))  # plain from a start number
    return IdScheme("26", 4, 1)  # entry-year prefix: 260001


def _weight(grades: tuple[str, ...]) -> float:
    return sum(GRADE_WEIGHT[grade] for grade in grades)


def _level_name(grades: tuple[str, ...]) -> str:
    first, last = GRADES.index(grades[0]), GRADES.index(grades[-1])
    if last <= GRADES.index("05"):
        return "Elementary"
    if first >= GRADES.index("06") and last <= GRADES.index("08"):
        return "Middle"
    if first >= GRADES.index("09"):
        return "High"
    return ""
