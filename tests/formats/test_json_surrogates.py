"""Lone UTF-16 surrogate escapes in PowerSchool and Ed-Fi JSON strings, as read.

The JSON files are written as text, because the tests need escapes that
``json.dumps`` never writes, such as upper-case hex digits or ``\\u0041``.
A submission of such a file is tested on both databases in
``tests/test_control_characters.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sislink.formats import get_reader
from sislink.formats import surrogates as surrogates_module
from sislink.formats.base import ReadItem
from sislink.formats.surrogates import json_backend, lone_surrogates
from sislink.model import Finding, Provenance, RecordKind, Severity, SourceRecord

STUDENT = RecordKind.STUDENT
ENROLLMENT = RecordKind.ENROLLMENT

POWERSCHOOL = (
    '{"students": {"student": [{"id": 9, "local_id": "000321", '
    '"name": {"first_name": "Eva", "last_name": "LAST"}, '
    '"demographics": {"gender": "F", "birth_date": "2015-05-06"}, '
    '"school_enrollment": {"enroll_status_code": 0, "grade_level": 3, '
    '"entry_date": "2023-08-15", "school_number": 100}}]}}'
)
"""One PowerSchool student whose last name is the text LAST."""

EDFI_STUDENTS = (
    '[{"studentUniqueId": "S1", "firstName": "Eva", "lastSurname": "LAST", '
    '"birthDate": "2015-05-06"}]'
)
"""One Ed-Fi student whose lastSurname is the text LAST."""

TEMPLATES = {"powerschool-json": POWERSCHOOL, "edfi-json": EDFI_STUDENTS}


def write(folder: Path, name: str, template: str, last_name: str) -> Path:
    """Write ``template`` with ``last_name``, raw JSON text, in place of LAST."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(template.replace("LAST", last_name), encoding="utf-8")
    return path


def read_all(format_name: str, folder: Path) -> list[ReadItem]:
    reader = get_reader(format_name)
    return list(reader.read(reader.collect([folder])))


def records(items: list[ReadItem], kind: RecordKind) -> list[SourceRecord]:
    return [i for i in items if isinstance(i, SourceRecord) and i.kind is kind]


def found(items: list[ReadItem]) -> list[Finding]:
    return [i for i in items if isinstance(i, Finding)]


def item_texts(item: ReadItem) -> Iterator[str]:
    """Yield the texts of a read item that later steps store or show."""
    provenance = item.provenance
    yield provenance.file
    yield provenance.element or ""
    if isinstance(item, SourceRecord):
        yield from item.fields.values()
    elif isinstance(item, Finding):
        yield from (item.message, item.fix, item.field or "", item.value or "")


# Escapes that name no character: lone halves, and a high surrogate followed
# by an escape that is no low surrogate.
LONE = [
    pytest.param("Ru\\ud800iz", "escape \\ud800", id="high"),
    pytest.param("Ruiz\\udc00", "escape \\udc00", id="low"),
    pytest.param("\\uDBFFRuiz", "escape \\udbff", id="high-upper-case"),
    pytest.param("Ru\\ud800\\u0041iz", "escape \\ud800", id="high-before-other"),
    pytest.param("Ruiz\\udc00\\ud800", "escapes \\udc00 and \\ud800", id="reversed"),
]


@pytest.mark.parametrize(("last_name", "escapes"), LONE)
def test_powerschool_lone_surrogate_holds_student(
    tmp_path: Path, last_name: str, escapes: str
) -> None:
    write(tmp_path, "students.json", POWERSCHOOL, last_name)

    items = read_all("powerschool-json", tmp_path)

    [error] = found(items)
    assert error.code == "json-surrogate-invalid"
    assert error.severity is Severity.ERROR
    assert error.kind is STUDENT
    assert error.provenance == Provenance("students.json", element="student 1 (id 9)")
    assert error.field == "name.last_name"
    assert error.value is None
    assert error.message.startswith(
        f"the JSON string in name.last_name contains the {escapes} of "
    )
    assert "The student record was not read" in error.message
    assert "Ruiz" not in error.message + error.fix
    assert records(items, STUDENT) == []
    # The enrollment's own values are sound, so it is read.
    assert len(records(items, ENROLLMENT)) == 1


@pytest.mark.parametrize(
    ("last_name", "read_as"),
    [
        pytest.param("Ruiz\\ud83d\\ude00", "Ruiz\U0001f600", id="pair"),
        pytest.param("Ruiz\\uD83D\\uDE00", "Ruiz\U0001f600", id="pair-upper-case"),
        pytest.param("Ru\\\\ud800iz", "Ru\\ud800iz", id="escaped-backslash"),
        pytest.param("Ru\\u00f1iz", "Ruñiz", id="other-escape"),
    ],
)
def test_powerschool_valid_escapes_read(
    tmp_path: Path, last_name: str, read_as: str
) -> None:
    write(tmp_path, "students.json", POWERSCHOOL, last_name)

    items = read_all("powerschool-json", tmp_path)

    assert found(items) == []
    [student] = records(items, STUDENT)
    assert student.fields["last_surname"] == read_as


