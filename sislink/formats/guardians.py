"""The two guardian slots of a student record, shared by readers and writers.

Formats that keep parents and guardians as people of their own (OneRoster
agents, Ed-Fi contacts) list any number of them per student. The canonical
student record keeps the names of the first two, in the order each reader
decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sislink.model.records import JsonValue

SLOTS = (1, 2)
"""The guardian numbers the student record has fields for."""


@dataclass(frozen=True, slots=True)
class GuardianName:
    """One guardian's names, each None when the source leaves it out."""

    first_name: str | None
    last_surname: str | None


def guardian_fields(guardians: Iterable[GuardianName]) -> dict[str, str]:
    """Return the student fields of the first two guardians, empty names left out."""
    fields: dict[str, str] = {}
    for number, guardian in zip(SLOTS, guardians, strict=False):
        if guardian.first_name:
            fields[f"guardian_{number}_first_name"] = guardian.first_name
        if guardian.last_surname:
            fields[f"guardian_{number}_last_surname"] = guardian.last_surname
    return fields


def record_guardians(record: Mapping[str, JsonValue]) -> list[tuple[int, GuardianName]]:
    """Return each guardian slot of a stored student that has a name, by number."""
    found: list[tuple[int, GuardianName]] = []
    for number in SLOTS:
        first = _text(record.get(f"guardian_{number}_first_name"))
        last = _text(record.get(f"guardian_{number}_last_surname"))
        if first or last:
            found.append((number, GuardianName(first, last)))
    return found


def _text(value: JsonValue) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    return str(value).strip() or None
