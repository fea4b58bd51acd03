"""The matcher in the pipeline, the review queue, split and merge, on both databases.

The review tests build their submissions by hand: a district of three
students, a charter whose student C1 waits for review beside C2, and the
later submission or correction under test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select, update

from sislink import pipeline
from sislink.errors import UsageError
from sislink.formats.sislink_csv import write_kind
from sislink.held import confirm_held
from sislink.link.corrections import (
    accept_review,
    candidate_changes,
    merge_persons,
    reject_review,
    split_person,
)
from sislink.link.engine import Thresholds
from sislink.link.matcher import IndexMatcher
from sislink.link.trusted import NoMatcher
from sislink.model import RecordKind
from sislink.pipeline import SubmissionRequest, submit
from sislink.store.database import _alembic_config
from sislink.store.identity import (
    get_decision,
    list_decisions,
    load_replacements,
    match_decisions,
)
from sislink.store.organizations import add_organization
from sislink.store.persons import IdentifierType
from sislink.store.schema import (
    audit_events,
    changes,
    metadata,
    person_identifiers,
    record_versions,
)
from sislink.validate.guard import GuardLimits

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
    engine: Engine,
    folder: Path,
    students: list[dict[str, Any]],
    matcher: Any = None,
    **options: Any,
) -> Any:
    write_kind(folder, RecordKind.STUDENT, students)
    write_kind(
        folder,
        RecordKind.ENROLLMENT,
        [enrollment(s["local_student_id"]) for s in students],
    )
    request = SubmissionRequest(
        CHARTER, "sislink-csv", [folder], matcher=matcher, **options
    )
    return submit(engine, request)


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


# --- What later submissions and corrections do to a pending review ---------


def submit_students(
    engine: Engine, folder: Path, students: list[dict[str, Any]], **options: Any
) -> Any:
    """Submit a snapshot of the charter's students alone; enrollments stay."""
    write_kind(folder, RecordKind.STUDENT, students)
    return submit(
        engine, SubmissionRequest(CHARTER, "sislink-csv", [folder], **options)
    )


def decision_row(engine: Engine, decision_id: int) -> Any:
    with engine.connect() as connection:
        return get_decision(connection, decision_id)


def codes(result: Any) -> list[str]:
    return [finding.code for finding in result.findings]


HELD = student("C1", "0077777777", "Maria", "Garcia", "2015-03-02")
OTHER = student("C2", None, "Zoe", "Adams", "2010-10-10")


def _queue_with_other(hub: Engine, tmp_path: Path) -> int:
    """Hold C1 for review beside C2, a new person; return C1's decision id."""
    result = charter_submit(hub, tmp_path / "q", [HELD, OTHER], IndexMatcher(HOLD_ALL))
    assert result.persons.review == 1
    assert result.persons.created == 1
    with hub.connect() as connection:
        (decision,) = list_decisions(connection, "pending", 10)
    return int(decision.id)


def test_left_out_student_withdraws_review(hub: Engine, tmp_path: Path) -> None:
    decision_id = _queue_with_other(hub, tmp_path)
    result = charter_submit(hub, tmp_path / "s", [OTHER], NoMatcher())
    assert result.status == "committed"

    decision = decision_row(hub, decision_id)
    assert decision.status == "withdrawn"
    assert decision.resolved_submission_id == result.submission_id
    assert decision.reason.startswith(f"submission {result.submission_id} left")
    assert decision.person_id is None
    (finding,) = [f for f in result.findings if f.code == "review-withdrawn"]
    assert finding.record_key == "C1"
    assert f"match decision {decision_id}" in finding.message
    assert "left the student out of a full snapshot" in finding.message
    with hub.connect() as connection:
        assert list_decisions(connection, "pending", 10) == []


