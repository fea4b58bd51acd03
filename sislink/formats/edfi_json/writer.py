"""Writer of Ed-Fi API resource files in JSON from stored records.

Each file is a JSON array of resource objects with Data Standard 5.x
property names and descriptors as URIs, the shape the Ed-Fi ODS/API serves.
Only properties that hold a canonical field are written, so an Ed-Fi API
may reject a POST of them. ``FIELD_LOSSES`` lists the fields left out of
the resources written. A student's guardians are
written as contacts and studentContactAssociations. Students of one
household that name a guardian with the same first name and surname share
one contact (see ``shared_key``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import IO

from sislink.formats.base import RecordSource, StoredRecord
from sislink.formats.carried import FieldLoss
from sislink.formats.edfi_descriptors import (
    descriptor_uri,
    disability_uri,
    sex_uri,
)
from sislink.formats.edfi_json.resources import (
    CONTACT_ASSOCIATIONS,
    CONTACTS,
    LOCAL_EDUCATION_AGENCIES,
    SCHOOLS,
    SPECIAL_EDUCATION_ASSOCIATIONS,
    STUDENT_SCHOOL_ASSOCIATIONS,
    STUDENTS,
)
from sislink.formats.edfi_xml.builders import SPECIAL_EDUCATION_PROGRAM
from sislink.formats.guardians import (
    GuardianIds,
    GuardianName,
    record_guardians,
    shared_key,
)
from sislink.model import RecordKind
from sislink.model.crosswalks import ED_FI_GRADE_LEVEL
from sislink.model.records import JsonValue

JsonObject = dict[str, object]

POSTAL_CODE_LOSS = FieldLoss(
    RecordKind.STUDENT,
    "postal_code",
    "Data Standard 5.x keeps a student's address on the student's association "
    "with an education organization, which sislink does not write",
)
STATUS_LOSS = FieldLoss(
    RecordKind.SPECIAL_EDUCATION_PROGRAM,
    "special_education_status",
    "the special-education program association has no element for the "
    "CALPADS special-education status",
)
FIELD_LOSSES = (
    POSTAL_CODE_LOSS,
    FieldLoss(
        RecordKind.ENROLLMENT,
        "enrollment_status",
        "studentSchoolAssociations have no property for the CALPADS enrollment status",
    ),
    STATUS_LOSS,
)
"""The fields of the written kinds that the resources do not carry."""

GRADE_LEVEL_DESCRIPTOR = {
    code: name for name, code in reversed(ED_FI_GRADE_LEVEL.mapping.items())
}
"""GradeLevelDescriptor code value by CALPADS grade, the crosswalk reversed."""


def _text(value: JsonValue) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    return str(value).strip() or None


def _id(value: JsonValue) -> int | str | None:
    """Return an Ed-Fi id: a number where Ed-Fi has one, unless that loses digits.

    NOTE: Ed-Fi education organization ids are integers, but a CDS school
    code such as 0136861 would lose its leading zero, so such ids stay text.
    """
    text = _text(value)
    if text is not None and text.isdigit() and not text.startswith("0"):
        return int(text)
    return text


def _descriptor(descriptor: str, value: JsonValue) -> str | None:
    text = _text(value)
    return None if text is None else descriptor_uri(descriptor, text)


def _compact(values: dict[str, object]) -> JsonObject:
    """Return ``values`` without empty ones, so no property is written as null."""
    return {
        name: value for name, value in values.items() if value not in (None, [], {})
    }


def school_resource(record: StoredRecord) -> JsonObject:
    parent = _id(record.get("parent_education_organization_id"))
    return _compact(
        {
            "schoolId": _id(record.get("education_organization_id")),
            "nameOfInstitution": _text(record.get("name_of_institution")),
            "educationOrganizationCategories": [
                {
                    "educationOrganizationCategoryDescriptor": descriptor_uri(
                        "EducationOrganizationCategoryDescriptor", "School"
                    )
                }
            ],
            "localEducationAgencyReference": _compact(
                {"localEducationAgencyId": parent}
            ),
        }
    )


def agency_resource(record: StoredRecord) -> JsonObject:
    charter = record.get("organization_kind") == "charter"
    category = "Independent charter district" if charter else "Independent"
    parent = _id(record.get("parent_education_organization_id"))
    return _compact(
        {
            "localEducationAgencyId": _id(record.get("education_organization_id")),
            "nameOfInstitution": _text(record.get("name_of_institution")),
            "localEducationAgencyCategoryDescriptor": descriptor_uri(
                "LocalEducationAgencyCategoryDescriptor", category
            ),
            "charterStatusDescriptor": _descriptor(
                "CharterStatusDescriptor", "School Charter" if charter else None
            ),
            "parentLocalEducationAgencyReference": _compact(
                {"localEducationAgencyId": parent}
            ),
        }
    )


def student_resource(record: StoredRecord) -> JsonObject:
    """Return a ``students`` resource; ids go to studentIdentificationCodes.

    NOTE: Data Standard 5.x keeps identification codes on
    studentEducationOrganizationAssociations, not on students, so that
    property is outside the standard; it keeps the ids for sislink's reader.
    """
    sex = _text(record.get("sex"))
    codes = [
        {
            "assigningOrganizationIdentificationCode": system,
            "studentIdentificationSystemDescriptor": descriptor_uri(
                "StudentIdentificationSystemDescriptor", system
            ),
            "identificationCode": text,
        }
        for system, field in (
            ("State", "state_student_id"),
            ("District", "district_student_id"),
        )
        if (text := _text(record.get(field)))
    ]
    return _compact(
        {
            "studentUniqueId": _text(record.get("local_student_id")),
            "firstName": _text(record.get("first_name")),
            "middleName": _text(record.get("middle_name")),
            "lastSurname": _text(record.get("last_surname")),
            "preferredFirstName": _text(record.get("preferred_first_name")),
            "preferredLastSurname": _text(record.get("preferred_last_surname")),
            "birthDate": _text(record.get("birth_date")),
            "birthSexDescriptor": None if sex is None else sex_uri(sex),
            "studentIdentificationCodes": codes,
        }
    )


def contact_resources(
    record: StoredRecord, ids: GuardianIds
) -> list[tuple[JsonObject | None, JsonObject]]:
    """Return a ``contacts`` and a ``studentContactAssociations`` resource per guardian.

    The contact is None when an earlier student of the export named the same
    guardian, whose contact is already written. Guardian 1 is the primary
    contact, and each guardian's number is its contactPriority.
    """
    student_id = _text(record.get("local_student_id"))
    resources: list[tuple[JsonObject | None, JsonObject]] = []
    for number, guardian in record_guardians(record):
        key = shared_key(record, guardian)
        contact_id, first = ids.assign(student_id, number, key)
        resources.append(
            (
                _contact(contact_id, guardian) if first else None,
                {
                    "contactReference": {"contactUniqueId": contact_id},
                    "studentReference": {"studentUniqueId": student_id},
                    "primaryContactStatus": number == 1,
                    "contactPriority": number,
                },
            )
        )
    return resources


def _contact(contact_id: str, guardian: GuardianName) -> JsonObject:
    return _compact(
        {
            "contactUniqueId": contact_id,
            "firstName": guardian.first_name,
            "lastSurname": guardian.last_surname,
        }
    )


def enrollment_resource(record: StoredRecord) -> JsonObject:
    grade = _text(record.get("entry_grade_level"))
    return _compact(
        {
            "studentReference": {
                "studentUniqueId": _text(record.get("local_student_id"))
            },
            "schoolReference": {"schoolId": _id(record.get("school_id"))},
            "entryDate": _text(record.get("entry_date")),
            "entryGradeLevelDescriptor": _descriptor(
                "GradeLevelDescriptor", GRADE_LEVEL_DESCRIPTOR.get(grade or "", grade)
            ),
            "entryTypeDescriptor": _descriptor(
                "EntryTypeDescriptor", record.get("entry_type")
            ),
            "exitWithdrawDate": _text(record.get("exit_withdraw_date")),
            "exitWithdrawTypeDescriptor": _descriptor(
                "ExitWithdrawTypeDescriptor", record.get("exit_withdraw_type")
            ),
        }
    )


def program_resource(record: StoredRecord) -> JsonObject:
    """Return a ``studentSpecialEducationProgramAssociations`` resource.

    Disabilities are written with orderOfDisability 1, 2, ... so the reader
    restores primary, secondary and other in the same order.
    """
    organization = _id(record.get("program_education_organization_id"))
    hours = record.get("special_education_hours_per_week")
    eligibility = record.get("idea_eligibility")
    return _compact(
        {
            "studentReference": {
                "studentUniqueId": _text(record.get("local_student_id"))
            },
            "programReference": {
                "educationOrganizationId": organization,
                "programName": SPECIAL_EDUCATION_PROGRAM,
                "programTypeDescriptor": descriptor_uri(
                    "ProgramTypeDescriptor", SPECIAL_EDUCATION_PROGRAM
                ),
            },
            "educationOrganizationReference": {"educationOrganizationId": organization},
            "beginDate": _text(record.get("begin_date")),
            "endDate": _text(record.get("end_date")),
            "ideaEligibility": eligibility if isinstance(eligibility, bool) else None,
            "specialEducationSettingDescriptor": _descriptor(
                "SpecialEducationSettingDescriptor",
                record.get("special_education_setting"),
            ),
            "specialEducationHoursPerWeek": hours
            if isinstance(hours, int | float) and not isinstance(hours, bool)
            else None,
            "iepBeginDate": _text(record.get("iep_begin_date")),
            "iepEndDate": _text(record.get("iep_end_date")),
            "iepReviewDate": _text(record.get("iep_review_date")),
            "lastEvaluationDate": _text(record.get("last_evaluation_date")),
            "disabilities": _disabilities(record),
            "specialEducationProgramServices": [
                {
                    "specialEducationProgramServiceDescriptor": descriptor_uri(
                        "SpecialEducationProgramServiceDescriptor", service.strip()
                    )
                }
                for service in (_text(record.get("services")) or "").split(";")
                if service.strip()
            ],
            "specialEducationExitDate": _text(
                record.get("special_education_exit_date")
            ),
            "specialEducationExitReasonDescriptor": _descriptor(
                "SpecialEducationExitReasonDescriptor",
                record.get("special_education_exit_reason"),
            ),
        }
    )


def _disabilities(record: StoredRecord) -> list[JsonObject]:
    values = [
        _text(record.get("primary_disability")),
        _text(record.get("secondary_disability")),
        *(_text(record.get("other_disabilities")) or "").split(";"),
    ]
    present = [value.strip() for value in values if value and value.strip()]
    return [
        {"disabilityDescriptor": disability_uri(value), "orderOfDisability": order}
        for order, value in enumerate(present, start=1)
    ]


class _ArrayFile:
    """A JSON array written one object at a time."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle
        self._count = 0
        handle.write("[")

    def add(self, resource: JsonObject) -> None:
        self._handle.write(",\n" if self._count else "\n")
        self._handle.write(json.dumps(resource, ensure_ascii=False))
        self._count += 1

    def close(self) -> None:
        self._handle.write("\n]\n" if self._count else "]\n")


