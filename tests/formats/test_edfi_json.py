"""Tests of the Ed-Fi JSON resource reader and writer.

The sample files in samples/edfi-json are synthetic API responses: a bulk
folder with one charter LEA, two schools, three students in two pages,
their school associations and one special-education association, and a
deletes folder that ends one student and one enrollment.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from sislink import pipeline
from sislink.cli import app
from sislink.formats.base import ReadItem
from sislink.formats.edfi_common import order_disabilities
from sislink.formats.edfi_json import EdFiJsonReader
from sislink.formats.edfi_json.writer import write
from sislink.model import (
    KINDS,
    Finding,
    Provenance,
    RecordKind,
    Removed,
    Severity,
    Skipped,
    SourceRecord,
)
from sislink.model.summary import SubmissionResult
from sislink.normalize import normalize
from sislink.store.organizations import add_organization
from sislink.store.schema import record_versions

SAMPLES = Path(__file__).parent / "samples" / "edfi-json"
BULK = SAMPLES / "bulk"
DELETES = SAMPLES / "deletes"

runner = CliRunner()


def read_all(*paths: Path) -> list[ReadItem]:
    reader = EdFiJsonReader()
    return list(reader.read(reader.collect(list(paths))))


def records(items: list[ReadItem], kind: RecordKind) -> list[SourceRecord]:
    return [i for i in items if isinstance(i, SourceRecord) and i.kind == kind]


def findings(items: list[ReadItem], code: str | None = None) -> list[Finding]:
    return [
        i for i in items if isinstance(i, Finding) and (code is None or i.code == code)
    ]


def normalized(record: SourceRecord) -> dict[str, Any]:
    canonical, problems = normalize(record)
    assert [p for p in problems if p.is_error] == []
    return canonical.data


def write_json(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


# --- the samples ---------------------------------------------------------------


def test_collect_orders_resources() -> None:
    files = EdFiJsonReader().collect([BULK, DELETES])

    assert [f.name for f in files] == [
        "localEducationAgencies.json",
        "schools.json",
        "students-1.json",
        "students-2.json",
        "students-deletes.json",
        "studentSchoolAssociations.json",
        "studentSchoolAssociations-deletes.json",
        "studentSpecialEducationProgramAssociations.json",
    ]


def test_covered_kinds_leave_out_deletes() -> None:
    reader = EdFiJsonReader()

    assert reader.covered_kinds(reader.collect([BULK])) == set(reader.kinds)
    assert reader.covered_kinds(reader.collect([DELETES])) == frozenset()


def test_bulk_sample_counts() -> None:
    items = read_all(BULK)

    assert findings(items) == []
    assert len(records(items, RecordKind.ORGANIZATION)) == 3
    assert len(records(items, RecordKind.STUDENT)) == 3
    assert len(records(items, RecordKind.ENROLLMENT)) == 3
    assert len(records(items, RecordKind.SPECIAL_EDUCATION_PROGRAM)) == 1


def test_provenance_names_element() -> None:
    students = records(read_all(BULK), RecordKind.STUDENT)

    places = [(s.provenance.file, s.provenance.element) for s in students]
    assert places == [
        ("students-1.json", "[0]"),
        ("students-1.json", "[1]"),
        ("students-2.json", "[0]"),
    ]


@pytest.mark.parametrize(
    ("kind", "key", "field", "expected"),
    [
        (RecordKind.ORGANIZATION, "1964733", "organization_kind", "charter"),
        (RecordKind.ORGANIZATION, "196473301", "organization_kind", "school"),
        (
            RecordKind.ORGANIZATION,
            "196473301",
            "parent_education_organization_id",
            "1964733",
        ),
        (RecordKind.STUDENT, "0042017", "middle_name", "Lucía"),
        (RecordKind.STUDENT, "0042017", "sex", "F"),
        (RecordKind.STUDENT, "0042018", "preferred_first_name", "Benny"),
        (RecordKind.STUDENT, "0042019", "birth_date", "2011-06-01"),
        (
            RecordKind.ENROLLMENT,
            "0042017|196473301|2024-08-14",
            "entry_grade_level",
            "03",
        ),
        (
            RecordKind.ENROLLMENT,
            "0042018|196473301|2024-08-14",
            "entry_grade_level",
            "KN",
        ),
        (
            RecordKind.ENROLLMENT,
            "0042019|196473302|2024-08-14",
            "exit_withdraw_date",
            "2025-01-31",
        ),
        (
            RecordKind.SPECIAL_EDUCATION_PROGRAM,
            "0042017|1964733|2024-08-14",
            "primary_disability",
            "320",
        ),
        (
            RecordKind.SPECIAL_EDUCATION_PROGRAM,
            "0042017|1964733|2024-08-14",
            "secondary_disability",
            "240",
        ),
        (
            RecordKind.SPECIAL_EDUCATION_PROGRAM,
            "0042017|1964733|2024-08-14",
            "special_education_hours_per_week",
            7.5,
        ),
        (
            RecordKind.SPECIAL_EDUCATION_PROGRAM,
            "0042017|1964733|2024-08-14",
            "idea_eligibility",
            True,
        ),
        (
            RecordKind.SPECIAL_EDUCATION_PROGRAM,
            "0042017|1964733|2024-08-14",
            "special_education_setting",
            "Inside regular class 80% or more of the day",
        ),
    ],
)
def test_sample_fields(
    kind: RecordKind, key: str, field: str, expected: object
) -> None:
    found = {normalize(r)[0].key: normalized(r) for r in records(read_all(BULK), kind)}

    assert found[key][field] == expected


def test_deletes_sample_removes() -> None:
    items = read_all(DELETES)

    removed = [i for i in items if isinstance(i, Removed)]
    assert [(r.kind, r.key, r.provenance.element) for r in removed] == [
        (RecordKind.STUDENT, "0042018", "[0]"),
        (RecordKind.ENROLLMENT, "0042019|196473302|2024-08-14", "[0]"),
    ]


@pytest.mark.parametrize(
    ("name", "alternative", "field"),
    [
        ("iepReviewDate", "iepLastReviewDate", "iep_review_date"),
        ("lastEvaluationDate", "iepLastEvaluationDate", "last_evaluation_date"),
    ],
)
def test_data_standard_6_names(
    tmp_path: Path, name: str, alternative: str, field: str
) -> None:
    program = json.loads(
        (BULK / "studentSpecialEducationProgramAssociations.json").read_text()
    )[0]
    program[alternative] = program.pop(name)
    write_json(tmp_path / "studentSpecialEducationProgramAssociations.json", [program])

    [record] = records(read_all(tmp_path), RecordKind.SPECIAL_EDUCATION_PROGRAM)

    assert field in record.fields


# --- input that goes wrong -------------------------------------------------------


def file_errors(items: list[ReadItem]) -> list[Finding]:
    return findings(items, "file-unreadable")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"   \n", "is empty"),
        (b'{"message": "Unauthorized"}', "not '['"),
        (b"students", "not '['"),
        (b'[{"studentUniqueId": "1"},', "is not valid JSON"),
        (b'[{"studentUniqueId": 01}]', "is not valid JSON"),
        (b'[{"firstName": "\xff"}]', "is not valid JSON"),
    ],
)
def test_file_error(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "students.json").write_bytes(content)

    [error] = file_errors(read_all(tmp_path))

    assert message in error.message
    assert error.provenance is not None
    assert error.provenance.file == "students.json"


def test_truncated_file_keeps_earlier_records(tmp_path: Path) -> None:
    text = (BULK / "students-1.json").read_text(encoding="utf-8")
    cut = text.index('"studentUniqueId": "0042018"')
    (tmp_path / "students.json").write_text(text[:cut], encoding="utf-8")

    items = read_all(tmp_path)

    assert len(records(items, RecordKind.STUDENT)) == 1
    [error] = file_errors(items)
    assert "element [1]" in error.message
    assert "between bytes" in error.message


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    data = (BULK / "students-2.json").read_bytes()
    (tmp_path / "students.json").write_bytes(b"\xef\xbb\xbf" + data)

    items = read_all(tmp_path)

    assert findings(items) == []
    assert len(records(items, RecordKind.STUDENT)) == 1


@pytest.mark.parametrize(
    ("element", "detail"),
    [
        (42, "not an object"),
        ("student", "not an object"),
        ({"studentUniqueId": {"value": "1"}}, "studentUniqueId is an object"),
        ({"studentUniqueId": ["1"]}, "studentUniqueId is an object or array"),
        ({"studentUniqueId": "1", "studentIdentificationCodes": "x"}, "not an array"),
    ],
)
def test_invalid_element_is_rejected(
    tmp_path: Path, element: object, detail: str
) -> None:
    good = {"studentUniqueId": "2", "firstName": "A", "lastSurname": "B"}
    write_json(tmp_path / "students.json", [element, good])

    items = read_all(tmp_path)

    [error] = findings(items, "json-element-invalid")
    assert detail in error.message
    assert error.kind is RecordKind.STUDENT
    assert error.provenance is not None
    assert error.provenance.element == "[0]"
    assert len(records(items, RecordKind.STUDENT)) == 1


@pytest.mark.parametrize(
    ("value", "expected", "code"),
    [
        ("0042017", "0042017", None),
        (1.23457e9, None, "identifier-scientific-notation"),
        (42017, "42017", None),
    ],
)
def test_identifier_values(
    tmp_path: Path, value: object, expected: str | None, code: str | None
) -> None:
    text = json.dumps([{"studentUniqueId": value, "firstName": "A"}])
    if code is not None:
        text = text.replace(str(value), "1.23457E+09")
    (tmp_path / "students.json").write_text(text, encoding="utf-8")
    [record] = records(read_all(tmp_path), RecordKind.STUDENT)

    canonical, problems = normalize(record)

    assert canonical.data.get("local_student_id") == expected or code is not None
    assert (code is None) or code in [p.code for p in problems]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("birthDate", "2016-02-30", "date-invalid"),
        ("birthDate", "0/0/0000", "date-invalid"),
        (
            "birthSexDescriptor",
            "uri://ed-fi.org/SexDescriptor#Unknown",
            "code-unmapped",
        ),
    ],
)
def test_student_value_findings(
    tmp_path: Path, field: str, value: str, code: str
) -> None:
    student = {"studentUniqueId": "1", "firstName": "A", "lastSurname": "B"}
    student["birthDate"] = "2015-01-01"
    student[field] = value
    write_json(tmp_path / "students.json", [student])
    [record] = records(read_all(tmp_path), RecordKind.STUDENT)

    _canonical, problems = normalize(record)

    assert [p.code for p in problems] == [code]


def test_unknown_grade_descriptor(tmp_path: Path) -> None:
    association = {
        "studentReference": {"studentUniqueId": "1"},
        "schoolReference": {"schoolId": 1},
        "entryDate": "2024-08-14",
        "entryGradeLevelDescriptor": "uri://ed-fi.org/GradeLevelDescriptor#Grade 13",
    }
    write_json(tmp_path / "studentSchoolAssociations.json", [association])
    [record] = records(read_all(tmp_path), RecordKind.ENROLLMENT)

    _canonical, problems = normalize(record)

    assert "code-unmapped" in [p.code for p in problems]


def test_delete_without_key_values(tmp_path: Path) -> None:
    write_json(tmp_path / "students-deletes.json", [{"id": "abc", "changeVersion": 3}])

    [warning] = findings(read_all(tmp_path), "edfi-delete-key-missing")

    assert "'abc'" in warning.message
    assert "studentUniqueId" in warning.message


def test_delete_with_top_level_keys(tmp_path: Path) -> None:
    write_json(tmp_path / "students-deletes.json", [{"studentUniqueId": "0042018"}])

    [removed] = [i for i in read_all(tmp_path) if isinstance(i, Removed)]

    assert removed.key == "0042018"


# --- contacts ------------------------------------------------------------------

STUDENT_RESOURCE = {
    "studentUniqueId": "S1",
    "firstName": "Ana",
    "lastSurname": "Ruiz",
    "birthDate": "2015-03-14",
}


def contact_folder(tmp_path: Path, person: str, associations: list[Any]) -> Path:
    """Return a folder with one student, three contacts and ``associations``.

    ``person`` is ``contact`` (Data Standard 5.x) or ``parent`` (older).
    """
    plural = f"{person}s.json"
    names = [("C1", "Rosa", "Ruiz"), ("C2", "Omar", "Haddad"), ("C3", "Lina", "Ruiz")]
    write_json(
        tmp_path / plural,
        [
            {f"{person}UniqueId": c, "firstName": first, "lastSurname": last}
            for c, first, last in names
        ],
    )
    resource = f"student{person.capitalize()}Associations.json"
    write_json(
        tmp_path / resource,
        [
            {
                f"{person}Reference": {f"{person}UniqueId": contact_id},
                "studentReference": {"studentUniqueId": "S1"},
                **extra,
            }
            for contact_id, extra in associations
        ],
    )
    write_json(tmp_path / "students.json", [STUDENT_RESOURCE])
    return tmp_path


def guardians_of(folder: Path) -> list[str | None]:
    items = read_all(folder)
    assert findings(items) == []
    return student_guardians(items)


def student_guardians(items: list[ReadItem]) -> list[str | None]:
    [student] = [normalized(r) for r in records(items, RecordKind.STUDENT)]
    return [
        student.get(f"guardian_{number}_{part}")
        for number in (1, 2)
        for part in ("first_name", "last_surname")
    ]


def test_primary_contact_comes_first(tmp_path: Path) -> None:
    folder = contact_folder(
        tmp_path,
        "contact",
        [
            ("C1", {"contactPriority": 1}),
            ("C2", {"primaryContactStatus": True, "contactPriority": 2}),
            ("C3", {}),
        ],
    )

    assert guardians_of(folder) == ["Omar", "Haddad", "Rosa", "Ruiz"]


def test_contact_priority_orders_contacts(tmp_path: Path) -> None:
    folder = contact_folder(
        tmp_path,
        "contact",
        [("C3", {}), ("C1", {"contactPriority": 2}), ("C2", {"contactPriority": 1})],
    )

    assert guardians_of(folder) == ["Omar", "Haddad", "Rosa", "Ruiz"]


def test_contact_priority_of_other_digits(tmp_path: Path) -> None:
    folder = contact_folder(
        tmp_path,
        "contact",
        [("C1", {"contactPriority": "²"}), ("C2", {"contactPriority": "\u0661"})],
    )

    assert guardians_of(folder) == ["Omar", "Haddad", "Rosa", "Ruiz"]


def test_disability_order_of_other_digits() -> None:
    ordered = order_disabilities([("Autism", "²"), ("Deaf", "\u0661")])

    assert ordered == ["Deaf", "Autism"]


def test_parents_of_older_standards(tmp_path: Path) -> None:
    folder = contact_folder(tmp_path, "parent", [("C3", {}), ("C1", {})])

    assert guardians_of(folder) == ["Lina", "Ruiz", "Rosa", "Ruiz"]


def test_unknown_contact_is_no_guardian(tmp_path: Path) -> None:
    folder = contact_folder(tmp_path, "contact", [("C9", {}), ("C2", {})])

    items = read_all(folder)

    assert student_guardians(items) == ["Omar", "Haddad", None, None]
    assert [f.code for f in findings(items)] == [UNRESOLVED]


UNRESOLVED = "guardian-reference-unresolved"


def unresolved_folder(tmp_path: Path, person: str, links: dict[str, str]) -> Path:
    """Return a folder with contact C1, students S1 to S4 and ``links``.

    ``links`` maps student ids to the contact id each one's association names.
    """
    write_json(
        tmp_path / f"{person}s.json",
        [{f"{person}UniqueId": "C1", "firstName": "Rosa", "lastSurname": "Ruiz"}],
    )
    write_json(
        tmp_path / f"student{person.capitalize()}Associations.json",
        [
            {
                f"{person}Reference": {f"{person}UniqueId": contact_id},
                "studentReference": {"studentUniqueId": student_id},
            }
            for student_id, contact_id in links.items()
        ],
    )
    students = [{**STUDENT_RESOURCE, "studentUniqueId": f"S{n}"} for n in range(1, 5)]
    write_json(tmp_path / "students.json", students)
    return tmp_path


@pytest.mark.parametrize("person", ["contact", "parent"])
def test_unknown_contacts_one_warning(tmp_path: Path, person: str) -> None:
    links = {"S1": "C9", "S2": "C1", "S3": "C8", "S9": "C7"}
    folder = unresolved_folder(tmp_path, person, links)

    items = read_all(folder)

    [warning] = findings(items, UNRESOLVED)
    assert warning.severity is Severity.WARNING
    assert warning.kind is RecordKind.STUDENT
    assert warning.provenance == Provenance("students.json", element="[0]")
    assert warning.message.startswith("2 student record(s) name guardians")
    assert "(at elements [0] and [2])" in warning.message
    assert "studentContactAssociations" in warning.message
    for private in ("S1", "S3", "C9", "C8", "Ana", "Ruiz", "2015-03-14"):
        assert private not in warning.message + warning.fix
    assert len(records(items, RecordKind.STUDENT)) == 4


def test_unknown_contacts_one_warning_per_page(tmp_path: Path) -> None:
    folder = unresolved_folder(tmp_path, "contact", {"S1": "C9", "S3": "C9"})
    (folder / "students.json").unlink()
    write_json(
        folder / "students-1.json", [{**STUDENT_RESOURCE, "studentUniqueId": "S1"}]
    )
    write_json(
        folder / "students-2.json",
        [{**STUDENT_RESOURCE, "studentUniqueId": s} for s in ("S2", "S3")],
    )

    warnings = findings(read_all(folder), UNRESOLVED)

    assert [w.provenance for w in warnings] == [
        Provenance("students-1.json", element="[0]"),
        Provenance("students-2.json", element="[1]"),
    ]


def test_known_contacts_no_unresolved_warning(tmp_path: Path) -> None:
    folder = unresolved_folder(tmp_path, "contact", {"S1": "C1", "S2": "C1"})

    assert findings(read_all(folder)) == []
    assert findings(read_all(BULK), UNRESOLVED) == []


def sibling_folder(tmp_path: Path, person: str = "contact") -> Path:
    """Return a folder where students S1 and S2 share contact C1 and S1 has C2.

    ``person`` is ``contact`` (Data Standard 5.x) or ``parent`` (older).
    """
    write_json(
        tmp_path / f"{person}s.json",
        [
            {f"{person}UniqueId": "C1", "firstName": "Rosa", "lastSurname": "Ruiz"},
            {f"{person}UniqueId": "C2", "firstName": "Omar", "lastSurname": "Haddad"},
        ],
    )
    write_json(
        tmp_path / f"student{person.capitalize()}Associations.json",
        [
            {
                f"{person}Reference": {f"{person}UniqueId": contact_id},
                "studentReference": {"studentUniqueId": student_id},
                "contactPriority": priority,
            }
            for student_id, contact_id, priority in (
                ("S1", "C1", 1),
                ("S1", "C2", 2),
                ("S2", "C1", 1),
            )
        ],
    )
    sibling = {**STUDENT_RESOURCE, "studentUniqueId": "S2", "firstName": "Eva"}
    write_json(tmp_path / "students.json", [STUDENT_RESOURCE, sibling])
    return tmp_path


def guardians_by_student(items: list[ReadItem]) -> dict[str, list[str | None]]:
    """Return each student's guardian 1 and 2 names, by studentUniqueId."""
    students = [normalized(r) for r in records(items, RecordKind.STUDENT)]
    return {
        student["local_student_id"]: [
            student.get(f"guardian_{number}_{part}")
            for number in (1, 2)
            for part in ("first_name", "last_surname")
        ]
        for student in students
    }


