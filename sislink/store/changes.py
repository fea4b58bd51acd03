"""The change feed: numbered changes that consumers pull since a version."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, Row, and_, outerjoin, select, update

from sislink.store.bulk import bulk_insert
from sislink.store.schema import changes, counters, organizations, record_versions


class Change(NamedTuple):
    """One change a submission made: an insert, an update or an end."""

    kind: str
    record_key: str
    operation: str
    person_id: int | None


def allocate_versions(connection: Connection, count: int) -> tuple[int, int]:
    """Reserve ``count`` consecutive change versions; return the first and last.

    The counter row stays locked until the transaction ends, so submissions
    that commit one after another get ascending versions in commit order.
    """
    last = connection.execute(
        update(counters)
        .where(counters.c.name == "change_version")
        .values(value=counters.c.value + count)
        .returning(counters.c.value)
    ).scalar_one()
    return last - count + 1, last


CHANGE_COLUMNS = (
    "change_version",
    "submission_id",
    "organization_id",
    "kind",
    "record_key",
    "operation",
    "person_id",
)


def record_changes(
    connection: Connection,
    organization_id: int,
    submission_id: int,
    pending: Sequence[Change],
) -> tuple[int, int] | None:
    """Number and insert ``pending``; return the versions used, or None if empty."""
    if not pending:
        return None
    first, last = allocate_versions(connection, len(pending))
    rows = (
        (
            first + offset,
            submission_id,
            organization_id,
            change.kind,
            change.record_key,
            change.operation,
            change.person_id,
        )
        for offset, change in enumerate(pending)
    )
    bulk_insert(connection, changes, CHANGE_COLUMNS, rows)
    return first, last


def changes_since(
    connection: Connection,
    since: int,
    *,
    organization_id: int | None = None,
    limit: int = 1000,
) -> list[Row[Any]]:
    """Return up to ``limit`` changes with a version above ``since``, oldest first.

    Inserts and updates carry the new version's data; ends carry none.
    """
    versions = record_versions.c
    joined = outerjoin(
        changes,
        record_versions,
        and_(
            changes.c.operation != "end",
            versions.organization_id == changes.c.organization_id,
            versions.kind == changes.c.kind,
            versions.record_key == changes.c.record_key,
            versions.valid_from_submission_id == changes.c.submission_id,
        ),
    ).join(organizations, organizations.c.id == changes.c.organization_id)
    query = (
        select(
            changes.c.change_version,
            changes.c.submission_id,
            organizations.c.code.label("organization"),
            changes.c.kind,
            changes.c.record_key,
            changes.c.operation,
            changes.c.person_id,
            versions.data,
        )
        .select_from(joined)
        .where(changes.c.change_version > since)
        .order_by(changes.c.change_version)
        .limit(limit)
    )
    if organization_id is not None:
        query = query.where(changes.c.organization_id == organization_id)
    return list(connection.execute(query))


def newest_version(connection: Connection) -> int:
    """Return the newest change version handed out, 0 before the first."""
    value = connection.execute(
        select(counters.c.value).where(counters.c.name == "change_version")
    ).scalar_one_or_none()
    return int(value or 0)
