"""Checks against the records stored from this and other organizations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select

from sislink.model import Finding, Record, RecordKind
from sislink.store.changes import Change
from sislink.store.organizations import Organization
from sislink.store.schema import organizations, record_versions, submissions
from sislink.validate import rules
from sislink.validate.checks import finding

PRIMARY = "10"
DEFAULT_GAP_DAYS = 45
"""Days between two submissions of one organization after which a gap is flagged."""

SPECIAL_EDUCATION_KINDS = (RecordKind.PLAN, RecordKind.SPECIAL_EDUCATION_PROGRAM)


def submission_gap(
    connection: Connection, organization: Organization, limit_days: int
) -> Finding | None:
    """Return a finding when the organization's last committed submission is old."""
    last = connection.execute(
        select(func.max(submissions.c.started_at)).where(
            submissions.c.organization_id == organization.id,
            submissions.c.status == "committed",
        )
    ).scalar_one()
    if last is None:
        return None
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    days = (datetime.now(UTC) - last).days
    if days <= limit_days:
        return None
    return rules.SUBMISSION_GAP.finding(
        last=last.date().isoformat(), days=days, limit=limit_days
    )


def overlapping_enrollments(
    connection: Connection, organization: Organization, records: Sequence[Record]
) -> list[Finding]:
    """Return a finding for each open primary enrollment that overlaps another
    organization's open primary enrollment of the same person."""
    mine = [r for r in records if _open_primary(r.data) and r.person_id is not None]
    if not mine:
        return []
    columns = record_versions.c
    rows = connection.execute(
        select(columns.person_id, columns.data, organizations.c.code)
        .join(organizations, organizations.c.id == columns.organization_id)
        .where(
            columns.kind == RecordKind.ENROLLMENT.value,
            columns.valid_to_submission_id.is_(None),
            columns.organization_id != organization.id,
            columns.person_id.in_({r.person_id for r in mine}),
        )
    )
    elsewhere: dict[int, list[tuple[str, dict[str, object]]]] = {}
    for person_id, data, code in rows:
        if _open_primary(data):
            elsewhere.setdefault(person_id, []).append((code, data))

    found: list[Finding] = []
    for record in mine:
        assert record.person_id is not None
        for code, data in elsewhere.get(record.person_id, []):
            found.append(_overlap(record, code, data))
    return found


def _overlap(record: Record, other_code: str, other: Mapping[str, object]) -> Finding:
    entry = str(record.data.get("entry_date"))
    other_entry = str(other.get("entry_date"))
    # The school the student entered first is the one they left.
    exiting = other.get("school_id") if other_entry <= entry else "this school"
    return finding(
        rules.PRIMARY_ENROLLMENT_OVERLAP,
        record,
        "school_id",
        entry=entry,
        other=other.get("school_id"),
        other_organization=other_code,
        other_entry=other_entry,
        exiting=exiting,
    )


def _open_primary(data: Mapping[str, object]) -> bool:
    return data.get("enrollment_status") == PRIMARY and not data.get(
        "exit_withdraw_date"
    )


def special_education_disappeared(
    changes: Iterable[Change], students_sent: set[str]
) -> list[Finding]:
    """Return a finding for each plan or program left out while its student was sent.

    ``students_sent`` contains the local ids of the submission's students.
    """
    found = []
    for change in changes:
        if change.operation != "end" or change.kind not in SPECIAL_EDUCATION_KINDS:
            continue
        local_id = change.record_key.split("|", 1)[0]
        if local_id in students_sent:
            found.append(
                rules.SPECIAL_EDUCATION_DISAPPEARED.finding(
                    kind=RecordKind(change.kind),
                    value=change.record_key,
                    record_key=change.record_key,
                )
            )
    return found
