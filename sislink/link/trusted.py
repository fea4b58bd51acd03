"""Linking students to persons by trusted identifiers.

A student record is linked to a person when one of its identifiers is
already in the person index: the sending organization's own local id, the
state student id (SSID) or the district id. Identifiers that point at two
different persons are a conflict, and the record is rejected rather than
joined on a guess. A student with no known identifier is offered to the
``Matcher`` seam, and becomes a new person when no matcher claims it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Connection, select

from sislink.model import Finding, Record
from sislink.model.summary import PersonCounts
from sislink.store.organizations import Organization
from sislink.store.persons import (
    GLOBAL_SCOPE,
    IdentifierType,
    NewIdentifier,
    add_identifiers,
    create_persons,
    lookup_identifiers,
    scope_identifiers,
)
from sislink.store.schema import person_identifiers
from sislink.validate import rules

PersonRef = int
"""A person id, or, before new persons are inserted, ``-(slot + 1)``."""


class Matcher(Protocol):
    """Finds the person of students whose identifiers are all new to the index."""

    def match(
        self, connection: Connection, records: Sequence[Record]
    ) -> list[int | None]:
        """Return, per record, the person it is the same child as, or None."""


@dataclass
class _Batch:
    refs: list[PersonRef | None] = field(default_factory=list)
    findings: list[Finding | None] = field(default_factory=list)
    slot_records: list[Record] = field(default_factory=list)
    identifiers: list[tuple[int, PersonRef, IdentifierType, str, str]] = field(
        default_factory=list
    )
    """Identifiers new to the index: record position, person, type, scope, value."""


class TrustedLinker:
    """Links one submission's students to the person index."""

    def __init__(
        self,
        connection: Connection,
        organization: Organization,
        submission_id: int,
        matcher: Matcher | None = None,
    ) -> None:
        self.connection = connection
        self.organization = organization
        self.submission_id = submission_id
        self.matcher = matcher
        self.counts = PersonCounts()
        self._is_district = organization.kind == "district"
        self._local = scope_identifiers(
            connection, IdentifierType.LOCAL, organization.code
        )
        self._global: dict[IdentifierType, dict[str, PersonRef]] = {
            IdentifierType.STATE: {},
            IdentifierType.DISTRICT: {},
        }

    def person_for_local_id(self, local_id: str) -> int | None:
        """Return the person a local student id of this organization points at."""
        return self._local.get(local_id)

    def link(self, records: Sequence[Record]) -> list[Finding | None]:
        """Set ``person_id`` on each student record; return a finding per record.

        A record with an error finding is left unlinked and must be rejected.
        """
        self._prefetch(records)
        batch = _Batch()
        for record in records:
            self._resolve(record, batch)
        self._warn_state_id_changes(records, batch)

        new_ids = self._create_unclaimed(batch)
        for record, ref in zip(records, batch.refs, strict=True):
            record.person_id = _final(ref, new_ids)
        self._store_identifiers(batch, new_ids)
        return batch.findings

    def _prefetch(self, records: Sequence[Record]) -> None:
        for identifier_type, name in self._global_fields():
            values = {str(r.data[name]) for r in records if r.data.get(name)}
            cache = self._global[identifier_type]
            missing = values - cache.keys()
            cache.update(
                lookup_identifiers(
                    self.connection, identifier_type, GLOBAL_SCOPE, missing
                )
            )

    def _global_fields(self) -> list[tuple[IdentifierType, str]]:
        fields = [
            (IdentifierType.STATE, "state_student_id"),
            (IdentifierType.DISTRICT, "district_student_id"),
        ]
        if self._is_district:
            fields.append((IdentifierType.DISTRICT, "local_student_id"))
        return fields

    def _identifiers(self, record: Record) -> list[tuple[IdentifierType, str, str]]:
        found = [(IdentifierType.LOCAL, self.organization.code, "local_student_id")]
        found += [(kind, GLOBAL_SCOPE, name) for kind, name in self._global_fields()]
        return [
            (kind, scope, str(record.data[name]))
            for kind, scope, name in found
            if record.data.get(name)
        ]

    def _cache(self, identifier_type: IdentifierType) -> dict[str, PersonRef]:
        if identifier_type is IdentifierType.LOCAL:
            return self._local
        return self._global[identifier_type]

    def _resolve(self, record: Record, batch: _Batch) -> None:
        identifiers = self._identifiers(record)
        hits = {
            (kind, value): self._cache(kind)[value]
            for kind, _scope, value in identifiers
            if value in self._cache(kind)
        }
        people = set(hits.values())
        if len(people) > 1:
            batch.refs.append(None)
            batch.findings.append(_conflict(record, hits))
            return

        if people:
            ref = people.pop()
            self.counts.linked += 1
        else:
            ref = -(len(batch.slot_records) + 1)
            batch.slot_records.append(record)
        position = len(batch.refs)
        batch.refs.append(ref)
        batch.findings.append(None)
        for kind, scope, value in identifiers:
            cache = self._cache(kind)
            if value not in cache:
                cache[value] = ref
                batch.identifiers.append((position, ref, kind, scope, value))

    def _warn_state_id_changes(self, records: Sequence[Record], batch: _Batch) -> None:
        """Warn where a known person gets a state id besides the one it has."""
        added = [
            (position, ref)
            for position, ref, kind, _scope, _value in batch.identifiers
            if kind is IdentifierType.STATE and ref > 0
        ]
        if not added:
            return
        existing = self._state_ids_of([ref for _position, ref in added])
        for position, ref in added:
            if existing.get(ref):
                record = records[position]
                batch.findings[position] = rules.STATE_ID_ADDED.finding(
                    kind=record.kind,
                    provenance=record.provenance,
                    field="stateStudentId",
                    value=record.data.get("state_student_id"),
                    record_key=record.key,
                )

    def _create_unclaimed(self, batch: _Batch) -> list[int]:
        """Insert a person for each new slot; a matcher may claim slots first."""
        slots = len(batch.slot_records)
        claimed: dict[int, int] = {}
        if self.matcher is not None and slots:
            matches = self.matcher.match(self.connection, batch.slot_records)
            claimed = {slot: p for slot, p in enumerate(matches) if p is not None}

        unclaimed = slots - len(claimed)
        created = iter(create_persons(self.connection, unclaimed, self.submission_id))
        self.counts.linked += len(claimed)
        self.counts.created += unclaimed
        return [
            claimed[slot] if slot in claimed else next(created) for slot in range(slots)
        ]

    def _store_identifiers(self, batch: _Batch, new_ids: list[int]) -> None:
        identifiers = [
            NewIdentifier(new_ids[-ref - 1] if ref < 0 else ref, kind, scope, value)
            for _position, ref, kind, scope, value in batch.identifiers
        ]
        for identifier in identifiers:
            self._cache(identifier.identifier_type)[identifier.value] = (
                identifier.person_id
            )
        add_identifiers(self.connection, identifiers, self.submission_id)

    def _state_ids_of(self, person_ids: Sequence[int]) -> dict[int, set[str]]:
        """Return the state student ids each of ``person_ids`` has."""
        columns = person_identifiers.c
        query = select(columns.person_id, columns.value).where(
            columns.identifier_type == IdentifierType.STATE,
            columns.person_id.in_(person_ids),
        )
        found: dict[int, set[str]] = {}
        for person_id, value in self.connection.execute(query):
            found.setdefault(person_id, set()).add(value)
        return found


def _final(ref: PersonRef | None, new_ids: list[int]) -> int | None:
    if ref is None or ref > 0:
        return ref
    return new_ids[-ref - 1]


def _conflict(
    record: Record, hits: dict[tuple[IdentifierType, str], PersonRef]
) -> Finding:
    by_person: dict[PersonRef, list[str]] = {}
    for (kind, _value), ref in hits.items():
        by_person.setdefault(ref, []).append(_IDENTIFIER_NAMES[kind])
    groups = [" and ".join(names) for names in by_person.values()]
    detail = "; ".join(f"the {group} match one person" for group in groups)
    return rules.IDENTIFIER_CONFLICT.finding(
        kind=record.kind,
        provenance=record.provenance,
        field="localStudentId",
        value=record.data.get("local_student_id"),
        record_key=record.key,
        detail=detail,
    )


_IDENTIFIER_NAMES = {
    IdentifierType.LOCAL: "local student id",
    IdentifierType.STATE: "state student id",
    IdentifierType.DISTRICT: "district student id",
}