def test_powerschool_surrogate_in_id_replaced(tmp_path: Path) -> None:
    write(
        tmp_path,
        "students.json",
        POWERSCHOOL.replace('"id": 9', '"id": "9\\ud800"'),
        "Ruiz",
    )

    items = read_all("powerschool-json", tmp_path)

    assert found(items) == []
    [student] = records(items, STUDENT)
    assert student.provenance.element == "student 1 (id 9\ufffd)"


def test_powerschool_id_in_both_records(tmp_path: Path) -> None:
    text = POWERSCHOOL.replace('"local_id": "000321"', '"local_id": "0003\\udc0021"')
    write(tmp_path, "students.json", text, "Ruiz")

    items = read_all("powerschool-json", tmp_path)

    assert [(f.kind, f.field) for f in found(items)] == [
        (STUDENT, "local_id"),
        (ENROLLMENT, "local_id"),
    ]
    assert records(items, STUDENT) == records(items, ENROLLMENT) == []


def test_powerschool_fields_listed_once(tmp_path: Path) -> None:
    text = POWERSCHOOL.replace('"Eva"', '"E\\ud800va\\ud800"')
    write(tmp_path, "students.json", text, "Ruiz\\udfff")

    [error] = found(read_all("powerschool-json", tmp_path))

    assert error.field == "name.first_name"
    assert error.message.startswith(
        "the JSON strings in name.first_name and name.last_name contain the "
        "escapes \\ud800 and \\udfff of lone UTF-16 surrogates, which encode no "
        "character. The student record was not read"
    )


@pytest.mark.parametrize(("last_name", "escapes"), LONE)
def test_edfi_lone_surrogate_holds_student(
    tmp_path: Path, last_name: str, escapes: str
) -> None:
    write(tmp_path, "students.json", EDFI_STUDENTS, last_name)

    items = read_all("edfi-json", tmp_path)

    [error] = found(items)
    assert error.code == "json-surrogate-invalid"
    assert error.kind is STUDENT
    assert error.provenance == Provenance("students.json", element="[0]")
    assert error.field == "lastSurname"
    assert escapes in error.message
    assert "Ruiz" not in error.message
    assert records(items, STUDENT) == []


def test_edfi_contact_read_without_value(tmp_path: Path) -> None:
    write(tmp_path, "students.json", EDFI_STUDENTS, "Ruiz")
    write(
        tmp_path,
        "contacts.json",
        '[{"contactUniqueId": "C1", "firstName": "Ro\\ud800sa", '
        '"lastSurname": "Ruiz"}]',
        "",
    )
    write(
        tmp_path,
        "studentContactAssociations.json",
        '[{"contactReference": {"contactUniqueId": "C1"}, '
        '"studentReference": {"studentUniqueId": "S1"}}]',
        "",
    )

    items = read_all("edfi-json", tmp_path)

    [error] = found(items)
    assert error.provenance == Provenance("contacts.json", element="[0]")
    assert error.field == "firstName"
    assert "The contacts element was read without it" in error.message
    [student] = records(items, STUDENT)
    assert "guardian_1_first_name" not in student.fields
    assert student.fields["guardian_1_last_surname"] == "Ruiz"


def test_edfi_delete_key_not_applied(tmp_path: Path) -> None:
    write(tmp_path, "students-deletes.json", '[{"studentUniqueId": "S\\udc001"}]', "")

    items = read_all("edfi-json", tmp_path)

    [error] = found(items)
    assert error.code == "json-surrogate-invalid"
    assert error.field == "studentUniqueId"
    assert len(items) == 1


@pytest.mark.parametrize("format_name", ["powerschool-json", "edfi-json"])
def test_no_surrogate_reaches_read_items(tmp_path: Path, format_name: str) -> None:
    write(
        tmp_path,
        "students.json",
        TEMPLATES[format_name],
        "\\ud800\\udc00\\udc00R\\ud800",
    )

    items = read_all(format_name, tmp_path)

    assert items
    texts = [text for item in items for text in item_texts(item)]
    assert [text for text in texts if lone_surrogates(text)] == []


def test_escape_across_block_boundary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "students.json", EDFI_STUDENTS, "Ru\\ud800iz")
    start = path.read_bytes().index(b"\\ud800")
    monkeypatch.setattr(surrogates_module, "BLOCK_SIZE", start + 2)

    assert json_backend(path).__name__ == "ijson.backends.python"


def test_file_without_surrogates_keeps_fast_backend(tmp_path: Path) -> None:
    path = write(tmp_path, "students.json", EDFI_STUDENTS, "Ru\\u00f1iz")

    assert json_backend(path).__name__ != "ijson.backends.python"
