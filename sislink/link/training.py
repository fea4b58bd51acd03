"""Estimate the model's parameters with Splink on DuckDB.

The u probabilities come from random pairs. The m probabilities come from
expectation maximisation in two passes. Pairs with the same birth date
train the name, gender, postal code and SSID comparisons, and pairs with
the same first name and surname train the birth-date comparison. Training
needs no labels; the person index's own records, several of which belong
to one child, supply the matches.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
from splink import DuckDBAPI, Linker, block_on

from sislink.link import frequencies
from sislink.link.engine import _table
from sislink.link.features import Person
from sislink.link.model import (
    DEFAULT_MODEL_FILE,
    GUARDIAN_FIRST_NAME_IN_COMMON,
    GUARDIAN_IN_COMMON,
    MINIMUM_U,
    NO_GUARDIAN_IN_COMMON,
    TRAINING_U_PAIRS,
    floor_m_probabilities,
    settings_creator,
)

log = logging.getLogger(__name__)

MINIMUM_TRAINING_ROWS = 50
"""Fewer rows than this give no useful estimate: training is refused."""

MINIMUM_GUARDIAN_PAIRS = 1_000
"""Pairs of one surname, both naming guardians, needed to estimate the
guardian levels' u. Fewer pairs keep the model's default u, because a few
pairs of siblings would give a guardian in common a u near 1 and turn "no
guardian in common" into strong evidence of a match. At a share of 3%,
1,000 pairs give a standard error of about a fifth of the share."""


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
    with two, the model learns from the pairs between them. A level that no
    training pair shows keeps its prior m probability. Splink's warnings
    about such levels are not passed on. The model carries how common each
    name is among ``people``, the index (``sislink.link.frequencies``).

    Raises:
        TrainingError: there are fewer than ``MINIMUM_TRAINING_ROWS`` rows,
            expectation maximisation drove a level's m probability to 0, or
            the estimates fail ``check_agreement_weights``.
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
        names = frequencies.count(connection, "a_index")
        lookups = frequencies.lookup_tables(database, names)
        linker = Linker(tables, settings_creator(link_type), log_level=logging.ERROR)
        frequencies.attach(linker, lookups)
        _estimate_u(linker, seed)
        shares = guardian_u(connection, "a_index", minimum_pairs=MINIMUM_GUARDIAN_PAIRS)
        settings = with_guardian_u(linker.misc.save_model_to_json(), shares)
        linker = Linker(tables, settings, log_level=logging.ERROR)
        frequencies.attach(linker, lookups)
        try:
            _estimate_m(linker)
        except ValueError as exc:
            # Splink rejects an m probability that underflows to 0, which EM
            # reaches when no pair of one child ever shows a level.
            raise TrainingError(
                "the records give no example of some comparison level for one "
                "child, so its weight cannot be estimated; train on more records "
                "or from more organizations"
            ) from exc
        model: dict[str, Any] = linker.misc.save_model_to_json()
    finally:
        connection.close()
    model["link_type"] = "link_only"
    model = floor_m_probabilities(model)
    check_agreement_weights(model)
    return frequencies.with_frequencies(model, names)


AGREEMENT_COMPARISONS = {
    "first_name": "first name",
    "surname": "surname",
    "birth_date": "birth date",
}
"""Comparisons whose exact agreement must count for one child, by output column."""


def check_agreement_weights(model: dict[str, Any]) -> None:
    """Raise TrainingError if the same name or birth date counts against a match.

    Expectation maximisation finds the pairs of one child among pairs with
    the same birth date or names. In records where few children appear
    twice, such as a district roster alone, it can settle on other pairs
    instead. On the demo's district roster of ``generate_world(3000, 3, 1)``,
    the same surname came out at -4.3 bits and the same birth date at +1.3.
    A model trained on that roster as ``sislink demo`` submits it made seven
    charter records of district students, which differed from them only in
    the postal code, all new persons.

    Raises:
        TrainingError: the first non-null level of one of
            ``AGREEMENT_COMPARISONS`` has an m probability no higher than its u.
    """
    wrong = []
    for comparison in model["comparisons"]:
        name = AGREEMENT_COMPARISONS.get(comparison["output_column_name"])
        if name is None:
            continue
        levels = comparison["comparison_levels"]
        same = next(level for level in levels if not level.get("is_null_level"))
        if float(same["m_probability"]) <= float(same["u_probability"]):
            wrong.append(name)
    if wrong:
        raise TrainingError(
            f"the estimated weights count the same {' and the same '.join(wrong)} "
            "as evidence of two different children, as happens when few "
            "children have records from two sources; train on more records or "
            "from more organizations"
        )


def _estimate_u(linker: Linker, seed: int) -> None:
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "birth_date")], recall=0.7
    )
    training.estimate_u_using_random_sampling(max_pairs=TRAINING_U_PAIRS, seed=seed)


def guardian_u(
    connection: duckdb.DuckDBPyConnection, table: str, *, minimum_pairs: int = 1
) -> dict[str, float]:
    """Return the u probability of each guardian level among records of one surname.

    A guardian usually carries the child's surname, so two children with
    one surname share a guardian's name far more often than two random
    children do, and the pairs the model scores nearly all share a surname.
    Random pairs would make a guardian in common count the surname twice.
    Each record with guardians is paired with the next one of the same
    surname in an order fixed by a hash of its id. A pair with the same
    first-name group and birth date is left out: it is nearly always two
    records of one child, whose guardians agree. Returns the levels'
    labels with their shares; empty, with a warning logged, when there are
    fewer than ``minimum_pairs`` such pairs.
    """
    found = connection.execute(
        f"""
        WITH ordered AS (
            SELECT surname, first_name_group, birth_date,
                   guardian_names, guardian_first_names,
                   row_number() OVER (PARTITION BY surname ORDER BY hash(unique_id))
                       AS position
            FROM "{table}"
            WHERE surname IS NOT NULL AND guardian_first_names IS NOT NULL
        ),
        pairs AS (
            SELECT coalesce(list_has_any(l.guardian_names, r.guardian_names), false)
                       AS same_name,
                   list_has_any(l.guardian_first_names, r.guardian_first_names)
                       AS same_first
            FROM ordered l
            JOIN ordered r ON r.surname = l.surname AND r.position = l.position + 1
            WHERE l.first_name_group IS DISTINCT FROM r.first_name_group
               OR l.birth_date IS DISTINCT FROM r.birth_date
        )
        SELECT count(*) FILTER (WHERE same_name),
               count(*) FILTER (WHERE same_first AND NOT same_name),
               count(*)
        FROM pairs
        """
    ).fetchall()
    same_name, same_first, total = found[0]
    if total < minimum_pairs:
        log.warning(
            "guardian levels keep their default u probabilities: %d pairs of "
            "records with one surname both name guardians, fewer than the %d "
            "needed to estimate them; train again once more records name guardians",
            total,
            minimum_pairs,
        )
        return {}
    shares = {
        GUARDIAN_IN_COMMON: same_name / total,
        GUARDIAN_FIRST_NAME_IN_COMMON: same_first / total,
        NO_GUARDIAN_IN_COMMON: (total - same_name - same_first) / total,
    }
    return {label: max(share, MINIMUM_U) for label, share in shares.items()}


def with_guardian_u(model: dict[str, Any], shares: dict[str, float]) -> dict[str, Any]:
    """Return a copy of ``model`` with the guardian levels' u set to ``shares``."""
    model = copy.deepcopy(model)
    for comparison in model["comparisons"]:
        if comparison["output_column_name"] != "guardians":
            continue
        for level in comparison["comparison_levels"]:
            share = shares.get(level.get("label_for_charts", ""))
            if share is not None:
                level["u_probability"] = share
    return model


def _estimate_m(linker: Linker) -> None:
    training = linker.training
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
    # Generated names do not show how common a name is in a district's
    # index, so the packaged model carries no name frequencies.
    del model[frequencies.FREQUENCIES_KEY]
    path.write_text(
        json.dumps(model, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    write_default_model(Path(__file__).parent / "data" / DEFAULT_MODEL_FILE)
