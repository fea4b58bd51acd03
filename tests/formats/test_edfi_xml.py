"""Tests of the Ed-Fi XML reader and writer.

The sample tests read the public Ed-Fi "Grand Bend" interchange files
(Ed-Fi Data Standard 5.2 samples). Set SISLINK_EDFI_SAMPLE to their folder
when they are not in the default place.
"""

from __future__ import annotations

import http.server
import os
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from sislink.formats.base import ReadItem
from sislink.formats.edfi_descriptors import (
    CALIFORNIA_DISABILITY_NAMESPACE,
    DISABILITY_DESCRIPTOR,
    SEX_DESCRIPTOR,
    disability_uri,
)
from sislink.formats.edfi_xml import EdFiXmlReader
from sislink.formats.edfi_xml import reader as reader_module
from sislink.formats.edfi_xml.writer import write_interchanges
from sislink.model import (
    Finding,
    Provenance,
    RecordKind,
    Severity,
    Skipped,
    SourceRecord,
)
from sislink.model.crosswalks import (
    ED_FI_DISABILITY,
    ED_FI_GENDER,
    descriptor_code_value,
)

SAMPLE = Path(
    os.environ.get("SISLINK_EDFI_SAMPLE", "/work/shared/data/edfi-grand-bend")
)
EDFI = "http://ed-fi.org/5.2.0"
DISABILITY_URI = "uri://ed-fi.org/DisabilityDescriptor#"

requires_sample = pytest.mark.skipif(
    not SAMPLE.is_dir(), reason=f"Ed-Fi sample folder not found at {SAMPLE}"
)


# --- helpers ---------------------------------------------------------------


def read_all(*paths: Path) -> list[ReadItem]:
    reader = EdFiXmlReader()
    return list(reader.read(reader.collect(list(paths))))


def records(items: list[ReadItem], kind: RecordKind) -> list[SourceRecord]:
    return [i for i in items if isinstance(i, SourceRecord) and i.kind == kind]


def findings(items: list[ReadItem], code: str | None = None) -> list[Finding]:
    return [
        i for i in items if isinstance(i, Finding) and (code is None or i.code == code)
    ]


def by_id(found: list[SourceRecord], field: str, value: str) -> SourceRecord:
    matches = [record for record in found if record.fields.get(field) == value]
    assert len(matches) == 1, f"{len(matches)} records with {field}={value}"
    return matches[0]


def top_level_names(path: Path) -> Counter[str]:
    """Count the root's child elements by local name with a plain lxml parse."""
    root = etree.parse(str(path)).getroot()
    return Counter(etree.QName(child).localname for child in root.iterchildren("{*}*"))


def write_xml(path: Path, body: str, namespace: str = EDFI) -> Path:
    """Write ``body`` to ``path`` with ``{ns}`` replaced by ``namespace``."""
    path.write_text(body.replace("{ns}", namespace), encoding="utf-8")
    return path


def interchange(root: str, children: str, doctype: str = "") -> str:
    """Return an interchange document; ``{ns}`` stands for its namespace."""
    return (
        f'<?xml version="1.0"?>\n{doctype}\n'
        f'<{root} xmlns="{{ns}}">\n{children}\n</{root}>\n'
    )


# --- the Grand Bend sample -------------------------------------------------


@pytest.fixture(scope="module")
def sample_items() -> list[ReadItem]:
    if not SAMPLE.is_dir():
        pytest.skip(f"Ed-Fi sample folder not found at {SAMPLE}")
    return read_all(SAMPLE)


@requires_sample
def test_collect_orders_interchanges() -> None:
    files = EdFiXmlReader().collect([SAMPLE])

    assert [f.name for f in files] == [
        "EducationOrganization.xml",
        "Student.xml",
        "StudentProgram.xml",
        "StudentProgramEvaluation.xml",
    ]


@requires_sample
def test_covered_kinds_of_sample() -> None:
    reader = EdFiXmlReader()

    covered = reader.covered_kinds(reader.collect([SAMPLE]))

    assert covered == frozenset(EdFiXmlReader.kinds)


@requires_sample
@pytest.mark.parametrize(
    ("kind", "file_name", "element", "expected"),
    [
        (RecordKind.STUDENT, "Student.xml", "Student", 960),
        (
            RecordKind.SPECIAL_EDUCATION_PROGRAM,
            "StudentProgram.xml",
            "StudentSpecialEducationProgramAssociation",
            97,
        ),
    ],
)
def test_sample_record_counts(
    sample_items: list[ReadItem],
    kind: RecordKind,
    file_name: str,
    element: str,
    expected: int,
) -> None:
    assert top_level_names(SAMPLE / file_name)[element] == expected
    assert len(records(sample_items, kind)) == expected


