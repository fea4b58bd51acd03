"""Matching decisions on hand-written pairs, against a generated background.

Each pair is one district record and one incoming record. The district
roster also holds generated students, so that the prior and the blocking
work as they do on a real index.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from functools import cache

import pytest

from sislink.link.engine import LINK, NEW, Candidate, Thresholds, decide
from sislink.link.features import (
    Person,
    first_name_group,
    person_from_student,
    simplify,
)
from sislink.link.model import default_model
from sislink.link.standalone import match_rosters
from sislink.link.synthetic import LinkageSet, build_linkage_set, student_data

GUARDIANS = (("Rosa", "García"), ("Luis", "López"))
BASE = Person(
    "D-1",
    "María",
    "José",
    "García López",
    "2014-03-05",
    "F",
    "90210",
    "0012345678",
    GUARDIANS,
)


def _incoming(**changes: object) -> Person:
    values = {
        "unique_id": "C-1",
        "first_name": BASE.first_name,
        "middle_name": BASE.middle_name,
        "last_name": BASE.last_name,
        "birth_date": BASE.birth_date,
        "gender": BASE.gender,
        "postal_code": BASE.postal_code,
        "ssid": None,
    }
    values.update(changes)
    return Person(**values)  # type: ignore[arg-type]


@cache
def _background() -> tuple[Person, ...]:
    return tuple(build_linkage_set(3000, 0, seed=5).district)


def _decide(district: Person, incoming: Person) -> dict[str, str]:
    rows = match_rosters(
        [*_background(), district], [incoming], default_model(), Thresholds()
    )
    return rows[0]


MUST_LINK = {
    "exact copy": _incoming(),
    "accents dropped": _incoming(first_name="Maria", last_name="Garcia Lopez"),
    "upper case": _incoming(first_name="MARÍA", last_name="GARCÍA LÓPEZ"),
    "hyphenated surname": _incoming(last_name="García-López"),
    "surnames reordered": _incoming(last_name="López García"),
    "first surname alone": _incoming(last_name="García"),
    "second surname alone": _incoming(last_name="López"),
    "one part of the surname misspelled": _incoming(last_name="García Lpoez"),
    "surname one letter apart": _incoming(last_name="Garcíalópes"),
    "names swapped": _incoming(first_name="García López", last_name="María"),
    "day and month swapped": _incoming(birth_date="2014-05-03"),
    "ssid with transposed digits": _incoming(
        ssid="0012345687", birth_date="2014-03-06"
    ),
    "ssid with one wrong digit": _incoming(ssid="0012345670", first_name="Mari"),
}


@pytest.mark.parametrize("case", sorted(MUST_LINK))
def test_hazard_pair_links(case: str) -> None:
    row = _decide(BASE, MUST_LINK[case])
    assert row["decision"] == LINK, row
    assert row["district_id"] == BASE.unique_id


def test_nickname_links() -> None:
    district = Person(
        "D-2", "Francisco", "Luis", "Ramírez", "2013-11-20", "M", "90210", "0099887766"
    )
    incoming = Person(
        "C-2", "Paco", "Luis", "Ramirez", "2013-11-20", "M", "90210", None
    )
    assert _decide(district, incoming)["decision"] == LINK


def test_apostrophe_links() -> None:
    district = Person(
        "D-3", "Siobhán", "Grace", "O'Brien", "2012-09-30", "F", "90210", "0055443322"
    )
    incoming = Person(
        "C-3", "Siobhan", "Grace", "OBrien", "2012-09-30", "F", "90210", None
    )
    assert _decide(district, incoming)["decision"] == LINK


def test_short_surname_with_transposed_letters_links() -> None:
    district = Person(
        "D-4", "Charlotte", "Ann", "Chen", "2021-06-12", "F", "90729", "0044556677"
    )
    incoming = Person(
        "C-4", "Charlotte", "Ann", "Hcen", "2021-06-12", "F", "90729", None
    )
    assert _decide(district, incoming)["decision"] == LINK


def test_birth_date_digit_typo_links_with_ssid() -> None:
    incoming = _incoming(birth_date="2014-03-06", ssid=BASE.ssid)
    assert _decide(BASE, incoming)["decision"] == LINK


def _commonest_name() -> tuple[str, str]:
    """Return the background's most common first name and surname."""
    firsts = Counter(p.first_name for p in _background() if p.first_name)
    surnames = Counter(p.last_name for p in _background() if p.last_name)
    return firsts.most_common(1)[0][0], surnames.most_common(1)[0][0]


