"""Corrections of the person index: resolve reviews, split and merge persons.

Each correction moves records between persons through the versioned store:
the current version of each moved record is closed and a copy with the new
person is inserted, both under a correction submission of the record's
organization, so history is never overwritten and the change feed carries
every move as an update. Every correction is also an audit event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from sislink.errors import InputError, UsageError
from sislink.model import RecordKind
from sislink.store.audit import record_event
from sislink.store.changes import Change, record_changes
from sislink.store.history import (
    close_versions,
    copy_for_person,
    insert_versions,
)
from sislink.store.identity import (
    ACCEPTED,
    PENDING,
    REJECTED,
    SUPERSEDED,
    WITHDRAWN,
    get_decision,
    later_decision,
    match_decisions,
    resolve_decision,
)
from sislink.store.persons import (
    GLOBAL_SCOPE,
    IdentifierType,
    NewIdentifier,
    add_identifiers,
    create_persons,
    person_exists,
)
from sislink.store.schema import (
    audit_events,
    organizations,
    person_identifiers,
    persons,
    record_versions,
    submissions,
)

SPLIT = "split"
"""Status of a decision whose link a person split undid."""


@dataclass(slots=True)
class CorrectionResult:
    """The outcome of one correction: the persons involved and the records moved."""

    action: str
    person_id: int
    other_person_id: int | None = None
    records_moved: int = 0
    submissions: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Changes since a review's decision, such as a merge of its candidate."""

    def to_json(self) -> dict[str, Any]:
        """Return the result as the ``--json`` output of the command."""
        return {
            "action": self.action,
            "person_id": self.person_id,
            "other_person_id": self.other_person_id,
            "records_moved": self.records_moved,
            "submissions": self.submissions,
            "notes": self.notes,
        }


@dataclass(frozen=True, slots=True)
class CandidateChange:
    """A split or merge of a review's candidate person after the decision."""

    change: str
    """``merged`` or ``split``."""
    person_id: int
    other_person_id: int
    """The person it was merged into, or the new person a split made."""
    organization_code: str | None = None
    local_id: str | None = None
    """The student a split moved, when the split's audit event names it."""
    submission_id: int | None = None

    def sentence(self) -> str:
        """Return the change as a sentence for the review commands."""
        if self.change == MERGED:
            return (
                f"candidate person {self.person_id} was merged into person "
                f"{self.other_person_id} after the decision"
            )
        moved = "a student"
        if self.local_id is not None:
            moved = f"local id {self.local_id} of {self.organization_code}"
        return (
            f"person {self.person_id} was split after the decision: {moved} moved "
            f"to person {self.other_person_id}, and the match probability was "
            "computed before"
        )

    def to_json(self) -> dict[str, Any]:
        """Return the change as an item of ``candidate_changes`` in ``--json``."""
        return {
            "change": self.change,
            "person_id": self.person_id,
            "other_person_id": self.other_person_id,
            "organization_code": self.organization_code,
            "local_id": self.local_id,
            "submission_id": self.submission_id,
        }


MERGED = "merged"


def candidate_changes(
    connection: Connection, decision: Row[Any]
) -> tuple[int | None, list[CandidateChange]]:
    """Return the person accepting links to, and how the candidate changed.

    That person is the candidate, or the person it was merged into,
    following every merge. The changes list each merge on the way, then
    each split of those persons by a ``person split`` after the decision.
    """
    if decision.candidate_person_id is None:
        return None, []
    chain = _merge_chain(connection, decision.candidate_person_id)
    changes = [
        CandidateChange(MERGED, person_id, target)
        for person_id, target in pairwise(chain)
    ]
    events, names = audit_events.c, organizations.c
    query = (
        select(
            events.person_id,
            events.submission_id,
            events.detail,
            names.code,
        )
        .outerjoin(organizations, names.id == events.organization_id)
        .where(
            events.action == "person-split",
            events.person_id.in_(chain),
            events.submission_id > decision.submission_id,
        )
        .order_by(events.id)
    )
    for row in connection.execute(query):
        changes.append(
            CandidateChange(
                SPLIT,
                row.person_id,
                int(row.detail["new_person_id"]),
                row.code,
                row.detail.get("local_id"),
                row.submission_id,
            )
        )
    return chain[-1], changes


