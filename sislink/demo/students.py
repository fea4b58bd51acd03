"""Persons and their enrollments: names, birth dates, SSIDs and local ids."""

from __future__ import annotations

import random
from collections.abc import Iterable
from functools import lru_cache

from sislink.demo.dates import AGE_FOR_GRADE, birth_range, iso
from sislink.demo.entities import Membership, Organization, Person, School
from sislink.demo.names import (
    ACCENT_SHARE,
    MIDDLE_NAME_SHARE,
    Group,
    nicknames_of,
    pick_first_name,
    pick_group,
    pick_nickname,
    pick_surname,
    strip_accents,
)
from sislink.demo.organizations import SchoolPlan
from sislink.link.features import first_name_group, simplify

SSID_SPACE = 10**10
"""SSIDs are 10 digits, kept as text, so leading zeros survive."""

SEX_CUMULATIVE = (0.492, 0.997, 1.0)  # F, M, X
TWIN_PAIR_SHARE = 0.015
"""Chance that a generated child has a twin in the same grade and school."""

RETENTION_SHARE = 0.03
"""Share of students one year older than their grade, after a retention."""

LATE_ENTRY_SHARE = 0.03
"""Share of students who enter after the first day, from outside the hub."""

CHARTER_SSID_SHARE = 0.9
"""Share of charter students whose charter's export carries the SSID."""

NAME_VARIANT_SHARE = 0.03
"""Share of charter students whose charter spells the name differently."""

SECOND_GUARDIAN_SHARE = 0.6
"""Share of children with a second parent or guardian on record: an
assumption for generated data, not a measured share."""

OTHER_SURNAME_GUARDIAN_SHARE = 0.2
"""Share of guardians whose surname is not the child's (nor a part of it):
an assumption for generated data, not a measured share."""


def _name_group(first_name: str) -> str:
    """Return the nickname group of ``first_name``: parents do not give twins
    two forms of one name (William and Liam)."""
    return first_name_group(simplify(first_name))


def guardians_for(person: Person, group: Group) -> tuple[tuple[str, str], ...]:
    """Return one or two parents or guardians of ``person``, first name and surname.

    They are drawn from a generator seeded with the child's SSID, so adding
    them leaves every other value the factory draws unchanged. A guardian
    usually carries the child's surname or one part of a compound one.
    """
    rng = random.Random(f"guardians {person.ssid}")
    parts = person.last_surname.replace("-", " ").split(" ")
    compound = len(parts) == 2
    count = 2 if rng.random() < SECOND_GUARDIAN_SHARE else 1
    guardians = []
    for number in range(count):
        if rng.random() < OTHER_SURNAME_GUARDIAN_SHARE:
            surname = pick_surname(rng, group)
        elif compound:
            surname = parts[number]
        else:
            surname = person.last_surname
        sex = "F" if number == 0 else "M"
        guardians.append((pick_first_name(rng, group, sex), surname))
    return tuple(guardians)


