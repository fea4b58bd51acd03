"""Score incoming students against an index with Splink on DuckDB, and decide.

The index contains feature rows, each belonging to an entity: a person of the
person index, or a district record in standalone matching. Splink scores
the blocked pairs; the best pair per entity stands for that entity, and
the best entity is the candidate. A candidate is linked when its
probability reaches the link threshold and no other entity reaches the
review threshold, sent to review when it reaches the review threshold, and
otherwise the student is a new person.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker

from sislink.link import frequencies
from sislink.link.features import (
    FEATURE_COLUMNS,
    LIST_COLUMNS,
    Person,
    feature_columns,
)
from sislink.link.model import BLOCKING_KEYS, with_link_type

log = logging.getLogger(__name__)

KEPT_PROBABILITY = 0.001
"""Pairs scoring below this probability are dropped before the best is chosen."""

FREQUENCY_SHOWN = 0.05
"""Smallest name-frequency adjustment, in bits, that a contribution's label names."""

LINK = "link"
REVIEW = "review"
NEW = "new"


FREQUENCY_LABEL = "for how common the name is"
"""Ends the label of a level whose weight the name's frequency adjusted."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Decision thresholds on Splink's match probability, and the prior.

    ``expected_match_share`` is the share of incoming students expected to
    be in the index already; the prior probability that an incoming student
    and one index row are the same child is that share over the index size.
    """

    link: float = 0.999
    review: float = 0.7
    expected_match_share: float = 0.5
    ambiguity_bits: float = 10.0
    """A runner-up within this many bits of match weight of the best
    candidate, and above the review threshold, sends the student to review."""

    def __post_init__(self) -> None:
        if not 0.0 < self.review <= self.link < 1.0:
            raise ValueError(
                f"thresholds must satisfy 0 < review ({self.review}) <= link "
                f"({self.link}) < 1"
            )
        if not 0.0 < self.expected_match_share < 1.0:
            raise ValueError(
                "expected_match_share must be between 0 and 1, got "
                f"{self.expected_match_share}"
            )


@dataclass(frozen=True, slots=True)
class Contribution:
    """One comparison's part in a match weight: its level and weight in bits."""

    comparison: str
    level: str
    weight: float


@dataclass(frozen=True, slots=True)
class Candidate:
    """The best-scoring pair of one incoming student and one entity."""

    entity: str
    probability: float
    weight: float
    contributions: tuple[Contribution, ...]

    def contributions_json(self) -> list[dict[str, Any]]:
        """Return the contributions as JSON-ready rows."""
        return [
            {"comparison": c.comparison, "level": c.level, "weight": round(c.weight, 4)}
            for c in self.contributions
        ]


@dataclass(frozen=True, slots=True)
class Decision:
    """The decision on one incoming student, with its evidence."""

    incoming_id: str
    decision: str
    candidate: Candidate | None
    runner_up: Candidate | None = None


@dataclass
class IndexRows:
    """Feature rows of the index with the entity each row belongs to."""

    people: list[Person] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)

    def add(self, person: Person, entity: str) -> None:
        """Add one row that belongs to ``entity``."""
        self.people.append(person)
        self.entities.append(entity)


def decide(candidates: Sequence[Candidate], thresholds: Thresholds) -> str:
    """Return link, review or new for candidates sorted best first."""
    if not candidates or candidates[0].probability < thresholds.review:
        return NEW
    ambiguous = (
        len(candidates) > 1
        and candidates[1].probability >= thresholds.review
        and candidates[0].weight - candidates[1].weight < thresholds.ambiguity_bits
    )
    if candidates[0].probability >= thresholds.link and not ambiguous:
        return LINK
    return REVIEW


