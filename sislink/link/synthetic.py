"""A synthetic district roster and charter roster with known truth and hazards.

The persons come from the demo generator's ``StudentFactory``, so names,
birth dates, twins and SSIDs follow the demo's distributions. A share of
the charter records are copies of district students with exactly one
hazard each (a nickname, one part of a compound surname, a swapped day and
month, an SSID typo, ...); the rest are other children, among them twins
of district students and children with a district student's name and
birth date. Every charter record carries its hazard and its true district
id, so an evaluation can count false merges per hazard.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sislink.demo.dates import AGE_FOR_GRADE, FIRST_ROUND_AS_OF, SCHOOL_YEAR_START
from sislink.demo.defects import mistype_ssid
from sislink.demo.entities import Person as DemoPerson
from sislink.demo.names import nicknames_of, strip_accents
from sislink.demo.students import StudentFactory, guardians_for, misspell
from sislink.formats.guardians import GuardianName, guardian_fields
from sislink.link.features import Person
from sislink.model import RecordKind
from sislink.store.history import NewVersion, canonical_json, digest

GRADES = tuple(AGE_FOR_GRADE)
SCHOOL_SIZE = 800
POSTAL_CODES_PER_SCHOOL = 3

MATCH_SHARE = 0.5
"""Share of charter records that are district students."""

SSID_SHARE = 0.6
"""Share of charter records that carry an SSID (right or mistyped)."""

TWIN_SHARE = 0.01
"""Share of charter records that are the twin of a district student."""

SAME_IDENTITY_SHARE = 0.005
"""Share of charter records with a district student's name and birth date."""

DISTRICT_TWIN_SHARE = 0.015

CLEAN_SHARE = 0.5
"""Share of district students' charter records that carry no hazard."""

# The guardian shares below are assumptions for generated data, not
# measured ones. They are drawn from a generator of each record's own, so
# every other value of the set is the same with or without guardians.
DISTRICT_GUARDIAN_SHARE = 0.95
"""Share of district records that name the child's guardians."""

CHARTER_GUARDIAN_SHARE = 0.7
"""Share of charter records that name guardians (many exports carry none)."""

ONE_GUARDIAN_LISTED_SHARE = 0.4
"""Share of records of a child with two guardians that name only one."""

GUARDIAN_CHANGED_SHARE = 0.03
"""Share of a district student's charter records naming other guardians
(custody changed, foster care, a relative caring for the child)."""

GUARDIAN_NICKNAME_SHARE = 0.05
"""Share of charter records giving a guardian's first name as a nickname."""

NONE = "none"
HAZARDS = (
    "accents-dropped",
    "upper-case",
    "apostrophe-changed",
    "nickname",
    "compound-surname-one-part",
    "compound-surname-reordered",
    "hyphen-changed",
    "names-swapped",
    "birth-day-month-swapped",
    "birth-date-digit-typo",
    "ssid-typo",
    "surname-misspelled",
    "postal-code-changed",
)
"""Hazards of a charter record that is a district student, one each, equally
likely, for the records that are not clean."""

NON_MATCH_HAZARDS = ("other-child", "twin", "same-name-and-birth-date")
"""Kinds of charter record that are not any district student."""


@dataclass
class LinkageSet:
    """District and charter rosters with the truth for every charter record.

    ``truth`` maps a charter id to the district id of the same child, or to
    None; ``hazards`` maps it to its hazard.
    """

    district: list[Person] = field(default_factory=list)
    incoming: list[Person] = field(default_factory=list)
    truth: dict[str, str | None] = field(default_factory=dict)
    hazards: dict[str, str] = field(default_factory=dict)


