"""Ed-Fi element trees built from stored records, for the writer.

Children follow the element order of the Ed-Fi Data Standard 5.2 XSDs as the
Grand Bend sample files use it. Only elements that carry a canonical field
are built, so some elements the XSD requires but the hub does not keep
(School/GradeLevel, Program names beyond special education) are missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sislink.formats.edfi_descriptors import (
    descriptor_uri,
    disability_uri,
    sex_uri,
)
from sislink.formats.guardians import GuardianName
from sislink.model.records import JsonValue

StoredRecord = Mapping[str, JsonValue]

SPECIAL_EDUCATION_PROGRAM = "Special Education"
"""ProgramName and ProgramTypeDescriptor code value of the written programs."""


@dataclass(frozen=True, slots=True)
class Node:
    """One element to write: a leaf with text, or a parent of child nodes."""

    name: str
    text: str | None = None
    children: tuple[Node, ...] = ()


def xml_text(value: JsonValue) -> str | None:
    """Return the XML text of a stored value: xs:boolean words, None if empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    return text or None


def _leaf(name: str, value: JsonValue) -> list[Node]:
    """Return a one-node list for a value, or an empty list when it is empty."""
    text = xml_text(value)
    return [] if text is None else [Node(name, text)]


def _parent(name: str, *children: Node) -> list[Node]:
    """Return a one-node list for a parent, or an empty list without children."""
    return [Node(name, children=children)] if children else []


def _descriptor(name: str, descriptor: str, value: JsonValue) -> list[Node]:
    text = xml_text(value)
    return [] if text is None else [Node(name, descriptor_uri(descriptor, text))]


def _identity(reference: str, identity: str, name: str, value: JsonValue) -> list[Node]:
    """Return ``<reference><identity><name>value</…></…></…>``, or nothing."""
    return _parent(reference, *_parent(identity, *_leaf(name, value)))


def organization_node(record: StoredRecord) -> Node:
    """Return the School or LocalEducationAgency element of an organization.

    Raises:
        ValueError: the organization kind is not school, district or charter.
    """
    kind = record.get("organization_kind")
    if kind == "school":
        return _school_node(record)
    if kind in ("district", "charter"):
        return _agency_node(record, charter=kind == "charter")
    raise ValueError(
        f"organization {record.get('education_organization_id')!r} has kind "
        f"{kind!r}; Ed-Fi XML is written only for kinds school, district and "
        "charter"
    )


def _school_node(record: StoredRecord) -> Node:
    parent_id = record.get("parent_education_organization_id")
    return Node(
        "School",
        children=(
            *_leaf("NameOfInstitution", record.get("name_of_institution")),
            *_descriptor(
                "EducationOrganizationCategory",
                "EducationOrganizationCategoryDescriptor",
                "School",
            ),
            *_leaf("SchoolId", record.get("education_organization_id")),
            *_identity(
                "LocalEducationAgencyReference",
                "LocalEducationAgencyIdentity",
                "LocalEducationAgencyId",
                parent_id,
            ),
        ),
    )


def _agency_node(record: StoredRecord, charter: bool) -> Node:
    parent_id = record.get("parent_education_organization_id")
    category = "Independent charter district" if charter else "Independent"
    return Node(
        "LocalEducationAgency",
        children=(
            *_leaf("NameOfInstitution", record.get("name_of_institution")),
            *_descriptor(
                "EducationOrganizationCategory",
                "EducationOrganizationCategoryDescriptor",
                "Local Education Agency",
            ),
            *_leaf("LocalEducationAgencyId", record.get("education_organization_id")),
            *_descriptor(
                "LocalEducationAgencyCategory",
                "LocalEducationAgencyCategoryDescriptor",
                category,
            ),
            *_descriptor(
                "CharterStatus",
                "CharterStatusDescriptor",
                "School Charter" if charter else None,
            ),
            *_identity(
                "ParentLocalEducationAgencyReference",
                "LocalEducationAgencyIdentity",
                "LocalEducationAgencyId",
                parent_id,
            ),
        ),
    )


def student_node(record: StoredRecord) -> Node:
    """Return the Student element of a student.

    Sex is written as BirthData/BirthSex, the only sex element of Student in
    Ed-Fi 5.2. postal_code has no element on Student and is not written.
    """
    sex = xml_text(record.get("sex"))
    name = _parent(
        "Name",
        *_leaf("FirstName", record.get("first_name")),
        *_leaf("MiddleName", record.get("middle_name")),
        *_leaf("LastSurname", record.get("last_surname")),
        *_leaf("PreferredFirstName", record.get("preferred_first_name")),
        *_leaf("PreferredLastSurname", record.get("preferred_last_surname")),
    )
    birth = _parent(
        "BirthData",
        *_leaf("BirthDate", record.get("birth_date")),
        *([] if sex is None else [Node("BirthSex", sex_uri(sex))]),
    )
    return Node(
        "Student",
        children=(
            *_leaf("StudentUniqueId", record.get("local_student_id")),
            *name,
            *birth,
            *_identification_code("State", record.get("state_student_id")),
            *_identification_code("District", record.get("district_student_id")),
        ),
    )