def delete_of(**key_values: str) -> dict[str, Any]:
    return {"id": "d1", "changeVersion": 9, "keyValues": key_values}


def test_deleted_contact_leaves_every_student(tmp_path: Path) -> None:
    folder = sibling_folder(tmp_path)
    write_json(folder / "contacts-deletes.json", [delete_of(contactUniqueId="C1")])

    items = read_all(folder)

    assert findings(items) == []
    assert guardians_by_student(items) == {
        "S1": ["Omar", "Haddad", None, None],
        "S2": [None, None, None, None],
    }


def test_deleted_association_leaves_its_student(tmp_path: Path) -> None:
    folder = sibling_folder(tmp_path)
    write_json(
        folder / "studentContactAssociations-deletes.json",
        [delete_of(contactUniqueId="C1", studentUniqueId="S1")],
    )

    items = read_all(folder)

    assert findings(items) == []
    assert guardians_by_student(items) == {
        "S1": ["Omar", "Haddad", None, None],
        "S2": ["Rosa", "Ruiz", None, None],
    }


def test_parent_deletes_of_older_standards(tmp_path: Path) -> None:
    folder = sibling_folder(tmp_path, "parent")
    write_json(folder / "parents-deletes.json", [delete_of(parentUniqueId="C2")])
    write_json(
        folder / "studentParentAssociations-deletes.json",
        [delete_of(parentUniqueId="C1", studentUniqueId="S2")],
    )

    items = read_all(folder)

    assert findings(items) == []
    assert guardians_by_student(items) == {
        "S1": ["Rosa", "Ruiz", None, None],
        "S2": [None, None, None, None],
    }


