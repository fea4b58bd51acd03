"""Audit events: who read or changed whose records, when and why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert

from sislink.store.schema import audit_events


def record_event(
    connection: Connection,
    action: str,
    *,
    actor: str,
    organization_id: int | None = None,
    person_id: int | None = None,
    submission_id: int | None = None,
    **detail: Any,
) -> None:
    """Insert one audit event; ``detail`` must hold no student name or birth date."""
    connection.execute(
        insert(audit_events).values(
            occurred_at=datetime.now(UTC),
            actor=actor,
            action=action,
            organization_id=organization_id,
            person_id=person_id,
            submission_id=submission_id,
            detail=detail,
        )
    )
