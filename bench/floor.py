"""The floor: the same CSV rows loaded with no logic, as a lower bound.

Each file is parsed with ``pyarrow.csv.read_csv``, every column as a
string, and its rows are inserted into a plain table with one ``TEXT``
column per CSV column: no normalization, validation, linking, history or
indexes. All files of one load share one transaction. PostgreSQL receives
the rows through ``COPY ... FROM STDIN`` in CSV form, written by pyarrow.
SQLite receives them through ``executemany``, with the same journal
settings that sislink uses (WAL, ``synchronous=NORMAL``).
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy.engine import make_url

from sislink.store.database import sqlite_path


def read_strings(path: Path) -> pa.Table:
    """Parse a CSV file with a header row, reading every column as a string."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    options = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in header},
        strings_can_be_null=False,
    )
    return pacsv.read_csv(path, convert_options=options)


def table_name(prefix: str, path: Path) -> str:
    """Return the floor table of a file: ``floor_<prefix>_<file stem>``."""
    return f"floor_{prefix}_{path.stem}"


def _quoted(names: Sequence[str]) -> str:
    return ", ".join('"' + name.replace('"', '""') + '"' for name in names)


def _create_statement(name: str, columns: Sequence[str]) -> str:
    definitions = ", ".join(
        '"' + column.replace('"', '""') + '" TEXT' for column in columns
    )
    return f'CREATE TABLE IF NOT EXISTS "{name}" ({definitions})'


def load_floor(url: str, files: Sequence[Path], prefix: str) -> int:
    """Load ``files`` into plain tables in one transaction; return the rows inserted.

    Files with the same name share a table, so the charters' files of one
    kind end up in one table. ``url`` is a SQLAlchemy URL of a SQLite file
    or a PostgreSQL database, as the backends yield it.
    """
    if make_url(url).get_backend_name() == "postgresql":
        return _load_postgres(url, files, prefix)
    path = sqlite_path(url)
    if path is None:
        raise ValueError(f"the floor needs a SQLite file or PostgreSQL URL: {url}")
    return _load_sqlite(path, files, prefix)


def _load_sqlite(database: Path, files: Sequence[Path], prefix: str) -> int:
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("BEGIN IMMEDIATE")
        inserted = 0
        for path in files:
            table = read_strings(path)
            name = table_name(prefix, path)
            connection.execute(_create_statement(name, table.column_names))
            placeholders = ", ".join("?" for _ in table.column_names)
            statement = (
                f'INSERT INTO "{name}" ({_quoted(table.column_names)}) '
                f"VALUES ({placeholders})"
            )
            columns = [column.to_pylist() for column in table.columns]
            connection.executemany(statement, zip(*columns, strict=True))
            inserted += table.num_rows
        connection.execute("COMMIT")
    finally:
        connection.close()
    return inserted


def _load_postgres(url: str, files: Sequence[Path], prefix: str) -> int:
    # psycopg takes a libpq URL: the SQLAlchemy one without the driver name.
    conninfo = make_url(url).set(drivername="postgresql")
    inserted = 0
    with psycopg.connect(conninfo.render_as_string(hide_password=False)) as connection:
        with connection.cursor() as cursor:
            for path in files:
                table = read_strings(path)
                name = table_name(prefix, path)
                cursor.execute(_create_statement(name, table.column_names))
                buffer = io.BytesIO()
                write_options = pacsv.WriteOptions(include_header=False)
                pacsv.write_csv(table, buffer, write_options)
                statement = (
                    f'COPY "{name}" ({_quoted(table.column_names)}) '
                    "FROM STDIN (FORMAT csv)"
                )
                with cursor.copy(statement) as copy:
                    copy.write(buffer.getvalue())
                inserted += table.num_rows
        connection.commit()
    return inserted
