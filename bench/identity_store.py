"""The pipeline's matching path on a stored person index, for ``bench.identity``.

Setup, not timed, writes the district side of a student set to a database
through the store's own functions. It writes one district, one submission,
and a person with a current student version per district record
(``insert_versions``, which also writes the blocking keys). The newest
stored model is one trained on the district and a separate sample of
charter records (``trained_model``), as ``sislink link train`` would be on
an index holding earlier charter records. A database is set up once per
district size and reused.

The timed part is ``IndexMatcher.match`` on all incoming students in one
call, in a transaction that is rolled back: it computes the incoming keys,
reads the index versions that share one, featurizes them, predicts with
Splink and decides. A reused index whose keys were computed with other
blocking rules is re-keyed during setup, and gets the trained model when
it holds another.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text

from sislink.link import features, frequencies, synthetic, training
from sislink.link.engine import Candidate, Contribution, Decision, Thresholds
from sislink.link.features import Person
from sislink.link.matcher import IndexMatcher
from sislink.link.model import untrained_model
from sislink.link.synthetic import build_linkage_set, student_data, student_versions
from sislink.link.training import train
from sislink.model import Provenance, Record, RecordKind
from sislink.store.database import create_store_engine, migrate
from sislink.store.history import insert_versions
from sislink.store.identity import newest_model, save_model
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


TRAINING_INCOMING = 30_000
"""Charter records of the separate sample the stored model is trained on."""


def trained_model(district: Sequence[Person], seed: int, cache: Path) -> dict[str, Any]:
    """Return the model trained on ``district`` and a separate charter sample.

    This stands for ``sislink link train`` run on an index that already
    contains earlier charter records: the sample pairs the same district with
    charter records drawn from another seed, so the measured incoming
    records are never trained on. The sample has at most as many records
    as the district, since half of its records copy district students. The
    model is cached in ``cache`` under a name that changes with the model's
    comparisons, the training and feature code, the generator and the sizes.
    """
    size = min(TRAINING_INCOMING, len(district))
    recipe = json.dumps(untrained_model(), sort_keys=True)
    for module in (training, features, frequencies, synthetic):
        recipe += inspect.getsource(module)
    recipe += f"|{len(district)}|{size}|{seed}"
    tag = hashlib.sha256(recipe.encode()).hexdigest()[:16]
    path = cache / f"identity-model-{len(district)}-{tag}.json"
    if path.is_file():
        cached: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return cached
    sample = build_linkage_set(len(district), size, seed, incoming_seed=seed + 1)
    model = train(district, sample.incoming)
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model), encoding="utf-8")
    return model


def prepare_index(url: str, district: Sequence[Person], model: dict[str, Any]) -> bool:
    """Write ``district`` as the person index, with ``model`` as the newest model.

    An index written before is reused: its keys are rebuilt if they are
    stale, and ``model`` is stored if it is not the newest model. Returns
    whether the index was written. Everything is written in one
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
                # NOTE: a cached index is reused whichever generator wrote it:
                # after changing sislink.link.synthetic, delete the cache folder
                # and the bench_identity_* PostgreSQL schema.
                # A cached index keyed by older rules is re-keyed here, untimed,
                # not inside the measured match.
                ensure_current_keys(connection)
                stored = newest_model(connection)
                if stored is None or stored.model != model:
                    _store_model(connection, model)
                return False
            district_id = add_organization(
                connection, DISTRICT, "Bench District", "district"
            ).id
            add_organization(connection, CHARTER, "Bench Charter", "charter", DISTRICT)
            submission_id = _submission(connection, district_id)
            for start in range(0, len(district), INSERT_BATCH):
                batch = district[start : start + INSERT_BATCH]
                persons = create_persons(connection, len(batch), submission_id)
                versions = student_versions(
                    batch, persons, "students.csv", first_line=start + 2
                )
                insert_versions(connection, district_id, submission_id, versions)
            _store_model(connection, model)
        return True
    finally:
        engine.dispose()


def _store_model(connection: Any, model: dict[str, Any]) -> None:
    thresholds = Thresholds()
    save_model(
        connection,
        model,
        trained_records=0,
        link_threshold=thresholds.link,
        review_threshold=thresholds.review,
        actor="bench",
    )


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
                tuple(
                    Contribution(row["comparison"], row["level"], row["weight"])
                    for row in outcome.contributions
                ),
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