def test_withdrawn_review_refuses_accept(hub: Engine, tmp_path: Path) -> None:
    decision_id = _queue_with_other(hub, tmp_path)
    later = charter_submit(hub, tmp_path / "s", [OTHER], NoMatcher())
    for resolve in (accept_review, reject_review):
        with pytest.raises(UsageError) as raised, hub.begin() as connection:
            resolve(connection, decision_id, "tester")
        message = str(raised.value)
        assert f"match decision {decision_id} (local id C1 of {CHARTER})" in message
        assert "was withdrawn" in message
        assert f"submission {later.submission_id} left the student out" in message
        assert "Nothing was linked or moved." in message
    assert person_of(hub, CHARTER, "C1") is None
    assert decision_row(hub, decision_id).status == "withdrawn"


def test_delta_removal_withdraws_review(hub: Engine, tmp_path: Path) -> None:
    decision_id = _queue_with_other(hub, tmp_path)
    deletes = tmp_path / "deletes"
    deletes.mkdir()
    (deletes / "students-deletes.json").write_text(
        '[{"id": "d1", "changeVersion": 5, "keyValues": {"studentUniqueId": "C1"}}]',
        encoding="utf-8",
    )
    result = submit(
        hub, SubmissionRequest(CHARTER, "edfi-json", [deletes], snapshot=False)
    )
    assert result.status == "committed"
    assert result.kinds[RecordKind.STUDENT].ended == 1

    decision = decision_row(hub, decision_id)
    assert decision.status == "withdrawn"
    assert "removed the student" in decision.reason
    (finding,) = [f for f in result.findings if f.code == "review-withdrawn"]
    assert finding.provenance is not None
    assert finding.provenance.file == "students-deletes.json"
    # The delta named the student alone, so its enrollment stays, unlinked.
    assert current_people(hub, "C1") == {None}


def test_withdrawn_student_returns_linked(hub: Engine, tmp_path: Path) -> None:
    decision_id = _queue_with_other(hub, tmp_path)
    submit_students(hub, tmp_path / "s", [OTHER], matcher=NoMatcher())
    assert decision_row(hub, decision_id).status == "withdrawn"
    # The students-only snapshot ended the student and kept its enrollment.
    assert current_people(hub, "C1") == {None}

    back = charter_submit(hub, tmp_path / "b", [HELD, OTHER], NoMatcher())
    assert back.persons.created == 1
    person = person_of(hub, CHARTER, "C1")
    assert person is not None
    # The enrollment came again unchanged and moved to the student's person.
    assert back.kinds[RecordKind.ENROLLMENT].unchanged == 2
    assert back.kinds[RecordKind.ENROLLMENT].updated == 1
    assert current_people(hub, "C1") == {person}
    with hub.connect() as connection:
        feed = connection.execute(
            select(changes.c.kind, changes.c.operation, changes.c.person_id).where(
                changes.c.submission_id == back.submission_id
            )
        ).all()
    assert ("enrollment", "update", person) in feed
    with pytest.raises(UsageError) as raised, hub.begin() as connection:
        accept_review(connection, decision_id, "tester")
    assert f"The student now belongs to person {person}" in str(raised.value)


def test_changed_record_linked_by_identifier(hub: Engine, tmp_path: Path) -> None:
    decision_id = _queue_with_other(hub, tmp_path)
    district_person = person_of(hub, DISTRICT, "90001")
    changed = {**HELD, "state_student_id": "0012345678"}
    result = charter_submit(hub, tmp_path / "c", [changed, OTHER], NoMatcher())
    assert result.persons.linked == 2
    assert result.persons.review == 0

    decision = decision_row(hub, decision_id)
    assert decision.status == "superseded"
    assert decision.person_id == district_person
    assert decision.resolved_submission_id == result.submission_id
    assert f"linked to person {district_person} by its identifiers" in decision.reason
    (finding,) = [f for f in result.findings if f.code == "review-superseded"]
    assert finding.record_key == "C1"
    assert f"match decision {decision_id}" in finding.message
    assert person_of(hub, CHARTER, "C1") == district_person
    # The unchanged enrollment that waited with the review moved too.
    assert current_people(hub, "C1") == {district_person}


