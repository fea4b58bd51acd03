"""How common each first name is in the person index, for its term-frequency weight.

Two records that agree on a common first name (Noah, Sofía) are weaker
evidence of one child than two that agree on a rare one. So the weight of
the exact first-name level is adjusted by the share of index records that
carry the name, a table Splink looks up during each prediction. The shares
are counted on the person index when the model is trained and stored with
it, because the pipeline's matcher reads only the index records that share
a blocking key and could not count them itself. A model without them (the
packaged one, trained on generated names) weighs every name alike.
Standalone matching reads the whole district file, so it counts the names
there (``of_people``).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from sislink.link.features import Person, feature_columns

TERM_FREQUENCY_COLUMNS = ("first_name",)
"""Feature columns whose exact level is weighed by how common the value is.

Not the surname: siblings share it, and the model scores its comparisons
as independent. A rare surname would count again with the birth date and
postal code that twins share, and link them. Twins differ in their first
names, so they never reach the adjusted level.
Adjusting the middle name as well changed no measured figure by more than
0.05 percentage points.
"""

MINIMUM_NAME_FREQUENCY = 0.0001
"""Floor on a name's share of the index in the adjustment.

A name rarer than one record in 10,000 weighs as one that common. So a
name seen once adds at most about 6.9 bits, less than a different birth
date takes away, and one misspelling in the index does not make a name
look rare.
"""

FREQUENCIES_KEY = "sislink_name_frequencies"
"""Key of a stored model whose value is, per column, each value's share of the index."""

Frequencies = dict[str, dict[str, float]]


def count(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str] = TERM_FREQUENCY_COLUMNS,
) -> Frequencies:
    """Return each value's share of the non-missing values, per column of ``table``."""
    found: Frequencies = {}
    for column in columns:
        rows = connection.execute(
            f"""
            SELECT "{column}", count(*) / sum(count(*)) OVER ()
            FROM "{table}" WHERE "{column}" IS NOT NULL
            GROUP BY "{column}"
            """
        ).fetchall()
        found[column] = {str(value): float(share) for value, share in rows}
    return found


def of_people(people: Sequence[Person]) -> Frequencies:
    """Return each name's share among the feature rows of ``people``."""
    columns = feature_columns(people)
    names = pa.table(
        {column: columns[column] for column in TERM_FREQUENCY_COLUMNS},
        schema=pa.schema([(column, pa.string()) for column in TERM_FREQUENCY_COLUMNS]),
    )
    connection = duckdb.connect()
    try:
        connection.register("people", names)
        return count(connection, "people")
    finally:
        connection.close()


def stored(model: dict[str, Any]) -> Frequencies | None:
    """Return the frequencies stored with ``model``, or None."""
    frequencies: Frequencies | None = model.get(FREQUENCIES_KEY)
    return frequencies


def with_frequencies(model: dict[str, Any], frequencies: Frequencies) -> dict[str, Any]:
    """Return a copy of ``model`` that carries ``frequencies``."""
    changed = copy.deepcopy(model)
    changed[FREQUENCIES_KEY] = frequencies
    return changed


def splink_settings(model: dict[str, Any], *, adjusted: bool) -> dict[str, Any]:
    """Return ``model`` as Splink settings, without sislink's own key.

    Without ``adjusted``, the levels lose their term-frequency adjustment,
    because Splink would otherwise count the frequencies on the rows it is
    given, which in the pipeline are only the candidates.
    """
    settings = {key: value for key, value in model.items() if key != FREQUENCIES_KEY}
    if adjusted:
        return settings
    settings["comparisons"] = copy.deepcopy(settings["comparisons"])
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            level.pop("tf_adjustment_column", None)
            level.pop("tf_adjustment_weight", None)
            level.pop("tf_minimum_u_value", None)
    return settings


def adjusted_comparisons(settings: dict[str, Any]) -> list[str]:
    """Return the comparisons of Splink ``settings`` that have an adjusted level."""
    return [
        comparison["output_column_name"]
        for comparison in settings["comparisons"]
        if any(
            "tf_adjustment_column" in level for level in comparison["comparison_levels"]
        )
    ]


def lookup_tables(database: Any, frequencies: Frequencies) -> dict[str, Any]:
    """Register ``frequencies`` in ``database``; return each column's table.

    ``database`` is a Splink database API (DuckDB or Spark). The tables
    serve every linker of that database through ``attach``.
    """
    tables = {}
    for column, shares in frequencies.items():
        frame = pa.table(
            {column: list(shares), f"tf_{column}": list(shares.values())},
            schema=pa.schema([(column, pa.string()), (f"tf_{column}", pa.float64())]),
        )
        tables[column] = database.register(frame, table_name=f"sislink_tf_{column}")
    return tables


def attach(linker: Any, tables: dict[str, Any]) -> None:
    """Make ``linker`` look names up in ``tables`` instead of counting its rows."""
    for column, table in tables.items():
        linker.table_management.register_term_frequency_lookup(table, column)
