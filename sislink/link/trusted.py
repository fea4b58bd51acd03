"""Linking students to persons by trusted identifiers.

A student record is linked to a person when one of its identifiers is
already in the person index: the sending organization's own local id, the
state student id (SSID) or the district id. Identifiers that point at two
different persons are a conflict, and the record is rejected rather than
joined on a guess. A state student id the state retired is looked up
by its replacement. A student with no known identifier is offered to the
``Matcher`` (by default the probabilistic ``IndexMatcher``), which links it
to a person, sends it to review, or lets it become a new person. A held
student's records are stored without a person until the review is
resolved. Later submissions keep holding it while the review waits, unless
they send the student record changed: then the review is closed as
superseded and the changed record is linked like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection, select

from sislink.model import Finding, Provenance, Record
from sislink.model.summary import PersonCounts
from sislink.store.history import content_hash
from sislink.store.identity import (
    DECIDED,
    PENDING,
    SUPERSEDED,
    NewDecision,
    insert_decisions,
    pending_decisions,
    pending_reviews,
    replacements_for,
    resolve_decision,
)
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


LINK = "link"
REVIEW = "review"
NEW = "new"


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    """A matcher's decision on one student: link, review or new, and why.

    ``person_id`` is the candidate person (the one linked to, for a link);
    ``contributions`` lists each comparison's level and match weight.
    """

    decision: str
    person_id: int | None = None
    probability: float | None = None
    weight: float | None = None
    contributions: tuple[dict[str, Any], ...] = ()
    runner_up_person_id: int | None = None
    runner_up_probability: float | None = None


NO_MATCH = MatchOutcome(NEW)


@dataclass(frozen=True, slots=True)
class SupersededReview:
    """A review closed because the submission sent its student record changed."""

    decision_id: int
    local_id: str
    provenance: Provenance
    outcome: str
    """Outcome for the changed record, such as ``made new person 12``."""


class Matcher(Protocol):
    """Finds the person of students whose identifiers are all new to the index."""

    @property
    def model_id(self) -> int | None:
        """Return the id of the stored model used, or None for the packaged one."""
        ...

    def match(
        self,
        connection: Connection,
        organization: Organization,
        records: Sequence[Record],
    ) -> list[MatchOutcome]:
        """Return, per record, whether it is a known person, needs review or is new."""
        ...


class NoMatcher:
    """A matcher that never finds anyone: every unknown student is a new person."""

    model_id = None

    def match(
        self,
        connection: Connection,
        organization: Organization,
        records: Sequence[Record],
    ) -> list[MatchOutcome]:
        """Return ``NO_MATCH`` for every record."""
        return [NO_MATCH] * len(records)


@dataclass
class _Batch:
    refs: list[PersonRef | None] = field(default_factory=list)
    findings: list[Finding | None] = field(default_factory=list)
    slot_records: list[Record] = field(default_factory=list)
    identifiers: list[tuple[int, PersonRef, IdentifierType, str, str]] = field(
        default_factory=list
    )
    """Identifiers new to the index: record position, person, type, scope, value."""
    reconsidered: dict[int, int] = field(default_factory=dict)
    """Held records sent changed: record position, decision of their review."""


class TrustedLinker:
    """Links one submission's students to the person index."""

    def __init__(
        self,
        connection: Connection,
        organization: Organization,
        submission_id: int,
        matcher: Matcher | None = None,
        *,
        actor: str,
    ) -> None:
        self.connection = connection
        self.organization = organization
        self.submission_id = submission_id
        self.actor = actor
        """Sender of the submission, recorded on the reviews it supersedes."""
        if matcher is None:
            from sislink.link.matcher import IndexMatcher

            matcher = IndexMatcher()
        self.matcher = matcher
        self.counts = PersonCounts()
        self._is_district = organization.kind == "district"
        self._local = scope_identifiers(
            connection, IdentifierType.LOCAL, organization.code
        )
        self._pending = pending_reviews(connection, organization.id)
        self._held = set(self._pending)
        self.superseded: list[SupersededReview] = []
        """The reviews this submission closed because it changed their record."""
        self.linked_local_ids: dict[str, int] = {}
        """Person of each local student id that got its person in this submission."""
        self._replacements: dict[str, str] = {}
        self._claimed_slots: set[int] = set()
        self._global: dict[IdentifierType, dict[str, PersonRef]] = {
            IdentifierType.STATE: {},
            IdentifierType.DISTRICT: {},
        }

    def person_for_local_id(self, local_id: str) -> int | None:
        """Return the person a local student id of this organization points at."""
        return self._local.get(local_id)

    def count_unchanged(self, local_id: str | None) -> None:
        """Count a student sent again unchanged: linked, or still held."""
        if local_id is not None and local_id in self._held:
            self.counts.review += 1
        else:
            self.counts.linked += 1

    def knows_local_id(self, local_id: str) -> bool:
        """Return whether a local student id is linked or held for review."""
        return local_id in self._local or local_id in self._held

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
        self._close_superseded(records, batch)
        return batch.findings

    def _close_superseded(self, records: Sequence[Record], batch: _Batch) -> None:
        """Close the reviews whose held record this batch sent changed and linked."""
        if not batch.reconsidered:
            return
        local_ids = {
            str(records[position].data.get("local_student_id"))
            for position in batch.reconsidered
        }
        held_again = pending_decisions(self.connection, self.organization.id, local_ids)
        for position, decision_id in sorted(batch.reconsidered.items()):
            record = records[position]
            local_id = str(record.data.get("local_student_id"))
            person = record.person_id
            ref = batch.refs[position]
            if person is None:
                outcome = (
                    f"held for review again as match decision {held_again[local_id]}"
                )
            elif ref is not None and ref > 0:
                outcome = f"linked to person {person} by its identifiers"
            elif ref is not None and -ref - 1 in self._claimed_slots:
                outcome = f"linked to person {person} by the matcher"
            else:
                outcome = f"made new person {person}"
            resolve_decision(
                self.connection,
                decision_id,
                SUPERSEDED,
                person,
                self.actor,
                reason=f"submission {self.submission_id} sent the student record "
                f"changed, and it was {outcome}",
                submission_id=self.submission_id,
            )
            self._pending.pop(local_id, None)
            self.superseded.append(
                SupersededReview(decision_id, local_id, record.provenance, outcome)
            )

    def _prefetch(self, records: Sequence[Record]) -> None:
        ssids = {
            str(r.data["state_student_id"])
            for r in records
            if r.data.get("state_student_id")
        }
        self._replacements.update(replacements_for(self.connection, ssids))
        for identifier_type, name in self._global_fields():
            values = {self._value(r, name) for r in records if r.data.get(name)}
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
            (kind, scope, self._value(record, name))
            for kind, scope, name in found
            if record.data.get(name)
        ]

    def _value(self, record: Record, name: str) -> str:
        """Return an identifier field's value; a retired SSID as its replacement."""
        value = str(record.data[name])
        if name == "state_student_id":
            return self._replacements.get(value, value)
        return value

    def _cache(self, identifier_type: IdentifierType) -> dict[str, PersonRef]:
        if identifier_type is IdentifierType.LOCAL:
            return self._local
        return self._global[identifier_type]

    def _resolve(self, record: Record, batch: _Batch) -> None:
        position = len(batch.refs)
        local_id = str(record.data.get("local_student_id"))
        if local_id in self._held:
            pending = self._pending.get(local_id)
            if pending is None or pending.held_content_hash == content_hash(
                record.data
            ):
                # Its review still waits: keep holding it, without a new decision.
                batch.refs.append(None)
                batch.findings.append(None)
                self.counts.review += 1
                return
            # The review was decided on other values, so the changed record is
            # linked again, and the review is closed once it is linked.
            batch.reconsidered[position] = pending.decision_id
            self._held.discard(local_id)
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
            if batch.reconsidered.pop(position, None) is not None:
                # The record is rejected, so the review keeps the stored one.
                self._held.add(local_id)
            return

        if people:
            ref = people.pop()
            self.counts.linked += 1
        else:
            ref = -(len(batch.slot_records) + 1)
            batch.slot_records.append(record)
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

    def _create_unclaimed(self, batch: _Batch) -> list[int | None]:
        """Insert a person for each new slot the matcher neither links nor holds.

        Returns the person of each slot, None for a slot held for review.
        """
        slots = batch.slot_records
        outcomes = [NO_MATCH] * len(slots)
        if slots:
            outcomes = self.matcher.match(self.connection, self.organization, slots)
        claimed = {
            slot: o.person_id
            for slot, o in enumerate(outcomes)
            if o.decision == LINK and o.person_id is not None
        }
        self._claimed_slots = set(claimed)
        held = {slot for slot, o in enumerate(outcomes) if o.decision == REVIEW}

        unclaimed = len(slots) - len(claimed) - len(held)
        created = iter(create_persons(self.connection, unclaimed, self.submission_id))
        self.counts.linked += len(claimed)
        self.counts.created += unclaimed
        self.counts.review += len(held)
        people: list[int | None] = []
        for slot in range(len(slots)):
            if slot in claimed:
                people.append(claimed[slot])
            elif slot in held:
                people.append(None)
                self._held.add(str(slots[slot].data.get("local_student_id")))
            else:
                people.append(next(created))
        self._store_decisions(slots, outcomes, people)
        return people

    def _store_decisions(
        self,
        slots: Sequence[Record],
        outcomes: Sequence[MatchOutcome],
        people: Sequence[int | None],
    ) -> None:
        """Store the decision on every slot the matcher scored a candidate for."""
        decisions = [
            NewDecision(
                record_key=str(record.data.get("local_student_id")),
                decision=outcome.decision,
                status=PENDING if outcome.decision == REVIEW else DECIDED,
                candidate_person_id=outcome.person_id,
                match_probability=outcome.probability,
                match_weight=outcome.weight,
                contributions=list(outcome.contributions),
                runner_up_person_id=outcome.runner_up_person_id,
                runner_up_probability=outcome.runner_up_probability,
                person_id=person,
            )
            for record, outcome, person in zip(slots, outcomes, people, strict=True)
            if outcome.person_id is not None or outcome.decision != NEW
        ]
        insert_decisions(
            self.connection,
            self.submission_id,
            self.organization.id,
            self.matcher.model_id,
            decisions,
        )

    def _store_identifiers(self, batch: _Batch, new_ids: list[int | None]) -> None:
        matched = {
            person
            for slot, person in enumerate(new_ids)
            if slot in self._claimed_slots and person is not None
        }
        known = self._global_types_of(sorted(matched))
        identifiers = []
        for _position, ref, kind, scope, value in batch.identifiers:
            person = new_ids[-ref - 1] if ref < 0 else ref
            if person is None:
                # Held for review: the identifier waits with the record.
                self._cache(kind).pop(value, None)
                continue
            if (
                ref < 0
                and -ref - 1 in self._claimed_slots
                and kind in known.get(person, set())
            ):
                # A probabilistic link never adds a second SSID or district id:
                # a mistyped one would later link another child by "trust".
                self._cache(kind).pop(value, None)
                continue
            identifiers.append(NewIdentifier(person, kind, scope, value))
        for identifier in identifiers:
            self._cache(identifier.identifier_type)[identifier.value] = (
                identifier.person_id
            )
            if identifier.identifier_type is IdentifierType.LOCAL:
                self.linked_local_ids[identifier.value] = identifier.person_id
        add_identifiers(self.connection, identifiers, self.submission_id)

    def _global_types_of(
        self, person_ids: Sequence[int]
    ) -> dict[int, set[IdentifierType]]:
        """Return the global identifier types each of ``person_ids`` has."""
        columns = person_identifiers.c
        found: dict[int, set[IdentifierType]] = {}
        for start in range(0, len(person_ids), 900):
            query = select(columns.person_id, columns.identifier_type).where(
                columns.scope == GLOBAL_SCOPE,
                columns.person_id.in_(person_ids[start : start + 900]),
            )
            for person_id, identifier_type in self.connection.execute(query):
                found.setdefault(person_id, set()).add(IdentifierType(identifier_type))
        return found

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


def _final(ref: PersonRef | None, new_ids: list[int | None]) -> int | None:
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
