"""Decoding of delimited text, and the value checks every text format shares."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from sislink.formats.text import TextFormat, TextRow, check_encoding, read_delimited
from sislink.model import (
    KINDS,
    FieldSpec,
    FieldType,
    Finding,
    Provenance,
    RecordKind,
    Severity,
    SourceDialect,
    SourceRecord,
)
from sislink.model.characters import TRIMMED, trim
from sislink.model.codes import CODE_SETS
from sislink.model.crosswalks import Crosswalk
from sislink.normalize import (
    is_scientific_notation,
    normalize,
    parse_date,
    undo_double_encoding,
)

STUDENT = RecordKind.STUDENT
CSV = TextFormat()


def rows_of(path: Path, text_format: TextFormat = CSV) -> list[Any]:
    return list(read_delimited(path, text_format, STUDENT))


def write(tmp_path: Path, content: bytes, name: str = "students.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_byte_order_mark_is_stripped(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbfid,name\r\n1,Ana\r\n")
    rows = rows_of(path)
    assert rows == [TextRow(1, ["id", "name"]), TextRow(2, ["1", "Ana"])]


def test_invalid_bytes_name_line_and_offset(tmp_path: Path) -> None:
    path = write(tmp_path, b"id,name\n1,Ana\n2,Jos\xe9\n3,Luz\n")
    rows = rows_of(path)
    (finding,) = [r for r in rows if isinstance(r, Finding)]
    assert finding.code == "encoding-invalid"
    assert finding.is_error
    assert finding.kind is STUDENT
    assert finding.provenance == Provenance("students.csv", 3)
    assert "0xE9" in finding.message
    assert "offset 19" in finding.message
    assert "in column 'name'" in finding.message
    assert finding.field == "name"
    assert finding.value is None
    assert "Jos" not in finding.message + finding.fix
    assert [r.line for r in rows if isinstance(r, TextRow)] == [1, 2, 4]


def test_invalid_bytes_without_header(tmp_path: Path) -> None:
    path = write(tmp_path, b'1,"Ruiz, Ana",2015-03-04\n2,Jos\xe9,2015-05-06\n')

    rows = rows_of(path, TextFormat(header=False))

    (finding,) = [r for r in rows if isinstance(r, Finding)]
    assert finding.provenance == Provenance("students.csv", 2)
    assert "in field 2 of the line" in finding.message
    assert finding.field is None
    assert finding.value is None


def test_invalid_bytes_after_quoted_comma(tmp_path: Path) -> None:
    path = write(tmp_path, b'id,name,city\n1,"Ruiz, Ana",Mont\xe9\n')

    (finding,) = [r for r in rows_of(path) if isinstance(r, Finding)]

    assert finding.field == "city"
    assert "Ruiz" not in finding.message


def test_invalid_bytes_in_continued_value(tmp_path: Path) -> None:
    path = write(tmp_path, b'id,note\n1,"first line\nJos\xe9, second"\n2,plain\n')

    rows = rows_of(path)

    # Without line 3 the quoted value never closes, so the row is unparsable too.
    finding, unparsable = [r for r in rows if isinstance(r, Finding)]
    assert unparsable.code == "row-unparsable"
    assert finding.code == "encoding-invalid"
    assert finding.provenance == Provenance("students.csv", 3)
    assert "in a quoted value continued from the line before" in finding.message
    assert finding.field is None
    assert "Jos" not in finding.message


def test_invalid_bytes_named_by_line_layout(tmp_path: Path) -> None:
    path = write(tmp_path, b"SENR^A^Jos\xe9\nXYZ^B^Jos\xe9\n", "senr.txt")
    caret = TextFormat(delimiter="^", quoted=False, header=False)
    seen: list[str] = []

    def layout(first_cell: str) -> tuple[RecordKind | None, list[str]]:
        seen.append(first_cell)
        if first_cell == "SENR":
            return RecordKind.ENROLLMENT, ["1.01 Record Type", "1.02 Code", "1.03 Name"]
        return None, []

    first, second = list(read_delimited(path, caret, line_layout=layout))

    assert seen == ["SENR", "XYZ"]
    assert isinstance(first, Finding)
    assert first.kind is RecordKind.ENROLLMENT
    assert first.field == "1.03 Name"
    assert isinstance(second, Finding)
    assert second.kind is None
    assert "in field 3 of the line" in second.message


def test_declared_cp1252_decodes(tmp_path: Path) -> None:
    path = write(tmp_path, b"id,name\n2,Jos\xe9\n")
    rows = rows_of(path, TextFormat(encoding="cp1252"))
    assert rows[-1] == TextRow(2, ["2", "José"])


def test_single_column_names_the_delimiter_used(tmp_path: Path) -> None:
    path = write(tmp_path, b"id;name;grade\n1;Ana;05\n")
    (finding,) = rows_of(path)
    assert isinstance(finding, Finding)
    assert finding.code == "file-unreadable"
    assert "semicolon ';'" in finding.message
    assert "comma ','" in finding.message


def test_single_real_column_is_no_problem(tmp_path: Path) -> None:
    path = write(tmp_path, b"id\n1\n2\n")
    assert len(rows_of(path)) == 3


def test_quoted_newline_keeps_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, b'id,note\n1,"two\nlines"\n2,plain\n')
    rows = rows_of(path)
    assert rows[1] == TextRow(2, ["1", "two\nlines"])
    assert rows[2] == TextRow(4, ["2", "plain"])


def test_unparsable_row_does_not_stop_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, b'id,name\n1,"Ana"x\n2,Luz\n')
    rows = rows_of(path)
    findings = [r for r in rows if isinstance(r, Finding)]
    assert [f.code for f in findings] == ["row-unparsable"]
    assert findings[0].provenance == Provenance("students.csv", 2)
    assert rows[-1] == TextRow(3, ["2", "Luz"])


def test_unquoted_format_keeps_quotes_as_text(tmp_path: Path) -> None:
    path = write(tmp_path, b'SENR^A^"Nick" O\'Neil^\n', "senr.txt")
    rows = rows_of(path, TextFormat(delimiter="^", quoted=False, header=False))
    assert rows == [TextRow(1, ["SENR", "A", '"Nick" O\'Neil', ""])]


def test_empty_file_yields_nothing(tmp_path: Path) -> None:
    assert rows_of(write(tmp_path, b"")) == []


@pytest.mark.parametrize(
    ("name", "problem"),
    [("utf-8", False), ("cp1252", False), ("utf-16", True), ("klingon", True)],
)
def test_check_encoding(name: str, problem: bool) -> None:
    assert (check_encoding(name) is not None) is problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.23457E+09", True),
        ("1,23457E+09", True),
        ("6.0E+9", True),
        ("4E7", True),
        ("0012345678", False),
        ("E123", False),
        ("12E", False),
    ],
)
def test_scientific_notation(text: str, expected: bool) -> None:
    assert is_scientific_notation(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MÃ³nica", "Mónica"),
        ("JosÃ©", "José"),
        ("José", None),
        ("Nguyễn", None),
        ("O'Neil", None),
    ],
)
def test_double_encoding(text: str, expected: str | None) -> None:
    assert undo_double_encoding(text) == expected


@pytest.mark.parametrize(
    ("text", "formats", "expected"),
    [
        ("2016-02-29", ("%Y-%m-%d",), "2016-02-29"),
        ("2016-02-30", ("%Y-%m-%d",), None),
        ("0/0/0000", ("%m/%d/%Y",), None),
        ("03/04/2015", ("%m/%d/%Y",), "2015-03-04"),
        ("03/04/2015", ("%d/%m/%Y",), "2015-04-03"),
        ("03/04/2015", ("%m/%d/%Y", "%d/%m/%Y"), None),
        ("03/03/2015", ("%m/%d/%Y", "%d/%m/%Y"), "2015-03-03"),
        ("20150304", ("%Y%m%d",), "2015-03-04"),
        ("2016023", ("%Y%m%d",), None),
        ("201623", ("%Y%m%d",), None),
        ("3/4/2015", ("%m/%d/%Y",), "2015-03-04"),
    ],
)
def test_parse_date(text: str, formats: tuple[str, ...], expected: str | None) -> None:
    assert parse_date(text, formats) == expected


def student(dialect: SourceDialect, **fields: str) -> SourceRecord:
    values = {
        "local_student_id": "1",
        "first_name": "Ana",
        "last_surname": "Ruiz",
        "birth_date": "2015-03-04",
        **fields,
    }
    return SourceRecord(STUDENT, values, Provenance("s.csv", 2), dialect)


def test_identifier_in_scientific_notation_is_rejected() -> None:
    record, findings = normalize(
        student(SourceDialect("test"), state_student_id="1.23457E+09")
    )
    assert [f.code for f in findings] == ["identifier-scientific-notation"]
    assert record.data["state_student_id"] == "1.23457E+09"


def test_leading_zeros_are_kept() -> None:
    record, findings = normalize(
        student(SourceDialect("test"), state_student_id="0012")
    )
    assert findings == []
    assert record.data["state_student_id"] == "0012"


def test_double_encoded_name_is_stored_with_warning() -> None:
    record, findings = normalize(student(SourceDialect("test"), first_name="MÃ³nica"))
    assert [f.code for f in findings] == ["text-double-encoded"]
    assert not findings[0].is_error
    assert "Mónica" in findings[0].message
    assert record.data["first_name"] == "MÃ³nica"


# C0 control characters other than tab (U+0009), line feed (U+000A) and
# carriage return (U+000D).
REMOVED = [chr(code) for code in range(0x20) if code not in (0x09, 0x0A, 0x0D)]
KEPT = ["\t", "\n", "\r", "\x7f", "\x85", "\x9b", "\u2028"]
# The C0 control characters that str.isspace() accepts.
EDGE_CONTROL_CHARACTERS = "\x0b\x0c\x1c\x1d\x1e\x1f"


@pytest.mark.parametrize("character", REMOVED, ids=lambda c: f"U+{ord(c):04X}")
def test_control_character_removed_with_warning(character: str) -> None:
    record, findings = normalize(
        student(SourceDialect("test"), last_surname=f"Ru{character}iz")
    )

    assert record.data["last_surname"] == "Ruiz"
    [found] = findings
    assert found.code == "control-character-removed"
    assert found.severity is Severity.WARNING
    assert found.field == "lastSurname"
    assert found.provenance == Provenance("s.csv", 2)
    assert found.record_key == "1"
    assert found.value is None
    assert found.message.startswith(
        f"lastSurname contained the control character U+{ord(character):04X}; "
        "the value is stored without it"
    )
    assert "Ru" not in found.message + found.fix
    assert "export" in found.fix


def test_trimmed_characters_are_whitespace() -> None:
    whitespace = {
        chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()
    }

    assert set(TRIMMED) == whitespace - set(EDGE_CONTROL_CHARACTERS)
    assert set(EDGE_CONTROL_CHARACTERS) <= whitespace


@pytest.mark.parametrize(
    "character", EDGE_CONTROL_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}"
)
def test_trim_keeps_control_characters(character: str) -> None:
    assert trim(f" {character} Ana\u00a0\t") == f"{character} Ana"
    assert trim(f"\u3000Ana {character}\n") == f"Ana {character}"
    assert trim(character) == character


@pytest.mark.parametrize(
    "character", EDGE_CONTROL_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}"
)
def test_edge_control_character_warned(character: str) -> None:
    record, findings = normalize(
        student(SourceDialect("test"), last_surname=trim(f"{character}Ruiz "))
    )

    assert record.data["last_surname"] == "Ruiz"
    assert [(f.code, f.field) for f in findings] == [
        ("control-character-removed", "lastSurname")
    ]


@pytest.mark.parametrize("character", KEPT, ids=lambda c: f"U+{ord(c):04X}")
def test_other_control_characters_kept(character: str) -> None:
    record, findings = normalize(
        student(SourceDialect("test"), last_surname=f"Ru{character}iz")
    )

    assert findings == []
    assert record.data["last_surname"] == f"Ru{character}iz"


def test_removed_characters_listed_once() -> None:
    _, findings = normalize(
        student(SourceDialect("test"), first_name="\x00A\x1bn\x00a\x1b")
    )

    [found] = findings
    assert found.message.startswith(
        "firstName contained the control characters U+0000 and U+001B; the "
        "value is stored without them"
    )


def valid_text(spec: FieldSpec) -> str:
    """Return source text that normalizes without a finding for ``spec``."""
    if spec.type is FieldType.DATE:
        return "2015-03-04"
    if spec.type is FieldType.CODE:
        assert spec.code_set is not None
        return next(iter(CODE_SETS[spec.code_set].codes))
    if spec.type in (FieldType.INTEGER, FieldType.DECIMAL):
        return "30"
    if spec.type is FieldType.BOOLEAN:
        return "1"
    return "A1"


FIELDS = [(kind, spec) for kind in RecordKind for spec in KINDS[kind].fields]


@pytest.mark.parametrize(
    ("kind", "spec"), FIELDS, ids=[f"{k}.{s.name}" for k, s in FIELDS]
)
def test_nul_removed_from_every_field(kind: RecordKind, spec: FieldSpec) -> None:
    values = {other.name: valid_text(other) for other in KINDS[kind].fields}
    clean = SourceRecord(kind, values, Provenance("f.csv", 3), SourceDialect("test"))
    text = values[spec.name]
    values = {**values, spec.name: f"{text[:1]}\x00{text[1:]}\x00"}
    sent = SourceRecord(kind, values, Provenance("f.csv", 3), SourceDialect("test"))

    expected, expected_findings = normalize(clean)
    record, findings = normalize(sent)

    assert expected_findings == []
    assert record.data == expected.data
    assert record.key == expected.key
    assert [(f.code, f.field) for f in findings] == [
        ("control-character-removed", spec.column)
    ]


def test_value_of_control_characters_only_is_missing() -> None:
    record, findings = normalize(
        student(SourceDialect("test"), first_name="\x00 \x00", middle_name="\x07")
    )

    assert "first_name" not in record.data
    assert "middle_name" not in record.data
    assert [(f.code, f.field) for f in findings] == [
        ("control-character-removed", "firstName"),
        ("control-character-removed", "middleName"),
        ("required-missing", "firstName"),
    ]


def test_provenance_loses_control_characters() -> None:
    source = student(SourceDialect("test"), last_surname="Ru\x00iz")
    source.provenance = Provenance("s.json", element="student 1 (id 50\x0001)")

    record, findings = normalize(source)

    expected = Provenance("s.json", element="student 1 (id 5001)")
    assert record.provenance == expected
    assert [f.provenance for f in findings] == [expected]


def test_ambiguous_date_is_an_error() -> None:
    dialect = SourceDialect("test", ("%m/%d/%Y", "%d/%m/%Y"))
    _, findings = normalize(student(dialect, birth_date="03/04/2015"))
    assert [f.code for f in findings] == ["date-ambiguous"]
    assert "2015-03-04 or 2015-04-03" in findings[0].message


def test_source_crosswalk_wins_over_canonical_code() -> None:
    # This source writes "TK" for its pre-kindergarten.
    grades = Crosswalk("vendor", "grade_level", "test", {"TK": "PS", "0": "KN"})
    dialect = SourceDialect("test", code_source="vendor", crosswalks=(grades,))
    enrollment = SourceRecord(
        RecordKind.ENROLLMENT,
        {
            "local_student_id": "1",
            "school_id": "0100001",
            "entry_date": "2024-08-15",
            "entry_grade_level": " tk ",
        },
        Provenance("e.csv", 2),
        dialect,
    )
    record, findings = normalize(enrollment)
    assert findings == []
    assert record.data["entry_grade_level"] == "PS"


@pytest.mark.parametrize(
    ("start", "looks_like"),
    [
        (b"PK\x03\x04" + bytes(range(256)) * 4, "Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "older Excel"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF document"),
        ("id,name\r\n1,Ana\r\n".encode("utf-16"), "UTF-16 text"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + bytes(range(256)) * 4, "binary data"),
    ],
)
def test_binary_file_one_error(tmp_path: Path, start: bytes, looks_like: str) -> None:
    path = tmp_path / "students.csv"
    path.write_bytes(start)

    (only,) = list(read_delimited(path, TextFormat()))

    assert isinstance(only, Finding)
    assert only.code == "file-unreadable"
    assert looks_like in only.message
    assert "CSV (UTF-8)" in only.fix


def test_stray_nul_byte_not_binary(
    tmp_path: Path,
) -> None:
    path = tmp_path / "students.csv"
    rows = b"".join(b"%d,Luis\n" % number for number in range(2, 40))
    path.write_bytes(b"id,name\n1,An\x00a\n" + rows)

    items = list(read_delimited(path, TextFormat()))

    assert not any(
        isinstance(item, Finding) and item.code == "file-unreadable" for item in items
    )


def test_stray_nul_in_one_row_file_not_binary(tmp_path: Path) -> None:
    path = tmp_path / "students.csv"
    path.write_bytes(b"id,name\n1,An\x00a\n")

    items = list(read_delimited(path, TextFormat()))

    assert items == [TextRow(1, ["id", "name"]), TextRow(2, ["1", "An\x00a"])]
