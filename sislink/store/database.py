"""Opening the database: URL resolution, engine settings, schema migrations."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from sislink.errors import SchemaOutdated, StoreError, StoreUnavailable, UsageError
from sislink.store.schema import counters

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///sislink.db"
URL_VARIABLE = "SISLINK_DATABASE_URL"
MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_SECONDS = 600
MAX_INTEGER = 2**63 - 1
"""Largest value of a SQLite INTEGER or PostgreSQL BIGINT column: ids, change
versions and limits above it cannot be bound to a query."""
"""How long a SQLite writer waits for another writer before it fails."""


def resolve_url(url: str | None) -> str:
    """Return the database URL: the argument, else the environment, else the default."""
    return url or os.environ.get(URL_VARIABLE) or DEFAULT_URL


def redacted(url: str) -> str:
    """Return ``url`` with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


SUPPORTED_URLS = "sqlite:///FILE or postgresql+psycopg://USER@HOST:PORT/DATABASE"
"""The URL forms sislink works with, for messages."""


def url_origin(option: str | None) -> str:
    """Return where the database URL comes from, for messages."""
    if option:
        return "--db"
    if os.environ.get(URL_VARIABLE):
        return f"${URL_VARIABLE}"
    return "the default database URL"


def create_store_engine(url: str, origin: str = "the database URL") -> Engine:
    """Create an engine for ``url``, tuned for the hub's write pattern.

    ``origin`` names where the URL came from, such as ``--db``, in messages.

    Raises:
        UsageError: the URL is invalid, names a database other than SQLite
            or PostgreSQL, needs a driver that is not installed, or is a
            SQLite file in a folder that does not exist.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise UsageError(
            f"invalid database URL {url!r} in {origin}: use {SUPPORTED_URLS}"
        ) from exc

    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise UsageError(
            f"unsupported database URL scheme {parsed.drivername!r} in {origin} "
            f"({redacted(url)}): sislink stores its data in SQLite or "
            f"PostgreSQL, so use {SUPPORTED_URLS}"
        )
    if backend == "sqlite":
        _check_sqlite_folder(url, origin)
        return _sqlite_engine(url)
    try:
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise UsageError(
            f"cannot use the PostgreSQL driver {parsed.drivername!r} in {origin} "
            f"({redacted(url)}): {exc}. Use postgresql+psycopg://, the driver "
            "sislink installs"
        ) from exc


def _check_sqlite_folder(url: str, origin: str) -> None:
    """Raise ``UsageError`` unless a SQLite file can be created at ``url``'s path.

    SQLite's own message for a missing folder is "unable to open database
    file", which names neither the folder nor the fix.
    """
    path = sqlite_path(url)
    if path is None or make_url(url).query.get("uri"):
        return
    if path.is_dir():
        raise UsageError(
            f"the SQLite database {path} in {origin} is a folder, not a file: "
            f"name a file in it, such as sqlite:///{path / 'sislink.db'}"
        )
    folder = path.parent
    if not folder.is_dir():
        where = folder if folder.is_absolute() else f"{folder} ({folder.resolve()})"
        raise UsageError(
            f"the folder {where} of the SQLite database in {origin} does not "
            f"exist: create it (mkdir -p {folder}) or name a file in an "
            "existing folder"
        )


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, issue BEGIN, so that every
        # transaction can take the write lock up front (BEGIN IMMEDIATE) and
        # two writers queue instead of failing on a lock upgrade.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> str:
    """Create or upgrade the schema to the newest migration; return its revision."""
    with translate_errors(engine), engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
        exists = connection.execute(
            select(counters.c.name).where(counters.c.name == "change_version")
        ).first()
        if exists is None:
            connection.execute(insert(counters).values(name="change_version", value=0))
        return head_revision()


def head_revision() -> str:
    """Return the newest migration revision this version of sislink ships."""
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision of the database, or None when it has none."""
    with translate_errors(engine), engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def check_schema(engine: Engine) -> None:
    """Raise ``SchemaOutdated`` unless the database has the newest schema."""
    revision = current_revision(engine)
    if revision != head_revision():
        state = "has no sislink schema" if revision is None else "has an older schema"
        raise SchemaOutdated(
            f"the database {redacted(str(engine.url))} {state}: "
            "run `sislink init` to create or migrate it"
        )


@contextmanager
def translate_errors(engine: Engine) -> Iterator[None]:
    """Turn driver errors about reaching the database into ``StoreError``."""
    where = redacted(engine.url.render_as_string(hide_password=False))
    try:
        yield
    except OperationalError as exc:
        log.info("database operation failed on %s: %s", where, exc.orig)
        if engine.url.get_backend_name() == "sqlite":
            raise StoreUnavailable(
                f"cannot use the SQLite database {where}: {exc.orig}. Check that "
                "the file and its folder exist and that you may read and write "
                "them"
            ) from exc
        raise StoreUnavailable(
            f"cannot use the database {where}: {exc.orig}. Check that the server "
            "is running and the URL is right, then try again"
        ) from exc
    except DBAPIError as exc:
        if "file is not a database" in str(exc.orig):
            raise StoreError(
                f"cannot use {where}: {exc.orig}. Name a sislink SQLite database "
                "file, or a new file that `sislink init` creates"
            ) from exc
        raise StoreError(f"database error on {where}: {exc.orig}") from exc


def sqlite_path(url: str) -> Path | None:
    """Return the file of a SQLite URL, or None for other databases and memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)