class Engine:
    """Scores incoming students against an index with a Splink model."""

    def __init__(self, model: dict[str, Any], thresholds: Thresholds) -> None:
        self.model = with_link_type(model, "link_only")
        # The rules always come from BLOCKING_KEYS, whatever a stored model
        # carries, because the matcher reads its candidates by those keys.
        self.model["blocking_rules_to_generate_predictions"] = [
            key.rule().create_blocking_rule_dict("duckdb") for key in BLOCKING_KEYS
        ]
        self.thresholds = thresholds
        self._labels = _labels_by_weight(self.model)
        self._comparisons = [c["output_column_name"] for c in self.model["comparisons"]]

    def run(
        self,
        index: IndexRows,
        incoming: Sequence[Person],
        index_size: int | None = None,
    ) -> list[Decision]:
        """Return a decision for each incoming student, in their order.

        ``index`` may be only the rows that share a blocking key with some
        incoming student, because no other row is ever compared. Then
        ``index_size`` must be the size of the whole index, which sets the
        prior probability of a match; it defaults to the rows given.
        """
        if not incoming:
            return []
        size = len(index.people) if index_size is None else index_size
        if size < len(index.people):
            raise ValueError(
                f"index_size {size} is smaller than the {len(index.people)} "
                "index rows given"
            )
        ranked: dict[str, list[Candidate]] = {}
        if index.people:
            ranked = self._rank(index, incoming, size)
        decisions = []
        for person in incoming:
            candidates = ranked.get(person.unique_id, [])
            decisions.append(
                Decision(
                    person.unique_id,
                    decide(candidates, self.thresholds),
                    candidates[0] if candidates else None,
                    candidates[1] if len(candidates) > 1 else None,
                )
            )
        return decisions

    def _rank(
        self, index: IndexRows, incoming: Sequence[Person], index_size: int
    ) -> dict[str, list[Candidate]]:
        connection = duckdb.connect()
        try:
            return self._rank_on(connection, index, incoming, index_size)
        finally:
            connection.close()

    def _rank_on(
        self,
        connection: duckdb.DuckDBPyConnection,
        index: IndexRows,
        incoming: Sequence[Person],
        index_size: int,
    ) -> dict[str, list[Candidate]]:
        database = DuckDBAPI(connection)
        left = database.register(_table(index.people, "i"), table_name="a_index")
        right = database.register(_table(incoming, "n"), table_name="b_incoming")
        names = frequencies.stored(self.model)
        model = frequencies.splink_settings(self.model, adjusted=names is not None)
        adjusted = frequencies.adjusted_comparisons(model)
        share = self.thresholds.expected_match_share
        model["probability_two_random_records_match"] = min(0.5, share / index_size)
        linker = Linker([left, right], model, log_level=logging.WARNING)
        if names is not None:
            frequencies.attach(linker, frequencies.lookup_tables(database, names))
        predictions = linker.inference.predict(
            threshold_match_probability=KEPT_PROBABILITY, warning_mode="never"
        )

        entities = pa.table(
            {
                "unique_id": [f"i{n}" for n in range(len(index.entities))],
                "entity": index.entities,
            }
        )
        connection.register("sislink_entities", entities)
        rows = connection.execute(
            _best_sql(predictions.physical_name, self._comparisons, adjusted)
        )
        ranked: dict[str, list[Candidate]] = {}
        for row in rows.fetchall():
            incoming_id, entity, weight, probability, *parts = row
            ranked.setdefault(incoming_id[1:], []).append(
                Candidate(
                    entity,
                    float(probability),
                    float(weight),
                    self._contributions(parts, adjusted),
                )
            )
        return ranked

    def _contributions(
        self, weights: Sequence[Any], adjusted: Sequence[str]
    ) -> tuple[Contribution, ...]:
        """Return each comparison's level and weight, its name frequency included."""
        found = []
        level_weights = weights[: len(self._comparisons)]
        adjustments = dict(
            zip(adjusted, weights[len(self._comparisons) :], strict=True)
        )
        for name, weight in zip(self._comparisons, level_weights, strict=True):
            value = float(weight)
            label = _label(self._labels[name], value)
            adjustment = float(adjustments.get(name) or 0.0)
            if abs(adjustment) >= FREQUENCY_SHOWN:
                label += f" ({adjustment:+.1f} {FREQUENCY_LABEL})"
            found.append(Contribution(name, label, value + adjustment))
        return tuple(found)


def _table(people: Sequence[Person], prefix: str) -> pa.Table:
    """Return the feature table with ids made unique across both sides."""
    renamed = [
        replace(
            p, unique_id=f"{prefix}{n}" if prefix == "i" else f"{prefix}{p.unique_id}"
        )
        for n, p in enumerate(people)
    ]
    columns = feature_columns(renamed)
    schema = pa.schema(
        [
            pa.field(
                name, pa.list_(pa.string()) if name in LIST_COLUMNS else pa.string()
            )
            for name in FEATURE_COLUMNS
        ]
    )
    return pa.table(columns, schema=schema)


def _best_sql(
    predictions: str, comparisons: Sequence[str], adjusted: Sequence[str]
) -> str:
    """Return SQL for the two best entities of each incoming student.

    Each row contains the weight of every comparison's level, then the
    name-frequency adjustment of every comparison in ``adjusted``.
    """
    weights = ", ".join(
        [f'"mw_{name}"' for name in comparisons]
        + [f'"mw_tf_adj_{name}"' for name in adjusted]
    )
    return f"""
        WITH scored AS (
            SELECT p.unique_id_r AS incoming, e.entity, p.match_weight,
                   p.match_probability, {weights},
                   row_number() OVER (
                       PARTITION BY p.unique_id_r, e.entity
                       ORDER BY p.match_weight DESC
                   ) AS per_entity
            FROM {predictions} AS p
            JOIN sislink_entities AS e ON e.unique_id = p.unique_id_l
        ), ranked AS (
            SELECT *, row_number() OVER (
                PARTITION BY incoming ORDER BY match_weight DESC, entity
            ) AS position
            FROM scored WHERE per_entity = 1
        )
        SELECT incoming, entity, match_weight, match_probability, {weights}
        FROM ranked WHERE position <= 2
        ORDER BY incoming, position
    """


def _labels_by_weight(model: dict[str, Any]) -> dict[str, list[tuple[float, str]]]:
    """Return, per comparison, the weight of each level with its label."""
    labels: dict[str, list[tuple[float, str]]] = {}
    for comparison in model["comparisons"]:
        levels = []
        for level in comparison["comparison_levels"]:
            label = str(level.get("label_for_charts", ""))
            if level.get("is_null_level"):
                levels.append((0.0, label))
                continue
            m = float(level.get("m_probability") or 0.0)
            u = float(level.get("u_probability") or 0.0)
            if m > 0 and u > 0:
                levels.append((math.log2(m / u), label))
        labels[comparison["output_column_name"]] = levels
    return labels


def _label(levels: list[tuple[float, str]], weight: float) -> str:
    """Return the label of the level whose weight is ``weight``."""
    for level_weight, label in levels:
        if abs(level_weight - weight) < 1e-6:
            return label
    return "unknown level"
