"""Migrations upgrade a database that holds data, on SQLite and PostgreSQL.

A fresh database runs every migration on empty tables; an organization's
database has rows that foreign keys protect, which some ways of altering a
table (SQLite's copy-and-move) cannot get past.
"""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from sislink.store.database import (
    _alembic_config,
    create_store_engine,
    current_revision,
    head_revision,
)
from sislink.store.schema import findings, submission_files, submissions

ROWS = (
    "INSERT INTO organizations (code, name, kind, created_at) "
    "VALUES ('2000000', 'Alpha', 'charter', CURRENT_TIMESTAMP)",
    "INSERT INTO submissions (organization_id, format, mode, status, kinds, "
    "counts, started_at) VALUES (1, 'sislink-csv', 'snapshot', 'committed', "
    "'[]', '{}', CURRENT_TIMESTAMP)",
    "INSERT INTO submission_files (submission_id, name, sha256, size_bytes) "
    "VALUES (1, 'students.csv', 'ab', 10)",
    "INSERT INTO findings (submission_id, organization_id, code, severity, "
    "message, fix) VALUES (1, 1, 'date-invalid', 'error', 'm', 'f')",
)


def revisions() -> list[str]:
    config = _alembic_config(None)  # type: ignore[arg-type]
    script = ScriptDirectory.from_config(config)
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


@pytest.mark.parametrize("start", revisions()[:-1])
def test_upgrade_keeps_rows(database_url: str, start: str) -> None:
    engine = create_store_engine(database_url)
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), start)
            for row in ROWS:
                connection.execute(text(row))
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "head")

        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            for table in (submissions, submission_files, findings):
                count = connection.execute(select(func.count()).select_from(table))
                assert count.scalar_one() == 1, table.name
    finally:
        engine.dispose()
