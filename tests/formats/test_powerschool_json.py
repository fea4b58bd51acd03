"""Tests of the PowerSchool /ws/v1 student JSON reader and writer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sislink.demo.generator import generate_world
from sislink.formats import READERS, get_reader, get_writer
from sislink.formats.base import ReadItem
from sislink.model import Finding, RecordKind, Skipped, SourceRecord
from sislink.normalize import normalize

SAMPLES = Path(__file__).parent / "samples" / "powerschool-json"
STUDENT: dict[str, Any] = {
    "id": 9,
    "local_id": "000321",
    "name": {"first_name": "Eva", "last_name": "Ruiz"},
    "demographics": {"gender": "F", "birth_date": "2015-05-06"},
    "school_enrollment": {
        "enroll_status_code": 0,
        "grade_level": 3,
        "entry_date": "2023-08-15",
        "school_number": 100,
    },
}


def read_all(*paths: Path) -> list[ReadItem]:
    reader = get_reader("powerschool-json")
    return list(reader.read(reader.collect(list(paths))))


def write_json(tmp_path: Path, value: Any, name: str = "students.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def records(items: list[ReadItem], kind: RecordKind) -> list[SourceRecord]:
    return [i for i in items if isinstance(i, SourceRecord) and i.kind is kind]


def findings(items: list[ReadItem]) -> list[Finding]:
    return [i for i in items if isinstance(i, Finding)]


def test_registered_with_files() -> None:
    assert READERS["powerschool-json"].files == ("students.json", "students-*.json")


def test_sample_reads_and_skips_pre_registered() -> None:
    items = read_all(SAMPLES)
    assert len(records(items, RecordKind.STUDENT)) == 2
    assert len(records(items, RecordKind.ENROLLMENT)) == 2
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert len(skipped) == 2
    assert skipped[0].provenance.element == "student 3 (id 5004)"


@pytest.mark.parametrize(
    "shape",
    [
        {"students": {"student": [STUDENT]}},
        {"students": {"student": STUDENT}},
        {"student": STUDENT},
        [STUDENT],
        [{"student": STUDENT}],
        STUDENT,
    ],
    ids=["api-list", "api-one", "wrapped", "list", "wrapped-list", "bare"],
)
def test_payload_shapes(tmp_path: Path, shape: Any) -> None:
    items = read_all(write_json(tmp_path, shape))
    assert findings(items) == []
    assert records(items, RecordKind.STUDENT)[0].fields["local_student_id"] == "000321"


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        (RecordKind.STUDENT, "local_student_id", "000321"),
        (RecordKind.STUDENT, "first_name", "Eva"),
        (RecordKind.STUDENT, "last_surname", "Ruiz"),
        (RecordKind.STUDENT, "birth_date", "2015-05-06"),
        (RecordKind.STUDENT, "sex", "F"),
        (RecordKind.ENROLLMENT, "school_id", "100"),
        (RecordKind.ENROLLMENT, "entry_date", "2023-08-15"),
        (RecordKind.ENROLLMENT, "entry_grade_level", "03"),
    ],
)
def test_field_values(tmp_path: Path, kind: RecordKind, field: str, value: str) -> None:
    source = records(read_all(write_json(tmp_path, [STUDENT])), kind)[0]
    record, problems = normalize(source)
    assert problems == []
    assert record.data[field] == value
    assert source.provenance.element == "student 1 (id 9)"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"demographics": {"gender": "F", "birth_date": "2015-02-30"}}, "date-invalid"),
        ({"local_id": "1.23E+09"}, "identifier-scientific-notation"),
        (
            {"demographics": {"gender": "Q", "birth_date": "2015-05-06"}},
            "code-unmapped",
        ),
        ({"name": {"first_name": "Eva"}}, "required-missing"),
    ],
)
def test_bad_values(tmp_path: Path, change: dict[str, Any], code: str) -> None:
    items = read_all(write_json(tmp_path, [{**STUDENT, **change}]))
    student = records(items, RecordKind.STUDENT)[0]
    codes = [f.code for f in normalize(student)[1]]
    assert code in codes


@pytest.mark.parametrize(
    ("entry", "json_type"),
    [
        (7, "number"),
        ("000322,Luis,Ortega,2014-01-02", "string"),
        (None, "null"),
        (True, "boolean"),
    ],
)
def test_student_not_an_object(tmp_path: Path, entry: Any, json_type: str) -> None:
    students = {"students": {"student": [STUDENT, entry]}}
    items = read_all(write_json(tmp_path, students))
    found = findings(items)
    assert [f.code for f in found] == ["json-student-invalid"]
    assert found[0].kind is RecordKind.STUDENT
    assert found[0].provenance is not None
    assert found[0].provenance.element == "student 2"
    assert found[0].message.startswith(
        f"a student entry is a JSON {json_type}, not an object"
    )
    assert found[0].value is None
    assert "Luis" not in found[0].message


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('[{"local_id": "1"},\n {"local_id": "2",, }]', 2, 19),
        ('[{"local_id": "1"},\n {"local_id": "2"', 2, 18),
        ("", 1, 1),
        ('[{"local_id": "1"},\n {"name": {"last_name": "Q\\"u\x00in"}}]', 2, 30),
        ('[{"local_id": "1\x1b"}]', 1, 17),
        ('[{"local_id": "1\\qx"}]', 1, 18),
    ],
    ids=["stray-comma", "cut-off", "empty", "raw-nul", "raw-escape", "bad-escape"],
)
def test_malformed_json_position(
    tmp_path: Path, text: str, line: int, column: int
) -> None:
    path = tmp_path / "students.json"
    path.write_text(text, encoding="utf-8")
    items = read_all(path)
    found = findings(items)
    assert [f.code for f in found] == ["file-unreadable"]
    assert found[0].provenance is not None
    assert found[0].provenance.file == "students.json"
    assert found[0].provenance.line == line
    assert f"line {line}, column {column}" in found[0].message


def test_records_before_fault_still_read(tmp_path: Path) -> None:
    text = json.dumps([STUDENT, STUDENT])[:-30]
    path = tmp_path / "students.json"
    path.write_text(text, encoding="utf-8")
    items = read_all(path)
    assert len(records(items, RecordKind.STUDENT)) == 1
    assert "Students read before the fault: 1;" in findings(items)[0].message


def test_invalid_utf8_position(tmp_path: Path) -> None:
    path = tmp_path / "students.json"
    path.write_bytes(b'[{"local_id": "1",\n "name": {"first_name": "\xe9va"}}]')
    found = findings(read_all(path))
    assert found[0].provenance is not None
    assert found[0].provenance.line == 2
    assert "column 26" in found[0].message


def test_no_students_rejected(tmp_path: Path) -> None:
    found = findings(read_all(write_json(tmp_path, {"students": {"student": []}})))
    assert [f.code for f in found] == ["file-unreadable"]


def test_pages_read_in_number_order(tmp_path: Path) -> None:
    for page in (10, 2, 1):
        write_json(
            tmp_path, [{**STUDENT, "local_id": str(page)}], f"students-{page}.json"
        )
    items = read_all(tmp_path)
    ids = [r.fields["local_student_id"] for r in records(items, RecordKind.STUDENT)]
    assert ids == ["1", "2", "10"]


def test_paged_sample_folder() -> None:
    items = read_all(SAMPLES / "paged")
    assert len(records(items, RecordKind.STUDENT)) == 2
    assert findings(items) == []


def test_round_trip(tmp_path: Path) -> None:
    world = generate_world(students=200, charters=1, seed=5, defect_rate=0)
    code = next(c for c, o in world.organizations.items() if o.kind == "charter")
    get_writer("powerschool-json")(tmp_path, lambda kind: world.records(code, kind))
    items = read_all(tmp_path)
    students = {
        str(v["local_student_id"]): v for v in world.records(code, RecordKind.STUDENT)
    }
    read = records(items, RecordKind.STUDENT)
    assert len(read) == len(students)
    for source in read:
        record, problems = normalize(source)
        assert problems == []
        expected = students[str(record.data["local_student_id"])]
        for name, value in record.data.items():
            assert expected[name] == value, name
    enrollments = list(world.records(code, RecordKind.ENROLLMENT))
    for source in records(items, RecordKind.ENROLLMENT):
        record, problems = normalize(source)
        assert problems == []
        match = [
            e for e in enrollments if all(e.get(k) == v for k, v in record.data.items())
        ]
        assert match, record.data


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.binary(max_size=400))
def test_random_bytes_never_raise(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "students.json"
    path.write_bytes(data)
    for item in read_all(path):
        assert isinstance(item, SourceRecord | Finding | Skipped)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    students=st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "local_id": JSON_VALUES,
                "name": JSON_VALUES,
                "demographics": JSON_VALUES,
                "school_enrollment": JSON_VALUES,
            },
        ),
        max_size=4,
    )
)
def test_random_students_never_raise(tmp_path: Path, students: list[Any]) -> None:
    path = write_json(tmp_path, {"students": {"student": students}})
    for item in read_all(path):
        assert isinstance(item, SourceRecord | Finding | Skipped)
        if isinstance(item, SourceRecord):
            normalize(item)


def test_edge_control_characters(tmp_path: Path) -> None:
    student = {
        **STUDENT,
        "name": {"first_name": "\x0bEva", "last_name": "Ruiz"},
        "school_enrollment": {
            **STUDENT["school_enrollment"],
            "enroll_status_code": "-1\x1f",
        },
    }
    pre_registered = read_all(write_json(tmp_path, [student], "students-1.json"))
    del student["school_enrollment"]
    read = read_all(write_json(tmp_path, [student], "students-2.json"))

    # A status code steers reading, so its edges are stripped.
    assert [type(item) for item in pre_registered] == [Skipped, Skipped]
    [record] = records(read, RecordKind.STUDENT)
    assert record.fields["first_name"] == "\x0bEva"
    assert [p.code for p in normalize(record)[1]] == ["control-character-removed"]
