"""The two guardian slots of a student record, shared by readers and writers.

Formats that keep parents and guardians as people of their own (OneRoster
agents, Ed-Fi contacts) list any number of them per student. The canonical
student record keeps the names of the first two, in the order each reader
decides. Writers of those formats give each guardian an id (``guardian_id``)
and write a guardian that several students name once (``shared_key``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from sislink.model import Finding, Provenance, RecordKind
from sislink.model.records import JsonValue
from sislink.validate import rules

SLOTS = (1, 2)
"""The guardian numbers the student record has fields for."""

SHOWN_PLACES = 5
"""How many student records an unresolved-guardian finding names by position."""


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


@dataclass
class UnresolvedGuardians:
    """The student records of one file that name guardians the submission lacks.

    They make one finding for the whole file, not one per student, because
    some sources link every student to guardians they never export. The
    finding names the records by line or element position only, so that no
    student's name or identifier reaches the report.
    """

    links: str
    """The field or elements naming a student's guardians, such as agentSourcedIds."""
    guardians: str
    """The rows or elements the source should send so that the links resolve."""
    count: int = 0
    places: list[Provenance] = field(default_factory=list)
    """The first ``SHOWN_PLACES`` student records counted."""

    def add(self, student: Provenance) -> None:
        """Count a student record that names at least one guardian not found."""
        self.count += 1
        if len(self.places) < SHOWN_PLACES:
            self.places.append(student)

    def summary(self) -> Iterator[Finding]:
        """Yield the file's one warning, or nothing when every guardian was found."""
        if not self.places:
            return
        yield rules.GUARDIAN_REFERENCE_UNRESOLVED.finding(
            kind=RecordKind.STUDENT,
            provenance=self.places[0],
            count=self.count,
            links=self.links,
            places=_positions(self.places, self.count),
            guardians=self.guardians,
        )


def _positions(places: list[Provenance], count: int) -> str:
    """Return ``at lines 4 and 9, and in 3 more records``, or element positions.

    Lines are named when every place has one, as in CSV and XML files, and
    element positions otherwise, as in JSON files.
    """
    lines = [place.line for place in places]
    if all(line is not None for line in lines):
        noun, positions = "line", [str(line) for line in lines]
    else:
        noun, positions = "element", [place.element or "?" for place in places]
    if len(positions) == 1:
        text = f"at {noun} {positions[0]}"
    else:
        text = f"at {noun}s {', '.join(positions[:-1])} and {positions[-1]}"
    hidden = count - len(positions)
    if hidden:
        text += f", and in {hidden} more record{'s' if hidden > 1 else ''}"
    return text


def _text(value: JsonValue) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    return str(value).strip() or None


def guardian_id(student_id: str | None, number: int) -> str:
    """Return the id a writer gives guardian ``number`` of a student."""
    return f"{student_id}-guardian-{number}"


def shared_key(record: Mapping[str, JsonValue], guardian: GuardianName) -> bytes | None:
    """Return the key under which students of one export share ``guardian``.

    Students share a guardian when each names it with the same first name
    and surname, names the same guardians in all (in either slot), and has
    the same postal code. As far as their records show, they are children of
    one household. Names alone would join different families, because
    many parents in a district share a common name, and a system that reads
    the export would then link one parent to another family's children.

    A guardian missing either name is not shared, so two students whose
    guardian is only "Mother" keep a guardian each, and a student without a
    postal code shares none of its guardians. Half-siblings who name
    different second guardians keep a copy each of the parent they share.
    The key is a 16-byte BLAKE2b digest, so a map of keys is small and
    contains no name.
    """
    postal_code = _text(record.get("postal_code"))
    if guardian.first_name is None or guardian.last_surname is None:
        return None
    if postal_code is None:
        return None
    household = sorted(
        [named.first_name, named.last_surname]
        for _number, named in record_guardians(record)
        if named.first_name is not None and named.last_surname is not None
    )
    text = json.dumps(
        [guardian.first_name, guardian.last_surname, postal_code, household]
    )
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


class GuardianIds:
    """The id of each guardian in one organization's export, one per shared key.

    A shared guardian's id is ``guardian_id`` of the first student that names
    it, in the order the records come, with that student's guardian number.
    Two different people that ``shared_key`` cannot tell apart become one
    guardian, and each student still reads back the same names.
    """

    def __init__(self) -> None:
        # NOTE: the map stays in memory, one digest and id per shared guardian.
        self._ids: dict[bytes, str] = {}

    def assign(
        self, student_id: str | None, number: int, key: bytes | None
    ) -> tuple[str, bool]:
        """Return the guardian's id and whether this student is the first to name it.

        ``key`` is the guardian's ``shared_key``; None gives the student its
        own guardian.
        """
        own_id = guardian_id(student_id, number)
        if key is None:
            return own_id, True
        if key in self._ids:
            return self._ids[key], False
        self._ids[key] = own_id
        return own_id, True
