"""Tests of the powerschool-csv mapping through the generic mapped reader and writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sislink.demo.generator import generate_world
from sislink.formats import READERS, get_reader, get_writer
from sislink.formats.base import ReadItem
from sislink.model import Finding, RecordKind, Skipped, SourceRecord
from sislink.normalize import normalize

SAMPLES = Path(__file__).parent / "samples" / "powerschool-csv"
HEADER = (
    "DCID,ID,STUDENT_NUMBER,STATE_STUDENTNUMBER,FIRST_NAME,MIDDLE_NAME,LAST_NAME,"
    "ENROLL_STATUS,SCHOOLID,GRADE_LEVEL,DOB,ENTRYDATE,EXITDATE,ENTRYCODE,EXITCODE,"
    "GENDER,ENROLLMENT_SCHOOLID,DISTRICTENTRYDATE,SCHOOLENTRYDATE"
)
GOOD = (
    "5001,101,000123,1000000011,Ana,Maria,Quintero,0,100,0,03/14/2018,"
    "08/15/2023,,E1,,F,100,08/15/2023,08/15/2023"
)


def read_all(*paths: Path, encoding: str | None = None) -> list[ReadItem]:
    reader = get_reader("powerschool-csv", encoding)
    return list(reader.read(reader.collect(list(paths))))


def write_csv(tmp_path: Path, *lines: str, name: str = "students.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def records(items: list[ReadItem], kind: RecordKind) -> list[SourceRecord]:
    return [i for i in items if isinstance(i, SourceRecord) and i.kind is kind]


def findings(items: list[ReadItem], code: str | None = None) -> list[Finding]:
    return [i for i in items if isinstance(i, Finding) and code in (None, i.code)]


def normalized_findings(items: list[ReadItem]) -> list[Finding]:
    found = []
    for item in items:
        if isinstance(item, SourceRecord):
            found += normalize(item)[1]
    return found


def test_registered_with_files() -> None:
    reader = READERS["powerschool-csv"]
    assert reader.files == ("students.csv", "students*.csv")
    assert "PowerSchool" in reader.description
    assert reader.kinds == (RecordKind.STUDENT, RecordKind.ENROLLMENT)


def test_sample_rows_yield_both_kinds() -> None:
    items = read_all(SAMPLES)
    assert len(records(items, RecordKind.STUDENT)) == 3
    assert len(records(items, RecordKind.ENROLLMENT)) == 3
    assert findings(items) == []


def test_pre_registered_row_skipped() -> None:
    items = read_all(SAMPLES)
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert {s.kind for s in skipped} == {RecordKind.STUDENT, RecordKind.ENROLLMENT}
    assert all(s.provenance.line == 5 for s in skipped)
    assert all("pre-registered" in s.reason for s in skipped)


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        (RecordKind.STUDENT, "local_student_id", "000123"),
        (RecordKind.STUDENT, "state_student_id", "1000000011"),
        (RecordKind.STUDENT, "first_name", "Ana"),
        (RecordKind.STUDENT, "middle_name", "Maria"),
        (RecordKind.STUDENT, "last_surname", "Quintero"),
        (RecordKind.STUDENT, "birth_date", "2018-03-14"),
        (RecordKind.STUDENT, "sex", "F"),
        (RecordKind.ENROLLMENT, "local_student_id", "000123"),
        (RecordKind.ENROLLMENT, "school_id", "100"),
        (RecordKind.ENROLLMENT, "entry_date", "2023-08-15"),
        (RecordKind.ENROLLMENT, "entry_type", "E1"),
        (RecordKind.ENROLLMENT, "entry_grade_level", "KN"),
    ],
)
def test_field_values(kind: RecordKind, field: str, value: str) -> None:
    first = records(read_all(SAMPLES), kind)[0]
    record, problems = normalize(first)
    assert problems == []
    assert record.data[field] == value
    assert first.provenance.file == "students.csv"
    assert first.provenance.line == 2


def test_exit_fields_of_transferred_student() -> None:
    enrollment = records(read_all(SAMPLES), RecordKind.ENROLLMENT)[2]
    record, _ = normalize(enrollment)
    assert record.data["exit_withdraw_date"] == "2024-01-12"
    assert record.data["exit_withdraw_type"] == "T160"
    assert record.data["entry_grade_level"] == "PS"
    assert record.data["school_id"] == "100"


@pytest.mark.parametrize(
    ("grade", "code"),
    [("-2", "PS"), ("-1", "PS"), ("0", "KN"), ("1", "01"), ("9", "09"), ("12", "12")],
)
def test_grade_codes(tmp_path: Path, grade: str, code: str) -> None:
    row = GOOD.replace(",0,100,0,", f",0,100,{grade},")
    items = read_all(write_csv(tmp_path, HEADER, row))
    record, _ = normalize(records(items, RecordKind.ENROLLMENT)[0])
    assert record.data["entry_grade_level"] == code


def test_header_case_and_space_ignored(tmp_path: Path) -> None:
    header = ", ".join(f" {c.lower()} " for c in HEADER.split(","))
    items = read_all(write_csv(tmp_path, header, GOOD))
    assert len(records(items, RecordKind.STUDENT)) == 1
    assert findings(items) == []


def test_byte_order_mark_stripped(tmp_path: Path) -> None:
    path = tmp_path / "students.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"{HEADER}\n{GOOD}\n".encode())
    assert len(records(read_all(path), RecordKind.STUDENT)) == 1


@pytest.mark.parametrize(
    ("row", "code", "field"),
    [
        (GOOD.replace("03/14/2018", "02/30/2018"), "date-invalid", "birthDate"),
        (GOOD.replace("03/14/2018", "0/0/0000"), "date-invalid", "birthDate"),
        (GOOD.replace("08/15/2023,,E1", "2023-13-01,,E1"), "date-invalid", "entryDate"),
        (GOOD.replace(",F,100,", ",Q,100,"), "code-unmapped", "sex"),
        (GOOD.replace(",0,100,0,", ",0,100,13,"), "code-unmapped", "entryGradeLevel"),
        (GOOD.replace("000123", "1.23E+5"), "identifier-scientific-notation", None),
        (GOOD.replace("Quintero", ""), "required-missing", "lastSurname"),
        (GOOD.replace("Ana", "AnÃ¡"), "text-double-encoded", "firstName"),
    ],
)
def test_bad_values(tmp_path: Path, row: str, code: str, field: str | None) -> None:
    items = read_all(write_csv(tmp_path, HEADER, row))
    found = [f for f in normalized_findings(items) if f.code == code]
    assert found, [f.code for f in normalized_findings(items)]
    assert found[0].provenance is not None
    assert found[0].provenance.file == "students.csv"
    assert found[0].provenance.line == 2
    if field is not None:
        assert found[0].field == field


def test_leading_zeros_kept(tmp_path: Path) -> None:
    items = read_all(write_csv(tmp_path, HEADER, GOOD.replace("000123", "000007")))
    record, _ = normalize(records(items, RecordKind.STUDENT)[0])
    assert record.data["local_student_id"] == "000007"


@pytest.mark.parametrize(
    ("lines", "code", "line"),
    [
        ((HEADER, GOOD + ",extra"), "row-width-mismatch", 2),
        ((HEADER, GOOD.rsplit(",", 3)[0]), "row-width-mismatch", 2),
        ((HEADER, 'x,"unclosed'), "row-unparsable", 2),
        ((HEADER.replace(",", ";"), GOOD.replace(",", ";")), "file-unreadable", 1),
        ((HEADER.replace("DOB,", "BIRTHDAY,"),), "file-unreadable", 1),
        ((HEADER + ",HOMEROOM", GOOD + ",12"), "columns-unmapped", 1),
    ],
)
def test_bad_rows(tmp_path: Path, lines: tuple[str, ...], code: str, line: int) -> None:
    found = findings(read_all(write_csv(tmp_path, *lines)), code)
    assert len(found) == 1
    assert found[0].provenance is not None
    assert found[0].provenance.file == "students.csv"
    assert found[0].provenance.line == line


def test_file_without_header_quotes_no_cell(tmp_path: Path) -> None:
    items = read_all(write_csv(tmp_path, GOOD, GOOD.replace("000123", "000124")))

    [error] = findings(items)
    assert error.code == "file-unreadable"
    assert error.message == (
        "line 1 names none of the columns of the powerschool-csv mapping, so it "
        "is not a header row"
    )
    assert error.value is None
    assert "Quintero" not in error.message + error.fix


def test_missing_column_names_mapping(tmp_path: Path) -> None:
    found = findings(read_all(write_csv(tmp_path, HEADER.replace("DOB,", "BD,"))))
    assert "'DOB'" in found[0].message
    assert "powerschool-csv" in found[0].message
    assert "birth_date" in found[0].message


def test_good_rows_load_after_bad_row(tmp_path: Path) -> None:
    items = read_all(write_csv(tmp_path, HEADER, GOOD + ",extra", GOOD))
    assert len(records(items, RecordKind.STUDENT)) == 1
    assert findings(items, "row-width-mismatch")[0].kind is RecordKind.STUDENT


def test_invalid_bytes_reported_with_offset(tmp_path: Path) -> None:
    path = tmp_path / "students.csv"
    path.write_bytes(
        f"{HEADER}\n".encode()
        + GOOD.replace("Ana", "An\xe1").encode("cp1252")
        + b"\n"
        + GOOD.encode()
        + b"\n"
    )
    items = read_all(path)
    found = findings(items, "encoding-invalid")
    assert found[0].provenance is not None
    assert found[0].provenance.line == 2
    assert "byte offset" in found[0].message
    assert found[0].field == "FIRST_NAME"
    assert found[0].value is None
    assert "Quintero" not in found[0].message
    assert len(records(items, RecordKind.STUDENT)) == 1


def test_declared_cp1252_reads(tmp_path: Path) -> None:
    path = tmp_path / "students.csv"
    row = GOOD.replace("Ana", "\u00c1na")
    path.write_bytes(f"{HEADER}\n{row}\n".encode("cp1252"))
    items = read_all(path, encoding="cp1252")
    assert records(items, RecordKind.STUDENT)[0].fields["first_name"] == "Ána"


@pytest.mark.parametrize("content", [b"", b"\n\n"])
def test_empty_file_rejected(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "students.csv"
    path.write_bytes(content)
    found = findings(read_all(path), "file-unreadable")
    assert len(found) == 1
    assert found[0].provenance is not None
    assert found[0].provenance.file == "students.csv"


def test_header_only_file_reads_nothing(tmp_path: Path) -> None:
    assert read_all(write_csv(tmp_path, HEADER)) == []


def test_folder_without_export_is_missing_file(tmp_path: Path) -> None:
    reader = get_reader("powerschool-csv")
    found = list(reader.read([]))
    assert found[0].code == "file-unreadable"  # type: ignore[union-attr]
    assert found[0].provenance.file == "students*.csv"  # type: ignore[union-attr]


def test_file_of_other_name_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, HEADER, GOOD, name="roster.csv")
    found = findings(read_all(path), "file-unreadable")
    assert any(f.provenance and f.provenance.file == "roster.csv" for f in found)


def test_student_without_enrollment(tmp_path: Path) -> None:
    row = "5001,101,000123,,Ana,,Quintero,0,,,03/14/2018,,,,,F,,,"
    items = read_all(write_csv(tmp_path, HEADER, row))
    assert len(records(items, RecordKind.STUDENT)) == 1
    assert records(items, RecordKind.ENROLLMENT) == []


def canonical(values: dict[str, object], fields: set[str]) -> dict[str, object]:
    return {k: v for k, v in values.items() if k in fields and v is not None}


@pytest.mark.parametrize("fmt", ["powerschool-csv", "illuminate-csv"])
def test_round_trip(tmp_path: Path, fmt: str) -> None:
    world = generate_world(students=200, charters=1, seed=3, defect_rate=0)
    code = next(c for c, o in world.organizations.items() if o.kind == "charter")
    paths = get_writer(fmt)(tmp_path, lambda kind: world.records(code, kind))
    reader = get_reader(fmt)
    mapping = reader.mapping  # type: ignore[attr-defined]
    items = list(reader.read(reader.collect([tmp_path])))
    assert paths
    for kind in (RecordKind.STUDENT, RecordKind.ENROLLMENT):
        fields = {
            name
            for f in mapping.files
            for r in f.records
            if r.kind is kind
            for name in r.columns.values()
        }
        expected = [canonical(dict(v), fields) for v in world.records(code, kind)]
        got = []
        for source in records(items, kind):
            record, problems = normalize(source)
            assert [p.code for p in problems] == []
            got.append(canonical(record.data, fields))
        key = lambda v: sorted((k, str(x)) for k, x in v.items())  # noqa: E731
        if kind is RecordKind.ENROLLMENT:
            # A STUDENTS row holds only a student's latest enrollment.
            latest = {
                str(v["local_student_id"]): v
                for v in sorted(expected, key=lambda v: str(v["entry_date"]))
            }
            expected = list(latest.values()) if fmt == "powerschool-csv" else expected
        assert sorted(got, key=key) == sorted(expected, key=key)


CELL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=12,
)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.binary(max_size=400))
def test_random_bytes_never_raise(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "students.csv"
    path.write_bytes(data)
    for item in read_all(path):
        assert isinstance(item, SourceRecord | Finding | Skipped)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=st.lists(st.lists(CELL, min_size=19, max_size=19), max_size=5))
def test_random_rows_never_raise(tmp_path: Path, rows: list[list[str]]) -> None:
    import csv

    path = tmp_path / "students.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER.split(","))
        writer.writerows(rows)
    for item in read_all(path):
        assert isinstance(item, SourceRecord | Finding | Skipped)
        if isinstance(item, SourceRecord):
            normalize(item)
