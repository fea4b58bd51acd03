"""Field mappings from Ed-Fi interchange elements to canonical field names.

Each function takes one top-level element and returns its fields as the
source wrote them: trimmed text, descriptors as full URIs, booleans as ``1``,
``0``, ``true`` or ``false``. The exceptions are the descriptors of text
fields that sislink's writer wraps, which are read back as their code values
(``descriptor_values``), and further disabilities. Children are matched by
local name in any namespace. A missing child leaves its field out, so the
validator reports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from sislink.formats.edfi_common import (
    Contacts,
    agency_kind,
    descriptor_values,
    disability_fields,
    identification_field,
    order_disabilities,
)
from sislink.formats.guardians import GuardianName
from sislink.model.characters import trim

SCHOOL = "School"
LOCAL_EDUCATION_AGENCY = "LocalEducationAgency"
STUDENT = "Student"
SPECIAL_EDUCATION_ASSOCIATION = "StudentSpecialEducationProgramAssociation"
CONTACT_ELEMENTS = {
    "Contact": "Contact",
    "Parent": "Parent",
    "StudentContactAssociation": "Contact",
    "StudentParentAssociation": "Parent",
}
"""The person each contact element names: Contact in Data Standard 5.x,
Parent before."""

STUDENT_PATHS = {
    "local_student_id": "{*}StudentUniqueId",
    "first_name": "{*}Name/{*}FirstName",
    "middle_name": "{*}Name/{*}MiddleName",
    "last_surname": "{*}Name/{*}LastSurname",
    "preferred_first_name": "{*}Name/{*}PreferredFirstName",
    "preferred_last_surname": "{*}Name/{*}PreferredLastSurname",
    "birth_date": "{*}BirthData/{*}BirthDate",
}

SPECIAL_EDUCATION_PATHS = {
    "local_student_id": "{*}StudentReference//{*}StudentUniqueId",
    "program_education_organization_id": (
        "{*}ProgramReference//{*}EducationOrganizationId"
    ),
    "begin_date": "{*}BeginDate",
    "end_date": "{*}EndDate",
    "idea_eligibility": "{*}IdeaEligibility",
    "special_education_setting": "{*}SpecialEducationSetting",
    "special_education_hours_per_week": "{*}SpecialEducationHoursPerWeek",
    "iep_begin_date": "{*}IEPBeginDate",
    "iep_end_date": "{*}IEPEndDate",
    "iep_review_date": "{*}IEPReviewDate",
    "last_evaluation_date": "{*}LastEvaluationDate",
    "special_education_exit_date": "{*}SpecialEducationExitDate",
}


@dataclass(frozen=True, slots=True)
class OrganizationFields:
    """An organization's fields, and the XML ``ref`` of its parent when not resolved."""

    fields: dict[str, str]
    parent_ref: str | None = None


def local_name(element: etree._Element) -> str:
    """Return the tag of ``element`` without its namespace."""
    return etree.QName(element).localname


def source_line(element: etree._Element) -> int | None:
    """Return the line of the start tag of ``element``, or None if lxml has none."""
    line: object = element.sourceline
    return line if isinstance(line, int) else None


def is_program_association(name: str) -> bool:
    """Return whether ``name`` is a student program association element."""
    return name.startswith("Student") and name.endswith("ProgramAssociation")


def text_at(element: etree._Element, path: str) -> str | None:
    """Return the trimmed text at ``path`` under ``element``, or None if empty."""
    text = element.findtext(path)
    if text is None:
        return None
    return trim(text) or None


def fields_at(element: etree._Element, paths: Mapping[str, str]) -> dict[str, str]:
    """Return the non-empty texts at ``paths`` keyed by field name."""
    fields: dict[str, str] = {}
    for name, path in paths.items():
        text = text_at(element, path)
        if text is not None:
            fields[name] = text
    return fields


def school_fields(element: etree._Element) -> OrganizationFields:
    """Map a ``School`` element to organization fields."""
    fields = fields_at(
        element,
        {
            "education_organization_id": "{*}SchoolId",
            "name_of_institution": "{*}NameOfInstitution",
        },
    )
    fields["organization_kind"] = "school"
    return _with_parent(element, fields, "LocalEducationAgencyReference")


def local_education_agency_fields(element: etree._Element) -> OrganizationFields:
    """Map a ``LocalEducationAgency`` element to organization fields.

    The kind is ``charter`` when CharterStatus names a charter status or the
    LocalEducationAgencyCategory is a charter category, and ``district``
    otherwise.
    """
    fields = fields_at(
        element,
        {
            "education_organization_id": "{*}LocalEducationAgencyId",
            "name_of_institution": "{*}NameOfInstitution",
        },
    )
    fields["organization_kind"] = agency_kind(
        text_at(element, "{*}CharterStatus"),
        text_at(element, "{*}LocalEducationAgencyCategory"),
    )
    return _with_parent(element, fields, "ParentLocalEducationAgencyReference")