def surviving_person(connection: Connection, person_id: int) -> int:
    """Return the person ``person_id`` was merged into, following every merge."""
    return _merge_chain(connection, person_id)[-1]


def _merge_chain(connection: Connection, person_id: int) -> list[int]:
    """Return ``person_id`` and each person it was merged into, in order."""
    chain = [person_id]
    while (target := _merged_into(connection, chain[-1])) is not None:
        if target in chain:
            break
        chain.append(target)
    return chain


def accept_review(
    connection: Connection, decision_id: int, actor: str
) -> CorrectionResult:
    """Link a held student to the review's candidate and apply its records.

    The candidate is followed through every later merge. Each later merge or
    split of it is named in the result's notes.

    Raises:
        UsageError: no decision has that id, it is not waiting for review,
            its student has no current record without a person, or a split
            after the decision left its candidate without a current student
            record.
    """
    decision = _pending(connection, decision_id)
    person_id, changes = candidate_changes(connection, decision)
    if person_id is None:
        raise InputError("the review has no candidate person: reject it instead")
    _check_candidate_kept(connection, decision, person_id, changes)
    result = _apply_held(connection, decision, person_id, actor, "review-accepted")
    result.notes = [change.sentence() for change in changes]
    resolve_decision(connection, decision_id, ACCEPTED, person_id, actor)
    return result


def reject_review(
    connection: Connection, decision_id: int, actor: str
) -> CorrectionResult:
    """Make a held student a new person and apply its records.

    Raises:
        UsageError: no decision has that id, it is not waiting for review, or
            its student has no current record without a person.
    """
    decision = _pending(connection, decision_id)
    submission_id = _open(connection, decision.organization_id, "review")
    person_id = create_persons(connection, 1, submission_id)[0]
    result = _apply_held(
        connection, decision, person_id, actor, "review-rejected", submission_id
    )
    resolve_decision(connection, decision_id, REJECTED, person_id, actor)
    return result


def _pending(connection: Connection, decision_id: int) -> Row[Any]:
    """Return a decision that waits for review and whose student record waits too."""
    decision = get_decision(connection, decision_id)
    if decision is None:
        raise UsageError(
            f"no match decision {decision_id}: `sislink review list` shows the queue"
        )
    student = (
        f"local id {decision.record_key} of "
        f"{_organization_code(connection, decision.organization_id)}"
    )
    if decision.status in (WITHDRAWN, SUPERSEDED):
        raise UsageError(_closed_message(connection, decision, student))
    if decision.status != PENDING:
        raise UsageError(
            f"match decision {decision_id} is {decision.status}, not waiting for "
            "review: only pending decisions can be accepted or rejected"
        )
    held = _student_versions(
        connection, decision.organization_id, decision.record_key, None
    )
    if not any(v.kind == RecordKind.STUDENT.value for v in held):
        # NOTE: a submission that ends the held record withdraws the review,
        # and migration 0007 withdrew the older ones, so no known path leads
        # here. The check keeps an accept from moving nothing in silence.
        ended_by = _ended_by(connection, decision)
        ended = f" (submission {ended_by} ended it)" if ended_by is not None else ""
        raise UsageError(
            f"match decision {decision_id} ({student}) waits for review, but the "
            f"student has no current record without a person{ended}, so nothing "
            "was linked or moved"
        )
    return decision


def _closed_message(connection: Connection, decision: Row[Any], student: str) -> str:
    """Return why a withdrawn or superseded review cannot be accepted or rejected."""
    text = (
        f"match decision {decision.id} ({student}) was {decision.status}: "
        f"{decision.reason}. Nothing was linked or moved."
    )
    later = later_decision(connection, decision)
    if later is not None and later.status == PENDING:
        return f"{text} Review match decision {later.id} instead"
    code = _organization_code(connection, decision.organization_id)
    person_id = _local_owner(connection, code, decision.record_key)
    if person_id is not None:
        return (
            f"{text} The student now belongs to person {person_id} "
            f"(`sislink person show {person_id}`)"
        )
    if decision.status == WITHDRAWN:
        return f"{text} If the student is sent again, it is linked like a new student"
    return f"{text} `sislink review list --status all` lists the later decisions"


