"""Matching features: names, birth dates and SSIDs in their compared forms."""

from __future__ import annotations

import pytest

from sislink.link.features import (
    Person,
    feature_row,
    first_name_group,
    first_name_stem,
    simplify,
    surname_parts,
    swapped_birth_date,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("O'Brien", "obrien"),
        ("O\u2019Brien", "obrien"),
        ("Núñez-Peña", "nunez pena"),
        ("GARCÍA  LÓPEZ", "garcia lopez"),
        ("St. James", "st james"),
        ("La'Niyah", "laniyah"),
        ("Brontë", "bronte"),
    ],
)
def test_simplify_folds_spelling(raw: str, expected: str) -> None:
    assert simplify(raw) == expected


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("pepe", "jose"),
        ("lupe", "guadalupe"),
        ("chuy", "jesus"),
        ("bobby", "robert"),
        ("alejandro", "alexander"),
        ("xander", "alexander"),
        ("kate", "catherine"),
        ("kate", "katherine"),
        ("ana sofia", "ana"),
    ],
)
def test_nicknames_share_group(first: str, second: str) -> None:
    assert first_name_group(first) == first_name_group(second)


@pytest.mark.parametrize(("first", "second"), [("jose", "juan"), ("maria", "mia")])
def test_other_names_differ(first: str, second: str) -> None:
    assert first_name_group(first) != first_name_group(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("samuel", "samantha"),
        ("edward", "theodore"),
        ("alexander", "alexandra"),
        ("charles", "charlotte"),
        ("alex", "alexander"),
        ("sam", "samuel"),
    ],
)
def test_shared_nickname_joins_nothing(first: str, second: str) -> None:
    assert first_name_group(first) != first_name_group(second)


@pytest.mark.parametrize(
    ("surname", "parts"),
    [
        ("garcia lopez", ("garcia", "lopez")),
        ("de la cruz", ("cruz",)),
        ("dela cruz", ("cruz",)),
        ("del toro", ("toro",)),
        ("de", ("de",)),
    ],
)
def test_surname_parts_drop_particles(surname: str, parts: tuple[str, ...]) -> None:
    assert surname_parts(surname) == parts


@pytest.mark.parametrize(
    ("birth", "swapped"),
    [
        ("2015-03-04", "2015-04-03"),
        ("2015-03-13", None),
        ("2015-03-03", None),
        ("2015-02-30", None),
    ],
)
def test_swapped_birth_date(birth: str, swapped: str | None) -> None:
    assert swapped_birth_date(birth) == swapped


def test_hyphen_and_space_surnames_agree() -> None:
    hyphen = feature_row(Person("1", "Ana", None, "García-López", "2015-03-04"))
    space = feature_row(Person("2", "ana", None, "GARCIA LOPEZ", "2015-03-04"))
    reordered = feature_row(Person("3", "Ana", None, "López García", "2015-03-04"))
    assert hyphen["surname"] == space["surname"]
    assert hyphen["surname_sorted"] == reordered["surname_sorted"]


def test_missing_values_are_none() -> None:
    row = feature_row(Person("1", " ", None, "", None, "", "", ""))
    assert row["first_name"] is None
    assert row["surname"] is None
    assert row["birth_date"] is None
    assert row["ssid"] is None
    assert row["ssid_head"] is None
    assert row["guardian_names"] is None
    assert row["guardian_first_names"] is None


def test_guardian_features_nickname_and_surname() -> None:
    guardians = (("Francisco", "Ruiz-Pérez"), ("Rosa", None), (None, "Ruiz"))
    row = feature_row(
        Person("1", "Ana", None, "Ruiz", "2015-03-04", guardians=guardians)
    )
    paco = feature_row(
        Person(
            "2", "Ana", None, "Ruiz", "2015-03-04", guardians=(("PACO", "ruiz perez"),)
        )
    )
    group = first_name_group("francisco")
    assert row["guardian_first_names"] == [group]
    assert row["guardian_names"] == [f"{group} ruizperez"]
    assert paco["guardian_names"] == row["guardian_names"]


@pytest.mark.parametrize(
    "guardian", [(None, "Ruiz"), ("Marisol", None), ("ANA", "Ruiz"), ("Ána", "ruiz")]
)
def test_guardian_one_name_or_own_missing(guardian: tuple[str | None, ...]) -> None:
    row = feature_row(
        Person("1", "Ana", None, "Ruiz", "2015-03-04", guardians=(guardian,))
    )
    assert row["guardian_first_names"] is None
    assert row["guardian_names"] is None


@pytest.mark.parametrize(
    "guardian",
    [
        ("Unknown", "Unknown"),
        ("N/A", "n/a"),
        ("NONE", "Ruiz"),
        ("Not Given", "Ruiz"),
        ("Parent/Guardian", "Ruiz"),
        ("Mother", "Ruiz"),
        ("-", "Ruiz"),
    ],
)
def test_guardian_placeholder_is_missing(guardian: tuple[str, str]) -> None:
    row = feature_row(
        Person("1", "Ana", None, "Ruiz", "2015-03-04", guardians=(guardian,))
    )
    assert row["guardian_first_names"] is None
    assert row["guardian_names"] is None


@pytest.mark.parametrize(
    ("guardian", "name"),
    [
        (("Rosa", "Unknown"), None),
        (("Rosa", "N.A."), None),
        (("Min", "Na"), "min na"),
        (("Rosa", "Parent"), "rosa parent"),
    ],
)
def test_guardian_surname_placeholder(
    guardian: tuple[str, str], name: str | None
) -> None:
    row = feature_row(
        Person("1", "Ana", None, "Ruiz", "2015-03-04", guardians=(guardian,))
    )
    assert row["guardian_names"] == ([name] if name else None)
    assert (row["guardian_first_names"] is None) == (name is None)


@pytest.mark.parametrize(
    ("first", "second", "shared"),
    [
        ("fernando", "fernanda", True),
        ("daniel", "daniela", True),
        ("mario", "maria", True),
        ("ana", "ano", False),
        ("ana sofia", "ano", False),
        ("luis", "luisa", True),
        ("emma", "emmo", True),
        ("jose", "josefa", False),
    ],
)
def test_first_name_stem_joins_gendered_endings(
    first: str, second: str, shared: bool
) -> None:
    assert (first_name_stem(first) == first_name_stem(second)) is shared
