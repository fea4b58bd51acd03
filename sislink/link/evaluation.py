"""Evaluate the person index against known truth: ``sislink link evaluate``.

The truth file is CSV with ``organization, local_id, true_id``: which real
child each organization's student is. Pairs of student records are counted:
a pair is predicted when both records belong to one person, and true when
both have one ``true_id``. A false merge is a person whose records belong to
more than one true child. Students held for review count as unlinked.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from sislink.errors import InputError
from sislink.store.persons import IdentifierType
from sislink.store.schema import person_identifiers

if TYPE_CHECKING:
    from sislink.demo.world import World

TRUTH_COLUMNS = ("organization", "local_id", "true_id")


@dataclass
class Evaluation:
    """Pairwise precision, recall and F1, with the false merges."""

    records: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    false_merges: list[dict[str, Any]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return (
            self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0
        )

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def to_json(self) -> dict[str, Any]:
        """Return the evaluation as the ``--json`` output."""
        return {
            "records": self.records,
            "true_pairs": self.true_pairs,
            "predicted_pairs": self.predicted_pairs,
            "correct_pairs": self.correct_pairs,
            "precision": round(self.precision, 6),
            "recall": round(self.recall, 6),
            "f1": round(self.f1, 6),
            "false_merges": self.false_merges,
        }


def read_truth(path: Path) -> list[tuple[str, str, str]]:
    """Read a truth file.

    Raises:
        InputError: the file cannot be read or lacks a column.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in TRUTH_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(
                    f"{path}, line 1: missing column {', '.join(missing)}; the "
                    f"header needs {', '.join(TRUTH_COLUMNS)}"
                )
            return [
                (row["organization"], row["local_id"], row["true_id"])
                for row in reader
                if row["organization"] and row["local_id"] and row["true_id"]
            ]
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc


def evaluate(
    connection: Connection, truth: Iterable[tuple[str, str, str]]
) -> Evaluation:
    """Compare the person index with ``truth``."""
    people = _local_ids(connection)
    by_person: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    by_truth: dict[str, int] = defaultdict(int)
    cells: dict[tuple[int, str], int] = defaultdict(int)
    records = 0
    for organization, local_id, true_id in truth:
        records += 1
        by_truth[true_id] += 1
        person = people.get((organization, local_id))
        if person is None:
            continue
        by_person[person].append((organization, local_id, true_id))
        cells[(person, true_id)] += 1

    result = Evaluation(
        records=records,
        true_pairs=sum(_pairs(n) for n in by_truth.values()),
        predicted_pairs=sum(_pairs(len(rows)) for rows in by_person.values()),
        correct_pairs=sum(_pairs(n) for n in cells.values()),
    )
    for person, rows in sorted(by_person.items()):
        if len({true_id for _o, _l, true_id in rows}) > 1:
            result.false_merges.append(
                {
                    "person_id": person,
                    "records": [
                        {"organization": o, "local_id": lid, "true_id": t}
                        for o, lid, t in rows
                    ],
                }
            )
    return result


def _pairs(count: int) -> int:
    return count * (count - 1) // 2


def _local_ids(connection: Connection) -> dict[tuple[str, str], int]:
    columns = person_identifiers.c
    query = select(columns.scope, columns.value, columns.person_id).where(
        columns.identifier_type == IdentifierType.LOCAL
    )
    return {
        (scope, value): person for scope, value, person in connection.execute(query)
    }


def write_demo_truth(world: World, path: Path) -> int:
    """Write the truth of a generated world: each membership's real child.

    A child's identity is its SSID in the generator, which gives every
    child its own. Returns the number of rows written.
    """
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(TRUTH_COLUMNS)
        for membership in world.memberships():
            writer.writerow(
                (
                    membership.organization_code,
                    membership.local_id,
                    membership.person.ssid,
                )
            )
            rows += 1
    return rows