def _local_owner(connection: Connection, code: str, local_id: str) -> int | None:
    """Return the person an organization's local student id belongs to, or None."""
    columns = person_identifiers.c
    owner: int | None = connection.execute(
        select(columns.person_id).where(
            columns.identifier_type == IdentifierType.LOCAL,
            columns.scope == code,
            columns.value == local_id,
        )
    ).scalar_one_or_none()
    return owner


def _ended_by(connection: Connection, decision: Row[Any]) -> int | None:
    """Return the submission that ended the newest held version of the student."""
    columns = record_versions.c
    ended: int | None = connection.execute(
        select(func.max(columns.valid_to_submission_id)).where(
            columns.organization_id == decision.organization_id,
            columns.kind == RecordKind.STUDENT.value,
            columns.record_key == decision.record_key,
            columns.person_id.is_(None),
        )
    ).scalar_one()
    return ended


def _check_candidate_kept(
    connection: Connection,
    decision: Row[Any],
    person_id: int,
    changes: Sequence[CandidateChange],
) -> None:
    """Raise ``UsageError`` when splits after the decision left ``person_id``
    without a current student record, because the decision compared records
    that person no longer has.
    """
    splits = [change for change in changes if change.change == SPLIT]
    if not splits:
        return
    columns = record_versions.c
    kept = connection.execute(
        select(columns.id)
        .where(
            columns.person_id == person_id,
            columns.kind == RecordKind.STUDENT.value,
            columns.valid_to_submission_id.is_(None),
        )
        .limit(1)
    ).first()
    if kept is not None:
        return
    moved_to = ", ".join(str(change.other_person_id) for change in splits)
    raise UsageError(
        f"match decision {decision.id} cannot be accepted: its candidate person "
        f"{person_id} has no current student record since `sislink person split` "
        f"moved its records to person {moved_to}. Reject it to make a new person, "
        "then `sislink person merge` that person with the right one if they are "
        "one child"
    )


def _apply_held(
    connection: Connection,
    decision: Row[Any],
    person_id: int,
    actor: str,
    action: str,
    submission_id: int | None = None,
) -> CorrectionResult:
    organization_id = decision.organization_id
    local_id = decision.record_key
    if submission_id is None:
        submission_id = _open(connection, organization_id, "review")
    versions = _student_versions(connection, organization_id, local_id, None)
    code = _organization_code(connection, organization_id)
    identifiers = [NewIdentifier(person_id, IdentifierType.LOCAL, code, local_id)]
    identifiers += _global_identifiers(connection, versions, person_id)
    add_identifiers(connection, identifiers, submission_id)
    moved = _move(connection, organization_id, submission_id, versions, person_id)
    record_event(
        connection,
        action,
        actor=actor,
        organization_id=organization_id,
        person_id=person_id,
        submission_id=submission_id,
        decision_id=decision.id,
        records=moved,
    )
    return CorrectionResult(action, person_id, None, moved, [submission_id])


def split_person(
    connection: Connection,
    person_id: int,
    organization_code: str,
    local_id: str,
    actor: str,
) -> CorrectionResult:
    """Move one organization's student off a person onto a new person.

    The student's local id, its records and the SSID or district id that only
    its records carry move with it; the person keeps everything else.

    Raises:
        UsageError: the person does not have that organization's local id.
    """
    organization_id = _organization_id(connection, organization_code)
    columns = person_identifiers.c
    owner = connection.execute(
        select(columns.id, columns.person_id).where(
            columns.identifier_type == IdentifierType.LOCAL,
            columns.scope == organization_code,
            columns.value == local_id,
        )
    ).first()
    if owner is None or owner.person_id != person_id:
        raise UsageError(
            f"person {person_id} has no local student id {local_id!r} of "
            f"organization {organization_code}: `sislink person show {person_id}` "
            "lists its identifiers"
        )
    submission_id = _open(connection, organization_id, "person-split")
    new_person = create_persons(connection, 1, submission_id)[0]
    versions = _student_versions(connection, organization_id, local_id, person_id)
    _move_identifier(connection, owner.id, new_person)
    for identifier_id in _identifiers_only_in(connection, person_id, versions):
        _move_identifier(connection, identifier_id, new_person)
    moved = _move(connection, organization_id, submission_id, versions, new_person)
    _mark_split(connection, organization_id, local_id, person_id)
    record_event(
        connection,
        "person-split",
        actor=actor,
        organization_id=organization_id,
        person_id=person_id,
        submission_id=submission_id,
        new_person_id=new_person,
        local_id=local_id,
        records=moved,
    )
    return CorrectionResult(
        "person-split", person_id, new_person, moved, [submission_id]
    )