@requires_sample
def test_sample_skips_other_associations(sample_items: list[ReadItem]) -> None:
    names = top_level_names(SAMPLE / "StudentProgram.xml")
    others = {
        name: count
        for name, count in names.items()
        if name.endswith("ProgramAssociation")
        and name != "StudentSpecialEducationProgramAssociation"
    }
    skipped = [i for i in sample_items if isinstance(i, Skipped)]

    assert len(skipped) == sum(others.values())
    assert {s.kind for s in skipped} == {RecordKind.SPECIAL_EDUCATION_PROGRAM}
    summaries = findings(sample_items, "program-association-skipped")
    assert {f.provenance.element: f for f in summaries if f.provenance}.keys() == (
        others.keys()
    )
    for summary in summaries:
        assert summary.severity is Severity.WARNING
        assert summary.provenance is not None
        element = summary.provenance.element
        assert f" {others[element or '']} {element} " in summary.message


@requires_sample
def test_sample_organizations(sample_items: list[ReadItem]) -> None:
    found = records(sample_items, RecordKind.ORGANIZATION)
    kinds = Counter(r.fields["organization_kind"] for r in found)

    assert kinds == {"school": 3, "district": 1}
    district = by_id(found, "education_organization_id", "255901")
    assert district.fields["name_of_institution"] == "Grand Bend ISD"
    assert "parent_education_organization_id" not in district.fields
    school = by_id(found, "education_organization_id", "255901001")
    assert school.fields == {
        "education_organization_id": "255901001",
        "name_of_institution": "Grand Bend High School",
        "organization_kind": "school",
        "parent_education_organization_id": "255901",
    }
    assert (school.provenance.line, school.provenance.element) == (74, "School")


@requires_sample
@pytest.mark.parametrize(
    ("student_id", "line", "expected"),
    [
        (
            "604821",
            3,
            {
                "first_name": "Tyrone",
                "last_surname": "Dyer",
                "preferred_first_name": "Ty",
                "preferred_last_surname": "Dye",
                "birth_date": "2014-11-13",
            },
        ),
        (
            "605263",
            5143,
            {
                "first_name": "James",
                "middle_name": "Jorge",
                "last_surname": "Winters",
                "birth_date": "2008-12-30",
                "sex": "uri://ed-fi.org/SexDescriptor#Female",
            },
        ),
    ],
)
def test_sample_student_fields(
    sample_items: list[ReadItem], student_id: str, line: int, expected: dict[str, str]
) -> None:
    student = by_id(
        records(sample_items, RecordKind.STUDENT), "local_student_id", student_id
    )

    assert student.fields == {"local_student_id": student_id, **expected}
    assert student.provenance.file == "Student.xml"
    assert student.provenance.line == line
    assert student.provenance.element == "Student"
    assert student.dialect.code_source == "edfi"


@requires_sample
@pytest.mark.parametrize(
    ("student_id", "line", "expected"),
    [
        (
            "604872",
            3086,
            {
                "idea_eligibility": "1",
                "special_education_setting": "Inside regular class less than "
                "40% of the day",
                "special_education_hours_per_week": "25.00",
                "last_evaluation_date": "2021-08-23",
                "primary_disability": DISABILITY_URI + "Autism Spectrum Disorders",
                "special_education_exit_date": "2021-10-01",
                "special_education_exit_reason": "Transferred out",
            },
        ),
        (
            "604956",
            3226,
            {
                "end_date": "2021-12-17",
                "last_evaluation_date": "2021-08-23",
                "primary_disability": DISABILITY_URI + "Motor impairment",
                "secondary_disability": DISABILITY_URI + "Physical Disability",
                "special_education_exit_date": "2021-10-01",
                "special_education_exit_reason": "Graduated with Diploma",
            },
        ),
        (
            "605200",
            3934,
            {
                "end_date": "2021-12-17",
                "last_evaluation_date": "2021-08-23",
                "special_education_exit_reason": "uri://ed-fi.org/"
                "ReasonExitedDescriptor#Reached maximum age",
            },
        ),
        (
            "605569",
            4951,
            {
                "last_evaluation_date": "2021-08-23",
                "primary_disability": DISABILITY_URI + "Deaf-Blindness",
                "services": "Speech-Language And Audiology Services",
            },
        ),
    ],
)
def test_sample_program_fields(
    sample_items: list[ReadItem], student_id: str, line: int, expected: dict[str, str]
) -> None:
    found = records(sample_items, RecordKind.SPECIAL_EDUCATION_PROGRAM)
    program = by_id(found, "local_student_id", student_id)
    shared = {
        "local_student_id": student_id,
        "program_education_organization_id": "255901",
        "begin_date": "2021-08-30",
        "iep_review_date": "2021-08-27",
        "iep_begin_date": "2021-09-01",
    }

    assert program.fields == {**shared, **expected}
    assert "special_education_status" not in program.fields
    assert program.provenance.line == line
    assert program.provenance.element == "StudentSpecialEducationProgramAssociation"