@pytest.mark.parametrize(
    ("file_name", "key_values", "target"),
    [
        (
            "contacts-deletes.json",
            {"contactUniqueId": "C9"},
            "contactUniqueId 'C9'",
        ),
        (
            "studentContactAssociations-deletes.json",
            {"contactUniqueId": "C2", "studentUniqueId": "S2"},
            "contactUniqueId 'C2', studentUniqueId 'S2'",
        ),
    ],
)
def test_contact_delete_of_unknown_warns(
    tmp_path: Path, file_name: str, key_values: dict[str, str], target: str
) -> None:
    folder = sibling_folder(tmp_path)
    write_json(folder / file_name, [delete_of(**key_values)])

    items = read_all(folder)

    [warning] = findings(items)
    assert warning.code == "edfi-contact-delete-unknown"
    assert warning.severity is Severity.WARNING
    assert target in warning.message
    assert warning.value == key_values["contactUniqueId"]
    assert warning.record_key == key_values.get("studentUniqueId")
    assert warning.provenance is not None
    assert warning.provenance.file == file_name
    assert guardians_by_student(items) == {
        "S1": ["Rosa", "Ruiz", "Omar", "Haddad"],
        "S2": ["Rosa", "Ruiz", None, None],
    }


def test_contact_delete_without_key_values(tmp_path: Path) -> None:
    folder = sibling_folder(tmp_path)
    write_json(
        folder / "studentContactAssociations-deletes.json",
        [delete_of(contactUniqueId="C1")],
    )

    [warning] = findings(read_all(folder), "edfi-delete-key-missing")

    assert "'d1'" in warning.message
    assert "contactUniqueId, studentUniqueId" in warning.message