def test_shared_guardian_links_moved_child_with_common_name() -> None:
    first, surname = _commonest_name()
    district = replace(BASE, first_name=first, last_name=surname, middle_name=None)
    moved = _incoming(
        first_name=first, last_name=surname, postal_code="93001", middle_name=None
    )
    assert _decide(district, moved)["decision"] != LINK
    with_guardian = replace(moved, guardians=(("ROSA", "Garcia"),))
    assert _decide(district, with_guardian)["decision"] == LINK


def test_rare_first_name_links_moved_child_without_guardian() -> None:
    district = replace(BASE, first_name="Eulalia")
    moved = _incoming(first_name="Eulalia", postal_code="93001", middle_name=None)
    assert _decide(district, moved)["decision"] == LINK
    assert _decide(BASE, replace(moved, first_name=BASE.first_name))["decision"] != LINK


def test_placeholder_guardians_never_link_namesake() -> None:
    first, surname = _commonest_name()
    unknown = (("Unknown", "Unknown"), ("N/A", "N/A"))
    district = replace(
        BASE,
        first_name=first,
        last_name=surname,
        middle_name=None,
        ssid=None,
        guardians=unknown,
    )
    namesake = _incoming(
        first_name=first,
        last_name=surname,
        postal_code="93001",
        middle_name=None,
        guardians=unknown,
    )
    assert _decide(district, namesake)["decision"] != LINK


MUST_NOT_LINK = {
    "twin with another first name": _incoming(
        first_name="Sofía", middle_name=None, ssid="0087654321"
    ),
    "twin without an ssid": _incoming(first_name="Valentina", middle_name=None),
    "same name and birth date at another school": _incoming(
        postal_code="93001", middle_name=None, ssid="0055555555"
    ),
    "same name and birth date at another school, other guardians": _incoming(
        postal_code="93001", middle_name=None, guardians=(("Carmen", "García"),)
    ),
    "twin who shares the guardians": _incoming(
        first_name="Valentina", middle_name=None, guardians=GUARDIANS
    ),
    "another child of the same age": _incoming(
        first_name="Olivia", middle_name=None, last_name="Smith", ssid=None
    ),
}


@pytest.mark.parametrize("case", sorted(MUST_NOT_LINK))
def test_other_child_never_links(case: str) -> None:
    row = _decide(BASE, MUST_NOT_LINK[case])
    assert row["decision"] != LINK, row


def test_twins_in_index_stay_apart() -> None:
    twin = Person(
        "D-9", "Sofía", None, "García López", "2014-03-05", "F", "90210", "0087654321"
    )
    rows = match_rosters(
        [*_background(), BASE, twin],
        [_incoming(), _incoming(unique_id="C-9", first_name="Sofia", middle_name=None)],
        default_model(),
        Thresholds(),
    )
    assert [r["district_id"] for r in rows] == ["D-1", "D-9"]
    assert [r["decision"] for r in rows] == [LINK, LINK]