def contact_node(contact_id: str, guardian: GuardianName) -> Node:
    """Return the Contact element of a student's guardian.

    NOTE: the sample files have no Contact, so the names are written inside
    Name as Student's are; this is not confirmed against the 5.2 XSD. The
    reader takes them inside Name or as direct children.
    """
    name = _parent(
        "Name",
        *_leaf("FirstName", guardian.first_name),
        *_leaf("LastSurname", guardian.last_surname),
    )
    return Node("Contact", children=(Node("ContactUniqueId", contact_id), *name))


def contact_association_node(
    student_id: str | None, contact_id: str, number: int
) -> Node:
    """Return the StudentContactAssociation of a student's guardian ``number``.

    Guardian 1 is the primary contact, and each guardian's number is its
    ContactPriority, as in the Ed-Fi JSON writer.
    """
    student = _identity(
        "StudentReference", "StudentIdentity", "StudentUniqueId", student_id
    )
    contact = _identity(
        "ContactReference", "ContactIdentity", "ContactUniqueId", contact_id
    )
    return Node(
        "StudentContactAssociation",
        children=(
            *student,
            *contact,
            Node("PrimaryContactStatus", "true" if number == 1 else "false"),
            Node("ContactPriority", str(number)),
        ),
    )


def _identification_code(system: str, value: JsonValue) -> list[Node]:
    """Return a StudentIdentificationCode element for a state or district id.

    NOTE: Ed-Fi 5.2 keeps identification codes on
    StudentEducationOrganizationAssociation, not on Student, so this element
    is outside the 5.2 XSD. It is written so that the hub's reader keeps the
    ids, as it does for Ed-Fi 2.x files, which carry them on Student.
    """
    text = xml_text(value)
    if text is None:
        return []
    system_uri = descriptor_uri("StudentIdentificationSystemDescriptor", system)
    return _parent(
        "StudentIdentificationCode",
        Node("StudentIdentificationSystem", system_uri),
        Node("AssigningOrganizationIdentificationCode", system),
        Node("IdentificationCode", text),
    )


def program_node(record: StoredRecord) -> Node:
    """Return the StudentSpecialEducationProgramAssociation of a program record.

    The disabilities are written with OrderOfDisability 1, 2, ... so the
    reader restores primary, secondary and other in the same order.
    special_education_status has no Ed-Fi element and is not written.
    """
    organization = _identity(
        "EducationOrganizationReference",
        "EducationOrganizationIdentity",
        "EducationOrganizationId",
        record.get("program_education_organization_id"),
    )
    program_type = descriptor_uri("ProgramTypeDescriptor", SPECIAL_EDUCATION_PROGRAM)
    program = _parent(
        "ProgramReference",
        Node(
            "ProgramIdentity",
            children=(
                *organization,
                Node("ProgramName", SPECIAL_EDUCATION_PROGRAM),
                Node("ProgramType", program_type),
            ),
        ),
    )
    student = _identity(
        "StudentReference",
        "StudentIdentity",
        "StudentUniqueId",
        record.get("local_student_id"),
    )
    return Node(
        "StudentSpecialEducationProgramAssociation",
        children=(
            *student,
            *program,
            *_leaf("BeginDate", record.get("begin_date")),
            *_leaf("EndDate", record.get("end_date")),
            *organization,
            *_program_details(record),
        ),
    )


def _program_details(record: StoredRecord) -> list[Node]:
    """Return the special-education children that follow the general association."""
    return [
        *_leaf("IdeaEligibility", record.get("idea_eligibility")),
        *_descriptor(
            "SpecialEducationSetting",
            "SpecialEducationSettingDescriptor",
            record.get("special_education_setting"),
        ),
        *_leaf(
            "SpecialEducationHoursPerWeek",
            record.get("special_education_hours_per_week"),
        ),
        *_leaf("LastEvaluationDate", record.get("last_evaluation_date")),
        *_leaf("IEPReviewDate", record.get("iep_review_date")),
        *_leaf("IEPBeginDate", record.get("iep_begin_date")),
        *_leaf("IEPEndDate", record.get("iep_end_date")),
        *_disability_nodes(record),
        # NOTE: the sample files have no association with both services and
        # exit data, so this position before SpecialEducationExitDate is not
        # confirmed against the 5.2 XSD.
        *_service_nodes(record),
        *_leaf("SpecialEducationExitDate", record.get("special_education_exit_date")),
        *_descriptor(
            "SpecialEducationExitReason",
            "SpecialEducationExitReasonDescriptor",
            record.get("special_education_exit_reason"),
        ),
    ]


def _disability_nodes(record: StoredRecord) -> list[Node]:
    values = [
        xml_text(record.get("primary_disability")),
        xml_text(record.get("secondary_disability")),
        *(xml_text(record.get("other_disabilities")) or "").split(";"),
    ]
    disabilities = [value.strip() for value in values if value and value.strip()]
    return [
        Node(
            "Disability",
            children=(
                Node("Disability", disability_uri(value)),
                Node("OrderOfDisability", str(order)),
            ),
        )
        for order, value in enumerate(disabilities, start=1)
    ]


def _service_nodes(record: StoredRecord) -> list[Node]:
    services = (xml_text(record.get("services")) or "").split(";")
    return [
        Node(
            "SpecialEducationProgramService",
            children=(
                Node(
                    "SpecialEducationProgramService",
                    descriptor_uri("SpecialEducationProgramServiceDescriptor", service),
                ),
            ),
        )
        for service in services
        if service.strip()
    ]