class StudentFactory:
    """Creates persons and their memberships, drawing every value from one ``rng``.

    SSIDs come from the bijection ``index -> (multiplier * index + offset) mod
    10**10``. The multiplier is odd and not a multiple of 5, so it is coprime
    with 10**10, and the SSIDs of different indexes always differ.
    """

    def __init__(
        self,
        rng: random.Random,
        ssid_key: tuple[int, int],
        next_person: int,
        next_serial: int,
        entry_window: tuple[int, int],
    ) -> None:
        self.rng = rng
        self.ssid_multiplier, self.ssid_offset = ssid_key
        self.next_person = next_person
        self.next_serial = next_serial
        self.first_day, self.last_day = entry_window

    def person(self, grade: str, postal_codes: tuple[str, ...]) -> tuple[Person, Group]:
        """Return a new person of an age that fits ``grade``, with the surname group."""
        rng = self.rng
        sex = rng.choices("FMX", cum_weights=SEX_CUMULATIVE)[0]
        group = pick_group(rng)
        first = pick_first_name(rng, group, sex)
        middle = (
            pick_first_name(rng, group, sex)
            if rng.random() < MIDDLE_NAME_SHARE
            else None
        )
        last = pick_surname(rng, group)
        if rng.random() >= ACCENT_SHARE:
            first, last = strip_accents(first), strip_accents(last)
            middle = strip_accents(middle) if middle else None
        person = Person(
            first,
            None if middle == first else middle,
            last,
            pick_nickname(rng, first),
            self.birth_date(grade),
            sex,
            self.new_ssid(),
            rng.choice(postal_codes),
        )
        person.guardians = guardians_for(person, group)
        return person, group

    def twin(
        self, person: Person, group: Group, siblings: Iterable[str] = ()
    ) -> Person:
        """Return a twin: same surname, birth date and postal code, other first name.

        The twin's first name differs from ``person``'s and from every name
        in ``siblings`` (the first names of other children of the same birth),
        and is not another form of any of them (a nickname, a first word).
        """
        rng = self.rng
        sex = rng.choices("FMX", cum_weights=SEX_CUMULATIVE)[0]
        sibling_groups = {_name_group(name) for name in (person.first_name, *siblings)}
        first = person.first_name
        for _ in range(10):
            first = pick_first_name(rng, group, sex)
            if _name_group(first) not in sibling_groups:
                break
        if _name_group(first) in sibling_groups:
            first = next(
                name
                for name in ("Gemma", "Jacob", "Hazel", "Jonah", "Wren", "Silas")
                if _name_group(name) not in sibling_groups
            )
        return Person(
            first,
            None,
            person.last_surname,
            pick_nickname(rng, first),
            person.birth_date,
            sex,
            self.new_ssid(),
            person.postal_code,
            person.guardians,
        )

    def birth_date(self, grade: str) -> str:
        """Return a birth date for ``grade``, a year earlier after a retention."""
        age = AGE_FOR_GRADE[grade] + (self.rng.random() < RETENTION_SHARE)
        first, last = _birth_range(age)
        return iso(self.rng.randint(first, last))

    def new_ssid(self) -> str:
        """Return the SSID of the next person index."""
        index = self.next_person
        self.next_person += 1
        return f"{(self.ssid_multiplier * index + self.ssid_offset) % SSID_SPACE:010d}"

    def entry_date(self) -> str:
        """Return the first day for most students and a later day for a few."""
        if self.rng.random() >= LATE_ENTRY_SHARE:
            return iso(self.first_day)
        return iso(self.rng.randint(self.first_day + 1, self.last_day))

    def enroll(
        self,
        organization: Organization,
        school: School,
        person: Person,
        grade: str,
        entry_date: str,
    ) -> Membership:
        """Give ``person`` a new local id at ``organization`` and enroll them."""
        local_id = organization.id_scheme.format(organization.next_local_number)
        organization.next_local_number += 1
        membership = Membership(
            self.next_serial,
            person,
            organization.code,
            local_id,
            school.school_id,
            grade,
            entry_date,
        )
        self.next_serial += 1
        if organization.kind == "district":
            membership.district_id = local_id
        else:
            membership.shows_ssid = self.rng.random() < CHARTER_SSID_SHARE
            self.report_name(membership, organization.ascii_names)
        organization.memberships.append(membership)
        return membership

    def report_name(self, membership: Membership, ascii_names: bool) -> None:
        """Set how a charter's system spells the name, where it differs."""
        rng = self.rng
        person = membership.person
        first, last = person.first_name, person.last_surname
        draw = rng.random()
        if draw < NAME_VARIANT_SHARE:
            nicknames = nicknames_of(first)
            if nicknames and draw < NAME_VARIANT_SHARE / 3:
                first = rng.choice(nicknames)
            elif " " in last or "-" in last:
                last = last.replace("-", " ").split(" ")[0]
            else:
                last = misspell(rng, last)
        if ascii_names:
            first, last = strip_accents(first), strip_accents(last)
        membership.reported_first_name = first if first != person.first_name else None
        membership.reported_last_surname = last if last != person.last_surname else None


def misspell(rng: random.Random, name: str) -> str:
    """Return ``name`` with two neighbouring letters swapped, a common typing slip."""
    positions = [i for i in range(len(name) - 1) if name[i] != name[i + 1]]
    if not positions:
        return name + name[-1:]
    i = rng.choice(positions)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def populate_school(factory: StudentFactory, plan: SchoolPlan) -> list[Membership]:
    """Create and enroll the students of one school, twins included."""
    rng = factory.rng
    memberships: list[Membership] = []
    for grade, count in plan.grade_counts.items():
        placed = 0
        while placed < count:
            person, group = factory.person(grade, plan.school.postal_codes)
            entry = factory.entry_date()
            memberships.append(
                factory.enroll(plan.organization, plan.school, person, grade, entry)
            )
            placed += 1
            if placed < count and rng.random() < TWIN_PAIR_SHARE:
                twin = factory.twin(person, group)
                memberships.append(
                    factory.enroll(plan.organization, plan.school, twin, grade, entry)
                )
                placed += 1
    return memberships


@lru_cache(maxsize=64)
def _birth_range(age: int) -> tuple[int, int]:
    return birth_range(age)