def _candidate(probability: float, weight: float) -> Candidate:
    return Candidate("1", probability, weight, ())


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        ([], NEW),
        ([_candidate(0.01, -8.0)], NEW),
        ([_candidate(0.5, 0.0)], NEW),
        ([_candidate(0.8, 2.0)], "review"),
        ([_candidate(0.99999, 17.0)], LINK),
        ([_candidate(0.99999, 17.0), _candidate(0.9, 12.0)], "review"),
        ([_candidate(0.99999, 30.0), _candidate(0.9, 12.0)], LINK),
    ],
)
def test_decide_rule(candidates: list[Candidate], expected: str) -> None:
    assert decide(candidates, Thresholds()) == expected


def test_thresholds_reject_inverted_order() -> None:
    with pytest.raises(ValueError, match="review"):
        Thresholds(link=0.5, review=0.9)


def test_linkage_set_incoming_seed_keeps_district() -> None:
    measured = build_linkage_set(2000, 300, seed=7)
    training = build_linkage_set(2000, 300, seed=7, incoming_seed=8)

    assert training.district == measured.district
    assert training.incoming != measured.incoming
    assert build_linkage_set(2000, 300, seed=7).incoming == measured.incoming


def test_student_data_reads_back_as_person() -> None:
    linkage = build_linkage_set(2000, 500, seed=7)
    people = [*linkage.district, *linkage.incoming]
    assert any(person.guardians for person in people)
    for person in people:
        data = student_data(person)
        assert person_from_student(person.unique_id, data) == person


def test_linkage_set_twins_never_share_first_names() -> None:
    linkage = build_linkage_set(20_000, 4_000, seed=3)
    names: dict[tuple[str | None, ...], set[str | None]] = {}
    for person in linkage.district:
        birth = (person.last_name, person.birth_date, person.postal_code)
        names.setdefault(birth, set()).add(person.first_name)

    twins = [p for p in linkage.incoming if linkage.hazards[p.unique_id] == "twin"]

    assert twins
    for twin in twins:
        birth = (twin.last_name, twin.birth_date, twin.postal_code)
        assert twin.first_name not in names[birth]
        groups = {first_name_group(simplify(name or "")) for name in names[birth]}
        assert first_name_group(simplify(twin.first_name or "")) not in groups
    assert all(linkage.truth[t.unique_id] is None for t in twins)


def _guardian_overlap(linkage: LinkageSet, hazard: str) -> float:
    """Return the share of ``hazard`` records naming a guardian of a district
    record with the same surname and birth date, among those naming any."""
    guardians: dict[tuple[str | None, ...], set[tuple[str | None, ...]]] = {}
    for person in linkage.district:
        birth = (person.last_name, person.birth_date)
        guardians.setdefault(birth, set()).update(person.guardians)
    records = [
        p
        for p in linkage.incoming
        if linkage.hazards[p.unique_id] == hazard and p.guardians
    ]
    assert records
    shared = [
        p for p in records if set(p.guardians) & guardians[(p.last_name, p.birth_date)]
    ]
    return len(shared) / len(records)


def test_twins_share_guardians_namesakes_not() -> None:
    linkage = build_linkage_set(20_000, 20_000, seed=3)
    assert _guardian_overlap(linkage, "twin") > 0.9
    assert _guardian_overlap(linkage, "same-name-and-birth-date") < 0.1


@pytest.mark.parametrize(
    ("district_first", "incoming_first"),
    [
        ("Samuel", "Samantha"),
        ("Edward", "Theodore"),
        ("Charles", "Charlotte"),
        ("Christopher", "Christina"),
        ("Isaiah", "Isabella"),
        ("Fernando", "Fernanda"),
        ("Daniel", "Daniela"),
        ("Gabriel", "Gabriela"),
    ],
)
def test_twin_sharing_nickname_never_links(
    district_first: str, incoming_first: str
) -> None:
    district = Person(
        "D-5", district_first, None, "Martin", "2014-03-05", None, "90210", None
    )
    incoming = Person(
        "C-5", incoming_first, None, "Martin", "2014-03-05", None, "90210", None
    )
    row = _decide(district, incoming)
    assert row["decision"] != LINK, row
