"""The lifecycle of a pending review across later submissions of its organization.

A review keeps a student's records without a person, as a submission sent
them. A later submission of the organization changes it as follows:

- it sends the student record unchanged: the review keeps waiting;
- it sends the student record changed: ``TrustedLinker`` closes the review
  as superseded and links the changed record like any other student;
- it ends the student record, by leaving the student out of a full snapshot
  or by removing it: ``withdraw_ended_reviews`` closes the review as
  withdrawn, and nothing of it is linked.

A closed review keeps its row, with the submission that closed it and the
reason. When a student that had records without a person gets one, in the
same submission or after returning, ``release_held_records`` moves those
records to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Row, select, update

from sislink.link.trusted import SupersededReview
from sislink.model import KINDS, Finding, Provenance, RecordKind
from sislink.model.summary import SubmissionResult
from sislink.store.changes import Change
from sislink.store.history import close_versions, copy_for_person, insert_versions
from sislink.store.identity import WITHDRAWN, pending_decisions, resolve_decision
from sislink.store.schema import record_versions
from sislink.validate import rules

REMOVED = "removed the student"
LEFT_OUT = "left the student out of a full snapshot"

_REFERRING_KINDS = sorted(
    kind.value
    for kind, spec in KINDS.items()
    if spec.student_field and kind is not RecordKind.STUDENT
)
"""Kinds whose records belong to a student. A student record itself gets its
person when it is linked, so only these can be left without one."""


def withdraw_ended_reviews(
    connection: Connection,
    organization_id: int,
    submission_id: int,
    changes: Sequence[Change],
    removed: Mapping[str, Provenance],
    actor: str,
) -> list[Finding]:
    """Close the pending reviews whose student record ``changes`` end.

    ``removed`` maps the student keys the source removed to the place it
    removed them. Any other student it ended was left out of a snapshot.
    Returns a ``review-withdrawn`` finding per review closed.
    """
    ended = {
        change.record_key
        for change in changes
        if change.kind == RecordKind.STUDENT
        and change.operation == "end"
        and change.person_id is None
    }
    if not ended:
        return []
    found = []
    for local_id, decision_id in sorted(
        pending_decisions(connection, organization_id, ended).items()
    ):
        how = REMOVED if local_id in removed else LEFT_OUT
        resolve_decision(
            connection,
            decision_id,
            WITHDRAWN,
            None,
            actor,
            reason=f"submission {submission_id} {how}, which ended the held "
            "student record",
            submission_id=submission_id,
        )
        found.append(
            rules.REVIEW_WITHDRAWN.finding(
                kind=RecordKind.STUDENT,
                provenance=removed.get(local_id),
                field="localStudentId",
                value=local_id,
                record_key=local_id,
                decision=decision_id,
                how=how,
            )
        )
    return found


def superseded_findings(superseded: Sequence[SupersededReview]) -> list[Finding]:
    """Return a ``review-superseded`` finding per review a changed record closed."""
    return [
        rules.REVIEW_SUPERSEDED.finding(
            kind=RecordKind.STUDENT,
            provenance=review.provenance,
            field="localStudentId",
            value=review.local_id,
            record_key=review.local_id,
            decision=review.decision_id,
            outcome=review.outcome,
        )
        for review in superseded
    ]


def release_held_records(
    connection: Connection,
    organization_id: int,
    submission_id: int,
    linked: Mapping[str, int],
    changes: list[Change],
    result: SubmissionResult,
) -> int:
    """Move each ``linked`` student's current records without a person to it.

    ``linked`` maps the local student ids that got a person in this
    submission to it. Only their records can be without a person, because a
    student linked earlier gave its person to every record stored since.
    A version an earlier submission brought is closed and copied with the
    person, counted as an update and added to ``changes``. A version this
    submission brought is changed in place, because no other transaction can
    see it yet, and its entry in ``changes`` gets the person. Returns how
    many records moved.
    """
    if not linked:
        return 0
    columns = record_versions.c
    query = select(record_versions).where(
        columns.organization_id == organization_id,
        columns.valid_to_submission_id.is_(None),
        columns.person_id.is_(None),
        columns.kind.in_(_REFERRING_KINDS),
    )
    earlier: list[tuple[Row[Any], int]] = []
    own: dict[tuple[str, str], int] = {}
    for row in connection.execute(query):
        field = KINDS[RecordKind(row.kind)].student_field
        local_id = row.data.get(field) if field else None
        person = linked.get(str(local_id)) if local_id is not None else None
        if person is None:
            continue
        if row.valid_from_submission_id == submission_id:
            own[(row.kind, row.record_key)] = person
            connection.execute(
                update(record_versions)
                .where(columns.id == row.id)
                .values(person_id=person)
            )
        else:
            earlier.append((row, person))
    _move_to_persons(connection, organization_id, submission_id, earlier)
    for row, person in earlier:
        result.kind(RecordKind(row.kind)).updated += 1
        changes.append(Change(row.kind, row.record_key, "update", person))
    for position, change in enumerate(changes):
        person = own.get((str(change.kind), change.record_key))
        if person is not None and change.person_id is None:
            changes[position] = change._replace(person_id=person)
    return len(earlier) + len(own)


def _move_to_persons(
    connection: Connection,
    organization_id: int,
    submission_id: int,
    versions: Sequence[tuple[Row[Any], int]],
) -> None:
    """Close ``versions`` and insert copies that belong to their person."""
    if not versions:
        return
    close_versions(connection, [row.id for row, _person in versions], submission_id)
    copies = [copy_for_person(row, person) for row, person in versions]
    insert_versions(connection, organization_id, submission_id, copies)
