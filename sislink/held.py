"""Held submissions: confirm one to apply it, or discard it.

The mass-change guard holds a snapshot that would end or reject too much of
an organization's data. The store keeps the held submission's files, so a
person can confirm it later or discard it. A confirmed submission runs again
as sent, against the data as it is now, and the guard lets it through.
Either way the held submission stays in the history with its outcome.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from sislink.errors import UsageError
from sislink.model.summary import SubmissionResult
from sislink.pipeline import SubmissionRequest, submit
from sislink.store.audit import record_event
from sislink.store.database import translate_errors
from sislink.store.schema import organizations, submission_files, submissions
from sislink.validate.guard import DEFAULT_MINIMUM, DEFAULT_SHARE, GuardLimits


def confirm_held(engine: Engine, submission_id: int, actor: str) -> SubmissionResult:
    """Apply a held submission as sent and return the outcome of that run.

    Raises:
        UsageError: there is no held submission with that id.
    """
    with translate_errors(engine), engine.connect() as connection:
        held = _held_row(connection, submission_id)
        files = connection.execute(
            select(submission_files.c.name, submission_files.c.content).where(
                submission_files.c.submission_id == submission_id
            )
        ).all()
    options: dict[str, Any] = held.options or {}
    with tempfile.TemporaryDirectory(prefix="sislink-held-") as folder:
        for name, content in files:
            (Path(folder) / name).write_bytes(content or b"")
        request = SubmissionRequest(
            held.code,
            held.format,
            [Path(folder)],
            snapshot=bool(options.get("snapshot", True)),
            encoding=options.get("encoding"),
            mapping=Path(options["mapping"]) if options.get("mapping") else None,
            actor=actor,
            limits=GuardLimits(
                float(options.get("share", DEFAULT_SHARE)),
                int(options.get("minimum", DEFAULT_MINIMUM)),
            ),
            confirmed=True,
        )
        result = submit(engine, request)
    if result.status == "committed":
        _resolve(engine, submission_id, "confirmed", actor, result.submission_id)
    return result


def discard_held(engine: Engine, submission_id: int, actor: str) -> None:
    """Mark a held submission discarded; its files and findings stay stored.

    Raises:
        UsageError: there is no held submission with that id.
    """
    with translate_errors(engine), engine.connect() as connection:
        _held_row(connection, submission_id)
    _resolve(engine, submission_id, "discarded", actor, None)


def _held_row(connection: Connection, submission_id: int) -> Any:
    row = connection.execute(
        select(
            submissions.c.status,
            submissions.c.format,
            submissions.c.options,
            organizations.c.code,
        )
        .join(organizations, organizations.c.id == submissions.c.organization_id)
        .where(submissions.c.id == submission_id)
    ).first()
    if row is None:
        raise UsageError(
            f"submission {submission_id} not found: `sislink submission list` "
            "lists them"
        )
    if row.status != "held":
        raise UsageError(
            f"submission {submission_id} is {row.status}, not held: only a held "
            "submission can be confirmed or discarded"
        )
    return row


def _resolve(
    engine: Engine,
    submission_id: int,
    status: str,
    actor: str,
    resolved_by: int | None,
) -> None:
    with translate_errors(engine), engine.begin() as connection:
        # Only a submission still held changes, so two people acting at
        # once cannot both resolve it.
        changed = connection.execute(
            update(submissions)
            .where(submissions.c.id == submission_id, submissions.c.status == "held")
            .values(status=status, resolved_by_submission_id=resolved_by)
        ).rowcount
        if changed != 1:
            raise UsageError(f"submission {submission_id} was resolved meanwhile")
        record_event(
            connection,
            f"submission-{status}",
            actor=actor,
            submission_id=submission_id,
            resolved_by=resolved_by,
        )
