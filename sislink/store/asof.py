"""Reading stored history as of a point in time, by the submissions' commit times.

A version was current at time T if the submission that brought it committed
before T and the submission that replaced or ended it had not. Submissions of
one organization run one after another under a lock on its row, so they
commit in the order of their ids: the versions current at T are those of
``versions_as_of`` for the organization's last submission that finished
before T.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, and_, exists, func, or_, select

from sislink.store.schema import record_versions, submissions


class Reading(StrEnum):
    """Which versions of each record a read returns."""

    CURRENT = "current"
    """Only the versions current at the time."""
    LATEST = "latest"
    """The current versions, and the last version of each record that a later
    submission left out or removed before the time."""
    HISTORY = "history"
    """Every version brought before the time, replaced ones included."""


@dataclass(frozen=True, slots=True)
class KnownVersion:
    """One version of one record, as known at a time, with whether it was current."""

    record_key: str
    person_id: int | None
    data: Mapping[str, Any]
    current: bool
    first_submission_id: int
    valid_to_submission_id: int | None = None
    """The submission that replaced or ended the version, None while it is open.
    A later version of the same record, if any, starts in that submission."""


def cutoff_of(day: date) -> datetime:
    """Return the end of ``day`` in UTC: submissions committed before it count."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def last_submissions(connection: Connection, cutoff: datetime) -> dict[int, int]:
    """Return each organization's last submission that finished before ``cutoff``.

    Rejected submissions carry no records and are recorded after their
    organization's lock is released, so they are left out.
    """
    columns = submissions.c
    query = (
        select(columns.organization_id, func.max(columns.id))
        .where(columns.finished_at < cutoff, columns.status != "rejected")
        .group_by(columns.organization_id)
    )
    return {
        organization_id: last for organization_id, last in connection.execute(query)
    }


def known_versions(
    connection: Connection,
    organization_id: int,
    kind: str,
    submission_id: int,
    reading: Reading = Reading.CURRENT,
) -> Iterator[KnownVersion]:
    """Yield an organization's versions of ``kind`` as known after ``submission_id``.

    ``submission_id`` is the organization's last submission at the time
    (from ``last_submissions``); ``reading`` chooses which versions count.
    """
    columns = record_versions.c
    current = or_(
        columns.valid_to_submission_id.is_(None),
        columns.valid_to_submission_id > submission_id,
    )
    conditions = [
        columns.organization_id == organization_id,
        columns.kind == kind,
        columns.valid_from_submission_id <= submission_id,
    ]
    if reading is Reading.CURRENT:
        conditions.append(current)
    elif reading is Reading.LATEST:
        conditions.append(or_(current, ~_replaced()))
    query = select(
        columns.record_key,
        columns.person_id,
        columns.data,
        columns.valid_to_submission_id,
        columns.valid_from_submission_id,
    ).where(and_(*conditions))
    rows = connection.execute(query.execution_options(yield_per=10_000))
    for key, person_id, data, valid_to, valid_from in rows:
        is_current = valid_to is None or valid_to > submission_id
        yield KnownVersion(key, person_id, data, is_current, valid_from, valid_to)


def _replaced() -> Any:
    """Return the condition that a later version of the same record exists."""
    later = record_versions.alias("later")
    columns = record_versions.c
    return exists().where(
        later.c.organization_id == columns.organization_id,
        later.c.kind == columns.kind,
        later.c.record_key == columns.record_key,
        later.c.valid_from_submission_id == columns.valid_to_submission_id,
    )


def submission_times(
    connection: Connection, cutoff: datetime
) -> list[tuple[int, int, str, datetime]]:
    """Return (id, organization id, status, finish time) of submissions before
    ``cutoff``, oldest first."""
    columns = submissions.c
    query = (
        select(columns.id, columns.organization_id, columns.status, columns.finished_at)
        .where(columns.finished_at < cutoff)
        .order_by(columns.finished_at, columns.id)
    )
    return [
        (id_, org, status, _aware(at))
        for id_, org, status, at in connection.execute(query)
    ]


def _aware(moment: datetime) -> datetime:
    """Return ``moment`` in UTC; SQLite returns stored UTC times without a zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
