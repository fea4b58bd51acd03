"""The matcher in the pipeline, the review queue, split and merge, on both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select

from sislink.errors import UsageError
from sislink.formats.sislink_csv import write_kind
from sislink.link.corrections import (
    accept_review,
    merge_persons,
    reject_review,
    split_person,
)
from sislink.link.engine import Thresholds
from sislink.link.matcher import IndexMatcher
from sislink.link.trusted import NoMatcher
from sislink.model import RecordKind
from sislink.pipeline import SubmissionRequest, submit
from sislink.store.identity import list_decisions, load_replacements
from sislink.store.organizations import add_organization
from sislink.store.persons import IdentifierType
from sislink.store.schema import (
    audit_events,
    metadata,
    person_identifiers,
    record_versions,
)

DISTRICT = "1964733"
DISTRICT_SCHOOL = "1000009"
CHARTER = "2000000"
SCHOOL = "1000001"

HOLD_ALL = Thresholds(link=0.999999999, review=0.01)
"""Sends every plausible match to review, so tests can build a queue."""


def student(
    local_id: str, ssid: str | None, first: str, last: str, born: str, **extra: Any
) -> dict[str, Any]:
    return {
        "local_student_id": local_id,
        "state_student_id": ssid,
        "first_name": first,
        "last_surname": last,
        "birth_date": born,
        "sex": "F",
        "postal_code": "90210",
        **extra,
    }


def enrollment(local_id: str, school: str = SCHOOL) -> dict[str, Any]:
    return {
        "local_student_id": local_id,
        "school_id": school,
        "entry_date": "2026-08-19",
        "entry_grade_level": "05",
        "enrollment_status": "10",
    }


DISTRICT_STUDENTS = [
    student(
        "90001", "0012345678", "María", "García López", "2015-03-02", middle_name="José"
    ),
    student("90002", "0023456789", "Olivia", "Smith", "2014-09-30"),
    student("90003", "0034567890", "Liam", "Nguyen", "2016-01-17"),
]


@pytest.fixture
def hub(engine: Engine, tmp_path: Path) -> Engine:
    with engine.begin() as connection:
        add_organization(connection, DISTRICT, "Unified", "district")
        add_organization(connection, DISTRICT_SCHOOL, "Central", "school", DISTRICT)
        add_organization(connection, CHARTER, "Alpha Charter", "charter", DISTRICT)
        add_organization(connection, SCHOOL, "Alpha Elementary", "school", CHARTER)
    folder = tmp_path / "district"
    write_kind(folder, RecordKind.STUDENT, DISTRICT_STUDENTS)
    write_kind(
        folder,
        RecordKind.ENROLLMENT,
        [enrollment(s["local_student_id"], DISTRICT_SCHOOL) for s in DISTRICT_STUDENTS],
    )
    result = submit(engine, SubmissionRequest(DISTRICT, "sislink-csv", [folder]))
    assert result.persons.created == 3
    return engine


def charter_submit(
    engine: Engine, folder: Path, students: list[dict[str, Any]], matcher: Any = None
) -> Any:
    write_kind(folder, RecordKind.STUDENT, students)
    write_kind(
        folder,
        RecordKind.ENROLLMENT,
        [enrollment(s["local_student_id"]) for s in students],
    )
    return submit(
        engine, SubmissionRequest(CHARTER, "sislink-csv", [folder], matcher=matcher)
    )


def person_of(engine: Engine, organization: str, local_id: str) -> int | None:
    columns = person_identifiers.c
    with engine.connect() as connection:
        return connection.execute(
            select(columns.person_id).where(
                columns.identifier_type == IdentifierType.LOCAL,
                columns.scope == organization,
                columns.value == local_id,
            )
        ).scalar_one_or_none()


def current_people(engine: Engine, local_id: str) -> set[int | None]:
    columns = record_versions.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(columns.person_id, columns.data).where(
                columns.valid_to_submission_id.is_(None)
            )
        )
        return {p for p, data in rows if data.get("local_student_id") == local_id}


def test_schema_matches_metadata(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_unknown_student_links_by_matcher(hub: Engine, tmp_path: Path) -> None:
    incoming = [
        student("C1", None, "Maria", "Garcia", "2015-03-02", middle_name="Jose")
    ]
    result = charter_submit(hub, tmp_path / "c", incoming)
    assert result.persons.linked == 1
    assert result.persons.created == 0
    assert person_of(hub, CHARTER, "C1") == person_of(hub, DISTRICT, "90001")
    with hub.connect() as connection:
        decisions = list_decisions(connection, "decided", 10)
    assert len(decisions) == 1
    assert decisions[0].decision == "link"
    comparisons = {c["comparison"] for c in decisions[0].contributions}
    assert {"first_name", "surname", "birth_date"} <= comparisons


def test_no_matcher_creates_person(hub: Engine, tmp_path: Path) -> None:
    incoming = [student("C1", None, "Maria", "Garcia", "2015-03-02")]
    result = charter_submit(hub, tmp_path / "c", incoming, NoMatcher())
    assert result.persons.created == 1
    assert person_of(hub, CHARTER, "C1") != person_of(hub, DISTRICT, "90001")


def test_twin_is_never_linked(hub: Engine, tmp_path: Path) -> None:
    twin = [student("C1", "0099999999", "Sofía", "García López", "2015-03-02")]
    result = charter_submit(hub, tmp_path / "c", twin)
    assert result.persons.linked == 0
    assert person_of(hub, CHARTER, "C1") != person_of(hub, DISTRICT, "90001")


def test_review_holds_records(hub: Engine, tmp_path: Path) -> None:
    incoming = [student("C1", None, "Maria", "Garcia", "2015-03-02")]
    result = charter_submit(hub, tmp_path / "c", incoming, IndexMatcher(HOLD_ALL))
    assert result.persons.review == 1
    assert result.kinds[RecordKind.ENROLLMENT].rejected == 0
    assert result.kinds[RecordKind.ENROLLMENT].inserted == 1
    assert person_of(hub, CHARTER, "C1") is None
    assert current_people(hub, "C1") == {None}

    again = charter_submit(hub, tmp_path / "c2", incoming, IndexMatcher(HOLD_ALL))
    assert again.persons.review == 1
    with hub.connect() as connection:
        assert len(list_decisions(connection, "pending", 10)) == 1


def _queue_one(hub: Engine, tmp_path: Path) -> int:
    incoming = [student("C1", "0077777777", "Maria", "Garcia", "2015-03-02")]
    charter_submit(hub, tmp_path / "c", incoming, IndexMatcher(HOLD_ALL))
    with hub.connect() as connection:
        (decision,) = list_decisions(connection, "pending", 10)
    return int(decision.id)


def test_accept_applies_held_records(hub: Engine, tmp_path: Path) -> None:
    decision_id = _queue_one(hub, tmp_path)
    with hub.begin() as connection:
        result = accept_review(connection, decision_id, "tester")
    district_person = person_of(hub, DISTRICT, "90001")
    assert result.person_id == district_person
    assert result.records_moved == 2
    assert person_of(hub, CHARTER, "C1") == district_person
    assert current_people(hub, "C1") == {district_person}
    with hub.connect() as connection:
        closed = (
            connection.execute(
                select(record_versions.c.person_id).where(
                    record_versions.c.valid_to_submission_id.is_not(None)
                )
            )
            .scalars()
            .all()
        )
        actions = connection.execute(select(audit_events.c.action)).scalars().all()
    assert closed.count(None) == 2
    assert "review-accepted" in actions


def test_accept_twice_is_refused(hub: Engine, tmp_path: Path) -> None:
    decision_id = _queue_one(hub, tmp_path)
    with hub.begin() as connection:
        accept_review(connection, decision_id, "tester")
    with pytest.raises(UsageError, match="not waiting"), hub.begin() as connection:
        accept_review(connection, decision_id, "tester")


def test_reject_creates_person(hub: Engine, tmp_path: Path) -> None:
    decision_id = _queue_one(hub, tmp_path)
    with hub.begin() as connection:
        result = reject_review(connection, decision_id, "tester")
    assert result.person_id != person_of(hub, DISTRICT, "90001")
    assert person_of(hub, CHARTER, "C1") == result.person_id
    assert current_people(hub, "C1") == {result.person_id}
    columns = person_identifiers.c
    with hub.connect() as connection:
        ssid_owner = connection.execute(
            select(columns.person_id).where(columns.value == "0077777777")
        ).scalar_one()
    assert ssid_owner == result.person_id


def test_split_undoes_false_merge(hub: Engine, tmp_path: Path) -> None:
    incoming = [
        student("C1", None, "Maria", "Garcia", "2015-03-02", middle_name="Jose")
    ]
    charter_submit(hub, tmp_path / "c", incoming)
    merged = person_of(hub, DISTRICT, "90001")
    assert person_of(hub, CHARTER, "C1") == merged
    assert merged is not None
    with hub.begin() as connection:
        result = split_person(connection, merged, CHARTER, "C1", "tester")
    assert result.other_person_id is not None
    assert person_of(hub, CHARTER, "C1") == result.other_person_id
    assert person_of(hub, DISTRICT, "90001") == merged
    assert current_people(hub, "C1") == {result.other_person_id}
    assert current_people(hub, "90001") == {merged}
    with hub.connect() as connection:
        decisions = list_decisions(connection, "split", 10)
    assert len(decisions) == 1


def test_split_rejects_foreign_local_id(hub: Engine) -> None:
    person = person_of(hub, DISTRICT, "90001")
    assert person is not None
    with pytest.raises(UsageError, match="no local student id"), hub.begin() as c:
        split_person(c, person, CHARTER, "C404", "tester")


def test_merge_joins_persons(hub: Engine, tmp_path: Path) -> None:
    incoming = [student("C1", None, "Mary", "Smyth", "2011-01-01")]
    charter_submit(hub, tmp_path / "c", incoming, NoMatcher())
    keep = person_of(hub, DISTRICT, "90002")
    other = person_of(hub, CHARTER, "C1")
    assert keep is not None
    assert other is not None
    assert keep != other
    with hub.begin() as connection:
        result = merge_persons(connection, keep, other, "tester")
    assert result.records_moved == 2
    assert person_of(hub, CHARTER, "C1") == keep
    assert current_people(hub, "C1") == {keep}
    with pytest.raises(UsageError, match="already merged"), hub.begin() as c:
        merge_persons(c, keep, other, "tester")


def test_retired_ssid_links_to_replacement(hub: Engine, tmp_path: Path) -> None:
    with hub.begin() as connection:
        load_replacements(connection, [("0011111111", "0034567890")], "pairs.csv")
    incoming = [student("C1", "0011111111", "Zoe", "Adams", "2010-10-10")]
    result = charter_submit(hub, tmp_path / "c", incoming, NoMatcher())
    assert result.persons.linked == 1
    assert person_of(hub, CHARTER, "C1") == person_of(hub, DISTRICT, "90003")