def stored_guardians(engine: Engine) -> dict[str, list[Any]]:
    """Return each current student's guardian 1 and 2 names, by local id."""
    columns = record_versions.c
    query = select(columns.record_key, columns.data).where(
        columns.kind == RecordKind.STUDENT.value,
        columns.valid_to_submission_id.is_(None),
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return {
        key: [
            data.get(f"guardian_{number}_{part}")
            for number in (1, 2)
            for part in ("first_name", "last_surname")
        ]
        for key, data in rows
    }


def test_contact_deletes_end_to_end(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as connection:
        add_organization(connection, "1964733", "Harbor Hills", "charter")
    folders = {name: tmp_path / name for name in ("bulk", "delta", "alone")}
    for folder in folders.values():
        folder.mkdir()
    sibling_folder(folders["bulk"])
    sibling_folder(folders["delta"])
    write_json(
        folders["delta"] / "contacts-deletes.json", [delete_of(contactUniqueId="C1")]
    )
    write_json(
        folders["alone"] / "contacts-deletes.json", [delete_of(contactUniqueId="C2")]
    )

    def send(name: str, snapshot: bool) -> SubmissionResult:
        request = pipeline.SubmissionRequest(
            "1964733", "edfi-json", [folders[name]], snapshot=snapshot
        )
        result = pipeline.submit(engine, request)
        assert result.status == "committed", result.findings
        return result

    send("bulk", snapshot=True)
    assert stored_guardians(engine) == {
        "S1": ["Rosa", "Ruiz", "Omar", "Haddad"],
        "S2": ["Rosa", "Ruiz", None, None],
    }

    delta = send("delta", snapshot=False)
    assert delta.kinds[RecordKind.STUDENT].updated == 2
    assert stored_guardians(engine) == {
        "S1": ["Omar", "Haddad", None, None],
        "S2": [None, None, None, None],
    }

    alone = send("alone", snapshot=False)
    warnings = [f for f in alone.findings if f.code == "edfi-contact-delete-unknown"]
    assert len(warnings) == 1
    assert RecordKind.STUDENT not in alone.kinds
    assert stored_guardians(engine)["S1"] == ["Omar", "Haddad", None, None]


def test_contact_files_cover_no_kind(tmp_path: Path) -> None:
    folder = contact_folder(tmp_path, "contact", [("C1", {})])
    (folder / "students.json").unlink()
    reader = EdFiJsonReader()

    files = reader.collect([folder])

    assert [f.name for f in files] == [
        "contacts.json",
        "studentContactAssociations.json",
    ]
    assert reader.covered_kinds(files) == frozenset()
    assert read_all(folder) == []


def test_other_json_file_given_is_ignored(tmp_path: Path) -> None:
    path = write_json(tmp_path / "staffs.json", [])

    [warning] = findings(read_all(path), "file-ignored")

    assert warning.provenance is not None
    assert warning.provenance.file == "staffs.json"


def test_folder_skips_other_files(tmp_path: Path) -> None:
    write_json(tmp_path / "staffs.json", [])
    write_json(tmp_path / "students.json", [])

    assert [f.name for f in EdFiJsonReader().collect([tmp_path])] == ["students.json"]


# --- writer round trip -----------------------------------------------------------


ORGANIZATIONS: list[dict[str, Any]] = [
    {
        "education_organization_id": "1964733",
        "name_of_institution": "Harbor & Hills Charter",
        "organization_kind": "charter",
        "parent_education_organization_id": "1964212",
    },
    {
        "education_organization_id": "0136861",
        "name_of_institution": "Harbor Hills Elementary <North>",
        "organization_kind": "school",
        "parent_education_organization_id": "1964733",
    },
    {
        "education_organization_id": "1964212",
        "name_of_institution": "Example Unified",
        "organization_kind": "district",
    },
]

STUDENTS: list[dict[str, Any]] = [
    {
        "local_student_id": "H-1001",
        "state_student_id": "4000000001",
        "first_name": "Ana",
        "middle_name": "Lucía",
        "last_surname": "O'Neil",
        "preferred_first_name": "Annie",
        "birth_date": "2014-03-09",
        "sex": "F",
        "guardian_1_first_name": "María José",
        "guardian_1_last_surname": "O'Neil",
        "guardian_2_first_name": "Sam",
        "guardian_2_last_surname": "Lee",
    },
    {
        "local_student_id": "0001002",
        "district_student_id": "900123",
        "first_name": "Ben",
        "last_surname": "Tran",
        "birth_date": "2013-11-30",
        "sex": "M",
        "guardian_1_first_name": "Thu",
        "guardian_1_last_surname": "Tran",
    },
]

ENROLLMENTS: list[dict[str, Any]] = [
    {
        "local_student_id": "H-1001",
        "school_id": "0136861",
        "entry_date": "2024-08-15",
        "exit_withdraw_date": "2025-06-12",
        "entry_type": "Next year school",
        "exit_withdraw_type": "Graduated",
        "entry_grade_level": "05",
    },
    {
        "local_student_id": "0001002",
        "school_id": "0136861",
        "entry_date": "2024-08-15",
        "entry_grade_level": "KN",
    },
]

PROGRAMS: list[dict[str, Any]] = [
    {
        "local_student_id": "H-1001",
        "program_education_organization_id": "1964733",
        "begin_date": "2024-08-15",
        "end_date": "2025-06-12",
        "idea_eligibility": True,
        "special_education_setting": "Inside regular class 80% or more",
        "special_education_hours_per_week": 7.5,
        "iep_begin_date": "2024-09-01",
        "iep_end_date": "2025-08-31",
        "iep_review_date": "2025-08-20",
        "last_evaluation_date": "2024-05-02",
        "primary_disability": "320",
        "secondary_disability": "240",
        # Further disabilities are text, written as descriptor URIs and
        # read back as CALPADS codes.
        "other_disabilities": "290;281",
        "special_education_exit_date": "2025-06-12",
        "special_education_exit_reason": "Transferred out",
        "services": "Occupational Therapy",
    },
    {
        "local_student_id": "0001002",
        "program_education_organization_id": "1964733",
        "begin_date": "2024-08-15",
        "idea_eligibility": False,
        "primary_disability": "250",
    },
]

WRITTEN = {
    RecordKind.ORGANIZATION: ORGANIZATIONS,
    RecordKind.STUDENT: STUDENTS,
    RecordKind.ENROLLMENT: ENROLLMENTS,
    RecordKind.SPECIAL_EDUCATION_PROGRAM: PROGRAMS,
}


def by_key(kind: RecordKind, items: list[ReadItem]) -> dict[str, dict[str, Any]]:
    return {normalize(r)[0].key: normalized(r) for r in records(items, kind)}


@pytest.mark.parametrize("kind", list(WRITTEN))
def test_writer_round_trip(tmp_path: Path, kind: RecordKind) -> None:
    write(tmp_path, lambda k: iter(WRITTEN.get(k, [])))

    items = read_all(tmp_path)

    assert findings(items) == []
    found = by_key(kind, items)
    expected = {
        KINDS[kind].key_of(r): {n: v for n, v in r.items() if v is not None}
        for r in WRITTEN[kind]
    }
    assert found == expected


def test_writer_file_layout(tmp_path: Path) -> None:
    paths = write(tmp_path, lambda k: iter(WRITTEN.get(k, [])))

    assert [p.name for p in paths] == [
        "localEducationAgencies.json",
        "schools.json",
        "students.json",
        "contacts.json",
        "studentContactAssociations.json",
        "studentSchoolAssociations.json",
        "studentSpecialEducationProgramAssociations.json",
    ]
    [school] = json.loads((tmp_path / "schools.json").read_text(encoding="utf-8"))
    assert school["schoolId"] == "0136861"
    assert school["localEducationAgencyReference"] == {
        "localEducationAgencyId": 1964733
    }
    [first, _second] = json.loads(
        (tmp_path / "studentSchoolAssociations.json").read_text(encoding="utf-8")
    )
    assert first["entryGradeLevelDescriptor"] == (
        "uri://ed-fi.org/GradeLevelDescriptor#Fifth grade"
    )
    [student, _other] = json.loads((tmp_path / "students.json").read_text())
    assert student["birthSexDescriptor"] == "uri://ed-fi.org/SexDescriptor#Female"


def test_writer_writes_contacts(tmp_path: Path) -> None:
    write(tmp_path, lambda k: iter(WRITTEN.get(k, [])))

    contacts = json.loads((tmp_path / "contacts.json").read_text(encoding="utf-8"))
    associations = json.loads(
        (tmp_path / "studentContactAssociations.json").read_text(encoding="utf-8")
    )

    assert [c["contactUniqueId"] for c in contacts] == [
        "H-1001-guardian-1",
        "H-1001-guardian-2",
        "0001002-guardian-1",
    ]
    assert contacts[1] == {
        "contactUniqueId": "H-1001-guardian-2",
        "firstName": "Sam",
        "lastSurname": "Lee",
    }
    assert associations[1] == {
        "contactReference": {"contactUniqueId": "H-1001-guardian-2"},
        "studentReference": {"studentUniqueId": "H-1001"},
        "primaryContactStatus": False,
        "contactPriority": 2,
    }
    assert associations[0]["primaryContactStatus"] is True


def test_writer_siblings_share_contact(
    tmp_path: Path, siblings: list[dict[str, Any]]
) -> None:
    write(tmp_path, lambda k: iter(siblings if k is RecordKind.STUDENT else []))

    contacts = json.loads((tmp_path / "contacts.json").read_text(encoding="utf-8"))
    associations = json.loads(
        (tmp_path / "studentContactAssociations.json").read_text(encoding="utf-8")
    )

    assert [c["contactUniqueId"] for c in contacts] == [
        "S1-guardian-1",
        "S1-guardian-2",
        "S2-guardian-1",
        "S3-guardian-1",
    ]
    links = [
        (
            a["studentReference"]["studentUniqueId"],
            a["contactReference"]["contactUniqueId"],
            a["contactPriority"],
        )
        for a in associations
    ]
    assert links == [
        ("S1", "S1-guardian-1", 1),
        ("S1", "S1-guardian-2", 2),
        ("S2", "S2-guardian-1", 1),
        ("S2", "S1-guardian-1", 2),
        ("S3", "S3-guardian-1", 1),
    ]


def test_writer_siblings_read_back(
    tmp_path: Path,
    siblings: list[dict[str, Any]],
    siblings_read_back: list[dict[str, Any]],
) -> None:
    write(tmp_path, lambda k: iter(siblings if k is RecordKind.STUDENT else []))

    items = read_all(tmp_path)

    assert findings(items) == []
    assert by_key(RecordKind.STUDENT, items) == {
        record["local_student_id"]: record for record in siblings_read_back
    }


def test_writer_empty_kinds_write_empty_arrays(tmp_path: Path) -> None:
    write(tmp_path, lambda k: iter([]))

    assert json.loads((tmp_path / "students.json").read_text()) == []
    assert findings(read_all(tmp_path)) == []


def test_writer_rejects_selpa(tmp_path: Path) -> None:
    selpa = {"education_organization_id": "3701", "organization_kind": "selpa"}

    with pytest.raises(ValueError, match="selpa"):
        write(tmp_path, lambda k: iter([selpa] if k is RecordKind.ORGANIZATION else []))


# --- property-based ----------------------------------------------------------------


SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=12),
    st.floats(allow_nan=False, allow_infinity=False),
)
JSON_VALUE = st.recursive(
    SCALAR,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
STUDENT_LIKE = st.fixed_dictionaries(
    {
        "studentUniqueId": SCALAR,
        "firstName": SCALAR,
        "lastSurname": SCALAR,
        "birthDate": SCALAR,
        "birthSexDescriptor": SCALAR,
        "studentIdentificationCodes": JSON_VALUE,
    }
)


def assert_only_items(items: list[ReadItem]) -> None:
    for item in items:
        assert isinstance(item, SourceRecord | Removed | Skipped | Finding)
        if isinstance(item, SourceRecord):
            normalize(item)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(
        [
            "students.json",
            "schools.json",
            "studentSchoolAssociations.json",
            "studentSpecialEducationProgramAssociations.json",
            "students-deletes.json",
            "contacts-deletes.json",
            "studentContactAssociations-deletes.json",
        ]
    ),
    elements=st.lists(st.one_of(STUDENT_LIKE, JSON_VALUE), max_size=6),
)
def test_random_resources_never_raise(name: str, elements: list[object]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        write_json(Path(folder) / name, elements)
        items = read_all(Path(folder))

    assert_only_items(items)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.binary(max_size=300))
