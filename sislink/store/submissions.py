"""Submissions' findings and quarantined records, and reading them back."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from sislink.model import Finding, Provenance, RecordKind
from sislink.model.records import JsonValue
from sislink.store.schema import (
    findings,
    organizations,
    record_versions,
    rejected_records,
    submission_files,
    submissions,
)


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


def resolve_findings(
    connection: Connection,
    organization_id: int,
    submission_id: int,
    touched: set[tuple[str, str]],
) -> int:
    """Resolve an organization's earlier open findings that this submission settles.

    A finding about a record is settled when the record is sent again (fixed,
    or found again and recorded anew by this submission) or ended. A finding
    about no record (a file that could not be read, a gap) is settled by any
    later submission that is applied. Returns the number resolved.
    """
    columns = findings.c
    rows = connection.execute(
        select(columns.id, columns.kind, columns.record_key).where(
            columns.organization_id == organization_id,
            columns.status == "open",
            columns.submission_id < submission_id,
        )
    )
    settled = [
        row.id
        for row in rows
        if row.record_key is None or (row.kind, row.record_key) in touched
    ]
    for start in range(0, len(settled), 1000):
        connection.execute(
            update(findings)
            .where(columns.id.in_(settled[start : start + 1000]))
            .values(status="resolved", resolved_submission_id=submission_id)
        )
    return len(settled)


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
