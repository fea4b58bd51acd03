"""Tests of the illuminate-csv mapping: two files, tab separated, its own grade ids."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sislink.formats import READERS, get_reader
from sislink.formats.base import ReadItem
from sislink.model import Finding, Provenance, RecordKind, Skipped, SourceRecord
from sislink.normalize import normalize

SAMPLES = Path(__file__).parent / "samples" / "illuminate-csv"
SAMPLES_PROVENANCE = Provenance("enrollment.txt", 2)
ENROLLMENT_HEADER = (
    "Import Student ID\tSite ID\tAcademic Year\tGrade Level ID\tEnrollment Start"
)


def read_all(*paths: Path) -> list[ReadItem]:
    reader = get_reader("illuminate-csv")
    return list(reader.read(reader.collect(list(paths))))


def bundle(tmp_path: Path, grade: str) -> Path:
    (tmp_path / "studemo.txt").write_bytes((SAMPLES / "studemo.txt").read_bytes())
    (tmp_path / "enrollment.txt").write_text(
        f"{ENROLLMENT_HEADER}\n000123\t100\t2024\t{grade}\t08/15/2023\n",
        encoding="utf-8",
    )
    return tmp_path


def enrollment_findings(items: list[ReadItem]) -> list[Finding]:
    found: list[Finding] = []
    for item in items:
        if isinstance(item, SourceRecord) and item.kind is RecordKind.ENROLLMENT:
            found += normalize(item)[1]
    return found


def test_registered_with_both_files() -> None:
    assert READERS["illuminate-csv"].files == ("studemo.txt", "enrollment.txt")


def test_sample_loads_students_then_enrollments() -> None:
    items = read_all(SAMPLES)
    kinds = [i.kind for i in items if isinstance(i, SourceRecord)]
    assert kinds == [RecordKind.STUDENT] * 2 + [RecordKind.ENROLLMENT] * 2
    assert [i for i in items if isinstance(i, Finding)] == []


@pytest.mark.parametrize(
    ("fmt", "grade", "code"),
    [
        ("illuminate-csv", "1", "KN"),
        ("powerschool-csv", "1", "01"),
        ("illuminate-csv", "13", "12"),
        ("powerschool-csv", "12", "12"),
    ],
)
def test_same_grade_code_differs_by_mapping(fmt: str, grade: str, code: str) -> None:
    dialect = get_reader(fmt).mapping.dialect()  # type: ignore[attr-defined]
    source = SourceRecord(
        RecordKind.ENROLLMENT,
        {
            "local_student_id": "1",
            "school_id": "100",
            "entry_grade_level": grade,
        },
        SAMPLES_PROVENANCE,
        dialect,
    )
    record, problems = normalize(source)
    assert [p.code for p in problems] == ["required-missing"]
    assert record.data["entry_grade_level"] == code


def test_grade_missing_from_crosswalk_warns(tmp_path: Path) -> None:
    all_found = enrollment_findings(read_all(bundle(tmp_path, "0")))
    found = [f for f in all_found if f.code == "code-unmapped"]
    assert len(found) == 1
    assert found[0].field == "entryGradeLevel"
    assert found[0].provenance is not None
    assert found[0].provenance.file == "enrollment.txt"
    assert found[0].provenance.line == 2
    assert found[0].value == "0"


def test_missing_enrollment_file_rejects(tmp_path: Path) -> None:
    (tmp_path / "studemo.txt").write_bytes((SAMPLES / "studemo.txt").read_bytes())
    found = [i for i in read_all(tmp_path) if isinstance(i, Finding)]
    assert [f.code for f in found] == ["file-unreadable"]
    assert found[0].provenance is not None
    assert found[0].provenance.file == "enrollment.txt"


def test_comma_file_reports_wrong_delimiter(tmp_path: Path) -> None:
    bundle(tmp_path, "2")
    text = (SAMPLES / "studemo.txt").read_text(encoding="utf-8").replace("\t", ",")
    (tmp_path / "studemo.txt").write_text(text, encoding="utf-8")
    found = [i for i in read_all(tmp_path) if isinstance(i, Finding)]
    assert len(found) == 1
    assert "comma" in found[0].message
    assert found[0].provenance is not None
    assert found[0].provenance.line == 1


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.binary(max_size=400))
def test_random_bytes_never_raise(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "studemo.txt").write_bytes(data)
    (tmp_path / "enrollment.txt").write_bytes(data[::-1])
    for item in read_all(tmp_path):
        assert isinstance(item, SourceRecord | Finding | Skipped)
