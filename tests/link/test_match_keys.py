"""Stored blocking keys: written on every path into the person index, and the
candidate path's decisions equal to those of matching against the full index.

Every storage test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, select, text, update

from sislink.formats.sislink_csv import write_kind
from sislink.link.corrections import (
    accept_review,
    merge_persons,
    reject_review,
    split_person,
)
from sislink.link.engine import Engine as MatchEngine
from sislink.link.engine import IndexRows, Thresholds
from sislink.link.features import STUDENT_FIELDS, Person, person_from_student
from sislink.link.keys import (
    key_value,
    person_keys,
    rules_fingerprint,
    student_ssid,
    version_keys,
    with_replacement,
)
from sislink.link.matcher import IndexMatcher
from sislink.link.model import BLOCKING_KEYS, default_model
from sislink.link.synthetic import build_linkage_set, student_data, student_versions
from sislink.link.trusted import NoMatcher
from sislink.model import Provenance, Record, RecordKind
from sislink.pipeline import SubmissionRequest, submit
from sislink.store.database import _alembic_config, create_store_engine
from sislink.store.history import canonical_json, insert_versions
from sislink.store.identity import list_decisions, load_replacements, replacements_for
from sislink.store.match_keys import (
    candidate_versions,
    ensure_current_keys,
    index_size,
)
from sislink.store.organizations import add_organization, get_organization
from sislink.store.persons import IdentifierType, create_persons
from sislink.store.schema import (
    CURRENT_PERSON_STUDENT,
    match_key_sets,
    match_keys,
    person_identifiers,
    record_versions,
    submissions,
)

DISTRICT = "1964733"
DISTRICT_SCHOOL = "1000009"
CHARTER = "2000000"
SCHOOL = "1000001"
HOLD_ALL = Thresholds(link=0.999999999, review=0.01)


def student(
    local_id: str, ssid: str | None, first: str, last: str, born: str
) -> dict[str, Any]:
    return {
        "local_student_id": local_id,
        "state_student_id": ssid,
        "first_name": first,
        "last_surname": last,
        "birth_date": born,
        "sex": "F",
        "postal_code": "90210",
    }


DISTRICT_STUDENTS = [
    student("90001", "0012345678", "María", "García López", "2015-03-02"),
    student("90002", "0023456789", "Olivia", "Smith", "2014-09-30"),
    student("90003", "0034567890", "Liam", "Nguyen", "2016-01-17"),
]


def send(
    engine: Engine,
    organization: str,
    folder: Path,
    students: list[dict[str, Any]],
    matcher: Any = None,
) -> Any:
    school = DISTRICT_SCHOOL if organization == DISTRICT else SCHOOL
    write_kind(folder, RecordKind.STUDENT, students)
    enrollments = [
        {
            "local_student_id": s["local_student_id"],
            "school_id": school,
            "entry_date": "2026-08-19",
            "entry_grade_level": "05",
            "enrollment_status": "10",
        }
        for s in students
    ]
    write_kind(folder, RecordKind.ENROLLMENT, enrollments)
    request = SubmissionRequest(organization, "sislink-csv", [folder], matcher=matcher)
    return submit(engine, request)


@pytest.fixture
def hub(engine: Engine, tmp_path: Path) -> Engine:
    with engine.begin() as connection:
        add_organization(connection, DISTRICT, "Unified", "district")
        add_organization(connection, DISTRICT_SCHOOL, "Central", "school", DISTRICT)
        add_organization(connection, CHARTER, "Alpha Charter", "charter", DISTRICT)
        add_organization(connection, SCHOOL, "Alpha Elementary", "school", CHARTER)
    send(engine, DISTRICT, tmp_path / "district", DISTRICT_STUDENTS)
    return engine


def stored_keys(connection: Connection) -> set[tuple[int, int]]:
    rows = connection.execute(select(match_keys.c.key, match_keys.c.record_version_id))
    return {(key, version_id) for key, version_id in rows}


def expected_keys(connection: Connection) -> set[tuple[int, int]]:
    """Return the keys every index version should have, computed afresh."""
    columns = record_versions.c
    query = select(columns.id, columns.data).where(text(CURRENT_PERSON_STUDENT))
    versions = [(version_id, data) for version_id, data in connection.execute(query)]
    ssids = [ssid for _id, data in versions if (ssid := student_ssid(data))]
    return set(version_keys(versions, replacements_for(connection, ssids)))


def assert_keys_current(engine: Engine) -> None:
    with engine.connect() as connection:
        stored = stored_keys(connection)
        expected = expected_keys(connection)
    assert expected
    assert stored == expected


def current_version_id(engine: Engine, organization: str, local_id: str) -> int:
    columns = record_versions.c
    with engine.connect() as connection:
        organization_id = get_organization(connection, organization).id
        return int(
            connection.execute(
                select(columns.id).where(
                    columns.organization_id == organization_id,
                    columns.kind == RecordKind.STUDENT.value,
                    columns.record_key == local_id,
                    columns.valid_to_submission_id.is_(None),
                )
            ).scalar_one()
        )


def person_of(engine: Engine, organization: str, local_id: str) -> int:
    columns = person_identifiers.c
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(columns.person_id).where(
                    columns.identifier_type == IdentifierType.LOCAL,
                    columns.scope == organization,
                    columns.value == local_id,
                )
            ).scalar_one()
        )


def found_by_keys(engine: Engine, data: dict[str, Any]) -> dict[int, int]:
    """Return version id -> person of the index versions sharing a key with data."""
    person = person_from_student("incoming", data)
    with engine.connect() as connection:
        rows = candidate_versions(connection, person_keys(person, "incoming"))
    return {version_id: person_id for version_id, person_id, _data in rows}


def test_key_value_signed_64_bit() -> None:
    value = key_value("ssid", ["0012345678"])
    assert -(2**63) <= value < 2**63
    assert value == key_value("ssid", ["0012345678"])
    assert value != key_value("ssid_head", ["0012345678"])
    assert key_value("a+b", ["x", "yz"]) != key_value("a+b", ["xy", "z"])


def test_missing_column_gives_no_key() -> None:
    person = Person("1", "Ana", None, None, None, None, None, None)
    assert person_keys(person, "index") == []
    whole = Person("2", "Ana", None, "Ruiz", "2015-01-02", "F", "90210", "0012345678")
    assert len(person_keys(whole, "index")) == len(BLOCKING_KEYS)


def test_swapped_names_share_key() -> None:
    index = Person("1", "Ana", None, "Ruiz", "2015-03-02")
    incoming = Person("2", "Ruiz", None, "Ana", "2015-03-02")
    shared = set(person_keys(index, "index")) & set(person_keys(incoming, "incoming"))
    assert len(shared) == 1


def test_new_persons_get_keys(hub: Engine) -> None:
    assert_keys_current(hub)
    with hub.connect() as connection:
        assert index_size(connection) == len(DISTRICT_STUDENTS)
        fingerprint = connection.execute(select(match_key_sets.c.fingerprint))
        assert fingerprint.scalar_one() == rules_fingerprint()


def test_candidate_fields_read_as_whole_record(hub: Engine) -> None:
    with hub.connect() as connection:
        keys = [
            key
            for data in DISTRICT_STUDENTS
            for key in person_keys(person_from_student("x", data), "incoming")
        ]
        whole = candidate_versions(connection, keys)
        fields = candidate_versions(connection, keys, fields=STUDENT_FIELDS)
    assert len(whole) == len(DISTRICT_STUDENTS)
    assert [(i, p) for i, p, _ in fields] == [(i, p) for i, p, _ in whole]
    for (version_id, _p, data), (_i, _q, read) in zip(whole, fields, strict=True):
        assert set(read) <= set(STUDENT_FIELDS)
        key = str(version_id)
        assert person_from_student(key, read) == person_from_student(key, data)


def test_linked_student_gets_keys(hub: Engine, tmp_path: Path) -> None:
    incoming = [student("C1", None, "Maria", "Garcia", "2015-03-02")]
    result = send(hub, CHARTER, tmp_path / "c", incoming)
    assert result.persons.linked == 1
    assert_keys_current(hub)
    version_id = current_version_id(hub, CHARTER, "C1")
    found = found_by_keys(hub, incoming[0])
    assert found[version_id] == person_of(hub, DISTRICT, "90001")


def test_updated_version_replaces_keys(hub: Engine, tmp_path: Path) -> None:
    old_id = current_version_id(hub, DISTRICT, "90002")
    changed = [*DISTRICT_STUDENTS[:1], DISTRICT_STUDENTS[2]]
    changed.append(student("90002", "0023456789", "Olive", "Smithe", "2014-09-30"))
    send(hub, DISTRICT, tmp_path / "again", changed)
    new_id = current_version_id(hub, DISTRICT, "90002")
    assert new_id != old_id
    assert_keys_current(hub)
    with hub.connect() as connection:
        versions = {version_id for _key, version_id in stored_keys(connection)}
    assert old_id not in versions
    assert new_id in versions


def test_ended_student_loses_keys(hub: Engine, tmp_path: Path) -> None:
    old_id = current_version_id(hub, DISTRICT, "90003")
    send(hub, DISTRICT, tmp_path / "again", DISTRICT_STUDENTS[:2])
    assert_keys_current(hub)
    with hub.connect() as connection:
        versions = {version_id for _key, version_id in stored_keys(connection)}
        assert index_size(connection) == 2
    assert old_id not in versions


def test_review_accept_writes_keys(hub: Engine, tmp_path: Path) -> None:
    incoming = [student("C1", "0077777777", "Maria", "Garcia", "2015-03-02")]
    send(hub, CHARTER, tmp_path / "c", incoming, IndexMatcher(HOLD_ALL))
    assert_keys_current(hub)
    held_id = current_version_id(hub, CHARTER, "C1")
    assert held_id not in found_by_keys(hub, incoming[0])
    with hub.connect() as connection:
        (decision,) = list_decisions(connection, "pending", 10)
    with hub.begin() as connection:
        result = accept_review(connection, int(decision.id), "tester")
    assert_keys_current(hub)
    accepted_id = current_version_id(hub, CHARTER, "C1")
    assert found_by_keys(hub, incoming[0])[accepted_id] == result.person_id


def test_review_reject_writes_keys(hub: Engine, tmp_path: Path) -> None:
    incoming = [student("C1", "0077777777", "Maria", "Garcia", "2015-03-02")]
    send(hub, CHARTER, tmp_path / "c", incoming, IndexMatcher(HOLD_ALL))
    with hub.connect() as connection:
        (decision,) = list_decisions(connection, "pending", 10)
    with hub.begin() as connection:
        result = reject_review(connection, int(decision.id), "tester")
    assert_keys_current(hub)
    version_id = current_version_id(hub, CHARTER, "C1")
    assert found_by_keys(hub, incoming[0])[version_id] == result.person_id


def test_split_keeps_keys_usable(hub: Engine, tmp_path: Path) -> None:
    incoming = [student("C1", None, "Maria", "Garcia", "2015-03-02")]
    send(hub, CHARTER, tmp_path / "c", incoming)
    merged = person_of(hub, DISTRICT, "90001")
    with hub.begin() as connection:
        result = split_person(connection, merged, CHARTER, "C1", "tester")
    assert_keys_current(hub)
    found = found_by_keys(hub, incoming[0])
    assert found[current_version_id(hub, CHARTER, "C1")] == result.other_person_id
    assert found[current_version_id(hub, DISTRICT, "90001")] == merged


def test_merge_keeps_keys_usable(hub: Engine, tmp_path: Path) -> None:
    incoming = [student("C1", None, "Mary", "Smyth", "2011-01-01")]
    send(hub, CHARTER, tmp_path / "c", incoming, NoMatcher())
    keep = person_of(hub, DISTRICT, "90002")
    other = person_of(hub, CHARTER, "C1")
    with hub.begin() as connection:
        merge_persons(connection, keep, other, "tester")
    assert_keys_current(hub)
    found = found_by_keys(hub, incoming[0])
    assert found[current_version_id(hub, CHARTER, "C1")] == keep


def test_orphan_adoption_keeps_keys(hub: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "orphan"
    orphan = {
        "local_student_id": "C9",
        "school_id": SCHOOL,
        "entry_date": "2026-08-19",
        "entry_grade_level": "05",
        "enrollment_status": "10",
    }
    write_kind(folder, RecordKind.ENROLLMENT, [orphan])
    submit(hub, SubmissionRequest(CHARTER, "sislink-csv", [folder], snapshot=False))
    newcomer = [student("C9", None, "Zed", "Quill", "2012-12-12")]
    send(hub, CHARTER, tmp_path / "c", newcomer, NoMatcher())
    assert_keys_current(hub)
    version_id = current_version_id(hub, CHARTER, "C9")
    assert version_id in found_by_keys(hub, newcomer[0])


def test_replacements_rekey_index(hub: Engine) -> None:
    version_id = current_version_id(hub, DISTRICT, "90003")
    with hub.begin() as connection:
        load_replacements(connection, [("0034567890", "0055555555")], "pairs.csv")
    assert_keys_current(hub)
    retired_holder = student("C1", "0034567890", "Zoe", "Adams", "2010-10-10")
    assert version_id not in found_by_keys(hub, retired_holder)
    successor = student("C1", "0055555555", "Zoe", "Adams", "2010-10-10")
    assert version_id in found_by_keys(hub, successor)

    with hub.begin() as connection:
        load_replacements(connection, [("0055555555", "0066666666")], "more.csv")
    assert_keys_current(hub)
    last = student("C1", "0066666666", "Zoe", "Adams", "2010-10-10")
    assert version_id in found_by_keys(hub, last)


def test_stale_keys_rebuilt_by_matcher(hub: Engine) -> None:
    with hub.begin() as connection:
        connection.execute(match_keys.delete())
        connection.execute(update(match_key_sets).values(fingerprint="older rules"))
    record = Record(
        RecordKind.STUDENT,
        "C1",
        student("C1", None, "Maria", "Garcia", "2015-03-02"),
        Provenance("students.csv", 2),
    )
    with hub.begin() as connection:
        charter = get_organization(connection, CHARTER)
        (outcome,) = IndexMatcher().match(connection, charter, [record])
    assert outcome.decision == "link"
    assert_keys_current(hub)


def test_concurrent_stale_key_rebuilds_commit(hub: Engine) -> None:
    if hub.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time by design")
    with hub.begin() as connection:
        connection.execute(update(match_key_sets).values(fingerprint="older rules"))
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with hub.begin() as connection:
                ensure_current_keys(connection)
        except BaseException as exc:
            errors.append(exc)

    with hub.begin() as first:
        ensure_current_keys(first)
        waiting = threading.Thread(target=second)
        waiting.start()
        waiting.join(timeout=2)
        assert waiting.is_alive(), "the second rebuild did not wait for the first"
    waiting.join(timeout=60)
    assert not waiting.is_alive()
    assert errors == []
    assert_keys_current(hub)


def test_migration_backfills_keys(database_url: str) -> None:
    engine = create_store_engine(database_url)
    data = student("90001", "0012345678", "María", "García López", "2015-03-02")
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "0005")
            connection.execute(
                text(
                    "INSERT INTO organizations (code, name, kind, created_at) "
                    "VALUES ('1964733', 'Unified', 'district', CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO submissions (organization_id, format, mode, status, "
                    "kinds, counts, started_at) VALUES (1, 'sislink-csv', "
                    "'snapshot', 'committed', '[]', '{}', CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO persons (id, created_submission_id, created_at) "
                    "VALUES (1, 1, CURRENT_TIMESTAMP)"
                )
            )
            for version_id, person in ((1, "1"), (2, "NULL")):
                connection.execute(
                    text(
                        "INSERT INTO record_versions (id, organization_id, kind, "
                        "record_key, person_id, data, content_hash, "
                        f"valid_from_submission_id) VALUES ({version_id}, 1, "
                        f"'student', '9000{version_id}', {person}, :data, 'h', 1)"
                    ),
                    {"data": canonical_json(data)},
                )
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "head")
        with engine.connect() as connection:
            stored = stored_keys(connection)
            fingerprint = connection.execute(select(match_key_sets.c.fingerprint))
            assert fingerprint.scalar_one() == rules_fingerprint()
        person = person_from_student("1", data)
        assert stored == {(key, 1) for key in person_keys(person, "index")}
    finally:
        engine.dispose()


def _store_district(engine: Engine, district: list[Person]) -> None:
    """Write ``district`` as index students with their keys, one person each."""
    with engine.begin() as connection:
        organization_id = add_organization(
            connection, DISTRICT, "Unified", "district"
        ).id
        add_organization(connection, CHARTER, "Alpha Charter", "charter", DISTRICT)
        submission_id = connection.execute(
            submissions.insert()
            .values(
                organization_id=organization_id,
                format="sislink-csv",
                mode="snapshot",
                status="committed",
                kinds=[],
                counts={},
                started_at=text("CURRENT_TIMESTAMP"),
            )
            .returning(submissions.c.id)
        ).scalar_one()
        persons = create_persons(connection, len(district), submission_id)
        versions = student_versions(district, persons)
        insert_versions(connection, organization_id, submission_id, versions)


def test_candidates_decide_as_full_index(engine: Engine) -> None:
    linkage = build_linkage_set(3_000, 600, seed=5)
    _store_district(engine, linkage.district)
    records = [
        Record(
            RecordKind.STUDENT,
            person.unique_id,
            student_data(person),
            Provenance("students.csv", line),
        )
        for line, person in enumerate(linkage.incoming, start=2)
    ]
    with engine.connect() as connection:
        charter = get_organization(connection, CHARTER)
        outcomes = IndexMatcher().match(connection, charter, records)
        columns = record_versions.c
        rows = connection.execute(
            select(columns.id, columns.person_id, columns.data).where(
                text(CURRENT_PERSON_STUDENT)
            )
        ).all()

    full = IndexRows()
    for version_id, person_id, data in rows:
        full.add(person_from_student(str(version_id), data), str(person_id))
    incoming = [
        with_replacement(person_from_student(str(n), r.data), {})
        for n, r in enumerate(records)
    ]
    expected = MatchEngine(default_model(), Thresholds()).run(full, incoming)

    assert len(full.people) == 3_000
    assert len(outcomes) == len(expected)
    assert {d.decision for d in expected} == {"link", "review", "new"}
    for outcome, decision in zip(outcomes, expected, strict=True):
        candidate = decision.candidate
        runner_up = decision.runner_up
        assert outcome.decision == decision.decision, decision.incoming_id
        assert outcome.person_id == (int(candidate.entity) if candidate else None)
        if candidate is not None:
            assert outcome.probability == pytest.approx(candidate.probability)
            assert outcome.weight == pytest.approx(candidate.weight)
        assert outcome.runner_up_person_id == (
            int(runner_up.entity) if runner_up else None
        )
