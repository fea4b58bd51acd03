"""Identity resolution in the store: SSID replacements, match models, decisions.

The tables join the shared ``metadata``; ``migrations/env.py`` imports this
module so that Alembic finds them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    Table,
    Text,
    and_,
    insert,
    select,
    update,
)

from sislink.model import RecordKind
from sislink.store.schema import Id, Json, metadata, record_versions

log = logging.getLogger(__name__)

ssid_replacements = Table(
    "ssid_replacements",
    metadata,
    Column("retired_ssid", String(64), primary_key=True),
    Column("replacement_ssid", String(64), nullable=False),
    Column("source_file", Text),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)
"""Retired state student ids and the ids the state replaced them with."""

match_models = Table(
    "match_models",
    metadata,
    Column("id", Id, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),
    Column("trained_records", Integer, nullable=False),
    Column("link_threshold", Float, nullable=False),
    Column("review_threshold", Float, nullable=False),
    Column("model", Json, nullable=False),
)
"""Trained Splink models, one row per version; the newest one is used."""

match_decisions = Table(
    "match_decisions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("submission_id", Id, ForeignKey("submissions.id"), nullable=False),
    Column("organization_id", Id, ForeignKey("organizations.id"), nullable=False),
    Column("record_key", Text, nullable=False),
    Column("decision", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("candidate_person_id", Id, ForeignKey("persons.id")),
    Column("match_probability", Float),
    Column("match_weight", Float),
    Column("contributions", Json, nullable=False),
    Column("runner_up_person_id", Id, ForeignKey("persons.id")),
    Column("runner_up_probability", Float),
    Column("model_id", Id, ForeignKey("match_models.id")),
    Column("person_id", Id, ForeignKey("persons.id")),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolved_by", Text),
    Column("resolved_submission_id", Id, ForeignKey("submissions.id")),
    Column("reason", Text),
    Index(None, "organization_id", "record_key"),
    Index(None, "status"),
)
"""One row per matcher decision on a student whose identifiers were all new.

``status`` is ``decided`` for a link or a new person, ``pending`` while a
review waits, then ``accepted`` or ``rejected``. A later submission closes a
pending review as ``withdrawn`` when it ends the student's record, or as
``superseded`` when it sends the record changed; ``resolved_submission_id``
is that submission and ``reason`` says what it did. ``person_id`` is the
person the student ended up with.
"""

PENDING = "pending"
DECIDED = "decided"
ACCEPTED = "accepted"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
"""A later submission ended the held student record while the review waited."""
SUPERSEDED = "superseded"
"""A later submission sent the held student record changed, and the changed
record was linked again."""


@dataclass(frozen=True, slots=True)
class StoredModel:
    """A stored model version with its thresholds."""

    id: int | None
    model: dict[str, Any]
    link_threshold: float
    review_threshold: float


def load_replacements(
    connection: Connection, pairs: Sequence[tuple[str, str]], source_file: str
) -> int:
    """Insert or replace retired → replacement SSID pairs; return how many."""
    now = datetime.now(UTC)
    retired = [old for old, _new in pairs]
    existing = set(
        connection.execute(
            select(ssid_replacements.c.retired_ssid).where(
                ssid_replacements.c.retired_ssid.in_(retired)
            )
        ).scalars()
    )
    for old, new in pairs:
        values = {"replacement_ssid": new, "source_file": source_file, "loaded_at": now}
        if old in existing:
            connection.execute(
                update(ssid_replacements)
                .where(ssid_replacements.c.retired_ssid == old)
                .values(**values)
            )
        else:
            connection.execute(
                insert(ssid_replacements).values(retired_ssid=old, **values)
            )
    _rekey_retired(connection, retired)
    return len(pairs)


def _rekey_retired(connection: Connection, retired: Sequence[str]) -> None:
    """Compute again the blocking keys of index versions that carry a retired SSID.

    A chain ending in a newly retired SSID changes too, so the SSIDs retired
    for it, directly or through others, are re-keyed as well.
    """
    # Imported here because sislink.store.match_keys imports this module.
    from sislink.store.match_keys import rekey_ssids

    affected = set(retired)
    columns = ssid_replacements.c
    newest = set(retired)
    while newest:
        ordered = sorted(newest)
        earlier: set[str] = set()
        for start in range(0, len(ordered), 900):
            query = select(columns.retired_ssid).where(
                columns.replacement_ssid.in_(ordered[start : start + 900])
            )
            earlier.update(connection.execute(query).scalars())
        newest = earlier - affected
        affected |= newest
    count = rekey_ssids(connection, affected)
    log.info("re-keyed %d index students after loading SSID replacements", count)


def replacements_for(connection: Connection, ssids: Iterable[str]) -> dict[str, str]:
    """Return the final replacement of each retired SSID among ``ssids``.

    Chains (A retired for B, B retired for C) are followed to the end.
    """
    wanted = sorted(set(ssids))
    found: dict[str, str] = {}
    columns = ssid_replacements.c
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        rows = connection.execute(
            select(columns.retired_ssid, columns.replacement_ssid).where(
                columns.retired_ssid.in_(chunk)
            )
        )
        found.update((old, new) for old, new in rows)
    for old in list(found):
        seen = {old}
        new = found[old]
        while True:
            following = connection.execute(
                select(columns.replacement_ssid).where(columns.retired_ssid == new)
            ).scalar_one_or_none()
            if following is None or following in seen:
                break
            seen.add(new)
            new = following
        found[old] = new
    return found


def save_model(
    connection: Connection,
    model: Mapping[str, Any],
    *,
    trained_records: int,
    link_threshold: float,
    review_threshold: float,
    actor: str,
) -> int:
    """Store a trained model as the newest version; return its id."""
    model_id: int = connection.execute(
        insert(match_models)
        .values(
            created_at=datetime.now(UTC),
            actor=actor,
            trained_records=trained_records,
            link_threshold=link_threshold,
            review_threshold=review_threshold,
            model=dict(model),
        )
        .returning(match_models.c.id)
    ).scalar_one()
    return model_id


def newest_model(connection: Connection) -> StoredModel | None:
    """Return the newest stored model, or None before the first training."""
    row = connection.execute(
        select(match_models).order_by(match_models.c.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    return StoredModel(
        row.id, dict(row.model), row.link_threshold, row.review_threshold
    )


def model_versions(connection: Connection) -> list[Row[Any]]:
    """Return every stored model version without its parameters, newest first."""
    columns = match_models.c
    query = select(
        columns.id,
        columns.created_at,
        columns.actor,
        columns.trained_records,
        columns.link_threshold,
        columns.review_threshold,
    ).order_by(columns.id.desc())
    return list(connection.execute(query))


@dataclass(slots=True)
class NewDecision:
    """A matcher decision about to be stored."""

    record_key: str
    decision: str
    status: str
    candidate_person_id: int | None
    match_probability: float | None
    match_weight: float | None
    contributions: list[dict[str, Any]]
    runner_up_person_id: int | None
    runner_up_probability: float | None
    person_id: int | None


def insert_decisions(
    connection: Connection,
    submission_id: int,
    organization_id: int,
    model_id: int | None,
    decisions: Sequence[NewDecision],
) -> None:
    """Insert one submission's matcher decisions."""
    if not decisions:
        return
    now = datetime.now(UTC)
    connection.execute(
        insert(match_decisions),
        [
            {
                "submission_id": submission_id,
                "organization_id": organization_id,
                "record_key": d.record_key,
                "decision": d.decision,
                "status": d.status,
                "candidate_person_id": d.candidate_person_id,
                "match_probability": d.match_probability,
                "match_weight": d.match_weight,
                "contributions": d.contributions,
                "runner_up_person_id": d.runner_up_person_id,
                "runner_up_probability": d.runner_up_probability,
                "model_id": model_id,
                "person_id": d.person_id,
                "decided_at": now,
            }
            for d in decisions
        ],
    )


