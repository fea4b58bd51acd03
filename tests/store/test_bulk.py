"""Bulk inserts on both databases, and PostgreSQL's statistics after large ones."""

from __future__ import annotations

import pytest
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    func,
    select,
)

from sislink.store.bulk import ANALYZE_AFTER_ROWS, bulk_insert

PROBE = Table(
    "bulk_probe",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("value", String(16)),
)


def test_bulk_insert_writes_every_row(engine: Engine) -> None:
    PROBE.create(engine)
    rows = [(number, f"v{number}") for number in range(ANALYZE_AFTER_ROWS + 500)]

    with engine.begin() as connection:
        bulk_insert(connection, PROBE, ("id", "value"), rows)
        count = connection.execute(select(func.count()).select_from(PROBE)).scalar()

    assert count == len(rows)


def test_large_insert_refreshes_planner_statistics(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("planner statistics are refreshed on PostgreSQL only")
    PROBE.create(engine)
    small = [(number, "small") for number in range(100)]
    large = [(number, "large") for number in range(100, ANALYZE_AFTER_ROWS + 100)]

    with engine.begin() as connection:
        bulk_insert(connection, PROBE, ("id", "value"), small)
        before = _estimated_rows(connection)
        bulk_insert(connection, PROBE, ("id", "value"), large)
        after = _estimated_rows(connection)

    assert before <= 0
    assert after >= ANALYZE_AFTER_ROWS


def _estimated_rows(connection: Connection) -> float:
    query = "SELECT reltuples FROM pg_class WHERE oid = to_regclass('bulk_probe')"
    return float(connection.exec_driver_sql(query).scalar_one())