def build_linkage_set(
    district_size: int,
    incoming_size: int,
    seed: int,
    incoming_seed: int | None = None,
) -> LinkageSet:
    """Generate ``district_size`` district and ``incoming_size`` charter records.

    The district depends on ``seed`` alone. The charter records come from
    ``incoming_seed`` when it is given, so one district can be paired with
    several independent charter rosters (one to train on, one to measure).
    """
    rng = random.Random(seed)
    factory = StudentFactory(
        rng,
        (1_000_003 * 2 + 1, rng.randrange(10**10)),
        0,
        0,
        (SCHOOL_YEAR_START.toordinal(), FIRST_ROUND_AS_OF.toordinal()),
    )
    schools = _schools(rng, max(1, district_size // SCHOOL_SIZE))
    result = LinkageSet()
    district: list[tuple[DemoPerson, object]] = []
    while len(district) < district_size:
        postal = rng.choice(schools)
        person, group = factory.person(rng.choice(GRADES), postal)
        district.append((person, group))
        if rng.random() < DISTRICT_TWIN_SHARE and len(district) < district_size:
            district.append((factory.twin(person, group), group))
    for number, (person, _group) in enumerate(district):
        unique_id = f"D{number:07d}"
        record = _view(unique_id, person, show_ssid=True)
        listed = _listed_guardians(
            random.Random(f"{seed} {unique_id}"), person, DISTRICT_GUARDIAN_SHARE
        )
        result.district.append(replace(record, guardians=listed))
    if incoming_seed is not None:
        rng = random.Random(incoming_seed)
        factory.rng = rng

    births: dict[tuple[str, str, str], list[str]] = {}
    for person, _group in district:
        births.setdefault(_birth_of(person), []).append(person.first_name)

    matched = rng.sample(range(len(district)), round(incoming_size * MATCH_SHARE))
    for number in range(incoming_size):
        unique_id = f"C{number:07d}"
        if number < len(matched):
            source = matched[number]
            hazard = NONE if rng.random() < CLEAN_SHARE else rng.choice(HAZARDS)
            person = district[source][0]
            record = _with_hazard(rng, unique_id, person, hazard)
            result.truth[unique_id] = f"D{source:07d}"
        else:
            hazard, record = _other_child(
                rng, factory, schools, district, births, unique_id
            )
            result.truth[unique_id] = None
        result.incoming.append(
            replace(
                record,
                guardians=_charter_guardians(seed, incoming_seed, record, district),
            )
        )
        result.hazards[unique_id] = hazard
    return result


def _listed_guardians(
    rng: random.Random, person: DemoPerson, share: float
) -> tuple[tuple[str | None, str | None], ...]:
    """Return the guardians one record names: none, one of two, or all."""
    if rng.random() >= share or not person.guardians:
        return ()
    if len(person.guardians) > 1 and rng.random() < ONE_GUARDIAN_LISTED_SHARE:
        return (rng.choice(person.guardians),)
    return person.guardians


def _charter_guardians(
    seed: int,
    incoming_seed: int | None,
    record: Person,
    others: list[tuple[DemoPerson, object]],
) -> tuple[tuple[str | None, str | None], ...]:
    """Return the guardians a charter record names, with the charter's hazards."""
    rng = random.Random(f"{seed} {incoming_seed} {record.unique_id}")
    if rng.random() >= CHARTER_GUARDIAN_SHARE or not record.guardians:
        return ()
    guardians = record.guardians
    if rng.random() < GUARDIAN_CHANGED_SHARE:
        return rng.choice(others)[0].guardians[:1]
    if len(guardians) > 1 and rng.random() < ONE_GUARDIAN_LISTED_SHARE:
        guardians = (rng.choice(guardians),)
    if rng.random() < GUARDIAN_NICKNAME_SHARE:
        first, surname = guardians[0]
        nicknames = nicknames_of(first) if first else ()
        if nicknames:
            guardians = ((rng.choice(nicknames), surname), *guardians[1:])
    return guardians


def _schools(rng: random.Random, count: int) -> list[tuple[str, ...]]:
    region = rng.randrange(90000, 95000)
    return [
        tuple(
            f"{region + rng.randrange(600):05d}" for _ in range(POSTAL_CODES_PER_SCHOOL)
        )
        for _ in range(count)
    ]


def _birth_of(person: DemoPerson) -> tuple[str, str, str]:
    """Return what twins share: surname, birth date and postal code."""
    return person.last_surname, person.birth_date, person.postal_code


def _view(unique_id: str, person: DemoPerson, *, show_ssid: bool) -> Person:
    return Person(
        unique_id,
        person.first_name,
        person.middle_name,
        person.last_surname,
        person.birth_date,
        person.sex,
        person.postal_code,
        person.ssid if show_ssid else None,
        person.guardians,
    )


def _other_child(
    rng: random.Random,
    factory: StudentFactory,
    schools: list[tuple[str, ...]],
    district: list[tuple[DemoPerson, object]],
    births: dict[tuple[str, str, str], list[str]],
    unique_id: str,
) -> tuple[str, Person]:
    draw = rng.random() * (1 - MATCH_SHARE)
    shows_ssid = rng.random() < SSID_SHARE
    if draw < TWIN_SHARE:
        model, group = rng.choice(district)
        siblings = births.get(_birth_of(model), ())
        twin = factory.twin(model, group, siblings)  # type: ignore[arg-type]
        return "twin", _view(unique_id, twin, show_ssid=shows_ssid)
    if draw < TWIN_SHARE + SAME_IDENTITY_SHARE:
        model, _group = rng.choice(district)
        other, other_group = factory.person(rng.choice(GRADES), rng.choice(schools))
        copy = replace(
            other,
            first_name=model.first_name,
            last_surname=model.last_surname,
            birth_date=model.birth_date,
            sex=model.sex,
        )
        copy.guardians = guardians_for(copy, other_group)
        return "same-name-and-birth-date", _view(unique_id, copy, show_ssid=shows_ssid)
    person, _ = factory.person(rng.choice(GRADES), rng.choice(schools))
    return "other-child", _view(unique_id, person, show_ssid=shows_ssid)


def _with_hazard(
    rng: random.Random, unique_id: str, person: DemoPerson, hazard: str
) -> Person:
    shows_ssid = hazard == "ssid-typo" or rng.random() < SSID_SHARE
    record = _view(unique_id, person, show_ssid=shows_ssid)
    first, last = person.first_name, person.last_surname
    if hazard == "accents-dropped":
        return replace(
            record, first_name=strip_accents(first), last_name=strip_accents(last)
        )
    if hazard == "upper-case":
        return replace(record, first_name=first.upper(), last_name=last.upper())
    if hazard == "apostrophe-changed":
        return replace(
            record,
            first_name=_apostrophe(first),
            last_name=_apostrophe(last),
        )
    if hazard == "nickname":
        nicknames = nicknames_of(first)
        if nicknames:
            return replace(record, first_name=rng.choice(nicknames))
        return record
    if hazard.startswith("compound-surname") or hazard == "hyphen-changed":
        return replace(record, last_name=_surname_variant(rng, last, hazard))
    if hazard == "names-swapped":
        return replace(record, first_name=last, last_name=first)
    if hazard == "birth-day-month-swapped":
        year, month, day = person.birth_date.split("-")
        if int(day) <= 12:
            return replace(record, birth_date=f"{year}-{day}-{month}")
        return record
    if hazard == "birth-date-digit-typo":
        return replace(record, birth_date=_date_typo(rng, person.birth_date))
    if hazard == "ssid-typo":
        return replace(record, ssid=mistype_ssid(rng, person.ssid))
    if hazard == "surname-misspelled":
        return replace(record, last_name=misspell(rng, last))
    if hazard == "postal-code-changed":
        return replace(
            record, postal_code=f"{(int(person.postal_code) + 7) % 100000:05d}"
        )
    return record


def _apostrophe(name: str) -> str:
    if "'" in name:
        return name.replace("'", "\u2019") if len(name) % 2 else name.replace("'", "")
    return name


def _surname_variant(rng: random.Random, surname: str, hazard: str) -> str:
    parts = surname.replace("-", " ").split(" ")
    if len(parts) < 2:
        return surname
    if hazard == "compound-surname-one-part":
        return rng.choice([parts[0], parts[-1]])
    if hazard == "compound-surname-reordered":
        return " ".join(reversed(parts))
    return surname.replace("-", " ") if "-" in surname else "-".join(parts)


def _date_typo(rng: random.Random, birth_date: str) -> str:
    """Return ``birth_date`` with one digit of the day or month changed, if valid."""
    from datetime import date

    for _ in range(20):
        position = rng.choice((5, 6, 8, 9))
        digit = rng.choice([d for d in "0123456789" if d != birth_date[position]])
        changed = birth_date[:position] + digit + birth_date[position + 1 :]
        try:
            date.fromisoformat(changed)
        except ValueError:
            continue
        return changed
    return birth_date


def student_data(person: Person) -> dict[str, str]:
    """Return canonical student record data that ``person_from_student`` reads
    back as ``person``, with the unique id as the local student id."""
    fields = {
        "local_student_id": person.unique_id,
        "state_student_id": person.ssid,
        "first_name": person.first_name,
        "middle_name": person.middle_name,
        "last_surname": person.last_name,
        "birth_date": person.birth_date,
        "sex": person.gender,
        "postal_code": person.postal_code,
    }
    fields.update(guardian_fields(GuardianName(*pair) for pair in person.guardians))
    return {name: value for name, value in fields.items() if value is not None}


def student_versions(
    people: Sequence[Person],
    person_ids: Sequence[int],
    source_file: str | None = None,
    first_line: int = 2,
) -> list[NewVersion]:
    """Return the student record versions that store ``people`` as ``person_ids``.

    With ``source_file``, each version's provenance is a line of that file,
    from ``first_line`` on, in the order of ``people``.
    """
    versions = []
    for line, (person, person_id) in enumerate(
        zip(people, person_ids, strict=True), start=first_line
    ):
        data_json = canonical_json(student_data(person))
        versions.append(
            NewVersion(
                RecordKind.STUDENT.value,
                person.unique_id,
                person_id,
                data_json,
                digest(data_json),
                None,
                source_file,
                line if source_file else None,
                None,
            )
        )
    return versions