def test_changed_record_made_new_person(hub: Engine, tmp_path: Path) -> None:
    decision_id = _queue_with_other(hub, tmp_path)
    changed = {**HELD, "first_name": "Marisol"}
    result = charter_submit(hub, tmp_path / "c", [changed, OTHER], NoMatcher())
    assert result.persons.created == 1

    decision = decision_row(hub, decision_id)
    person = person_of(hub, CHARTER, "C1")
    assert decision.status == "superseded"
    assert decision.person_id == person
    assert f"made new person {person}" in decision.reason
    assert current_people(hub, "C1") == {person}


def test_changed_record_held_again(hub: Engine, tmp_path: Path) -> None:
    old_id = _queue_with_other(hub, tmp_path)
    changed = {**HELD, "postal_code": "90001"}
    result = charter_submit(
        hub, tmp_path / "c", [changed, OTHER], IndexMatcher(HOLD_ALL)
    )
    assert result.persons.review == 1
    with hub.connect() as connection:
        (pending,) = list_decisions(connection, "pending", 10)
    assert pending.id > old_id
    assert pending.record_key == "C1"
    old = decision_row(hub, old_id)
    assert old.status == "superseded"
    assert f"held for review again as match decision {pending.id}" in old.reason
    assert current_people(hub, "C1") == {None}

    with pytest.raises(UsageError) as raised, hub.begin() as connection:
        accept_review(connection, old_id, "tester")
    assert f"Review match decision {pending.id} instead" in str(raised.value)
    with hub.begin() as connection:
        accepted = accept_review(connection, pending.id, "tester")
    assert accepted.records_moved == 2
    assert current_people(hub, "C1") == {person_of(hub, DISTRICT, "90001")}


def test_unchanged_values_keep_review(hub: Engine, tmp_path: Path) -> None:
    decision_id = _queue_with_other(hub, tmp_path)
    # A lower-case sex code is other source text for the same stored value.
    same = {**HELD, "sex": "f"}
    result = charter_submit(hub, tmp_path / "s", [same, OTHER], IndexMatcher(HOLD_ALL))
    assert result.kinds[RecordKind.STUDENT].unchanged == 2
    assert result.persons.review == 1
    assert "review-superseded" not in codes(result)
    assert decision_row(hub, decision_id).status == "pending"
    with hub.connect() as connection:
        assert len(list_decisions(connection, "pending", 10)) == 1


def test_rejected_change_keeps_review(hub: Engine, tmp_path: Path) -> None:
    decision_id = _queue_with_other(hub, tmp_path)
    # The SSID is student 90002's and the district id student 90001's.
    conflicting = {
        **HELD,
        "state_student_id": "0023456789",
        "district_student_id": "90001",
    }
    result = charter_submit(hub, tmp_path / "c", [conflicting, OTHER], NoMatcher())
    assert "identifier-conflict" in codes(result)
    assert "review-superseded" not in codes(result)
    assert decision_row(hub, decision_id).status == "pending"
    with hub.begin() as connection:
        accepted = accept_review(connection, decision_id, "tester")
    assert accepted.records_moved == 2


def test_held_submission_keeps_review(hub: Engine, tmp_path: Path) -> None:
    decision_id = _queue_with_other(hub, tmp_path)
    strict = GuardLimits(share=0.01, minimum=1)
    held = charter_submit(hub, tmp_path / "s", [OTHER], NoMatcher(), limits=strict)
    assert held.status == "held"
    assert "review-withdrawn" not in codes(held)
    assert decision_row(hub, decision_id).status == "pending"

    assert held.submission_id is not None
    confirmed = confirm_held(hub, held.submission_id, "tester")
    decision = decision_row(hub, decision_id)
    assert decision.status == "withdrawn"
    assert decision.resolved_submission_id == confirmed.submission_id
    assert "review-withdrawn" in codes(confirmed)