@requires_sample
def test_sample_evaluation_file_not_read(sample_items: list[ReadItem]) -> None:
    [warning] = findings(sample_items, "interchange-not-read")

    assert warning.severity is Severity.WARNING
    assert warning.provenance is not None
    assert warning.provenance.file == "StudentProgramEvaluation.xml"
    assert not findings(sample_items, "file-unreadable")


@requires_sample
def test_truncated_file_keeps_earlier_records(tmp_path: Path) -> None:
    data = (SAMPLE / "Student.xml").read_bytes()
    cut = tmp_path / "Student.xml"
    cut.write_bytes(data[: len(data) // 2])

    items = read_all(cut)

    students = records(items, RecordKind.STUDENT)
    [error] = findings(items)
    assert 0 < len(students) < 960
    assert error.code == "file-unreadable"
    assert error.severity is Severity.ERROR
    assert error.provenance is not None
    assert error.provenance.line is not None
    assert error.provenance.line > max(s.provenance.line or 0 for s in students)
    assert isinstance(items[-1], Finding)


def test_stream_releases_handled_elements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = 20_000
    students = "".join(
        f"<Student><StudentUniqueId>{n}</StudentUniqueId>"
        "<Name><FirstName>Ana</FirstName><LastSurname>Lee</LastSurname></Name>"
        "</Student>\n"
        for n in range(count)
    )
    path = write_xml(
        tmp_path / "Student.xml", interchange("InterchangeStudent", students)
    )
    widths: list[int] = []
    original = reader_module.iterparse_end

    def watched(handle: Any) -> Iterator[tuple[str, etree._Element]]:
        for event, element in original(handle):
            parent = element.getparent()
            if parent is not None and parent.getparent() is None:
                widths.append(len(parent))
            yield event, element

    monkeypatch.setattr(reader_module, "iterparse_end", watched)
    items = read_all(path)

    # lxml builds elements up to one read buffer ahead of the event it
    # returns, so the root keeps a few hundred children (260 with lxml 6.1).
    # Without the release it would keep all ``count`` of them.
    assert len(records(items, RecordKind.STUDENT)) == count
    assert len(widths) == count
    assert max(widths) < count // 20
    assert widths[-1] <= 2


# --- malformed and hostile input -------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        '<?xml version="1.0"?>\n<students><student id="1"/></students>\n',
        '<?xml version="1.0"?>\n<InterchangeStudent><Student/></InterchangeStudent>\n',
        '<InterchangeStudent xmlns="http://www.sifinfo.org/3.0"><Student/>'
        "</InterchangeStudent>",
        "local_student_id,first_name\n1,Ana\n",
        "",
    ],
    ids=["other-xml", "no-namespace", "other-namespace", "csv-text", "empty"],
)
def test_non_edfi_file_one_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "data.xml"
    path.write_text(content, encoding="utf-8")

    items = read_all(path)

    [error] = items
    assert isinstance(error, Finding)
    assert error.code == "file-unreadable"
    assert error.severity is Severity.ERROR
    assert error.kind is None


