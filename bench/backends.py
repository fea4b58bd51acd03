"""The databases a benchmark runs on, with a fresh database for every run.

SQLite runs get a new database file in a scratch folder. PostgreSQL runs
get a new schema in the configured database, reached by setting
``search_path`` in the URL's ``options`` query parameter, the way the test
suite isolates its PostgreSQL tests. The schema is dropped afterwards.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from sislink.store.database import redacted

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
POSTGRES_URL_VARIABLE = "SISLINK_BENCH_POSTGRES_URL"
BACKEND_NAMES = ("sqlite", "postgresql")


class BenchError(Exception):
    """Error that stops a benchmark; the message names the cause and the next step."""


class Backend(Protocol):
    """A database engine that the benchmark runs each phase on."""

    @property
    def name(self) -> str:
        """Return the name used on the command line: ``sqlite`` or ``postgresql``."""
        ...

    @property
    def label(self) -> str:
        """Return the name shown in the page."""
        ...

    def check_available(self) -> None:
        """Raise ``BenchError`` unless the database can be used."""

    def version(self) -> str:
        """Return the version of the database engine."""
        ...

    def fresh_database(self, scratch: Path) -> AbstractContextManager[str]:
        """Return a context that yields the URL of a new, empty database."""
        ...


class SqliteBackend:
    """SQLite with one database file per run."""

    name = "sqlite"
    label = "SQLite"

    def check_available(self) -> None:
        """Do nothing, because SQLite needs no server."""

    def version(self) -> str:
        """Return the version of the SQLite library that Python's ``sqlite3`` uses."""
        return sqlite3.sqlite_version

    @contextmanager
    def fresh_database(self, scratch: Path) -> Iterator[str]:
        """Yield the URL of a new database file in ``scratch``, deleted afterwards."""
        scratch.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="sqlite-", dir=scratch))
        try:
            yield f"sqlite:///{folder / 'sislink.db'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)


class PostgresBackend:
    """PostgreSQL with one new schema per run in the database at ``url``."""

    name = "postgresql"
    label = "PostgreSQL"

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError as error:
            raise BenchError(
                f"invalid PostgreSQL URL {url!r}: use "
                "postgresql+psycopg://USER@HOST:PORT/DATABASE"
            ) from error
        if parsed.get_backend_name() != "postgresql":
            raise BenchError(
                f"{redacted(url)} is not a PostgreSQL URL: use "
                "postgresql+psycopg://USER@HOST:PORT/DATABASE"
            )
        self.url = url

    def check_available(self) -> None:
        """Raise ``BenchError`` when the server does not accept a connection."""
        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as error:
            raise BenchError(
                f"PostgreSQL at {redacted(self.url)} is unreachable: {error.orig}. "
                f"Start the server, set {POSTGRES_URL_VARIABLE} or --postgres-url "
                "to another one, or run with --backends sqlite"
            ) from error
        finally:
            engine.dispose()

    def version(self) -> str:
        """Return the server's version, as ``SHOW server_version`` reports it."""
        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                return str(connection.execute(text("SHOW server_version")).scalar())
        finally:
            engine.dispose()

    @contextmanager
    def fresh_database(self, scratch: Path) -> Iterator[str]:
        """Yield the URL of a new schema, dropped with its tables afterwards.

        ``scratch`` is unused because the data lives on the server.
        """
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                yield schema_url(self.url, schema)
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        finally:
            admin.dispose()


def schema_url(url: str, schema: str) -> str:
    """Return ``url`` with ``schema`` as the search path of its connections.

    Options already in the URL are kept, and the search path is added after them.
    """
    parsed = make_url(url)
    options = parsed.query.get("options", "")
    if isinstance(options, tuple):
        options = " ".join(options)
    search_path = f"-csearch_path={schema}"
    combined = f"{options} {search_path}".strip()
    return parsed.update_query_dict({"options": combined}).render_as_string(
        hide_password=False
    )


def make_backends(names: list[str], postgres_url: str) -> list[Backend]:
    """Return the backends named on the command line, in the order given.

    Raises ``BenchError`` for an unknown name or an empty list.
    """
    if not names:
        raise BenchError("no backend named: use --backends sqlite,postgresql")
    backends: list[Backend] = []
    for name in names:
        if name == "sqlite":
            backends.append(SqliteBackend())
        elif name == "postgresql":
            backends.append(PostgresBackend(postgres_url))
        else:
            known = ", ".join(BACKEND_NAMES)
            raise BenchError(f"unknown backend {name!r}: use one or more of {known}")
    return backends
