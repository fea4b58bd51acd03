"""Field mappings from Ed-Fi API resource objects to canonical field names.

The same canonical fields as the Ed-Fi XML reader, from the JSON property
names of Data Standard 5.x (``birthSexDescriptor``, ``schoolReference``).
Where Data Standard 6.0 renamed a property, both names are read, the 5.x
one first. Values pass through as text: descriptors as full URIs, numbers
as written, booleans as ``true`` or ``false``. The exceptions are the
descriptors of text fields that sislink's writer wraps, which are read back
as their code values (``descriptor_values``), and further disabilities.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from sislink.formats.edfi_common import (
    Contacts,
    agency_kind,
    descriptor_values,
    disability_fields,
    identification_field,
    order_disabilities,
)
from sislink.formats.edfi_json.resources import (
    CONTACT_ASSOCIATIONS,
    CONTACTS,
    LOCAL_EDUCATION_AGENCIES,
    PARENTS,
    SCHOOLS,
    SPECIAL_EDUCATION_ASSOCIATIONS,
    STUDENT_SCHOOL_ASSOCIATIONS,
    STUDENTS,
)
from sislink.formats.guardians import GuardianName
from sislink.formats.surrogates import lone_surrogates
from sislink.model.characters import trim

Path = tuple[str, ...]

STUDENT_PATHS: dict[str, tuple[Path, ...]] = {
    "local_student_id": (("studentUniqueId",),),
    "first_name": (("firstName",),),
    "middle_name": (("middleName",),),
    "last_surname": (("lastSurname",),),
    "preferred_first_name": (("preferredFirstName",),),
    "preferred_last_surname": (("preferredLastSurname",),),
    "birth_date": (("birthDate",),),
    "sex": (("sexDescriptor",), ("birthSexDescriptor",)),
}

ENROLLMENT_PATHS: dict[str, tuple[Path, ...]] = {
    "local_student_id": (("studentReference", "studentUniqueId"),),
    "school_id": (("schoolReference", "schoolId"),),
    "entry_date": (("entryDate",),),
    "exit_withdraw_date": (("exitWithdrawDate",),),
    "entry_type": (("entryTypeDescriptor",),),
    "exit_withdraw_type": (("exitWithdrawTypeDescriptor",),),
    "entry_grade_level": (("entryGradeLevelDescriptor",),),
}

SPECIAL_EDUCATION_PATHS: dict[str, tuple[Path, ...]] = {
    "local_student_id": (("studentReference", "studentUniqueId"),),
    "program_education_organization_id": (
        ("programReference", "educationOrganizationId"),
    ),
    "begin_date": (("beginDate",),),
    "end_date": (("endDate",),),
    "idea_eligibility": (("ideaEligibility",),),
    "special_education_setting": (("specialEducationSettingDescriptor",),),
    "special_education_hours_per_week": (("specialEducationHoursPerWeek",),),
    "iep_begin_date": (("iepBeginDate",),),
    "iep_end_date": (("iepEndDate",),),
    "iep_review_date": (("iepReviewDate",), ("iepLastReviewDate",)),
    "last_evaluation_date": (("lastEvaluationDate",), ("iepLastEvaluationDate",)),
    "special_education_exit_date": (("specialEducationExitDate",),),
    # The general program exit reason is used when the special-education
    # one is missing; its ReasonExitedDescriptor URI shows its code set.
    "special_education_exit_reason": (
        ("specialEducationExitReasonDescriptor",),
        ("reasonExitedDescriptor",),
    ),
}

SCHOOL_PATHS: dict[str, tuple[Path, ...]] = {
    "education_organization_id": (("schoolId",),),
    "name_of_institution": (("nameOfInstitution",),),
    "parent_education_organization_id": (
        ("localEducationAgencyReference", "localEducationAgencyId"),
    ),
}

AGENCY_PATHS: dict[str, tuple[Path, ...]] = {
    "education_organization_id": (("localEducationAgencyId",),),
    "name_of_institution": (("nameOfInstitution",),),
    "parent_education_organization_id": (
        ("parentLocalEducationAgencyReference", "localEducationAgencyId"),
    ),
}


class Extractor:
    """Reads text values out of one resource object, noting values of the wrong type.

    A value is text when it is a string, number or boolean. An object or
    array where a value belongs is noted in ``problems`` and left out. A
    string with a lone UTF-16 surrogate is noted in ``surrogates`` and left
    out too.
    """

    def __init__(self, resource: Mapping[str, object]) -> None:
        self.resource = resource
        self.problems: list[str] = []
        self.surrogates: list[tuple[str, str]] = []
        """The (property path, text) of each string with a lone surrogate."""

    def text(
        self, path: Path, within: Mapping[str, object] | None = None
    ) -> str | None:
        """Return the text at ``path``, or None when it is missing or empty."""
        value: object = self.resource if within is None else within
        for name in path:
            if value is None:
                return None
            if not isinstance(value, Mapping):
                self.problems.append(f"{'.'.join(path)} is not inside an object")
                return None
            value = value.get(name)
        return self._scalar(path, value)

    def first(self, paths: tuple[Path, ...]) -> str | None:
        """Return the first non-empty text among ``paths``."""
        for path in paths:
            found = self.text(path)
            if found is not None:
                return found
        return None

    def fields(self, paths: Mapping[str, tuple[Path, ...]]) -> dict[str, str]:
        """Return the non-empty texts of ``paths`` keyed by field name."""
        found = {name: self.first(options) for name, options in paths.items()}
        return {name: value for name, value in found.items() if value is not None}

    def objects(self, name: str) -> list[Mapping[str, object]]:
        """Return the objects of the array property ``name``; note other values."""
        value = self.resource.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(
            isinstance(item, Mapping) for item in value
        ):
            self.problems.append(f"{name} is not an array of objects")
            return []
        return value

    def _scalar(self, path: Path, value: object) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            if lone_surrogates(value):
                self.surrogates.append((".".join(path), value))
                return None
            return trim(value) or None
        if isinstance(value, int | Decimal | float):
            return str(value)
        self.problems.append(f"{'.'.join(path)} is an object or array, not a value")
        return None


def student_fields(extractor: Extractor) -> dict[str, str]:
    """Map a ``students`` resource to student fields.

    State and district ids come from ``studentIdentificationCodes``, which
    Data Standard 5.x keeps on studentEducationOrganizationAssociations;
    sislink's writer puts them on the student, as its XML writer does.
    """
    fields = extractor.fields(STUDENT_PATHS)
    for code in extractor.objects("studentIdentificationCodes"):
        value = extractor.text(("identificationCode",), code)
        name = identification_field(
            extractor.text((path,), code)
            for path in (
                "assigningOrganizationIdentificationCode",
                "studentIdentificationSystemDescriptor",
            )
        )
        if value is not None and name is not None and name not in fields:
            fields[name] = value
    return fields


def store_contact(extractor: Extractor, resource: str, contacts: Contacts) -> None:
    """Store a contact's names, or a student-contact association, in ``contacts``.

    ``resource`` is one of the joined resources: contacts and
    studentContactAssociations, or parents and studentParentAssociations.
    """
    person = "contact" if resource in (CONTACTS, CONTACT_ASSOCIATIONS) else "parent"
    unique_id = f"{person}UniqueId"
    if resource in (CONTACTS, PARENTS):
        contact_id = extractor.text((unique_id,))
        if contact_id is not None:
            name = GuardianName(
                extractor.text(("firstName",)), extractor.text(("lastSurname",))
            )
            contacts.add_contact(contact_id, name)
        return
    contact_id = extractor.text((f"{person}Reference", unique_id))
    student_id = extractor.text(("studentReference", "studentUniqueId"))
    if contact_id is not None and student_id is not None:
        contacts.add_association(
            student_id,
            contact_id,
            extractor.text(("primaryContactStatus",)),
            extractor.text(("contactPriority",)),
        )


def special_education_fields(extractor: Extractor) -> dict[str, str]:
    """Map a ``studentSpecialEducationProgramAssociations`` resource.

    special_education_status is left out: normalization derives it.
    """
    fields = extractor.fields(SPECIAL_EDUCATION_PATHS)
    disabilities = order_disabilities(
        (
            extractor.text(("disabilityDescriptor",), entry),
            extractor.text(("orderOfDisability",), entry),
        )
        for entry in extractor.objects("disabilities")
    )
    fields.update(disability_fields(disabilities))
    services = [
        text
        for service in extractor.objects("specialEducationProgramServices")
        if (
            text := extractor.text(
                ("specialEducationProgramServiceDescriptor",), service
            )
        )
    ]
    if services:
        fields["services"] = ";".join(services)
    return fields


def organization_fields(extractor: Extractor, resource: str) -> dict[str, str]:
    """Map a ``schools`` or ``localEducationAgencies`` resource."""
    if resource == SCHOOLS:
        fields = extractor.fields(SCHOOL_PATHS)
        fields["organization_kind"] = "school"
        return fields
    fields = extractor.fields(AGENCY_PATHS)
    fields["organization_kind"] = agency_kind(
        extractor.text(("charterStatusDescriptor",)),
        extractor.text(("localEducationAgencyCategoryDescriptor",)),
    )
    return fields


def resource_fields(extractor: Extractor, resource: str) -> dict[str, str]:
    """Return the canonical fields of one object of ``resource``."""
    if resource == STUDENTS:
        return student_fields(extractor)
    if resource == STUDENT_SCHOOL_ASSOCIATIONS:
        return descriptor_values(extractor.fields(ENROLLMENT_PATHS))
    if resource == SPECIAL_EDUCATION_ASSOCIATIONS:
        return descriptor_values(special_education_fields(extractor))
    if resource in (SCHOOLS, LOCAL_EDUCATION_AGENCIES):
        return organization_fields(extractor, resource)
    raise ValueError(f"no field mapping for resource {resource!r}")
