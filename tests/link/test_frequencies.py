"""Names are weighed by how common they are in the person index."""

from __future__ import annotations

import math

import duckdb
import pytest

from sislink.link import frequencies
from sislink.link.engine import Decision, Engine, IndexRows, Thresholds
from sislink.link.features import Person
from sislink.link.model import default_model, untrained_model
from sislink.link.synthetic import build_linkage_set
from sislink.link.training import train

INDEX = [
    Person(f"D{n}", "Noah", None, "Smith", f"2014-01-{n + 1:02d}", "M", "90210")
    for n in range(8)
] + [Person("D9", "Eulalia", None, "Quispe", "2014-01-20", "F", "90210")]


def _best(model: dict[str, object], incoming: Person) -> Decision:
    index = IndexRows()
    for person in INDEX:
        index.add(person, person.unique_id)
    return Engine(model, Thresholds()).run(index, [incoming])[0]


def _copy(person: Person) -> Person:
    return Person("C1", person.first_name, None, person.last_name, person.birth_date)


def test_count_gives_each_value_its_share() -> None:
    found = frequencies.of_people(INDEX)

    assert found == {
        "first_name": {"noah": pytest.approx(8 / 9), "eulalia": pytest.approx(1 / 9)}
    }


def test_count_leaves_missing_names_out() -> None:
    found = frequencies.of_people([*INDEX, Person("D10", None, None, "Smith", None)])

    assert math.fsum(found["first_name"].values()) == pytest.approx(1.0)
    assert found["first_name"]["eulalia"] == pytest.approx(1 / 9)


def test_rare_name_weighs_more_than_common_one() -> None:
    model = frequencies.with_frequencies(
        untrained_model(), frequencies.of_people(INDEX)
    )

    common = _best(model, _copy(INDEX[0])).candidate
    rare = _best(model, _copy(INDEX[-1])).candidate

    assert common is not None
    assert rare is not None
    assert rare.weight > common.weight
    names = {c.comparison: c for c in rare.contributions}
    assert "for how common the name is" in names["first_name"].level
    assert names["surname"].level == "same surname"


def test_contributions_add_up_to_the_weight() -> None:
    model = frequencies.with_frequencies(
        untrained_model(), frequencies.of_people(INDEX)
    )

    candidate = _best(model, _copy(INDEX[-1])).candidate

    assert candidate is not None
    prior = 0.5 / len(INDEX)
    total = math.fsum(c.weight for c in candidate.contributions)
    assert total + math.log2(prior / (1 - prior)) == pytest.approx(candidate.weight)


def test_model_without_frequencies_weighs_names_alike() -> None:
    common = _best(untrained_model(), _copy(INDEX[0])).candidate
    rare = _best(untrained_model(), _copy(INDEX[-1])).candidate

    assert common is not None
    assert rare is not None
    assert rare.weight == pytest.approx(common.weight)
    assert all("how common" not in c.level for c in rare.contributions)


def test_training_stores_the_index_frequencies() -> None:
    linkage = build_linkage_set(2_000, 400, seed=3)

    model = train(linkage.district, linkage.incoming)

    assert frequencies.stored(model) == frequencies.of_people(linkage.district)


def test_packaged_model_carries_no_frequencies() -> None:
    assert frequencies.stored(default_model()) is None


def test_count_takes_other_columns() -> None:
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE people AS SELECT * FROM (VALUES ('noah', 'smith'), "
        "('noah', NULL), ('ava', 'smith')) AS t(first_name, surname)"
    )

    found = frequencies.count(connection, "people", ("first_name", "surname"))

    assert found["first_name"] == {
        "noah": pytest.approx(2 / 3),
        "ava": pytest.approx(1 / 3),
    }
    assert found["surname"] == {"smith": pytest.approx(1.0)}
