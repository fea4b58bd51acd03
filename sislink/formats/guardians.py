"""The two guardian slots of a student record, shared by readers and writers.

Formats that keep parents and guardians as people of their own (OneRoster
agents, Ed-Fi contacts) list any number of them per student. The canonical
student record keeps the names of the first two, in the order each reader
decides. Writers of those formats give each guardian an id (``guardian_id``)
and write a guardian that several students name once (``shared_key``).
"""

from __future__ import annotations

import hashlib
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


def guardian_id(student_id: str | None, number: int) -> str:
    """Return the id a writer gives guardian ``number`` of a student."""
    return f"{student_id}-guardian-{number}"


def shared_key(guardian: GuardianName) -> bytes | None:
    """Return the key under which students of one export share ``guardian``.

    Students share a guardian whose first name and surname are the same text
    on each of them. A guardian missing either name is not shared, so two
    students whose guardian is only "Mother" keep a guardian each. The key is
    a 16-byte BLAKE2b digest of the names, so a map of keys is small and
    contains no name.
    """
    if guardian.first_name is None or guardian.last_surname is None:
        return None
    names = f"{guardian.first_name}\x1f{guardian.last_surname}"
    return hashlib.blake2b(names.encode(), digest_size=16).digest()


class GuardianIds:
    """The id of each guardian in one organization's export, one per shared key.

    A shared guardian's id is ``guardian_id`` of the first student that names
    it, in the order the records come, with that student's guardian number.
    Two different people of one name in an organization therefore become one
    guardian, and each student still reads back the same names.
    """

    def __init__(self) -> None:
        # NOTE: the map stays in memory, one digest and id per shared guardian.
        self._ids: dict[bytes, str] = {}

    def assign(
        self, student_id: str | None, number: int, guardian: GuardianName
    ) -> tuple[str, bool]:
        """Return the guardian's id and whether this student is the first to name it."""
        own_id = guardian_id(student_id, number)
        key = shared_key(guardian)
        if key is None:
            return own_id, True
        if key in self._ids:
            return self._ids[key], False
        self._ids[key] = own_id
        return own_id, True
