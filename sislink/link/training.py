"""Estimate the model's parameters with Splink on DuckDB.

The u probabilities come from random pairs. The m probabilities come from
expectation maximisation in two passes. Pairs with the same birth date
train the name, gender, postal code and SSID comparisons, and pairs with
the same first name and surname train the birth-date comparison. Training
needs no labels; the person index's own records, several of which belong
to one child, supply the matches.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
from splink import DuckDBAPI, Linker, block_on

from sislink.link.engine import _table
from sislink.link.features import Person
from sislink.link.model import (
    DEFAULT_MODEL_FILE,
    TRAINING_U_PAIRS,
    floor_m_probabilities,
    settings_creator,
)

log = logging.getLogger(__name__)

MINIMUM_TRAINING_ROWS = 50
"""Fewer rows than this give no useful estimate: training is refused."""


class TrainingError(ValueError):
    """The records cannot support an estimate (too few, or no pairs)."""


def train(
    people: Sequence[Person],
    other: Sequence[Person] | None = None,
    *,
    seed: int = 1,
) -> dict[str, Any]:
    """Return a trained model for ``people`` alone, or linked with ``other``.

    With one roster, it is deduplicated against itself (the person index);
    with two, the model learns from the pairs between them.

    Raises:
        TrainingError: there are fewer than ``MINIMUM_TRAINING_ROWS`` rows.
    """
    total = len(people) + len(other or ())
    if total < MINIMUM_TRAINING_ROWS:
        raise TrainingError(
            f"training needs at least {MINIMUM_TRAINING_ROWS} student records, "
            f"got {total}"
        )
    connection = duckdb.connect()
    try:
        database = DuckDBAPI(connection)
        tables = [database.register(_table(people, "i"), table_name="a_index")]
        link_type = "dedupe_only"
        if other is not None:
            tables.append(database.register(_table(other, "n"), table_name="b_other"))
            link_type = "link_only"
        linker = Linker(tables, settings_creator(link_type), log_level=logging.WARNING)
        _estimate(linker, seed)
        model: dict[str, Any] = linker.misc.save_model_to_json()
    finally:
        connection.close()
    model["link_type"] = "link_only"
    return floor_m_probabilities(model)


def _estimate(linker: Linker, seed: int) -> None:
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "birth_date")], recall=0.7
    )
    training.estimate_u_using_random_sampling(max_pairs=TRAINING_U_PAIRS, seed=seed)
    training.estimate_parameters_using_expectation_maximisation(
        block_on("birth_date"), fix_u_probabilities=True
    )
    training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname"), fix_u_probabilities=True
    )


DEFAULT_TRAINING_SIZE = (60_000, 15_000)
"""District and charter records of the synthetic set the packaged model learns from."""


def write_default_model(path: Path, seed: int = 11) -> None:
    """Train on a synthetic linkage set and write the model as the packaged default."""
    from sislink.link.synthetic import build_linkage_set

    district, incoming = DEFAULT_TRAINING_SIZE
    linkage = build_linkage_set(district, incoming, seed)
    model = train(linkage.district, linkage.incoming, seed=seed)
    path.write_text(
        json.dumps(model, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    write_default_model(Path(__file__).parent / "data" / DEFAULT_MODEL_FILE)