class PendingReview(NamedTuple):
    """A review that waits, and the content hash of its held student record."""

    decision_id: int
    held_content_hash: str | None
    """None when the student has no current record without a person."""


def pending_reviews(
    connection: Connection, organization_id: int
) -> dict[str, PendingReview]:
    """Return the reviews that wait for one organization, by local student id."""
    decisions, versions = match_decisions.c, record_versions.c
    held_version = and_(
        versions.organization_id == decisions.organization_id,
        versions.kind == RecordKind.STUDENT.value,
        versions.record_key == decisions.record_key,
        versions.valid_to_submission_id.is_(None),
        versions.person_id.is_(None),
    )
    query = (
        select(decisions.record_key, decisions.id, versions.content_hash)
        .select_from(match_decisions.outerjoin(record_versions, held_version))
        .where(
            decisions.organization_id == organization_id,
            decisions.status == PENDING,
        )
    )
    return {
        key: PendingReview(decision_id, content)
        for key, decision_id, content in connection.execute(query)
    }


def pending_decisions(
    connection: Connection, organization_id: int, local_ids: Iterable[str]
) -> dict[str, int]:
    """Return the newest pending decision of each of ``local_ids`` that has one."""
    wanted = sorted(set(local_ids))
    columns = match_decisions.c
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 900):
        query = select(columns.record_key, columns.id).where(
            columns.organization_id == organization_id,
            columns.status == PENDING,
            columns.record_key.in_(wanted[start : start + 900]),
        )
        for key, decision_id in connection.execute(query):
            found[key] = max(decision_id, found.get(key, decision_id))
    return found


def later_decision(connection: Connection, decision: Row[Any]) -> Row[Any] | None:
    """Return the oldest decision on the same student made after ``decision``."""
    columns = match_decisions.c
    query = (
        select(match_decisions)
        .where(
            columns.organization_id == decision.organization_id,
            columns.record_key == decision.record_key,
            columns.id > decision.id,
        )
        .order_by(columns.id)
        .limit(1)
    )
    return connection.execute(query).first()


def get_decision(connection: Connection, decision_id: int) -> Row[Any] | None:
    """Return one decision, or None when there is none with that id."""
    query = select(match_decisions).where(match_decisions.c.id == decision_id)
    return connection.execute(query).first()


def list_decisions(
    connection: Connection, status: str | None, limit: int
) -> list[Row[Any]]:
    """Return up to ``limit`` decisions, oldest first, of one status or all."""
    query = select(match_decisions).order_by(match_decisions.c.id).limit(limit)
    if status is not None:
        query = query.where(match_decisions.c.status == status)
    return list(connection.execute(query))


def resolve_decision(
    connection: Connection,
    decision_id: int,
    status: str,
    person_id: int | None,
    actor: str,
    *,
    reason: str | None = None,
    submission_id: int | None = None,
) -> None:
    """Close a pending decision with its outcome and the person it got.

    A review that a submission closed, as withdrawn or superseded, also gets
    that submission and the reason.
    """
    connection.execute(
        update(match_decisions)
        .where(match_decisions.c.id == decision_id)
        .values(
            status=status,
            person_id=person_id,
            reason=reason,
            resolved_submission_id=submission_id,
            resolved_at=datetime.now(UTC),
            resolved_by=actor,
        )
    )
