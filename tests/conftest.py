"""Fixtures shared by the tests: a fresh database on SQLite and on PostgreSQL.

Storage tests take ``engine`` (or ``database_url``) and run once per backend.
PostgreSQL tests use a schema of their own in the database named by
``SISLINK_TEST_POSTGRES_URL`` (default: the local server's ``test``
database). Where no server is reachable they are skipped with the reason,
except under CI, where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from sislink.demo.run import SAMPLES
from sislink.store.database import create_store_engine, migrate

POSTGRES_URL = os.environ.get(
    "SISLINK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
GRAND_BEND = Path(os.environ.get("SISLINK_GRAND_BEND", SAMPLES / "edfi-grand-bend"))


def _postgres_reachable() -> str | None:
    """Return None when the test server answers, else the reason it does not."""
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        return f"PostgreSQL at {POSTGRES_URL} is unreachable: {exc.orig}"
    finally:
        engine.dispose()
    return None


@pytest.fixture(scope="session")
def postgres_problem() -> str | None:
    problem = _postgres_reachable()
    if problem and os.environ.get("CI"):
        pytest.fail(f"{problem}; CI must run the PostgreSQL tests", pytrace=False)
    return problem


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_problem: str | None
) -> Iterator[str]:
    """Yield the URL of an empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sislink.db'}"
        return
    if postgres_problem:
        pytest.skip(postgres_problem)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Yield an engine on a migrated, empty database."""
    store = create_store_engine(database_url)
    migrate(store)
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def grand_bend() -> Path:
    """Return the folder of the public Ed-Fi Grand Bend sample."""
    if not (GRAND_BEND / "Student.xml").is_file():
        pytest.fail(f"the Ed-Fi sample is missing at {GRAND_BEND}", pytrace=False)
    return GRAND_BEND