def test_entity_bomb_not_expanded(tmp_path: Path) -> None:
    levels = ['<!ENTITY lol0 "lol">']
    levels += [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    body = interchange(
        "InterchangeStudent",
        "<Student><StudentUniqueId>1</StudentUniqueId>"
        "<Name><FirstName>A&lol9;</FirstName><LastSurname>B</LastSurname></Name>"
        "</Student>",
        doctype=f"<!DOCTYPE InterchangeStudent [{''.join(levels)}]>",
    )
    path = write_xml(tmp_path / "Student.xml", body)

    items = read_all(path)

    # libxml2 2.14, bundled with lxml 6.1, stops such a file with an
    # amplification error. A build without that check keeps the entity
    # unexpanded. Either way nothing expands.
    [item] = items
    assert "lollol" not in repr(item)
    if isinstance(item, SourceRecord):
        assert item.fields["first_name"] == "A"
    else:
        assert item.code == "file-unreadable"


def test_external_entity_not_loaded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("CONFIDENTIAL-VALUE", encoding="utf-8")
    body = interchange(
        "InterchangeStudent",
        "<Student><StudentUniqueId>1&leak;</StudentUniqueId>"
        "<Name><FirstName>&leak;</FirstName></Name></Student>",
        doctype="<!DOCTYPE InterchangeStudent "
        f'[<!ENTITY leak SYSTEM "{secret.as_uri()}">]>',
    )
    path = write_xml(tmp_path / "Student.xml", body)

    items = read_all(path)

    [student] = records(items, RecordKind.STUDENT)
    assert student.fields == {"local_student_id": "1"}
    assert "CONFIDENTIAL-VALUE" not in repr(items)


@pytest.fixture
def loopback_server() -> Iterator[tuple[str, list[str]]]:
    """Serve HTTP on 127.0.0.1 and record every requested path."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            body = b'<!ENTITY leak "FETCHED">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_network_entities_not_fetched(
    tmp_path: Path, loopback_server: tuple[str, list[str]]
) -> None:
    # libxml2 2.14 as bundled with lxml 6.1 has no HTTP client, so this test
    # can fail only with a libxml2 build that has one.
    url, requests = loopback_server
    body = interchange(
        "InterchangeStudent",
        "<Student><StudentUniqueId>1</StudentUniqueId>"
        "<Name><FirstName>&remote;&leak;</FirstName></Name></Student>",
        doctype=f'<!DOCTYPE InterchangeStudent SYSTEM "{url}/dtd" '
        f'[<!ENTITY remote SYSTEM "{url}/entity">'
        f'<!ENTITY % p SYSTEM "{url}/p"> %p;]>',
    )
    path = write_xml(tmp_path / "Student.xml", body)

    items = read_all(path)

    assert requests == []
    assert "FETCHED" not in repr(items)


# --- element mappings on small files ---------------------------------------


@pytest.mark.parametrize(
    ("disabilities", "expected"),
    [
        (
            [("A", "2"), ("B", "1"), ("C", "3")],
            {
                "primary_disability": "B",
                "secondary_disability": "A",
                "other_disabilities": "C",
            },
        ),
        (
            [("A", None), ("B", "1"), ("C", None), ("D", "2")],
            {
                "primary_disability": "B",
                "secondary_disability": "D",
                "other_disabilities": "A;C",
            },
        ),
        ([("A", "x")], {"primary_disability": "A"}),
        ([], {}),
    ],
    ids=["by-order", "unordered-last", "invalid-order", "none"],
)
def test_disability_order(
    tmp_path: Path,
    disabilities: list[tuple[str, str | None]],
    expected: dict[str, str],
) -> None:
    entries = "".join(
        f"<Disability><Disability>{name}</Disability>"
        + (f"<OrderOfDisability>{order}</OrderOfDisability>" if order else "")
        + "</Disability>"
        for name, order in disabilities
    )
    path = write_xml(
        tmp_path / "StudentProgram.xml",
        interchange(
            "InterchangeStudentProgram",
            "<StudentSpecialEducationProgramAssociation>"
            "<BeginDate>2024-08-15</BeginDate>"
            f"{entries}</StudentSpecialEducationProgramAssociation>",
        ),
    )

    [program] = records(read_all(path), RecordKind.SPECIAL_EDUCATION_PROGRAM)

    assert program.fields == {"begin_date": "2024-08-15", **expected}


@pytest.mark.parametrize(
    ("children", "expected_kind"),
    [
        ("", "district"),
        (
            "<CharterStatus>uri://ed-fi.org/CharterStatusDescriptor#Not a Charter "
            "School</CharterStatus>",
            "district",
        ),
        (
            "<CharterStatus>uri://ed-fi.org/CharterStatusDescriptor#School Charter"
            "</CharterStatus>",
            "charter",
        ),
        (
            "<LocalEducationAgencyCategory>uri://ed-fi.org/"
            "LocalEducationAgencyCategoryDescriptor#Independent charter district"
            "</LocalEducationAgencyCategory>",
            "charter",
        ),
    ],
    ids=["no-status", "not-charter", "school-charter", "charter-category"],
)
def test_agency_kind(tmp_path: Path, children: str, expected_kind: str) -> None:
    path = write_xml(
        tmp_path / "EducationOrganization.xml",
        interchange(
            "InterchangeEducationOrganization",
            "<LocalEducationAgency>"
            "<NameOfInstitution>Harbor Charter</NameOfInstitution>"
            f"<LocalEducationAgencyId>3012</LocalEducationAgencyId>{children}"
            "</LocalEducationAgency>",
        ),
    )

    [agency] = records(read_all(path), RecordKind.ORGANIZATION)

    assert agency.fields["organization_kind"] == expected_kind
    assert agency.fields["education_organization_id"] == "3012"


def test_school_parent_references(tmp_path: Path) -> None:
    school = (
        "<School><NameOfInstitution>{name}</NameOfInstitution><SchoolId>{id}</SchoolId>"
        "{reference}</School>"
    )
    path = write_xml(
        tmp_path / "EducationOrganization.xml",
        interchange(
            "InterchangeEducationOrganization",
            school.format(
                name="Later LEA",
                id="11",
                reference='<LocalEducationAgencyReference ref="LEA_3"/>',
            )
            + school.format(
                name="By identity",
                id="12",
                reference="<LocalEducationAgencyReference><LocalEducationAgency"
                "Identity><LocalEducationAgencyId>4</LocalEducationAgencyId>"
                "</LocalEducationAgencyIdentity></LocalEducationAgencyReference>",
            )
            + school.format(
                name="Dangling",
                id="13",
                reference='<LocalEducationAgencyReference ref="LEA_9"/>',
            )
            + '<LocalEducationAgency id="LEA_3"><NameOfInstitution>Three'
            "</NameOfInstitution><LocalEducationAgencyId>3</LocalEducationAgencyId>"
            "</LocalEducationAgency>",
        ),
    )

    items = read_all(path)

    found = records(items, RecordKind.ORGANIZATION)
    parents = {
        r.fields["education_organization_id"]: r.fields.get(
            "parent_education_organization_id"
        )
        for r in found
    }
    assert parents == {"11": "3", "12": "4", "13": None, "3": None}
    [warning] = findings(items)
    assert warning.code == "parent-reference-unresolved"
    assert warning.severity is Severity.WARNING
    assert warning.value == "LEA_9"
    assert warning.record_key == "13"


def test_student_identification_codes(tmp_path: Path) -> None:
    path = write_xml(
        tmp_path / "Student.xml",
        interchange(
            "InterchangeStudent",
            "<Student><StudentUniqueId>77</StudentUniqueId>"
            "<StudentIdentificationCode><AssigningOrganizationIdentificationCode>"
            "State</AssigningOrganizationIdentificationCode><IdentificationCode>"
            "1234567890</IdentificationCode></StudentIdentificationCode>"
            "<StudentIdentificationCode><StudentIdentificationSystem>uri://ed-fi.org/"
            "StudentIdentificationSystemDescriptor#District</StudentIdentificationSystem>"
            "<IdentificationCode>D-55</IdentificationCode></StudentIdentificationCode>"
            "<StudentIdentificationCode><AssigningOrganizationIdentificationCode>"
            "School</AssigningOrganizationIdentificationCode><IdentificationCode>"
            "S-1</IdentificationCode></StudentIdentificationCode>"
            "<Sex>uri://ed-fi.org/SexDescriptor#Female</Sex>"
            "<BirthData><BirthSex>uri://ed-fi.org/SexDescriptor#Male</BirthSex>"
            "</BirthData></Student>",
        ),
    )

    [student] = records(read_all(path), RecordKind.STUDENT)

    assert student.fields == {
        "local_student_id": "77",
        "state_student_id": "1234567890",
        "district_student_id": "D-55",
        "sex": "uri://ed-fi.org/SexDescriptor#Female",
    }


def test_missing_key_child_still_yields(tmp_path: Path) -> None:
    path = write_xml(
        tmp_path / "Student.xml",
        interchange(
            "InterchangeStudent",
            "<Student><Name><FirstName>Ana</FirstName></Name></Student>"
            "<Person><PersonId>9</PersonId></Person>",
        ),
        namespace="http://ed-fi.org/0300",
    )

    items = read_all(path)

    [student] = items
    assert isinstance(student, SourceRecord)
    assert student.fields == {"first_name": "Ana"}


def test_collect_folder_and_named_file(tmp_path: Path) -> None:
    document = interchange("InterchangeStudent", "<Student/>")
    named = write_xml(tmp_path / "export.data", document)
    nested = tmp_path / "nested"
    nested.mkdir()
    in_subfolder = write_xml(nested / "Student.xml", document)
    reader = EdFiXmlReader()

    assert reader.collect([named]) == [named]
    assert reader.collect([tmp_path]) == []
    assert reader.collect([nested]) == [in_subfolder]


# --- writer ----------------------------------------------------------------

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
        "parent_education_organization_id": None,
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
        "guardian_2_last_surname": "Lee <Jr.>",
    },
    {
        "local_student_id": "H-1002",
        "district_student_id": "900123",
        "first_name": "Ben",
        "last_surname": "Tran",
        "birth_date": "2013-11-30",
        "sex": "M",
        "postal_code": None,
        "guardian_1_first_name": "Thu",
    },
]

PROGRAMS: list[dict[str, Any]] = [
    {
        "local_student_id": "H-1001",
        "program_education_organization_id": "1964733",
        "begin_date": "2024-08-15",
        "end_date": "2025-06-12",
        "idea_eligibility": True,
        "special_education_setting": "Inside regular class 80% or more of the day",
        "special_education_hours_per_week": 7.5,
        "iep_begin_date": "2024-09-01",
        "iep_end_date": "2025-08-31",
        "iep_review_date": "2025-08-20",
        "last_evaluation_date": "2024-05-02",
        "primary_disability": "320",
        "secondary_disability": "240",
        "other_disabilities": "290;Physical Disability",
        "special_education_exit_date": "2025-06-12",
        "special_education_exit_reason": "Transferred out",
        "services": "Speech-Language And Audiology Services;Occupational Therapy",
    },
    {
        "local_student_id": "H-1002",
        "program_education_organization_id": "1964733",
        "begin_date": "2024-08-15",
        "idea_eligibility": False,
        "primary_disability": "250",
        "special_education_status": "active",
    },
]

CODE_FIELDS = {
    "primary_disability": ED_FI_DISABILITY,
    "secondary_disability": ED_FI_DISABILITY,
    "sex": ED_FI_GENDER,
}
NOT_WRITTEN = {"postal_code", "special_education_status"}


def expected_text(field: str, value: Any) -> str | None:
    """Return the text the reader should yield for a stored value."""
    if value is None or field in NOT_WRITTEN:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_back_value(field: str, text: str) -> str:
    """Return a read-back value in stored form: codes through the crosswalk."""
    if field in CODE_FIELDS:
        return CODE_FIELDS[field].translate(text) or text
    if field == "other_disabilities":
        return ";".join(
            ED_FI_DISABILITY.translate(part) or descriptor_code_value(part)
            for part in text.split(";")
        )
    if field == "services":
        return ";".join(descriptor_code_value(part) for part in text.split(";"))
    if field == "special_education_setting":
        return descriptor_code_value(text)
    return text


@pytest.mark.parametrize(
    ("kind", "written"),
    [
        (RecordKind.ORGANIZATION, ORGANIZATIONS),
        (RecordKind.STUDENT, STUDENTS),
        (RecordKind.SPECIAL_EDUCATION_PROGRAM, PROGRAMS),
    ],
)
def test_writer_round_trip(
    tmp_path: Path, kind: RecordKind, written: list[dict[str, Any]]
) -> None:
    write_interchanges(tmp_path, iter(ORGANIZATIONS), iter(STUDENTS), iter(PROGRAMS))

    items = read_all(tmp_path)

    assert findings(items) == []
    found = records(items, kind)
    assert len(found) == len(written)
    for source, record in zip(written, found, strict=True):
        expected = {
            field: text
            for field, value in source.items()
            if (text := expected_text(field, value)) is not None
        }
        actual = {
            field: read_back_value(field, text) for field, text in record.fields.items()
        }
        assert actual == expected


def test_writer_file_layout(tmp_path: Path) -> None:
    paths = write_interchanges(tmp_path, ORGANIZATIONS, STUDENTS, PROGRAMS)

    assert [p.name for p in paths] == [
        "EducationOrganization.xml",
        "Contact.xml",
        "Student.xml",
        "StudentProgram.xml",
    ]
    roots = [etree.parse(str(p)).getroot() for p in paths]
    assert [etree.QName(r).namespace for r in roots] == [EDFI] * 4
    [first, _second] = roots[3]
    order = [etree.QName(child).localname for child in first]
    assert order == [
        "StudentReference",
        "ProgramReference",
        "BeginDate",
        "EndDate",
        "EducationOrganizationReference",
        "IdeaEligibility",
        "SpecialEducationSetting",
        "SpecialEducationHoursPerWeek",
        "LastEvaluationDate",
        "IEPReviewDate",
        "IEPBeginDate",
        "IEPEndDate",
        *["Disability"] * 4,
        *["SpecialEducationProgramService"] * 2,
        "SpecialEducationExitDate",
        "SpecialEducationExitReason",
    ]
    assert first.findtext("{*}Disability/{*}Disability") == (
        DISABILITY_URI + "Autism Spectrum Disorders"
    )


def test_writer_siblings_share_contact(
    tmp_path: Path, siblings: list[dict[str, Any]]
) -> None:
    write_interchanges(tmp_path, [], siblings, [])

    root = etree.parse(str(tmp_path / "Contact.xml")).getroot()

    assert etree.QName(root).localname == "InterchangeContact"
    contacts = root.findall("{*}Contact")
    assert [c.findtext("{*}ContactUniqueId") for c in contacts] == [
        "S1-guardian-1",
        "S1-guardian-2",
        "S2-guardian-1",
        "S3-guardian-1",
    ]
    links = [
        (
            a.findtext("{*}StudentReference//{*}StudentUniqueId"),
            a.findtext("{*}ContactReference//{*}ContactUniqueId"),
            a.findtext("{*}ContactPriority"),
        )
        for a in root.findall("{*}StudentContactAssociation")
    ]
    assert links == [
        ("S1", "S1-guardian-1", "1"),
        ("S1", "S1-guardian-2", "2"),
        ("S2", "S2-guardian-1", "1"),
        ("S2", "S1-guardian-1", "2"),
        ("S3", "S3-guardian-1", "1"),
    ]


def test_writer_siblings_read_back(
    tmp_path: Path,
    siblings: list[dict[str, Any]],
    siblings_read_back: list[dict[str, Any]],
) -> None:
    write_interchanges(tmp_path, [], siblings, [])

    items = read_all(tmp_path)

    assert findings(items) == []
    records_read = [r.fields for r in records(items, RecordKind.STUDENT)]
    assert records_read == siblings_read_back


@pytest.mark.parametrize(
    ("field", "file_name", "element"),
    [
        ("guardian_1_first_name", "Contact.xml", "FirstName"),
        ("last_surname", "Student.xml", "LastSurname"),
    ],
)
def test_writer_names_unwritable_value(
    tmp_path: Path, field: str, file_name: str, element: str
) -> None:
    student = {
        "local_student_id": "S1",
        "first_name": "Ana",
        "last_surname": "Ruiz",
        "guardian_1_first_name": "Rosa",
        "guardian_1_last_surname": "Ruiz",
    }
    student[field] = "Ru\x01iz"

    prefix = f"^{file_name}, student with local id S1: "
    with pytest.raises(ValueError, match=prefix) as raised:
        write_interchanges(tmp_path, [], [student], [])

    message = str(raised.value)
    assert f"element {element} contains" in message
    assert "XML 1.0 cannot carry" in message
    assert "Ru\x01iz" not in message


def test_writer_contact_layout(tmp_path: Path) -> None:
    write_interchanges(tmp_path, [], STUDENTS[:1], [])

    root = etree.parse(str(tmp_path / "Contact.xml")).getroot()

    order = [etree.QName(child).localname for child in root]
    assert order == ["Contact", "StudentContactAssociation"] * 2
    contact, association = root[2], root[3]
    assert [etree.QName(child).localname for child in contact] == [
        "ContactUniqueId",
        "Name",
    ]
    assert contact.findtext("{*}Name/{*}LastSurname") == "Lee <Jr.>"
    assert [etree.QName(child).localname for child in association] == [
        "StudentReference",
        "ContactReference",
        "PrimaryContactStatus",
        "ContactPriority",
    ]
    assert association.findtext("{*}PrimaryContactStatus") == "false"


def test_writer_rejects_unknown_kind(tmp_path: Path) -> None:
    selpa = {"education_organization_id": "3701", "organization_kind": "selpa"}

    with pytest.raises(ValueError, match="selpa"):
        write_interchanges(tmp_path, [selpa], [], [])


@pytest.mark.parametrize(("code", "descriptor"), sorted(DISABILITY_DESCRIPTOR.items()))
def test_disability_descriptor_maps_back(code: str, descriptor: str) -> None:
    assert ED_FI_DISABILITY.translate(descriptor) == code
    assert disability_uri(code) == DISABILITY_URI + descriptor


def test_every_mapped_disability_has_descriptor() -> None:
    mapped = {ED_FI_DISABILITY.translate(name) for name in ED_FI_DISABILITY.mapping}

    assert mapped == set(DISABILITY_DESCRIPTOR)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("281", f"{CALIFORNIA_DISABILITY_NAMESPACE}#281"),
        ("Medical condition", DISABILITY_URI + "Medical condition"),
        (
            "uri://example.org/DisabilityDescriptor#Local",
            "uri://example.org/DisabilityDescriptor#Local",
        ),
    ],
)
def test_disability_uri_unmapped(value: str, expected: str) -> None:
    assert disability_uri(value) == expected


@pytest.mark.parametrize(("code", "descriptor"), [("M", "Male"), ("F", "Female")])
def test_sex_descriptor_maps_back(code: str, descriptor: str) -> None:
    assert SEX_DESCRIPTOR[code] == descriptor
    assert ED_FI_GENDER.translate(descriptor) == code


# --- contacts ------------------------------------------------------------------


def association(person: str, student_id: str, contact_id: str, extra: str = "") -> str:
    """Return a Student{person}Association element; ``extra`` goes inside it."""
    return (
        f"<Student{person}Association><{person}Reference><{person}Identity>"
        f"<{person}UniqueId>{contact_id}</{person}UniqueId></{person}Identity>"
        f"</{person}Reference><StudentReference><StudentIdentity>"
        f"<StudentUniqueId>{student_id}</StudentUniqueId></StudentIdentity>"
        f"</StudentReference>{extra}</Student{person}Association>"
    )


def contact_files(tmp_path: Path, person: str) -> Path:
    """Write Student.xml and a contact interchange whose name sorts after it.

    Only the reader's load order then puts the contacts before the student.

    ``person`` is ``Contact`` (Data Standard 5.x) or ``Parent`` (older).
    """
    write_xml(
        tmp_path / "A-Student.xml",
        interchange(
            "InterchangeStudent",
            "<Student><StudentUniqueId>77</StudentUniqueId></Student>",
        ),
    )
    people = (
        f"<{person}><{person}UniqueId>C1</{person}UniqueId>"
        f"<FirstName>Rosa</FirstName><LastSurname>Ruiz</LastSurname></{person}>"
        f"<{person}><{person}UniqueId>C2</{person}UniqueId>"
        "<Name><FirstName>Omar</FirstName><LastSurname>Haddad</LastSurname></Name>"
        f"</{person}>"
    )
    associations = "".join(
        association(person, "77", contact_id, extra)
        for contact_id, extra in (
            ("C1", "<ContactPriority>2</ContactPriority>"),
            ("C2", "<PrimaryContactStatus>true</PrimaryContactStatus>"),
        )
    )
    write_xml(
        tmp_path / "B-Contact.xml",
        interchange(f"Interchange{person}", people + associations),
    )
    return tmp_path


@pytest.mark.parametrize("person", ["Contact", "Parent"])
def test_contacts_become_guardians(tmp_path: Path, person: str) -> None:
    items = read_all(contact_files(tmp_path, person))

    assert findings(items) == []
    [student] = records(items, RecordKind.STUDENT)
    assert student.fields["guardian_1_first_name"] == "Omar"
    assert student.fields["guardian_1_last_surname"] == "Haddad"
    assert student.fields["guardian_2_first_name"] == "Rosa"
    assert student.fields["guardian_2_last_surname"] == "Ruiz"


def test_contact_interchange_covers_nothing(tmp_path: Path) -> None:
    folder = contact_files(tmp_path, "Contact")
    (folder / "A-Student.xml").unlink()
    reader = EdFiXmlReader()

    assert reader.covered_kinds(reader.collect([folder])) == frozenset()
    assert read_all(folder) == []


UNRESOLVED = "guardian-reference-unresolved"


def unresolved_files(tmp_path: Path, person: str, links: dict[str, str]) -> Path:
    """Write students 71 to 74, one per line from line 4, and contact C1.

    ``links`` maps student ids to the contact id each one's association
    names. The associations come before the contact in the file, so only
    the end of the file shows which contacts it contains.
    """
    students = "\n".join(
        f"<Student><StudentUniqueId>{n}</StudentUniqueId>"
        "<BirthData><BirthDate>2015-03-14</BirthDate></BirthData></Student>"
        for n in range(71, 75)
    )
    write_xml(tmp_path / "A-Student.xml", interchange("InterchangeStudent", students))
    associations = "".join(
        association(person, student_id, contact_id)
        for student_id, contact_id in links.items()
    )
    people = (
        f"<{person}><{person}UniqueId>C1</{person}UniqueId>"
        f"<FirstName>Rosa</FirstName><LastSurname>Ruiz</LastSurname></{person}>"
    )
    write_xml(
        tmp_path / "B-Contact.xml",
        interchange(f"Interchange{person}", associations + people),
    )
    return tmp_path


@pytest.mark.parametrize("person", ["Contact", "Parent"])
def test_unknown_contacts_one_warning(tmp_path: Path, person: str) -> None:
    links = {"71": "C9", "72": "C1", "74": "C8", "99": "C7"}
    folder = unresolved_files(tmp_path, person, links)

    items = read_all(folder)

    [warning] = findings(items, UNRESOLVED)
    assert warning.severity is Severity.WARNING
    assert warning.kind is RecordKind.STUDENT
    assert warning.provenance == Provenance("A-Student.xml", 4, element="Student")
    assert warning.message.startswith("2 student record(s) name guardians")
    assert "(at lines 4 and 7)" in warning.message
    assert "StudentContactAssociation" in warning.message
    for private in ("71", "74", "C9", "C8", "Rosa", "2015-03-14"):
        assert private not in warning.message + warning.fix
    students = records(items, RecordKind.STUDENT)
    assert len(students) == 4
    linked = by_id(students, "local_student_id", "72")
    assert linked.fields["guardian_1_first_name"] == "Rosa"


def test_known_contacts_no_unresolved_warning(tmp_path: Path) -> None:
    folder = unresolved_files(tmp_path, "Contact", {"71": "C1", "73": "C1"})

    assert findings(read_all(folder)) == []


def test_students_without_contacts_no_warning(tmp_path: Path) -> None:
    folder = unresolved_files(tmp_path, "Contact", {})
    (folder / "B-Contact.xml").unlink()

    assert findings(read_all(folder)) == []
