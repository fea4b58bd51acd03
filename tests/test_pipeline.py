"""The submission pipeline end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import Engine, func, select

from sislink.errors import InputError, UsageError
from sislink.formats import READERS, ReadItem
from sislink.formats.sislink_csv import SislinkCsvReader, write_kind
from sislink.model import KINDS, Provenance, RecordKind, Removed
from sislink.pipeline import SubmissionRequest, submit
from sislink.store.history import versions_as_of
from sislink.store.organizations import add_organization, get_organization
from sislink.store.schema import person_identifiers, persons, rejected_records

SCHOOL = "1000001"
CHARTER = "2000000"
DISTRICT = "1964733"


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
    }


def enrollment(
    local_id: str, entry: str = "2026-08-19", grade: str = "05"
) -> dict[str, Any]:
    return {
        "local_student_id": local_id,
        "school_id": SCHOOL,
        "entry_date": entry,
        "entry_grade_level": grade,
        "enrollment_status": "10",
    }


def write_submission(
    folder: Path, students: list[dict[str, Any]], enrollments: list[dict[str, Any]]
) -> Path:
    write_kind(folder, RecordKind.STUDENT, students)
    write_kind(folder, RecordKind.ENROLLMENT, enrollments)
    return folder


@pytest.fixture
def charter(engine: Engine) -> Engine:
    with engine.begin() as connection:
        add_organization(connection, DISTRICT, "Unified District", "district")
        add_organization(connection, CHARTER, "Alpha Charter", "charter")
        add_organization(connection, SCHOOL, "Alpha Elementary", "school", CHARTER)
    return engine


def run(engine: Engine, folder: Path, org: str = CHARTER, **options: Any) -> Any:
    return submit(engine, SubmissionRequest(org, "sislink-csv", [folder], **options))


BASE_STUDENTS = [
    student("A1", "0012345678", "José", "García López", "2015-03-02"),
    student("A2", None, "Siobhán", "O'Brien", "2014-09-30"),
]


def test_first_submission_inserts_all(charter: Engine, tmp_path: Path) -> None:
    folder = write_submission(
        tmp_path, BASE_STUDENTS, [enrollment("A1"), enrollment("A2")]
    )
    result = run(charter, folder)
    assert result.status == "committed"
    assert result.kinds[RecordKind.STUDENT].inserted == 2
    assert result.kinds[RecordKind.ENROLLMENT].inserted == 2
    assert result.persons.created == 2
    assert result.change_versions == (1, 4)


def test_identical_resubmission_changes_nothing(
    charter: Engine, tmp_path: Path
) -> None:
    folder = write_submission(
        tmp_path, BASE_STUDENTS, [enrollment("A1"), enrollment("A2")]
    )
    run(charter, folder)
    again = run(charter, folder)
    for kind in (RecordKind.STUDENT, RecordKind.ENROLLMENT):
        counts = again.kinds[kind]
        assert (counts.inserted, counts.updated, counts.ended) == (0, 0, 0)
        assert counts.unchanged == 2
    assert again.change_versions is None
    assert again.persons.linked == 2
    assert again.persons.created == 0


def test_snapshot_updates_and_ends(charter: Engine, tmp_path: Path) -> None:
    first = write_submission(
        tmp_path / "1", BASE_STUDENTS, [enrollment("A1"), enrollment("A2")]
    )
    run(charter, first)
    renamed = [student("A1", "0012345678", "José", "García-López", "2015-03-02")]
    second = write_submission(tmp_path / "2", renamed, [enrollment("A1")])
    result = run(charter, second)
    assert result.kinds[RecordKind.STUDENT].updated == 1
    assert result.kinds[RecordKind.STUDENT].ended == 1
    assert result.kinds[RecordKind.ENROLLMENT].ended == 1
    assert result.kinds[RecordKind.ENROLLMENT].unchanged == 1


def test_past_state_reads_back(charter: Engine, tmp_path: Path) -> None:
    first = write_submission(tmp_path / "1", BASE_STUDENTS, [enrollment("A1")])
    one = run(charter, first)
    renamed = [student("A1", "0012345678", "Josefina", "García López", "2015-03-02")]
    run(charter, write_submission(tmp_path / "2", renamed, [enrollment("A1")]))
    with charter.connect() as connection:
        org = get_organization(connection, CHARTER)
        then = list(versions_as_of(connection, org.id, one.submission_id, "student"))
    names = sorted(row.data["first_name"] for row in then)
    assert names == ["José", "Siobhán"]


def test_bad_rows_rejected_and_balanced(charter: Engine, tmp_path: Path) -> None:
    students = [*BASE_STUDENTS, student("A3", None, "Ana", "Pérez", "2016-02-30")]
    enrollments = [
        enrollment("A1"),
        enrollment("A1"),
        enrollment("A9"),
        enrollment("A2", grade="14"),
    ]
    result = run(charter, write_submission(tmp_path, students, enrollments))
    codes = sorted(f.code for f in result.findings)
    assert codes == [
        "code-unknown",
        "date-invalid",
        "key-duplicate",
        "student-reference-unresolved",
    ]
    for counts in result.kinds.values():
        assert counts.balanced
    # A9 is unknown: its enrollment is held as an orphan, not rejected.
    assert result.kinds[RecordKind.ENROLLMENT].rejected == 2
    assert result.kinds[RecordKind.ENROLLMENT].held == 1
    with charter.connect() as connection:
        quarantined = connection.execute(
            select(func.count()).select_from(rejected_records)
        ).scalar_one()
    assert quarantined == 4


def test_rejected_row_does_not_end_stored(charter: Engine, tmp_path: Path) -> None:
    run(charter, write_submission(tmp_path / "1", BASE_STUDENTS, [enrollment("A1")]))
    broken = [BASE_STUDENTS[0], student("A2", None, "Siobhán", "O'Brien", "2014-13-01")]
    result = run(charter, write_submission(tmp_path / "2", broken, [enrollment("A1")]))
    assert result.kinds[RecordKind.STUDENT].rejected == 1
    assert result.kind(RecordKind.STUDENT).ended == 0


def test_state_id_links_across_organizations(charter: Engine, tmp_path: Path) -> None:
    roster = [student("D100", "0012345678", "José", "Garcia Lopez", "2015-03-02")]
    run(charter, write_submission(tmp_path / "d", roster, []), org=DISTRICT)
    result = run(charter, write_submission(tmp_path / "c", BASE_STUDENTS[:1], []))
    assert result.persons.linked == 1
    assert result.persons.created == 0
    with charter.connect() as connection:
        assert (
            connection.execute(select(func.count()).select_from(persons)).scalar_one()
            == 1
        )
        types = (
            connection.execute(select(person_identifiers.c.identifier_type))
            .scalars()
            .all()
        )
    assert sorted(types) == ["district", "local", "local", "ssid"]


def test_conflicting_identifiers_rejected(charter: Engine, tmp_path: Path) -> None:
    run(charter, write_submission(tmp_path / "1", BASE_STUDENTS, []))
    swapped = [student("A2", "0012345678", "Siobhán", "O'Brien", "2014-09-30")]
    result = run(charter, write_submission(tmp_path / "2", swapped, []), snapshot=False)
    assert [f.code for f in result.findings] == ["identifier-conflict"]
    assert result.kinds[RecordKind.STUDENT].rejected == 1


def test_dry_run_writes_nothing(charter: Engine, tmp_path: Path) -> None:
    result = run(charter, write_submission(tmp_path, BASE_STUDENTS, []), dry_run=True)
    assert result.status == "dry-run"
    assert result.kinds[RecordKind.STUDENT].inserted == 2
    with charter.connect() as connection:
        assert (
            connection.execute(select(func.count()).select_from(persons)).scalar_one()
            == 0
        )


def test_missing_column_rejects_submission(charter: Engine, tmp_path: Path) -> None:
    (tmp_path / "students.csv").write_text(
        "localStudentId,firstName\nA1,Ana\n", encoding="utf-8"
    )
    result = run(charter, tmp_path)
    assert result.status == "rejected"
    assert {f.code for f in result.findings} == {"file-unreadable"}
    assert result.submission_id is not None


def test_unknown_organization_is_usage_error(charter: Engine, tmp_path: Path) -> None:
    folder = write_submission(tmp_path, BASE_STUDENTS, [])
    with pytest.raises(UsageError, match="organization '999' not found"):
        run(charter, folder, org="999")


def test_empty_folder_is_input_error(charter: Engine, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no sislink-csv files found"):
        run(charter, tmp_path)


class RemovingReader(SislinkCsvReader):
    """Reads the sislink CSV layout, then removes the enrollments of ``REMOVED``."""

    name = "removing-csv"
    removed: ClassVar[tuple[str, ...]] = ()

    def covered_kinds(self, files: Sequence[Path]) -> frozenset[RecordKind]:
        return frozenset()

    def read(self, files: Sequence[Path]) -> Iterator[ReadItem]:
        yield from super().read(files)
        for local_id in self.removed:
            key = KINDS[RecordKind.ENROLLMENT].key_of(enrollment(local_id))
            yield Removed(RecordKind.ENROLLMENT, key, Provenance("delta.csv", 9))


def test_removal_ends_one_record(
    charter: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = tmp_path / "first"
    write_submission(first, BASE_STUDENTS, [enrollment("A1"), enrollment("A2")])
    run(charter, first)
    monkeypatch.setitem(READERS, RemovingReader.name, RemovingReader)
    monkeypatch.setattr(RemovingReader, "removed", ("A2", "ZZ"))
    delta = tmp_path / "delta"
    write_submission(delta, [], [])

    result = submit(charter, SubmissionRequest(CHARTER, RemovingReader.name, [delta]))

    counts = result.kinds[RecordKind.ENROLLMENT]
    assert (counts.read, counts.accepted, counts.skipped) == (2, 1, 1)
    assert counts.ended == 1
    assert [f.code for f in result.findings] == ["removal-unknown"]
    assert result.findings[0].provenance == Provenance("delta.csv", 9)
    assert result.kind(RecordKind.STUDENT).ended == 0


def test_declared_encoding_reads_cp1252(charter: Engine, tmp_path: Path) -> None:
    write_submission(tmp_path, BASE_STUDENTS, [enrollment("A1"), enrollment("A2")])
    path = tmp_path / "students.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))

    as_utf8 = run(charter, tmp_path, dry_run=True)
    as_cp1252 = run(charter, tmp_path, encoding="cp1252")

    decoding = [f for f in as_utf8.findings if f.code == "encoding-invalid"]
    assert [f.provenance.line for f in decoding if f.provenance] == [2, 3]
    assert as_cp1252.findings == []
    assert as_cp1252.kinds[RecordKind.STUDENT].accepted == 2


def test_unusable_encoding_is_a_usage_error(charter: Engine, tmp_path: Path) -> None:
    write_submission(tmp_path, BASE_STUDENTS, [])
    with pytest.raises(UsageError, match="utf-16"):
        run(charter, tmp_path, encoding="utf-16")