def test_random_bytes_never_raise(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "studentSchoolAssociations.json").write_bytes(content)
        items = read_all(Path(folder))

    assert_only_items(items)


# --- end to end ----------------------------------------------------------------


def sislink(url: str, *args: str) -> Any:
    return runner.invoke(app, ["--db", url, *args])


def submit(url: str, *args: str) -> dict[str, Any]:
    result = sislink(url, "submit", "--org", "1964733", "-f", "edfi-json", *args)
    assert result.exit_code == 0, result.output
    outcome: dict[str, Any] = json.loads(result.stdout)
    return outcome


def test_bulk_then_deletes_end_to_end(database_url: str, tmp_path: Path) -> None:
    assert sislink(database_url, "init").exit_code == 0
    added = sislink(
        database_url,
        "org",
        "add",
        "1964733",
        "--name",
        "Harbor Hills",
        "--kind",
        "charter",
    )
    assert added.exit_code == 0, added.output

    first = submit(database_url, str(BULK), "--json")

    assert first["status"] == "committed"
    counts = first["records"]
    assert counts["student"]["accepted"] == 3
    assert counts["enrollment"]["accepted"] == 3
    assert counts["special_education_program"]["accepted"] == 1
    for kind_counts in counts.values():
        assert kind_counts["read"] == (
            kind_counts["accepted"] + kind_counts["rejected"] + kind_counts["skipped"]
        )

    second = submit(database_url, "--delta", str(DELETES), "--json")

    assert second["changes"]["student"]["ended"] == 1
    assert second["changes"]["enrollment"]["ended"] == 1
    feed = json.loads(sislink(database_url, "changes", "--since", "0", "--json").stdout)
    operations = {(c["kind"], c["key"], c["operation"]) for c in feed["changes"]}
    assert ("student", "0042018", "end") in operations
    assert ("enrollment", "0042019|196473302|2024-08-14", "end") in operations
    programs = [c for c in feed["changes"] if c["kind"] == "special_education_program"]
    assert programs[0]["data"]["primary_disability"] == "320"
