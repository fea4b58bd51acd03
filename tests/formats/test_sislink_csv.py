"""Tests of the sislink CSV writer and reader with guardian names."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sislink.formats import get_reader, get_writer
from sislink.model import Finding, RecordKind, SourceRecord
from sislink.normalize import normalize

STUDENT = {
    "local_student_id": "000101",
    "first_name": "Ana",
    "last_surname": "Ruiz",
    "birth_date": "2015-03-14",
    "guardian_1_first_name": "María",
    "guardian_1_last_surname": "Ruiz",
    "guardian_2_first_name": "Luis",
    "guardian_2_last_surname": "Ortega",
}


def round_trip(folder: Path, student: dict[str, Any]) -> list[dict[str, Any]]:
    records = {RecordKind.STUDENT: [student]}
    get_writer("sislink-csv")(folder, lambda kind: iter(records.get(kind, [])))
    reader = get_reader("sislink-csv")
    items = list(reader.read(reader.collect([folder])))
    assert [item for item in items if isinstance(item, Finding)] == []
    return [
        normalize(item)[0].data
        for item in items
        if isinstance(item, SourceRecord) and item.kind is RecordKind.STUDENT
    ]


def test_header_has_guardian_columns(tmp_path: Path) -> None:
    round_trip(tmp_path, STUDENT)

    with (tmp_path / "students.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))

    for column in (
        "guardian1FirstName",
        "guardian1LastSurname",
        "guardian2FirstName",
        "guardian2LastSurname",
    ):
        assert column in header


def test_guardians_survive_round_trip(tmp_path: Path) -> None:
    (data,) = round_trip(tmp_path, STUDENT)

    for name, value in STUDENT.items():
        assert data[name] == value, name


def test_missing_second_guardian_stays_empty(tmp_path: Path) -> None:
    student = {
        name: value for name, value in STUDENT.items() if "guardian_2" not in name
    }

    (data,) = round_trip(tmp_path, student)

    assert data["guardian_1_first_name"] == "María"
    assert data.get("guardian_2_first_name") is None
    assert data.get("guardian_2_last_surname") is None


def test_file_without_header_quotes_no_cell(tmp_path: Path) -> None:
    (tmp_path / "students.csv").write_text(
        "000101,Ana,Ruiz,2015-03-14\n000102,Luis,Ortega,2014-01-02\n",
        encoding="utf-8",
    )
    reader = get_reader("sislink-csv")

    items = list(reader.read(reader.collect([tmp_path])))

    [error] = items
    assert isinstance(error, Finding)
    assert error.code == "file-unreadable"
    assert error.message == (
        "line 1 names none of the columns of the student layout, so it is not "
        "a header row"
    )
    assert error.value is None
    assert error.provenance is not None
    assert error.provenance.line == 1


def test_unknown_column_still_named(tmp_path: Path) -> None:
    (tmp_path / "students.csv").write_text(
        "localStudentId,firstName,lastSurname,birthDate,homeroom\n"
        "000101,Ana,Ruiz,2015-03-14,12\n",
        encoding="utf-8",
    )
    reader = get_reader("sislink-csv")

    items = list(reader.read(reader.collect([tmp_path])))

    [warning] = [item for item in items if isinstance(item, Finding)]
    assert warning.code == "column-unknown"
    assert warning.value == "homeroom"
