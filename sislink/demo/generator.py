"""Generate a synthetic district with its charters from a seed.

Every random value comes from ``random.Random(seed)`` (service deliveries
from generators seeded with the same seed), so one seed always gives the
same world and nothing depends on the clock.
"""

from __future__ import annotations

import random
from dataclasses import replace

from sislink.demo.dates import FIRST_ROUND_AS_OF, SCHOOL_YEAR_START, ordinal
from sislink.demo.defects import inject_defects
from sislink.demo.entities import Membership, Organization
from sislink.demo.organizations import CodeRegistry, plan_charters, plan_district
from sislink.demo.plans import (
    close_special_education,
    referral_only,
    special_education_at,
)
from sislink.demo.special_education import (
    DISABILITY_SHARE,
    REFERRAL_ONLY_SHARE,
    draw_profile,
)
from sislink.demo.students import SSID_SPACE, StudentFactory, populate_school
from sislink.demo.transfers import SchoolFinder, add_arrivals
from sislink.demo.world import World

SHARED_IDENTITY_SHARE = 0.0005
"""Share of students given the name and birth date of a student at another school."""

ASCII_NAMES_SHARE = 0.3
"""Share of charters whose system drops accents from names."""

DEFAULT_DEFECT_RATE = 0.01
DEFAULT_DELIVERY_WEEKS = 12


def generate_world(
    students: int,
    charters: int,
    seed: int,
    district_share: float = 0.8,
    *,
    defect_rate: float = DEFAULT_DEFECT_RATE,
    deliveries: bool = True,
    delivery_weeks: int = DEFAULT_DELIVERY_WEEKS,
) -> World:
    """Generate a district and ``charters`` charters with ``students`` students in all.

    ``district_share`` of the students attend the district, the rest the
    charters. ``defect_rate`` is the share of records, per organization and
    kind, that get an injected defect (0 turns defects off). Service
    deliveries cover at most the last ``delivery_weeks`` school weeks before
    the export day, and ``deliveries=False`` leaves them out.

    Raises ``ValueError`` when a count is negative or a share is outside 0..1.
    """
    _check_arguments(students, charters, district_share, defect_rate, delivery_weeks)
    rng = random.Random(seed)
    organizations, factory = _populate(rng, students, charters, district_share)
    district_code = next(iter(organizations))
    _share_identities(rng, factory, organizations)

    district = organizations[district_code]
    charter_list = [org for code, org in organizations.items() if code != district_code]
    finder = SchoolFinder(district, charter_list)
    previous = add_arrivals(rng, factory, finder, list(organizations.values()))
    _add_special_education(rng, organizations, previous)

    world = World(
        seed=seed,
        round_number=1,
        as_of=FIRST_ROUND_AS_OF,
        district_code=district_code,
        organizations=organizations,
        ssid_key=(factory.ssid_multiplier, factory.ssid_offset),
        next_person=factory.next_person,
        next_serial=factory.next_serial,
        deliveries=deliveries,
        delivery_weeks=delivery_weeks,
        defect_rate=defect_rate,
    )
    inject_defects(world, rng)
    return world


def _check_arguments(
    students: int,
    charters: int,
    district_share: float,
    defect_rate: float,
    delivery_weeks: int,
) -> None:
    if students < 0 or charters < 0 or delivery_weeks < 0:
        raise ValueError(
            f"students ({students}), charters ({charters}) and delivery_weeks "
            f"({delivery_weeks}) must not be negative"
        )
    for name, value in (
        ("district_share", district_share),
        ("defect_rate", defect_rate),
    ):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be between 0 and 1, got {value}")
    if charters == 0 and district_share < 1.0 and students > 0:
        raise ValueError("charters must be at least 1 unless district_share is 1")


def _populate(
    rng: random.Random, students: int, charters: int, district_share: float
) -> tuple[dict[str, Organization], StudentFactory]:
    """Create the organizations and their schools, then fill the schools."""
    codes = CodeRegistry(rng, county=rng.randint(1, 58))
    region = rng.randrange(90000, 95600)
    district_total = round(students * district_share)
    district, plans = plan_district(rng, codes, district_total, region)
    plans += plan_charters(
        rng, codes, charters, students - district_total, district.code, region
    )
    organizations = {district.code: district}
    for plan in plans:
        organization = plan.organization
        if organization.code not in organizations:
            organization.ascii_names = rng.random() < ASCII_NAMES_SHARE
            organizations[organization.code] = organization

    ssid_key = _ssid_key(rng)
    window = (SCHOOL_YEAR_START.toordinal(), FIRST_ROUND_AS_OF.toordinal())
    factory = StudentFactory(rng, ssid_key, 0, 0, window)
    for plan in plans:
        populate_school(factory, plan)
    return organizations, factory


def _ssid_key(rng: random.Random) -> tuple[int, int]:
    """Return a multiplier coprime with 10**10 and an offset for SSID numbering."""
    multiplier = rng.randrange(10**9, SSID_SPACE) | 1
    while multiplier % 5 == 0:
        multiplier += 2
    return multiplier, rng.randrange(SSID_SPACE)


def _share_identities(
    rng: random.Random, factory: StudentFactory, organizations: dict[str, Organization]
) -> None:
    """Give a few students the name and birth date of a student at another school."""
    everyone = [m for org in organizations.values() for m in org.memberships]
    if len(everyone) < 2:
        return
    pairs = max(2, round(len(everyone) * SHARED_IDENTITY_SHARE))
    for _ in range(pairs):
        model = rng.choice(everyone)
        for _ in range(200):
            other = rng.choice(everyone)
            if other.grade == model.grade and other.school_id != model.school_id:
                _copy_identity(factory, organizations, model, other)
                break


def _copy_identity(
    factory: StudentFactory,
    organizations: dict[str, Organization],
    model: Membership,
    other: Membership,
) -> None:
    source = model.person
    other.person = replace(
        other.person,
        first_name=source.first_name,
        last_surname=source.last_surname,
        birth_date=source.birth_date,
        preferred_first_name=source.preferred_first_name,
    )
    organization = organizations[other.organization_code]
    if organization.kind != "district":
        factory.report_name(other, organization.ascii_names)


def _add_special_education(
    rng: random.Random,
    organizations: dict[str, Organization],
    previous: dict[int, Membership],
) -> None:
    """Give about 13% of students a disability, with the records of every school."""
    as_of = FIRST_ROUND_AS_OF.toordinal()
    for organization in organizations.values():
        for membership in organization.memberships:
            if membership.exit_date is not None:
                continue
            draw = rng.random()
            if draw >= DISABILITY_SHARE:
                if draw < DISABILITY_SHARE + REFERRAL_ONLY_SHARE:
                    membership.special_education = referral_only(
                        rng, organization, as_of
                    )
                continue
            person = membership.person
            profile = draw_profile(rng, person.birth_date, membership.grade, as_of)
            window = (ordinal(membership.entry_date), as_of)
            membership.special_education = special_education_at(
                rng, profile, organization, window
            )
            old = previous.get(membership.serial)
            if old is not None and old.exit_date is not None:
                old_window = (ordinal(old.entry_date), ordinal(old.exit_date))
                source = organizations[old.organization_code]
                sped = special_education_at(rng, profile, source, old_window)
                if sped is not None:
                    old.special_education = close_special_education(sped, old.exit_date)
