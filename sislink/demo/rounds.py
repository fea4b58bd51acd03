"""The next round of exports: what changed in the charters since the last one.

``next_round`` copies the organizations and replaces the memberships that
change, so the earlier world stays as it was and both can be written side
by side.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

from sislink.demo.dates import SECOND_ROUND_AS_OF, add_years, iso, ordinal
from sislink.demo.defects import inject_defects
from sislink.demo.entities import Membership, Organization
from sislink.demo.names import strip_accents
from sislink.demo.plans import (
    close_special_education,
    review_special_education,
    special_education_at,
)
from sislink.demo.special_education import DISABILITY_SHARE, draw_profile
from sislink.demo.students import StudentFactory
from sislink.demo.transfers import TRANSFER_EXIT_TYPE, SchoolFinder, move_student
from sislink.demo.world import World

EXIT_SHARE = 0.015
"""Share of active charter students who leave the hub between two rounds."""

SILENT_EXIT_SHARE = 0.4
"""Share of those leavers whom the charter just leaves out of its next file."""

# NOTE: E140 (no known enrollment) is the CALPADS exit reason as vendor
# documentation lists it, for grades 7 to 12; the state's table was not read.
DROPOUT_EXIT_TYPE = "E140"
DROPOUT_GRADES = frozenset({"07", "08", "09", "10", "11", "12"})

CHARTER_TRANSFER_SHARE = 0.015
DISTRICT_TO_CHARTER_SHARE = 0.002
TO_DISTRICT_SHARE = 0.4
"""Share of charter transfers that go to the district rather than another charter."""

NEW_STUDENT_SHARE = 0.01
"""New charter students per active charter student."""

REVIEW_HELD_SHARE = 0.9
"""Share of due annual reviews held on time; the rest stay overdue."""

NAME_CORRECTION_SHARE = 0.3
"""Share of charter name misspellings corrected by the next round."""


def next_round(world: World, seed: int, as_of: date = SECOND_ROUND_AS_OF) -> World:
    """Return the world on ``as_of``, after exits, transfers, new students,
    annual reviews and name corrections, with new defects at the same rate.

    Raises ``ValueError`` when ``as_of`` is not after the world's export day.
    """
    if as_of <= world.as_of:
        raise ValueError(
            f"as_of ({as_of}) must be after the world's export day ({world.as_of})"
        )
    rng = random.Random(seed)
    organizations = {
        code: replace(org, memberships=list(org.memberships))
        for code, org in world.organizations.items()
    }
    window = (world.as_of.toordinal() + 1, as_of.toordinal())
    factory = StudentFactory(
        rng, world.ssid_key, world.next_person, world.next_serial, window
    )

    charters = [
        org for code, org in organizations.items() if code != world.district_code
    ]
    district = organizations[world.district_code]
    _exit_students(rng, charters, window)
    _transfer_students(rng, factory, district, charters)
    _enroll_new_students(rng, factory, charters)
    _hold_reviews(rng, list(organizations.values()), window)
    _correct_names(rng, charters)

    later = World(
        seed=world.seed,
        round_number=world.round_number + 1,
        as_of=as_of,
        district_code=world.district_code,
        organizations=organizations,
        ssid_key=world.ssid_key,
        next_person=factory.next_person,
        next_serial=factory.next_serial,
        deliveries=world.deliveries,
        delivery_weeks=world.delivery_weeks,
        defect_rate=world.defect_rate,
    )
    inject_defects(later, rng)
    return later


def _active(membership: Membership) -> bool:
    return membership.exit_date is None and membership.listed


def _exit_students(
    rng: random.Random, charters: list[Organization], window: tuple[int, int]
) -> None:
    """End some charter enrollments, or leave the students out of the next file."""
    for charter in charters:
        for index, membership in enumerate(charter.memberships):
            if not _active(membership) or rng.random() >= EXIT_SHARE:
                continue
            if rng.random() < SILENT_EXIT_SHARE:
                charter.memberships[index] = replace(membership, listed=False)
                continue
            exit_date = iso(rng.randint(*window))
            dropout = membership.grade in DROPOUT_GRADES and rng.random() < 0.2
            sped = membership.special_education
            if sped is not None and sped.plans:
                sped = close_special_education(sped, exit_date)
            charter.memberships[index] = replace(
                membership,
                exit_date=exit_date,
                exit_type=DROPOUT_EXIT_TYPE if dropout else TRANSFER_EXIT_TYPE,
                special_education=sped,
            )


def _transfer_students(
    rng: random.Random,
    factory: StudentFactory,
    district: Organization,
    charters: list[Organization],
) -> None:
    """Move some charter students to the district or another charter, and a few
    district students to a charter."""
    finder = SchoolFinder(district, charters)
    visited = _organizations_by_person([district, *charters])
    snapshots = [(org, list(org.memberships)) for org in (district, *charters)]
    for organization, memberships in snapshots:
        in_district = organization is district
        share = DISTRICT_TO_CHARTER_SHARE if in_district else CHARTER_TRANSFER_SHARE
        for index, membership in enumerate(memberships):
            if not _active(membership) or rng.random() >= share:
                continue
            excluded = visited.get(id(membership.person), frozenset()) | {
                organization.code
            }
            to_district = not in_district and rng.random() < TO_DISTRICT_SHARE
            destination = finder.destination(
                rng, membership.grade, to_district, excluded
            )
            if destination is None:
                continue
            day = rng.randint(factory.first_day, factory.last_day)
            ended, _ = move_student(rng, factory, membership, destination, day)
            organization.memberships[index] = ended


def _organizations_by_person(
    organizations: list[Organization],
) -> dict[int, frozenset[str]]:
    """Return the organizations attended by each student with an ended enrollment."""
    ended = {
        id(m.person) for org in organizations for m in org.memberships if m.exit_date
    }
    visited: dict[int, set[str]] = {}
    for organization in organizations:
        for membership in organization.memberships:
            if id(membership.person) in ended:
                visited.setdefault(id(membership.person), set()).add(organization.code)
    return {person: frozenset(codes) for person, codes in visited.items()}


def _enroll_new_students(
    rng: random.Random, factory: StudentFactory, charters: list[Organization]
) -> None:
    """Enroll students new to the hub in charters, in proportion to their size."""
    active = [m for charter in charters for m in charter.memberships if _active(m)]
    by_code = {charter.code: charter for charter in charters}
    as_of = factory.last_day
    for _ in range(round(len(active) * NEW_STUDENT_SHARE)):
        charter = by_code[rng.choice(active).organization_code]
        school = rng.choice(charter.schools)
        grade = rng.choice(school.grades)
        person, _ = factory.person(grade, school.postal_codes)
        entry = rng.randint(factory.first_day, factory.last_day)
        membership = factory.enroll(charter, school, person, grade, iso(entry))
        if rng.random() < DISABILITY_SHARE:
            profile = draw_profile(rng, person.birth_date, grade, as_of)
            membership.special_education = special_education_at(
                rng, profile, charter, (entry, as_of)
            )


def _hold_reviews(
    rng: random.Random, organizations: list[Organization], window: tuple[int, int]
) -> None:
    """Hold the annual reviews that fall due by the export day."""
    first_day, as_of = window
    for organization in organizations:
        for index, membership in enumerate(organization.memberships):
            sped = membership.special_education
            if sped is None or not sped.plans or not _active(membership):
                continue
            due = add_years(ordinal(sped.plans[-1].meeting_date), 1)
            if due > as_of or rng.random() >= REVIEW_HELD_SHARE:
                continue
            day = min(max(first_day, due - rng.randint(0, 21)), as_of)
            reviewed = review_special_education(rng, sped, organization, day)
            organization.memberships[index] = replace(
                membership, special_education=reviewed
            )


def _correct_names(rng: random.Random, charters: list[Organization]) -> None:
    """Correct some misspelled names to the legal name, as the charter can store it."""
    for charter in charters:
        for index, membership in enumerate(charter.memberships):
            misspelled = (
                membership.reported_first_name or membership.reported_last_surname
            )
            if not misspelled or not _active(membership):
                continue
            if rng.random() >= NAME_CORRECTION_SHARE:
                continue
            person = membership.person
            first, last = person.first_name, person.last_surname
            if charter.ascii_names:
                first, last = strip_accents(first), strip_accents(last)
            reported_first = first if first != person.first_name else None
            reported_last = last if last != person.last_surname else None
            unchanged = (reported_first, reported_last) == (
                membership.reported_first_name,
                membership.reported_last_surname,
            )
            if not unchanged:
                charter.memberships[index] = replace(
                    membership,
                    reported_first_name=reported_first,
                    reported_last_surname=reported_last,
                )
