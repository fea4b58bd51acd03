"""Bulk writes for the hot path: COPY on PostgreSQL, executemany on SQLite.

SQLAlchemy's Core insert processes every bound parameter of every row in
Python. For the hundreds of thousands of rows a roster brings, that costs
more than the database's own work. These helpers hand rows to the driver
as they are: values must already be what the column stores (JSON as text,
datetimes as ``datetime``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, Table, any_, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError

ANALYZE_AFTER_ROWS = 10_000
"""Rows bulk-inserted into a PostgreSQL table before its statistics are refreshed.

Autovacuum cannot see rows of a transaction that has not committed, and a
roster load is one transaction. Without fresh statistics the planner
believes a table holding hundreds of thousands of new rows is empty and
scans it for every identifier lookup. The refresh runs when the rows added
since the last one reach this count and a fifth of the table.
"""

GROWTH_KEY = "sislink_rows_since_analyze"


def bulk_insert(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table``."""
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None
        statement = f"COPY {table.name} ({names}) FROM STDIN"
        database_error = connection.dialect.loaded_dbapi.Error
        written = 0
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
        except database_error as error:
            # Raised as SQLAlchemy raises driver errors, so that callers catch
            # IntegrityError the same way whichever path wrote the rows.
            raise DBAPIError.instance(statement, None, error, database_error) from error
        _refresh_statistics(connection, table, written)
        return

    placeholders = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table.name} ({names}) VALUES ({placeholders})"
    batch = list(rows)
    if not batch:
        return
    stamps = [i for i, value in enumerate(batch[0]) if isinstance(value, datetime)]
    if stamps:
        batch = [_with_sqlite_stamps(row, stamps) for row in batch]
    connection.exec_driver_sql(statement, batch)


def _refresh_statistics(connection: Connection, table: Table, added: int) -> None:
    """Run ANALYZE on ``table`` once enough rows were added (``ANALYZE_AFTER_ROWS``)."""
    growth: dict[str, int] = connection.info.setdefault(GROWTH_KEY, {})
    pending = growth.get(table.name, 0) + added
    growth[table.name] = pending
    if pending < ANALYZE_AFTER_ROWS:
        return
    estimate = connection.exec_driver_sql(
        "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%(name)s)",
        {"name": table.name},
    ).scalar()
    if estimate is not None and pending < float(estimate) / 5:
        return
    connection.exec_driver_sql(f"ANALYZE {table.name}")
    growth[table.name] = 0


def _with_sqlite_stamps(row: Sequence[Any], positions: list[int]) -> tuple[Any, ...]:
    # The text form SQLAlchemy's SQLite DateTime type writes and reads back.
    values = list(row)
    for position in positions:
        values[position] = values[position].strftime("%Y-%m-%d %H:%M:%S.%f")
    return tuple(values)


def reserve_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """Return ``count`` new primary-key values for ``table``.

    On PostgreSQL they come from the column's sequence. On SQLite they follow
    the largest id, which is safe because every write transaction holds the
    database's write lock from its start (BEGIN IMMEDIATE).
    """
    if count == 0:
        return []
    if connection.dialect.name == "postgresql":
        query = text(
            f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
            "FROM generate_series(1, :count)"
        )
        return list(connection.execute(query, {"count": count}).scalars())
    largest = connection.exec_driver_sql(
        f"SELECT COALESCE(MAX(id), 0) FROM {table.name}"
    )
    start = int(largest.scalar_one()) + 1
    return list(range(start, start + count))


def in_list(
    connection: Connection, column: Column[Any], parameter: str
) -> ColumnElement[bool]:
    """Return ``column IN (:parameter)`` for a list bound at execution.

    On PostgreSQL the list is one array parameter (``= ANY(:parameter)``).
    An expanded IN list of a fixed length makes psycopg prepare the
    statement after five calls. PostgreSQL's generic plan for it then
    filters instead of using the index, so every call scans the table.
    """
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(parameter, type_=ARRAY(column.type)))
    return column.in_(bindparam(parameter, expanding=True))