def _with_parent(
    element: etree._Element, fields: dict[str, str], reference: str
) -> OrganizationFields:
    """Add the parent LEA id from its identity, or return the reference's ``ref``.

    Ed-Fi XML may refer to an LEA by identity (the id inside the reference) or
    by an XML ``ref`` to the ``id`` attribute of an element in the same file.
    """
    reference_element = element.find("{*}" + reference)
    if reference_element is None:
        return OrganizationFields(fields)
    parent_id = text_at(reference_element, ".//{*}LocalEducationAgencyId")
    if parent_id is not None:
        fields["parent_education_organization_id"] = parent_id
        return OrganizationFields(fields)
    return OrganizationFields(fields, reference_element.get("ref"))


def student_fields(element: etree._Element) -> dict[str, str]:
    """Map a ``Student`` element to student fields.

    ``sex`` is taken from Sex when present, else from BirthData/BirthSex (the
    only sex element of Student in Ed-Fi 5.2). State and district ids come
    from StudentIdentificationCode children, which Ed-Fi 5.2 keeps on the
    student-organization association but older files put on Student.
    """
    fields = fields_at(element, STUDENT_PATHS)
    sex = text_at(element, "{*}Sex") or text_at(element, "{*}BirthData/{*}BirthSex")
    if sex is not None:
        fields["sex"] = sex
    for code in element.iterfind("{*}StudentIdentificationCode"):
        value = text_at(code, "{*}IdentificationCode")
        name = _identification_field(code)
        if value is not None and name is not None and name not in fields:
            fields[name] = value
    return fields


def _identification_field(code: etree._Element) -> str | None:
    return identification_field(
        text_at(code, path)
        for path in (
            "{*}AssigningOrganizationIdentificationCode",
            "{*}StudentIdentificationSystem",
        )
    )


def store_contact(element: etree._Element, contacts: Contacts) -> None:
    """Store a Contact's (Parent's) names, or its association with a student.

    Names are read as direct children or, like Student's, inside Name.
    """
    name = local_name(element)
    person = CONTACT_ELEMENTS[name]
    unique_id = f"{{*}}{person}UniqueId"
    if name == person:
        contact_id = text_at(element, unique_id)
        if contact_id is not None:
            contacts.add_contact(
                contact_id,
                GuardianName(
                    _name_part(element, "FirstName"), _name_part(element, "LastSurname")
                ),
            )
        return
    contact_id = text_at(element, f"{{*}}{person}Reference//{unique_id}")
    student_id = text_at(element, "{*}StudentReference//{*}StudentUniqueId")
    if contact_id is not None and student_id is not None:
        contacts.add_association(
            student_id,
            contact_id,
            text_at(element, "{*}PrimaryContactStatus"),
            text_at(element, "{*}ContactPriority"),
        )


def _name_part(element: etree._Element, part: str) -> str | None:
    return text_at(element, f"{{*}}{part}") or text_at(
        element, f"{{*}}Name/{{*}}{part}"
    )


def special_education_fields(element: etree._Element) -> dict[str, str]:
    """Map a ``StudentSpecialEducationProgramAssociation`` to program fields.

    special_education_status is left out: normalization derives it.
    """
    fields = fields_at(element, SPECIAL_EDUCATION_PATHS)

    # The general program exit reason is used when the special-education one is
    # missing. Its ReasonExitedDescriptor URI shows which code set it is from.
    exit_reason = text_at(element, "{*}SpecialEducationExitReason") or text_at(
        element, "{*}ReasonExited"
    )
    if exit_reason is not None:
        fields["special_education_exit_reason"] = exit_reason

    fields.update(disability_fields(ordered_disabilities(element)))

    services = [
        text
        for service in element.iterfind("{*}SpecialEducationProgramService")
        if (text := text_at(service, "{*}SpecialEducationProgramService"))
    ]
    if services:
        fields["services"] = ";".join(services)
    return descriptor_values(fields)


def ordered_disabilities(element: etree._Element) -> list[str]:
    """Return the Disability descriptors of ``element`` by OrderOfDisability.

    Entries without a whole-number order follow the ordered ones, in document
    order.
    """
    return order_disabilities(
        (
            text_at(disability, "{*}Disability"),
            text_at(disability, "{*}OrderOfDisability"),
        )
        for disability in element.iterfind("{*}Disability")
    )