def merge_persons(
    connection: Connection, keep_id: int, other_id: int, actor: str
) -> CorrectionResult:
    """Join ``other_id`` into ``keep_id``: identifiers and current records move.

    ``other_id`` stays in the index, marked as merged into ``keep_id``.

    Raises:
        UsageError: a person is unknown, already merged, or both are the same.
    """
    if keep_id == other_id:
        raise UsageError("give two different persons to merge")
    for person_id in (keep_id, other_id):
        if not person_exists(connection, person_id):
            raise UsageError(f"no person {person_id} in the index")
        if _merged_into(connection, person_id) is not None:
            raise UsageError(
                f"person {person_id} was already merged into person "
                f"{_merged_into(connection, person_id)}: merge that one instead"
            )
    connection.execute(
        update(person_identifiers)
        .where(person_identifiers.c.person_id == other_id)
        .values(person_id=keep_id)
    )
    by_organization: dict[int, list[Row[Any]]] = defaultdict(list)
    for version in _current_of_person(connection, other_id):
        by_organization[version.organization_id].append(version)
    result = CorrectionResult("person-merge", keep_id, other_id)
    for organization_id, versions in sorted(by_organization.items()):
        submission_id = _open(connection, organization_id, "person-merge")
        result.records_moved += _move(
            connection, organization_id, submission_id, versions, keep_id
        )
        result.submissions.append(submission_id)
    connection.execute(
        update(persons).where(persons.c.id == other_id).values(merged_into_id=keep_id)
    )
    record_event(
        connection,
        "person-merge",
        actor=actor,
        person_id=keep_id,
        merged_person_id=other_id,
        records=result.records_moved,
    )
    return result


def _open(connection: Connection, organization_id: int, kind: str) -> int:
    """Insert a committed correction submission for one organization."""
    now = datetime.now(UTC)
    submission_id: int = connection.execute(
        insert(submissions)
        .values(
            organization_id=organization_id,
            format=kind,
            mode="delta",
            status="committed",
            kinds=[],
            counts={},
            started_at=now,
            finished_at=now,
        )
        .returning(submissions.c.id)
    ).scalar_one()
    return submission_id


def _move(
    connection: Connection,
    organization_id: int,
    submission_id: int,
    versions: Sequence[Row[Any]],
    person_id: int,
) -> int:
    """Close ``versions`` and insert copies that belong to ``person_id``."""
    close_versions(connection, [v.id for v in versions], submission_id)
    insert_versions(
        connection,
        organization_id,
        submission_id,
        [copy_for_person(v, person_id) for v in versions],
    )
    changes = [Change(v.kind, v.record_key, "update", person_id) for v in versions]
    versions_used = record_changes(connection, organization_id, submission_id, changes)
    first, last = versions_used if versions_used else (None, None)
    connection.execute(
        update(submissions)
        .where(submissions.c.id == submission_id)
        .values(
            kinds=sorted({v.kind for v in versions}),
            counts={"moved": len(versions)},
            first_change_version=first,
            last_change_version=last,
        )
    )
    return len(versions)


