"""Submissions' findings and quarantined records, and reading them back.

A finding is open until a later applied submission settles it
(``settle_findings``): the submission resolves it when the problem is gone,
and supersedes it when it reports the problem again. A held or rejected
submission applies nothing and settles nothing, so a problem it reports
again has two open findings until the next applied submission closes both.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from sislink.model import Finding, Provenance, RecordKind
from sislink.model.records import JsonValue
from sislink.store.bulk import in_list
from sislink.store.history import CHUNK
from sislink.store.schema import (
    findings,
    organizations,
    record_versions,
    rejected_records,
    submission_files,
    submissions,
)
from sislink.validate.rules import (
    IDENTIFIER_CONFLICT,
    PRIMARY_ENROLLMENT_OVERLAP,
    STATE_ID_ADDED,
    STUDENT_REFERENCE_UNRESOLVED,
)

OPEN, RESOLVED, SUPERSEDED = "open", "resolved", "superseded"
"""The statuses of a finding."""

AFTER_RECORD_CHECKS = frozenset(
    {IDENTIFIER_CONFLICT.code, STATE_ID_ADDED.code, PRIMARY_ENROLLMENT_OVERLAP.code}
)
"""Rules that run only on records the record checks accepted: linking a
student to a person, and comparing an enrollment with other organizations'."""


def store_rejected(
    connection: Connection,
    organization_id: int,
    submission_id: int,
    kind: RecordKind,
    record_key: str | None,
    data: Mapping[str, JsonValue],
    provenance: Provenance | None,
) -> None:
    """Quarantine one rejected record with its values as sent."""
    connection.execute(
        insert(rejected_records).values(
            submission_id=submission_id,
            organization_id=organization_id,
            kind=kind,
            record_key=record_key,
            data=dict(data),
            source_file=provenance.file if provenance else None,
            source_line=provenance.line if provenance else None,
            source_element=provenance.element if provenance else None,
        )
    )


def store_findings(
    connection: Connection,
    organization_id: int,
    submission_id: int,
    found: Sequence[Finding],
) -> None:
    """Insert every finding of a submission."""
    if not found:
        return
    connection.execute(
        insert(findings),
        [
            {
                "submission_id": submission_id,
                "organization_id": organization_id,
                "code": f.code,
                "severity": f.severity.value,
                "kind": f.kind.value if f.kind else None,
                "record_key": f.record_key,
                "source_file": f.provenance.file if f.provenance else None,
                "source_line": f.provenance.line if f.provenance else None,
                "source_element": f.provenance.element if f.provenance else None,
                "field": f.field,
                "value": f.value,
                "message": f.message,
                "fix": f.fix,
            }
            for f in found
        ],
    )


@dataclass(frozen=True, slots=True)
class Carried:
    """The records and kinds an applied submission carried, which decide the
    earlier findings it settles."""

    checked: set[tuple[str, str]]
    """Kind and key of each record that the submission's checks ran on."""
    accepted: set[tuple[str, str]]
    """Records of ``checked`` that the record checks accepted, so that the
    rules of ``AFTER_RECORD_CHECKS`` ran on them too."""
    ended: set[tuple[str, str]]
    """Records the submission ended, or whose removal its source sent."""
    adopted: set[tuple[str, str]]
    """Earlier orphans the submission applied because their student is known now."""
    kinds: frozenset[str]
    """Record kinds the submission's files carry."""

    def evaluated(self, kind: str | None, record_key: str | None, code: str) -> bool:
        """Return whether the rule ``code`` ran on what a finding is about,
        or the submission ended the record it is about.

        A finding about no record is about its kind, or about every kind
        when it has none. An adopted orphan was not checked again, so only
        its unresolved student reference counts as evaluated. A record the
        checks ran on counts for each rule, also for one that skipped a
        value that failed to parse: the finding is then about a value the
        source no longer sends.
        """
        if record_key is None:
            return kind is None or kind in self.kinds
        if kind is None:
            return False
        record = (kind, record_key)
        if record in self.ended:
            return True
        if code in AFTER_RECORD_CHECKS:
            return record in self.accepted
        if record in self.checked:
            return True
        return record in self.adopted and code == STUDENT_REFERENCE_UNRESOLVED.code


@dataclass(frozen=True, slots=True)
class Settled:
    """How many earlier open findings one submission resolved and superseded."""

    resolved: int
    superseded: int


def open_finding_keys(
    connection: Connection, organization_id: int
) -> set[tuple[str, str]]:
    """Return the kind and key of each record with an open finding."""
    columns = findings.c
    rows = connection.execute(
        select(columns.kind, columns.record_key)
        .where(
            columns.organization_id == organization_id,
            columns.status == OPEN,
            columns.kind.is_not(None),
            columns.record_key.is_not(None),
        )
        .distinct()
    )
    return {(kind, key) for kind, key in rows}


