"""Fixtures that build stored history by hand: organizations, submissions at
chosen commit times and the record versions they bring, through the store's
own writes. The record helpers at the end return the fields of a plan or an
enrollment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, insert, select, update

from sislink.model import KINDS, RecordKind
from sislink.store.history import (
    NewVersion,
    canonical_json,
    close_versions,
    content_hash,
    insert_versions,
)
from sislink.store.organizations import add_organization
from sislink.store.schema import persons, record_versions, submissions


def at(day: date, hour: int = 12) -> datetime:
    """Return ``day`` at ``hour`` o'clock UTC."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


@dataclass
class History:
    """Writes submissions of hand-made records into a migrated database."""

    engine: Engine
    organizations: dict[str, int] = field(default_factory=dict)
    persons: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def at(day: date, hour: int = 12) -> datetime:
        """Return ``day`` at ``hour`` o'clock UTC."""
        return at(day, hour)

    def organization(
        self, code: str, kind: str = "charter", parent: str | None = None
    ) -> int:
        """Add an organization and return its id."""
        with self.engine.begin() as connection:
            added = add_organization(
                connection, code, f"Synthetic {code}", kind, parent
            )
        self.organizations[code] = added.id
        return added.id

    def person(self, connection: Connection, name: str) -> int:
        """Return the id of the person called ``name`` in the test, adding it."""
        if name not in self.persons:
            self.persons[name] = connection.execute(
                insert(persons)
                .values(created_at=datetime.now(UTC))
                .returning(persons.c.id)
            ).scalar_one()
        return self.persons[name]

    def submit(
        self,
        code: str,
        committed: datetime,
        records: Sequence[tuple[RecordKind, str, Mapping[str, Any]]],
        *,
        status: str = "committed",
        removed: Sequence[tuple[RecordKind, str]] = (),
    ) -> int:
        """Commit one submission of ``records`` (kind, person name, data).

        A record replaces the open version with the same key; ``removed``
        lists (kind, key) of records the submission ends.
        """
        organization_id = self.organizations[code]
        with self.engine.begin() as connection:
            submission_id = connection.execute(
                insert(submissions)
                .values(
                    organization_id=organization_id,
                    format="sislink-csv",
                    mode="snapshot",
                    status=status,
                    kinds=[],
                    counts={},
                    started_at=committed,
                    finished_at=committed,
                )
                .returning(submissions.c.id)
            ).scalar_one()
            keys = [
                (kind.value, KINDS[kind].key_of(data)) for kind, _p, data in records
            ]
            self._close(
                connection,
                organization_id,
                [*keys, *((k.value, key) for k, key in removed)],
                submission_id,
            )
            versions = [
                NewVersion(
                    kind.value,
                    KINDS[kind].key_of(data),
                    self.person(connection, person),
                    canonical_json(data),
                    content_hash(data),
                    None,
                    "synthetic.csv",
                    line,
                    None,
                )
                for line, (kind, person, data) in enumerate(records, start=2)
            ]
            insert_versions(connection, organization_id, submission_id, versions)
        return submission_id

    def _close(
        self,
        connection: Connection,
        organization_id: int,
        keys: Sequence[tuple[str, str]],
        submission_id: int,
    ) -> None:
        columns = record_versions.c
        ids = []
        for kind, key in keys:
            found = connection.execute(
                select(columns.id).where(
                    columns.organization_id == organization_id,
                    columns.kind == kind,
                    columns.record_key == key,
                    columns.valid_to_submission_id.is_(None),
                )
            ).scalar()
            if found is not None:
                ids.append(found)
        close_versions(connection, ids, submission_id)

    def reject(self, code: str, committed: datetime) -> None:
        """Record a rejected submission: it brings no records."""
        self.submit(code, committed, [], status="rejected")


@pytest.fixture
def history(engine: Engine) -> History:
    """Return a history builder on the migrated test database."""
    return History(engine)


def mark_finished(engine: Engine, submission_id: int, finished: datetime) -> None:
    """Set a submission's commit time."""
    with engine.begin() as connection:
        connection.execute(
            update(submissions)
            .where(submissions.c.id == submission_id)
            .values(finished_at=finished)
        )


def plan(student: str, plan_id: str, meeting: str, **fields: Any) -> dict[str, Any]:
    return {
        "local_student_id": student,
        "plan_id": plan_id,
        "plan_type": "100",
        "effective_start_date": meeting,
        "meeting_date": meeting,
        "meeting_type": "20",
        **fields,
    }


def enrollment(
    student: str, school: str, entry: str, exit_date: str | None = None
) -> dict[str, Any]:
    return {
        "local_student_id": student,
        "school_id": school,
        "entry_date": entry,
        "exit_withdraw_date": exit_date,
        "entry_grade_level": "05",
        "enrollment_status": "10",
    }


def iep(
    student: str, plan_id: str, start: str, end: str | None = None
) -> dict[str, Any]:
    return {
        "local_student_id": student,
        "plan_id": plan_id,
        "plan_type": "100",
        "effective_start_date": start,
        "effective_end_date": end,
        "meeting_date": start,
        "meeting_type": "20",
    }
