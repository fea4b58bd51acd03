"""The pipeline's matching path on a stored person index, for ``bench.identity``.

Setup, not timed, writes the district side of a student set to a database
through the store's own functions. It writes one district, one submission,
and a person with a current student version per district record
(``insert_versions``, which also writes the blocking keys). The packaged
model is stored as the newest model. A database is set up once per
district size and reused.

The timed part is ``IndexMatcher.match`` on all incoming students in one
call, in a transaction that is rolled back: it computes the incoming keys,
reads the index versions that share one, featurizes them, predicts with
Splink and decides. A reused index whose keys were computed with other
blocking rules is re-keyed during setup.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text

from sislink.link.engine import Candidate, Decision, Thresholds
from sislink.link.features import Person
from sislink.link.matcher import IndexMatcher
from sislink.link.model import default_model
from sislink.link.synthetic import student_data
from sislink.model import Provenance, Record, RecordKind
from sislink.store.database import create_store_engine, migrate
from sislink.store.history import NewVersion, canonical_json, digest, insert_versions
from sislink.store.identity import save_model
from sislink.store.match_keys import ensure_current_keys
from sislink.store.organizations import add_organization, get_organization
from sislink.store.persons import create_persons
from sislink.store.schema import record_versions, submissions

BACKENDS = ("sqlite", "postgresql")
DISTRICT = "1964733"
CHARTER = "2000000"
INSERT_BATCH = 50_000
"""District versions written per ``insert_versions`` call during setup."""


def store_url(backend: str, district: int, cache: Path, postgres_url: str) -> str:
    """Return the URL of the benchmark's index database for one district size."""
    if backend == "sqlite":
        cache.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{cache / f'identity-index-{district}.db'}"
    schema = f"bench_identity_{district}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    return f"{postgres_url}?options=-csearch_path%3D{schema}"


def prepare_index(url: str, district: Sequence[Person]) -> bool:
    """Write ``district`` as the person index unless it is there already.

    Returns whether it wrote anything. Everything is written in one
    transaction, so an interrupted setup leaves no partial index.
    """
    engine = create_store_engine(url)
    try:
        migrate(engine)
        with engine.begin() as connection:
            found = connection.execute(
                text("SELECT count(*) FROM organizations WHERE code = :code"),
                {"code": DISTRICT},
            ).scalar_one()
            if found:
                # A cached index keyed by older rules is re-keyed here, untimed,
                # not inside the measured match.
                ensure_current_keys(connection)
                return False
            district_id = add_organization(
                connection, DISTRICT, "Bench District", "district"
            ).id
            add_organization(connection, CHARTER, "Bench Charter", "charter", DISTRICT)
            submission_id = _submission(connection, district_id)
            for start in range(0, len(district), INSERT_BATCH):
                batch = district[start : start + INSERT_BATCH]
                persons = create_persons(connection, len(batch), submission_id)
                versions = []
                for person, person_id in zip(batch, persons, strict=True):
                    data_json = canonical_json(student_data(person))
                    versions.append(
                        NewVersion(
                            RecordKind.STUDENT.value,
                            person.unique_id,
                            person_id,
                            data_json,
                            digest(data_json),
                            None,
                            "students.csv",
                            start + len(versions) + 2,
                            None,
                        )
                    )
                insert_versions(connection, district_id, submission_id, versions)
            thresholds = Thresholds()
            save_model(
                connection,
                default_model(),
                trained_records=0,
                link_threshold=thresholds.link,
                review_threshold=thresholds.review,
                actor="bench",
            )
        return True
    finally:
        engine.dispose()


def _submission(connection: Any, organization_id: int) -> int:
    submission_id: int = connection.execute(
        insert(submissions)
        .values(
            organization_id=organization_id,
            format="sislink-csv",
            mode="snapshot",
            status="committed",
            kinds=[RecordKind.STUDENT.value],
            counts={},
            started_at=datetime.now(UTC),
            finished_at=datetime.now(UTC),
        )
        .returning(submissions.c.id)
    ).scalar_one()
    return submission_id


def write_cases(path: Path, incoming: Sequence[Person]) -> None:
    """Write the incoming students as canonical student data, one JSON list."""
    path.write_text(json.dumps([student_data(p) for p in incoming]), encoding="utf-8")


def match_stored(
    url: str, cases: Path, thresholds: Thresholds
) -> tuple[list[Decision], float]:
    """Time the pipeline's matcher on the incoming students of ``cases``.

    Returns the decisions, with district record ids as candidates, and the
    wall seconds of the match alone.
    """
    students = json.loads(cases.read_text(encoding="utf-8"))
    records = [
        Record(
            RecordKind.STUDENT,
            str(data["local_student_id"]),
            data,
            Provenance("students.csv", line),
        )
        for line, data in enumerate(students, start=2)
    ]
    engine = create_store_engine(url)
    try:
        with engine.connect() as connection:
            charter = get_organization(connection, CHARTER)
            started = time.perf_counter()
            outcomes = IndexMatcher(thresholds=thresholds).match(
                connection, charter, records
            )
            seconds = time.perf_counter() - started
            persons = {o.person_id for o in outcomes if o.person_id is not None}
            district_ids = _district_ids(connection, persons)
            connection.rollback()
    finally:
        engine.dispose()
    decisions = []
    for record, outcome in zip(records, outcomes, strict=True):
        candidate = None
        if outcome.person_id is not None:
            candidate = Candidate(
                district_ids[outcome.person_id],
                outcome.probability or 0.0,
                outcome.weight or 0.0,
                (),
            )
        decisions.append(Decision(record.key, outcome.decision, candidate))
    return decisions, seconds


def _district_ids(connection: Any, person_ids: set[int]) -> dict[int, str]:
    columns = record_versions.c
    ordered = sorted(person_ids)
    found: dict[int, str] = {}
    for start in range(0, len(ordered), 900):
        query = select(columns.person_id, columns.record_key).where(
            columns.person_id.in_(ordered[start : start + 900])
        )
        found.update((person_id, key) for person_id, key in connection.execute(query))
    return found
