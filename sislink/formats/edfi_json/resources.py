"""The Ed-Fi API resources read and written, and how their files are named.

A file contains one response of ``/data/v3/ed-fi/{resource}``: a JSON array of
resource objects. ``{resource}.json`` is the whole collection,
``{resource}-1.json``, ``{resource}-2.json`` … its pages, and
``{resource}-deletes.json`` (pages ``-deletes-1.json`` …) the response of
``/{resource}/deletes``. Names and key fields follow the Ed-Fi ODS/API 7
with Data Standard 5.x.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sislink.model import RecordKind


@dataclass(frozen=True, slots=True)
class Resource:
    """One Ed-Fi resource: its record kind and the key values of its deletes.

    ``delete_keys`` maps each ``keyValues`` name of a delete to the canonical
    field of the record key, or to ``contact_id`` for the contact a joined
    resource names. A ``joined`` resource gives no records of its own: its
    values are added to the records of ``kind``.
    """

    name: str
    kind: RecordKind
    delete_keys: tuple[tuple[str, str], ...]
    joined: bool = False


LOCAL_EDUCATION_AGENCIES = "localEducationAgencies"
SCHOOLS = "schools"
STUDENTS = "students"
STUDENT_SCHOOL_ASSOCIATIONS = "studentSchoolAssociations"
SPECIAL_EDUCATION_ASSOCIATIONS = "studentSpecialEducationProgramAssociations"
CONTACTS = "contacts"
CONTACT_ASSOCIATIONS = "studentContactAssociations"
PARENTS = "parents"
PARENT_ASSOCIATIONS = "studentParentAssociations"
"""Data Standard 4 and older name contacts parents."""

CONTACT_ID = "contact_id"
"""The name under which a delete of a joined resource keeps the contact's id."""
STUDENT_KEY = ("studentUniqueId", "local_student_id")
"""The delete key of a student association: the student's local id."""

RESOURCES: dict[str, Resource] = {
    resource.name: resource
    for resource in (
        Resource(
            LOCAL_EDUCATION_AGENCIES,
            RecordKind.ORGANIZATION,
            (("localEducationAgencyId", "education_organization_id"),),
        ),
        Resource(
            SCHOOLS,
            RecordKind.ORGANIZATION,
            (("schoolId", "education_organization_id"),),
        ),
        *(
            Resource(name, RecordKind.STUDENT, delete_keys, joined=True)
            for name, delete_keys in (
                (CONTACTS, (("contactUniqueId", CONTACT_ID),)),
                (CONTACT_ASSOCIATIONS, (("contactUniqueId", CONTACT_ID), STUDENT_KEY)),
                (PARENTS, (("parentUniqueId", CONTACT_ID),)),
                (PARENT_ASSOCIATIONS, (("parentUniqueId", CONTACT_ID), STUDENT_KEY)),
            )
        ),
        Resource(
            STUDENTS,
            RecordKind.STUDENT,
            (("studentUniqueId", "local_student_id"),),
        ),
        Resource(
            STUDENT_SCHOOL_ASSOCIATIONS,
            RecordKind.ENROLLMENT,
            (
                ("studentUniqueId", "local_student_id"),
                ("schoolId", "school_id"),
                ("entryDate", "entry_date"),
            ),
        ),
        Resource(
            SPECIAL_EDUCATION_ASSOCIATIONS,
            RecordKind.SPECIAL_EDUCATION_PROGRAM,
            (
                ("studentUniqueId", "local_student_id"),
                ("programEducationOrganizationId", "program_education_organization_id"),
                ("beginDate", "begin_date"),
            ),
        ),
    )
}
"""The resources read, in load order: an LEA registers before its schools, and
contacts before the students they are added to."""

FILE_NAME = re.compile(
    r"^(?P<resource>[A-Za-z]+?)(?P<deletes>-deletes)?(?:-(?P<page>\d+))?\.json$"
)


@dataclass(frozen=True, slots=True)
class ResourceFile:
    """The resource, deletes flag and page number that a file name encodes."""

    resource: Resource
    deletes: bool
    page: int


def resource_file(name: str) -> ResourceFile | None:
    """Return what the file name ``name`` encodes, or None if it is no resource file."""
    match = FILE_NAME.match(name)
    if match is None or match["resource"] not in RESOURCES:
        return None
    page = int(match["page"]) if match["page"] else 0
    return ResourceFile(RESOURCES[match["resource"]], bool(match["deletes"]), page)


def load_position(name: str) -> tuple[int, bool, int, str]:
    """Return the sort key of a file: resource order, records before deletes, page."""
    found = resource_file(name)
    if found is None:
        return len(RESOURCES), False, 0, name
    order = list(RESOURCES).index(found.resource.name)
    return order, found.deletes, found.page, name
