"""Training: the guardian levels' u probabilities come from records of one surname."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import duckdb
import pytest

from sislink.link.engine import _table
from sislink.link.features import Person
from sislink.link.model import (
    GUARDIAN_FIRST_NAME_IN_COMMON,
    GUARDIAN_IN_COMMON,
    MINIMUM_U,
    NO_GUARDIAN_IN_COMMON,
    default_model,
    floor_m_probabilities,
    untrained_model,
)
from sislink.link.synthetic import build_linkage_set
from sislink.link.training import (
    TrainingError,
    check_agreement_weights,
    guardian_u,
    train,
    with_guardian_u,
)


def _shares(people: list[Person]) -> dict[str, float]:
    connection = duckdb.connect()
    try:
        connection.register("people", _table(people, "i"))
        return guardian_u(connection, "people")
    finally:
        connection.close()


def _child(number: int, surname: str, guardian: tuple[str, str] | None) -> Person:
    guardians = (guardian,) if guardian else ()
    born = f"2015-03-{number % 28 + 1:02d}"
    return Person(str(number), "Ana", None, surname, born, guardians=guardians)


def test_records_of_one_child_not_paired() -> None:
    child = _child(0, "Ruiz", ("Rosa", "Ruiz"))
    again = Person(
        "1", "ANA", None, "Ruiz", child.birth_date, guardians=child.guardians
    )
    assert _shares([child, again]) == {}


def test_shared_guardian_counts_within_surname() -> None:
    people = [_child(n, "Ruiz", ("Rosa", "Ruiz")) for n in range(4)]
    shares = _shares(people)
    assert shares[GUARDIAN_IN_COMMON] == 1.0
    assert shares[GUARDIAN_FIRST_NAME_IN_COMMON] == MINIMUM_U
    assert shares[NO_GUARDIAN_IN_COMMON] == MINIMUM_U


def test_guardian_first_name_with_other_surname() -> None:
    people = [
        _child(0, "Ruiz", ("Rosa", "Ruiz")),
        _child(1, "Ruiz", ("Rosa", "Pérez")),
    ]
    assert _shares(people)[GUARDIAN_FIRST_NAME_IN_COMMON] == 1.0


def test_other_surnames_not_paired() -> None:
    people = [
        _child(0, "Ruiz", ("Rosa", "Ruiz")),
        _child(1, "Ortiz", ("Rosa", "Ruiz")),
        _child(2, "Ruiz", None),
    ]
    assert _shares(people) == {}


def test_every_pair_counted_once() -> None:
    people = [_child(n, "Ruiz", (f"Name{n % 2}", "Ruiz")) for n in range(6)]
    people += [_child(10 + n, "Kim", (f"Other{n}", "Kim")) for n in range(5)]
    shares = _shares(people)
    assert sum(shares.values()) == pytest.approx(1.0, abs=3 * MINIMUM_U)


def test_shares_replace_guardian_u_only() -> None:
    model = untrained_model()
    changed = with_guardian_u(model, {GUARDIAN_IN_COMMON: 0.03})
    levels = {
        (comparison["output_column_name"], level.get("label_for_charts")): level
        for comparison in changed["comparisons"]
        for level in comparison["comparison_levels"]
    }
    assert levels[("guardians", GUARDIAN_IN_COMMON)]["u_probability"] == 0.03
    assert levels[("first_name", "same first name")]["u_probability"] == 0.01


def test_few_guardian_pairs_keep_default_u() -> None:
    linkage = build_linkage_set(500, 150, seed=5)
    district = [replace(person, guardians=()) for person in linkage.district]
    for number in (0, 1):
        district[number] = replace(
            district[number], last_name="Zyx", guardians=(("Rosa", "Zyx"),)
        )
    incoming = [replace(person, guardians=()) for person in linkage.incoming]
    levels = {
        level.get("label_for_charts"): level
        for comparison in train(district, incoming)["comparisons"]
        if comparison["output_column_name"] == "guardians"
        for level in comparison["comparison_levels"]
    }
    default = {
        level.get("label_for_charts"): level
        for comparison in untrained_model()["comparisons"]
        if comparison["output_column_name"] == "guardians"
        for level in comparison["comparison_levels"]
    }
    for label in (GUARDIAN_IN_COMMON, NO_GUARDIAN_IN_COMMON):
        assert levels[label]["u_probability"] == default[label]["u_probability"]


def test_estimated_m_scaled_beside_fixed_m() -> None:
    levels = [
        {"is_null_level": True},
        {"m_probability": 0.999999},
        {"m_probability": 0.0},
        {"m_probability": 0.01, "fix_m_probability": True},
        {"m_probability": 0.1, "fix_m_probability": True},
    ]
    model = {"comparisons": [{"comparison_levels": levels}]}
    changed = floor_m_probabilities(model)["comparisons"][0]["comparison_levels"]
    total = sum(level.get("m_probability", 0.0) for level in changed)
    assert total == pytest.approx(1.0)
    assert changed[3]["m_probability"] == 0.01
    assert changed[4]["m_probability"] == 0.1
    assert changed[2]["m_probability"] > 0.0
    assert changed[1]["m_probability"] == pytest.approx(0.89, abs=0.001)


def _with_m(comparison: str, label: str, m: float) -> dict[str, Any]:
    """Return the packaged model with one level's m probability replaced."""
    model = default_model()
    for found in model["comparisons"]:
        for level in found["comparison_levels"]:
            if (found["output_column_name"], level.get("label_for_charts")) == (
                comparison,
                label,
            ):
                level["m_probability"] = m
    return model


def test_agreement_weights_of_packaged_model_pass() -> None:
    check_agreement_weights(default_model())


@pytest.mark.parametrize(
    ("comparison", "label", "named"),
    [
        ("first_name", "same first name", "same first name"),
        ("surname", "same surname", "same surname"),
        ("birth_date", "same birth date", "same birth date"),
    ],
)
def test_agreement_against_match_rejected(
    comparison: str, label: str, named: str
) -> None:
    model = _with_m(comparison, label, 0.0001)

    with pytest.raises(TrainingError, match=named):
        check_agreement_weights(model)


@pytest.mark.slow
def test_district_roster_alone_not_trained() -> None:
    from sislink.demo.generator import generate_world
    from sislink.demo.records import student_rows
    from sislink.link.features import person_from_student

    world = generate_world(3000, 3, 1, deliveries=False)
    [district] = [o for o in world.organizations.values() if o.kind == "district"]
    people = [
        person_from_student(str(number), row)
        for number, membership in enumerate(district.memberships)
        for row in student_rows(membership, None)
    ]

    with pytest.raises(TrainingError, match="same surname"):
        train(people)