def _write_array(path: Path, resources: Iterable[JsonObject]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        array = _ArrayFile(handle)
        for resource in resources:
            array.add(resource)
        array.close()
    return path


def _write_organizations(
    directory: Path, records: Iterable[StoredRecord]
) -> list[Path]:
    """Write schools.json and localEducationAgencies.json from one pass.

    Raises:
        ValueError: an organization's kind is not school, district or charter.
    """
    paths = [
        directory / f"{LOCAL_EDUCATION_AGENCIES}.json",
        directory / f"{SCHOOLS}.json",
    ]
    with ExitStack() as stack:
        agencies, schools = (
            _ArrayFile(stack.enter_context(path.open("w", encoding="utf-8")))
            for path in paths
        )
        for record in records:
            kind = record.get("organization_kind")
            if kind == "school":
                schools.add(school_resource(record))
            elif kind in ("district", "charter"):
                agencies.add(agency_resource(record))
            else:
                raise ValueError(
                    f"organization {record.get('education_organization_id')!r} has "
                    f"kind {kind!r}; Ed-Fi JSON is written only for kinds school, "
                    "district and charter"
                )
        agencies.close()
        schools.close()
    return paths


def _write_students(directory: Path, records: Iterable[StoredRecord]) -> list[Path]:
    """Write students.json, contacts.json and studentContactAssociations.json."""
    paths = [
        directory / f"{name}.json"
        for name in (STUDENTS, CONTACTS, CONTACT_ASSOCIATIONS)
    ]
    with ExitStack() as stack:
        students, contacts, associations = (
            _ArrayFile(stack.enter_context(path.open("w", encoding="utf-8")))
            for path in paths
        )
        ids = GuardianIds()
        for record in records:
            students.add(student_resource(record))
            for contact, association in contact_resources(record, ids):
                if contact is not None:
                    contacts.add(contact)
                associations.add(association)
        for array in (students, contacts, associations):
            array.close()
    return paths


def write(directory: Path, records: RecordSource) -> list[Path]:
    """Write organizations, students with contacts, enrollments and programs."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = _write_organizations(directory, records(RecordKind.ORGANIZATION))
    paths += _write_students(directory, records(RecordKind.STUDENT))
    for resource, kind, build in (
        (STUDENT_SCHOOL_ASSOCIATIONS, RecordKind.ENROLLMENT, enrollment_resource),
        (
            SPECIAL_EDUCATION_ASSOCIATIONS,
            RecordKind.SPECIAL_EDUCATION_PROGRAM,
            program_resource,
        ),
    ):
        path = directory / f"{resource}.json"
        paths.append(_write_array(path, (build(record) for record in records(kind))))
    return paths
