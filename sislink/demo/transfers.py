"""Mid-year transfers between the district and the charters, and among charters."""

from __future__ import annotations

import random
from dataclasses import replace

from sislink.demo.dates import iso, ordinal
from sislink.demo.entities import Membership, Organization, School
from sislink.demo.plans import close_special_education, transfer_special_education
from sislink.demo.students import StudentFactory

# NOTE: T160 (transfer to another California public school) is the CALPADS
# exit reason as vendor documentation of SENR extracts names it; the state's
# code table itself was not read.
TRANSFER_EXIT_TYPE = "T160"

CHARTER_ARRIVAL_SHARE = 0.04
"""Share of charter students who came from another organization of the hub this year."""

FROM_DISTRICT_SHARE = 0.65
"""Share of those arrivals that came from the district rather than another charter."""

DISTRICT_ARRIVAL_SHARE = 0.005
"""Share of district students who came from a charter this year."""

DISTRICT_ID_CARRIED_SHARE = 0.5
"""Share of charters that record the district id of a student arriving from it."""


class SchoolFinder:
    """Finds a school that serves a grade, in the district or in some charter."""

    def __init__(self, district: Organization, charters: list[Organization]) -> None:
        self.district = district
        self.district_schools: dict[str, list[School]] = {}
        self.charter_schools: dict[str, list[tuple[Organization, School]]] = {}
        for school in district.schools:
            for grade in school.grades:
                self.district_schools.setdefault(grade, []).append(school)
        for charter in charters:
            for school in charter.schools:
                for grade in school.grades:
                    self.charter_schools.setdefault(grade, []).append((charter, school))

    def district_school(self, rng: random.Random, grade: str) -> School | None:
        """Return a random district school serving ``grade``, if any."""
        schools = self.district_schools.get(grade)
        return rng.choice(schools) if schools else None

    def charter_school(
        self, rng: random.Random, grade: str, excluded: frozenset[str]
    ) -> tuple[Organization, School] | None:
        """Return a random charter school serving ``grade`` outside ``excluded``."""
        choices = self.charter_schools.get(grade, [])
        for _ in range(20):
            if not choices:
                break
            charter, school = rng.choice(choices)
            if charter.code not in excluded:
                return charter, school
        allowed = [pair for pair in choices if pair[0].code not in excluded]
        return rng.choice(allowed) if allowed else None

    def destination(
        self,
        rng: random.Random,
        grade: str,
        from_district: bool,
        excluded: frozenset[str],
    ) -> tuple[Organization, School] | None:
        """Return a school in the district or in a charter, avoiding ``excluded``."""
        if from_district and self.district.code not in excluded:
            school = self.district_school(rng, grade)
            return (self.district, school) if school else None
        return self.charter_school(rng, grade, excluded | {self.district.code})


def add_arrivals(
    rng: random.Random,
    factory: StudentFactory,
    finder: SchoolFinder,
    organizations: list[Organization],
) -> dict[int, Membership]:
    """Turn some students into mid-year arrivals with an ended enrollment elsewhere.

    Returns the ended memberships by the serial of the arriving one.
    """
    previous: dict[int, Membership] = {}
    for organization in organizations:
        in_district = organization.kind == "district"
        share = DISTRICT_ARRIVAL_SHARE if in_district else CHARTER_ARRIVAL_SHARE
        for membership in list(organization.memberships):
            # Ended memberships are the sending side of an earlier arrival.
            if membership.exit_date is not None or rng.random() >= share:
                continue
            from_district = not in_district and rng.random() < FROM_DISTRICT_SHARE
            excluded = frozenset({organization.code})
            source = finder.destination(rng, membership.grade, from_district, excluded)
            if source is not None:
                old = _arrive(rng, factory, membership, source)
                previous[membership.serial] = old
    return previous


def _arrive(
    rng: random.Random,
    factory: StudentFactory,
    current: Membership,
    source: tuple[Organization, School],
) -> Membership:
    first_day, last_day = factory.first_day, factory.last_day
    day = rng.randint(first_day + 10, max(first_day + 10, last_day - 5))
    current.entry_date = iso(day)
    organization, school = source
    old = factory.enroll(
        organization, school, current.person, current.grade, iso(first_day)
    )
    old.exit_date = iso(max(first_day, day - rng.randint(1, 3)))
    old.exit_type = TRANSFER_EXIT_TYPE
    if organization.kind == "district" and rng.random() < DISTRICT_ID_CARRIED_SHARE:
        current.district_id = old.local_id
    return old


def move_student(
    rng: random.Random,
    factory: StudentFactory,
    leaving: Membership,
    destination: tuple[Organization, School],
    day: int,
) -> tuple[Membership, Membership]:
    """Transfer a student on ``day``: return the ended membership and the new one.

    The caller puts the ended membership in place of ``leaving``. The new one
    is already appended to the destination's memberships.
    """
    exit_date = iso(max(ordinal(leaving.entry_date), day - rng.randint(1, 3)))
    sped = leaving.special_education
    if sped is not None and sped.plans:
        sped = close_special_education(sped, exit_date)
    ended = replace(
        leaving,
        exit_date=exit_date,
        exit_type=TRANSFER_EXIT_TYPE,
        special_education=sped,
    )

    organization, school = destination
    arriving = factory.enroll(
        organization, school, leaving.person, leaving.grade, iso(day)
    )
    if sped is not None and sped.plans:
        window = (day, factory.last_day)
        arriving.special_education = transfer_special_education(
            rng, sped, organization, window
        )
    if organization.kind != "district" and rng.random() < DISTRICT_ID_CARRIED_SHARE:
        arriving.district_id = leaving.district_id
    return ended, arriving
