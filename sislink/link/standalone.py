"""Standalone matching of two CSV rosters: ``sislink match``.

Both files need a header with ``id, ssid, first_name, middle_name,
last_name, birth_date`` (YYYY-MM-DD) and ``gender``; a ``postal_code``,
``zip`` or ``zip_code`` column and the guardian columns
``guardian_1_first_name, guardian_1_last_name, guardian_2_first_name,
guardian_2_last_name`` are used when present, other columns are ignored,
and an empty value means missing. The output has one row per
incoming record with its best district candidate and the decision.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sislink.errors import InputError
from sislink.link import frequencies
from sislink.link.engine import NEW, Engine, IndexRows, Thresholds
from sislink.link.features import Person

REQUIRED_COLUMNS = (
    "id",
    "ssid",
    "first_name",
    "middle_name",
    "last_name",
    "birth_date",
    "gender",
)
POSTAL_COLUMNS = ("postal_code", "zip", "zip_code", "postcode")
GUARDIAN_COLUMNS = (
    ("guardian_1_first_name", "guardian_1_last_name"),
    ("guardian_2_first_name", "guardian_2_last_name"),
)
OUTPUT_COLUMNS = ("incoming_id", "district_id", "match_probability", "decision")


def read_roster(path: Path) -> list[Person]:
    """Read one roster CSV file.

    Raises:
        InputError: the file cannot be read, lacks a required column, or a
            row has the wrong number of fields, an invalid date or a repeated
            or empty id. The message names the file, line and field, never a value.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return _read_rows(path, csv.reader(handle))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path} is not UTF-8 text (byte {exc.start}): save it as UTF-8"
        ) from exc
    except csv.Error as exc:
        raise InputError(f"{path} is not valid CSV: {exc}") from exc


def _read_rows(path: Path, rows: Any) -> list[Person]:
    header = next(rows, None)
    if header is None:
        raise InputError(f"{path} is empty: it needs a header row")
    names = [name.strip().casefold() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise InputError(
            f"{path}, line 1: missing column {', '.join(missing)}; the header needs "
            f"{', '.join(REQUIRED_COLUMNS)}"
        )
    position = {name: names.index(name) for name in REQUIRED_COLUMNS}
    postal = next((names.index(n) for n in POSTAL_COLUMNS if n in names), None)
    guardian_positions = [
        (names.index(first), names.index(last) if last in names else None)
        for first, last in GUARDIAN_COLUMNS
        if first in names
    ]
    people: list[Person] = []
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            raise InputError(
                f"{path}, line {line}: {len(row)} fields where the header has "
                f"{len(names)}; check the delimiter and quoting"
            )
        value = {name: row[index].strip() for name, index in position.items()}
        _check(path, line, value, seen)
        people.append(
            Person(
                value["id"],
                value["first_name"] or None,
                value["middle_name"] or None,
                value["last_name"] or None,
                value["birth_date"] or None,
                value["gender"] or None,
                row[postal].strip() or None if postal is not None else None,
                value["ssid"] or None,
                _guardians(row, guardian_positions),
            )
        )
    return people


def _guardians(
    row: Sequence[str], positions: Sequence[tuple[int, int | None]]
) -> tuple[tuple[str | None, str | None], ...]:
    """Return the guardians named in ``row``: first names with their surnames."""
    found = []
    for first, last in positions:
        first_name = row[first].strip()
        surname = row[last].strip() if last is not None else ""
        if first_name:
            found.append((first_name, surname or None))
    return tuple(found)


def _check(path: Path, line: int, value: dict[str, str], seen: set[str]) -> None:
    if not value["id"]:
        raise InputError(f"{path}, line {line}, field id: empty; give every row an id")
    if value["id"] in seen:
        raise InputError(
            f"{path}, line {line}, field id: the same id is on an earlier line; "
            "ids must be unique within a file"
        )
    seen.add(value["id"])
    birth = value["birth_date"]
    if birth:
        try:
            valid = len(birth) == 10 and date.fromisoformat(birth) is not None
        except ValueError:
            valid = False
        if not valid:
            raise InputError(
                f"{path}, line {line}, field birth_date: not a real date in "
                "YYYY-MM-DD form; correct it or leave it empty"
            )


def match_rosters(
    district: Sequence[Person],
    incoming: Sequence[Person],
    model: dict[str, Any],
    thresholds: Thresholds,
) -> list[dict[str, str]]:
    """Return one output row per incoming record, in input order.

    Names are weighed by how common they are in ``district``, the index
    here, whatever index the model's own name frequencies were counted on.
    """
    index = IndexRows()
    for person in district:
        index.add(person, person.unique_id)
    model = frequencies.with_frequencies(model, frequencies.of_people(district))
    decisions = Engine(model, thresholds).run(index, incoming)
    rows = []
    for decision in decisions:
        candidate = decision.candidate
        rows.append(
            {
                "incoming_id": decision.incoming_id,
                "district_id": ""
                if candidate is None or decision.decision == NEW
                else candidate.entity,
                "match_probability": ""
                if candidate is None
                else f"{candidate.probability:.6f}",
                "decision": decision.decision,
            }
        )
    return rows


def write_pairs(path: Path, rows: Sequence[dict[str, str]]) -> None:
    """Write the output rows as CSV.

    Raises:
        InputError: the file cannot be written.
    """
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, OUTPUT_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from exc


def decision_counts(rows: Sequence[dict[str, str]]) -> dict[str, int]:
    """Return the number of rows per decision."""
    counts = Counter(row["decision"] for row in rows)
    return {name: counts.get(name, 0) for name in ("link", "review", "new")}