def settle_findings(
    connection: Connection,
    organization_id: int,
    submission_id: int,
    raised: Sequence[Finding],
    carried: Carried,
) -> Settled:
    """Close the earlier open findings that an applied submission settles.

    Call it before the submission's own findings, ``raised``, are stored.
    An earlier finding of a fact that ``raised`` reports again is
    superseded, because the submission's own finding is that fact's open
    finding from then on. An earlier finding of another fact is resolved
    when its rule ran on what it is about and did not raise it again, or
    when the submission ended its record (``Carried.evaluated``). Every
    other finding stays open. Returns how many were resolved and superseded.
    """
    columns = findings.c
    rows = connection.execute(
        select(
            columns.id,
            columns.code,
            columns.kind,
            columns.record_key,
            columns.field,
            columns.value,
            columns.source_file,
        ).where(
            columns.organization_id == organization_id,
            columns.status == OPEN,
            columns.submission_id < submission_id,
        )
    )
    raised_facts = {_fact_of_finding(f) for f in raised}
    superseded: list[int] = []
    resolved: list[int] = []
    for row in rows:
        fact = _fact(
            row.code, row.kind, row.record_key, row.field, row.value, row.source_file
        )
        if fact in raised_facts:
            superseded.append(row.id)
        elif carried.evaluated(row.kind, row.record_key, row.code):
            resolved.append(row.id)
    _close(connection, superseded, SUPERSEDED, submission_id)
    _close(connection, resolved, RESOLVED, submission_id)
    return Settled(len(resolved), len(superseded))


Fact = tuple[str | None, ...]
"""The parts of a finding that tell which problem it reports, so that two
findings of the same problem, in one submission or in two, compare equal."""


def _fact_of_finding(finding: Finding) -> Fact:
    """Return the fact ``finding`` reports (see ``_fact``)."""
    provenance = finding.provenance
    return _fact(
        finding.code,
        finding.kind.value if finding.kind else None,
        finding.record_key,
        finding.field,
        finding.value,
        provenance.file if provenance else None,
    )


def _fact(
    code: str,
    kind: str | None,
    record_key: str | None,
    field: str | None,
    value: str | None,
    source_file: str | None,
) -> Fact:
    """Return the fact a finding reports.

    A finding about a record reports a rule's verdict on one field of that
    record, whatever value the field has now and wherever the record is in
    the file. Findings about no record have no key, so their value and
    file tell them apart.
    """
    if record_key is not None:
        return (code, kind, record_key, field)
    return (code, kind, None, field, value, source_file)


def _close(
    connection: Connection, ids: Sequence[int], status: str, submission_id: int
) -> None:
    statement = (
        update(findings)
        .where(in_list(connection, findings.c.id, "ids"))
        .values(status=status, resolved_submission_id=submission_id)
    )
    for start in range(0, len(ids), CHUNK):
        connection.execute(statement, {"ids": list(ids[start : start + CHUNK])})


def submission_findings(connection: Connection, submission_id: int) -> list[Row[Any]]:
    """Return a submission's findings in file and line order."""
    query = (
        select(findings)
        .where(findings.c.submission_id == submission_id)
        .order_by(findings.c.source_file, findings.c.source_line, findings.c.id)
    )
    return list(connection.execute(query))


def list_submissions(
    connection: Connection, organization_id: int | None = None
) -> list[Row[Any]]:
    """Return submissions, newest first, with their organization's code and name."""
    query = (
        select(
            submissions,
            organizations.c.code.label("organization_code"),
            organizations.c.name.label("organization_name"),
        )
        .join(organizations, organizations.c.id == submissions.c.organization_id)
        .order_by(submissions.c.id.desc())
    )
    if organization_id is not None:
        query = query.where(submissions.c.organization_id == organization_id)
    return list(connection.execute(query))


@dataclass(frozen=True, slots=True)
class AppliedSubmission:
    """An organization's newest committed submission: format, options and files."""

    id: int
    format: str
    options: dict[str, Any] | None
    files: set[tuple[str, str]]
    """Name and SHA-256 of each file."""
    errors: int
    """Error findings of that submission: rows it rejected, among others."""


def last_committed(
    connection: Connection, organization_id: int
) -> AppliedSubmission | None:
    """Return the organization's newest committed submission, or None."""
    row = connection.execute(
        select(
            submissions.c.id,
            submissions.c.format,
            submissions.c.options,
            submissions.c.counts,
        )
        .where(
            submissions.c.organization_id == organization_id,
            submissions.c.status == "committed",
        )
        .order_by(submissions.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    files = connection.execute(
        select(submission_files.c.name, submission_files.c.sha256).where(
            submission_files.c.submission_id == row.id
        )
    )
    issues = (row.counts or {}).get("issues", {})
    return AppliedSubmission(
        row.id,
        row.format,
        row.options,
        {(name, sha) for name, sha in files},
        int(issues.get("error", 0)),
    )


def current_counts(
    connection: Connection, organization_id: int, kinds: Collection[RecordKind]
) -> dict[RecordKind, int]:
    """Return how many current records of each of ``kinds`` the organization holds."""
    columns = record_versions.c
    rows = connection.execute(
        select(columns.kind, func.count())
        .where(
            columns.organization_id == organization_id,
            columns.valid_to_submission_id.is_(None),
            columns.kind.in_([kind.value for kind in kinds]),
        )
        .group_by(columns.kind)
    )
    counted = {RecordKind(kind): int(count) for kind, count in rows}
    return {kind: counted.get(kind, 0) for kind in RecordKind if kind in kinds}


def linked_students(connection: Connection, organization_id: int) -> tuple[int, int]:
    """Return how many current students of the organization have a person, and
    how many still wait for a review decision (no person yet)."""
    columns = record_versions.c
    rows = connection.execute(
        select(columns.person_id.is_(None), func.count())
        .where(
            columns.organization_id == organization_id,
            columns.kind == RecordKind.STUDENT.value,
            columns.valid_to_submission_id.is_(None),
        )
        .group_by(columns.person_id.is_(None))
    )
    counted = {bool(waiting): int(count) for waiting, count in rows}
    return counted.get(False, 0), counted.get(True, 0)