def test_dry_run_reports_withdrawal_only(hub: Engine, tmp_path: Path) -> None:
    decision_id = _queue_with_other(hub, tmp_path)
    folder = tmp_path / "s"
    write_kind(folder, RecordKind.STUDENT, [OTHER])
    result = submit(
        hub, SubmissionRequest(CHARTER, "sislink-csv", [folder], dry_run=True)
    )
    assert result.status == "dry-run"
    assert "review-withdrawn" in codes(result)
    assert decision_row(hub, decision_id).status == "pending"


def test_enrollment_before_student_moves(
    hub: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decision_id = _queue_with_other(hub, tmp_path)
    district_person = person_of(hub, DISTRICT, "90001")
    # One record per batch and the enrollment file first: the changed
    # enrollment is stored before its student is linked again.
    monkeypatch.setattr(pipeline, "BATCH_SIZE", 1)
    real_reader = pipeline.get_reader

    def enrollments_first(*args: Any) -> Any:
        reader = real_reader(*args)
        collect = reader.collect
        reader.collect = lambda paths: sorted(  # type: ignore[method-assign]
            collect(paths), key=lambda path: path.name != "enrollments.csv"
        )
        return reader

    monkeypatch.setattr(pipeline, "get_reader", enrollments_first)
    folder = tmp_path / "c"
    changed = {**HELD, "state_student_id": "0012345678"}
    write_kind(folder, RecordKind.STUDENT, [changed, OTHER])
    write_kind(
        folder,
        RecordKind.ENROLLMENT,
        [{**enrollment("C1"), "entry_grade_level": "06"}, enrollment("C2")],
    )
    result = submit(
        hub, SubmissionRequest(CHARTER, "sislink-csv", [folder], matcher=NoMatcher())
    )
    assert result.status == "committed"
    assert decision_row(hub, decision_id).status == "superseded"
    assert current_people(hub, "C1") == {district_person}
    with hub.connect() as connection:
        versions = connection.execute(
            select(
                record_versions.c.valid_from_submission_id,
                record_versions.c.valid_to_submission_id,
            ).where(
                record_versions.c.kind == "enrollment",
                record_versions.c.record_key.startswith("C1|"),
            )
        ).all()
        feed = connection.execute(
            select(changes.c.operation, changes.c.person_id).where(
                changes.c.submission_id == result.submission_id,
                changes.c.kind == "enrollment",
                changes.c.record_key.startswith("C1|"),
            )
        ).all()
    # One version held, one linked; none that opened and closed in one run.
    assert len(versions) == 2
    assert all(start != end for start, end in versions)
    assert feed == [("update", district_person)]


def test_merged_candidate_followed(hub: Engine, tmp_path: Path) -> None:
    decision_id = _queue_with_other(hub, tmp_path)
    candidate = person_of(hub, DISTRICT, "90001")
    keep = person_of(hub, DISTRICT, "90003")
    assert candidate is not None
    assert keep is not None
    with hub.begin() as connection:
        merge_persons(connection, keep, candidate, "tester")
    with hub.connect() as connection:
        decision = get_decision(connection, decision_id)
        current, found = candidate_changes(connection, decision)
    assert current == keep
    assert [change.change for change in found] == ["merged"]
    assert found[0].person_id == candidate
    assert found[0].other_person_id == keep

    with hub.begin() as connection:
        accepted = accept_review(connection, decision_id, "tester")
    assert accepted.person_id == keep
    assert accepted.records_moved == 2
    assert accepted.notes == [
        f"candidate person {candidate} was merged into person {keep} after the decision"
    ]
    assert person_of(hub, CHARTER, "C1") == keep


OTHER_CHARTER = "3000000"


def _queue_beside_linked(hub: Engine, tmp_path: Path) -> tuple[int, int]:
    """Link another charter's student C9 to district student 90001's person by
    its SSID, then hold C1 for review with that person as candidate.

    Returns the decision id and the person.
    """
    with hub.begin() as connection:
        add_organization(connection, OTHER_CHARTER, "Beta Charter", "charter", DISTRICT)
    folder = tmp_path / "beta"
    linked = student("C9", "0012345678", "Maria", "Garcia", "2015-03-02")
    write_kind(folder, RecordKind.STUDENT, [linked])
    submit(hub, SubmissionRequest(OTHER_CHARTER, "sislink-csv", [folder]))
    person = person_of(hub, OTHER_CHARTER, "C9")
    assert person == person_of(hub, DISTRICT, "90001")
    assert person is not None
    charter_submit(hub, tmp_path / "q", [HELD], IndexMatcher(HOLD_ALL))
    with hub.connect() as connection:
        (decision,) = list_decisions(connection, "pending", 10)
    assert decision.candidate_person_id == person
    return int(decision.id), person


def test_split_candidate_named_on_accept(hub: Engine, tmp_path: Path) -> None:
    decision_id, person = _queue_beside_linked(hub, tmp_path)
    with hub.begin() as connection:
        split = split_person(connection, person, OTHER_CHARTER, "C9", "tester")
    with hub.connect() as connection:
        current, found = candidate_changes(
            connection, get_decision(connection, decision_id)
        )
    assert current == person
    (change,) = found
    assert change.change == "split"
    assert change.person_id == person
    assert change.other_person_id == split.other_person_id
    assert change.local_id == "C9"
    assert change.organization_code == OTHER_CHARTER

    with hub.begin() as connection:
        accepted = accept_review(connection, decision_id, "tester")
    assert accepted.person_id == person
    (note,) = accepted.notes
    moved = f"local id C9 of {OTHER_CHARTER} moved to person {split.other_person_id}"
    assert moved in note
    assert current_people(hub, "C1") == {person}


def test_emptied_candidate_refuses_accept(hub: Engine, tmp_path: Path) -> None:
    decision_id = _queue_with_other(hub, tmp_path)
    candidate = person_of(hub, DISTRICT, "90001")
    assert candidate is not None
    with hub.begin() as connection:
        split = split_person(connection, candidate, DISTRICT, "90001", "tester")
    with pytest.raises(UsageError) as raised, hub.begin() as connection:
        accept_review(connection, decision_id, "tester")
    message = str(raised.value)
    assert f"match decision {decision_id} cannot be accepted" in message
    assert f"moved its records to person {split.other_person_id}" in message
    assert decision_row(hub, decision_id).status == "pending"
    with hub.begin() as connection:
        rejected = reject_review(connection, decision_id, "tester")
    assert rejected.records_moved == 2


def reopen_review(engine: Engine, decision_id: int) -> None:
    """Set a closed review back to pending, as releases before closing left it."""
    with engine.begin() as connection:
        connection.execute(
            update(match_decisions)
            .where(match_decisions.c.id == decision_id)
            .values(
                status="pending",
                reason=None,
                resolved_submission_id=None,
                resolved_at=None,
                resolved_by=None,
            )
        )


def test_migration_withdraws_stale_reviews(hub: Engine, tmp_path: Path) -> None:
    decision_id = _queue_with_other(hub, tmp_path)
    ended = charter_submit(hub, tmp_path / "s", [OTHER], NoMatcher())
    reopen_review(hub, decision_id)
    with hub.begin() as connection:
        command.downgrade(_alembic_config(connection), "0006")
    with hub.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")

    decision = decision_row(hub, decision_id)
    assert decision.status == "withdrawn"
    assert decision.resolved_submission_id == ended.submission_id
    assert decision.resolved_by == "sislink init"
    assert f"submission {ended.submission_id} ended the student record" in (
        decision.reason
    )


def test_review_without_record_refused(hub: Engine, tmp_path: Path) -> None:
    decision_id = _queue_with_other(hub, tmp_path)
    ended = charter_submit(hub, tmp_path / "s", [OTHER], NoMatcher())
    reopen_review(hub, decision_id)
    with pytest.raises(UsageError) as raised, hub.begin() as connection:
        accept_review(connection, decision_id, "tester")
    message = str(raised.value)
    assert "the student has no current record without a person" in message
    assert f"(submission {ended.submission_id} ended it)" in message
    assert "nothing was linked or moved" in message
    assert person_of(hub, CHARTER, "C1") is None