def _student_versions(
    connection: Connection,
    organization_id: int,
    local_id: str,
    person_id: int | None,
) -> list[Row[Any]]:
    """Return the current versions of one organization's student, of every kind."""
    columns = record_versions.c
    person = (
        columns.person_id.is_(None)
        if person_id is None
        else columns.person_id == person_id
    )
    query = select(record_versions).where(
        columns.organization_id == organization_id,
        columns.valid_to_submission_id.is_(None),
        person,
    )
    return [
        row
        for row in connection.execute(query)
        if str(row.data.get("local_student_id")) == local_id
    ]


def _current_of_person(connection: Connection, person_id: int) -> list[Row[Any]]:
    columns = record_versions.c
    query = select(record_versions).where(
        columns.person_id == person_id, columns.valid_to_submission_id.is_(None)
    )
    return list(connection.execute(query))


_GLOBAL_FIELDS = (
    (IdentifierType.STATE, "state_student_id"),
    (IdentifierType.DISTRICT, "district_student_id"),
)


def _global_identifiers(
    connection: Connection, versions: Sequence[Row[Any]], person_id: int
) -> list[NewIdentifier]:
    """Return the SSID and district id of the student's record that can be added.

    One is added only when no person has it yet and the person has none of
    its type, so a review never gives a person a second (perhaps mistyped) id.
    """
    students = [v for v in versions if v.kind == RecordKind.STUDENT.value]
    if not students:
        return []
    data = students[0].data
    columns = person_identifiers.c
    found = []
    for identifier_type, name in _GLOBAL_FIELDS:
        value = data.get(name)
        if not value:
            continue
        taken = connection.execute(
            select(columns.id).where(
                columns.identifier_type == identifier_type,
                columns.scope == GLOBAL_SCOPE,
                (columns.value == str(value)) | (columns.person_id == person_id),
            )
        ).first()
        if taken is None:
            found.append(
                NewIdentifier(person_id, identifier_type, GLOBAL_SCOPE, str(value))
            )
    return found


def _identifiers_only_in(
    connection: Connection, person_id: int, moved: Sequence[Row[Any]]
) -> list[int]:
    """Return the person's global identifiers that only the moved records carry."""
    moved_ids = {v.id for v in moved}
    kept_values: set[tuple[str, str]] = set()
    moved_values: set[tuple[str, str]] = set()
    for version in _current_of_person(connection, person_id):
        if version.kind != RecordKind.STUDENT.value:
            continue
        target = moved_values if version.id in moved_ids else kept_values
        for identifier_type, name in _GLOBAL_FIELDS:
            if version.data.get(name):
                target.add((identifier_type.value, str(version.data[name])))
    columns = person_identifiers.c
    rows = connection.execute(
        select(columns.id, columns.identifier_type, columns.value).where(
            columns.person_id == person_id, columns.scope == GLOBAL_SCOPE
        )
    )
    return [
        row.id
        for row in rows
        if (row.identifier_type, row.value) in moved_values - kept_values
    ]


def _move_identifier(
    connection: Connection, identifier_id: int, person_id: int
) -> None:
    connection.execute(
        update(person_identifiers)
        .where(person_identifiers.c.id == identifier_id)
        .values(person_id=person_id)
    )


def _mark_split(
    connection: Connection, organization_id: int, local_id: str, person_id: int
) -> None:
    columns = match_decisions.c
    connection.execute(
        update(match_decisions)
        .where(
            columns.organization_id == organization_id,
            columns.record_key == local_id,
            columns.person_id == person_id,
        )
        .values(status=SPLIT)
    )


def _organization_id(connection: Connection, code: str) -> int:
    found = connection.execute(
        select(organizations.c.id).where(organizations.c.code == code)
    ).scalar_one_or_none()
    if found is None:
        raise UsageError(
            f"unknown organization {code!r}: `sislink org list` shows them"
        )
    return int(found)


def _organization_code(connection: Connection, organization_id: int) -> str:
    return str(
        connection.execute(
            select(organizations.c.code).where(organizations.c.id == organization_id)
        ).scalar_one()
    )


def _merged_into(connection: Connection, person_id: int) -> int | None:
    value = connection.execute(
        select(persons.c.merged_into_id).where(persons.c.id == person_id)
    ).scalar_one_or_none()
    return None if value is None else int(value)
