"""The OneRoster 1.1 CSV bundle: file names, columns, status values and ids.

Confirmed by the IMS Global OneRoster 1.1 CSV Tables and vendor pages that
restate them (HMH, PowerSchool Naviance): the file names; the manifest's
``propertyName,value`` rows with ``oneroster.version`` and
``file.<name>`` = ``bulk``, ``delta`` or ``absent``; the columns below; the
status values ``active`` and ``tobedeleted`` of delta files; userIds written
as ``{type:identifier}`` entries separated by commas; org types school,
district, local, state, national and department; sex values male and
female.

Assumptions, which no public source confirms, are all declared here:

- ``LOCAL_ID``: a student's local id is the user's ``sourcedId``, because
  every other file refers to users by it and OneRoster requires it to be
  stable from one export to the next. The human-readable ``identifier`` is
  not carried.
- ``STATE_ID_TYPES`` and ``DISTRICT_ID_TYPES``: the userIds types that carry
  the state student id (SSID) and the district's id. OneRoster leaves the
  type names to each system.
- ``ORGANIZATION_ID``: an org's id is its ``sourcedId`` too, the id every
  file refers to orgs by, so a delta bundle without orgs.csv still names
  schools the way the bulk bundle did. The ``identifier`` (a school number,
  or a CDS code in some California exports) is not carried.
- A student's grade level is the first value of the user's ``grades``.
- A student's guardians 1 and 2 are the first two of the student's
  ``agentSourcedIds`` that are users with a role in ``GUARDIAN_ROLES``.
  OneRoster does not rank a student's agents.
- The enrollment rules in ``reader``: one school enrollment per student and
  school, dated by the student's class enrollments or, without
  enrollments.csv, by the start of the latest school year in
  academicSessions.csv.
"""

from __future__ import annotations

MANIFEST = "manifest.csv"
ORGS = "orgs.csv"
ACADEMIC_SESSIONS = "academicSessions.csv"
DEMOGRAPHICS = "demographics.csv"
USERS = "users.csv"
ENROLLMENTS = "enrollments.csv"

DATA_FILES = (ORGS, ACADEMIC_SESSIONS, DEMOGRAPHICS, USERS, ENROLLMENTS)
"""The files read, in load order: organizations, then students, then enrollments."""

VERSION = "1.1"
BULK, DELTA, ABSENT = "bulk", "delta", "absent"
MODES = (BULK, DELTA, ABSENT)
ACTIVE, TO_BE_DELETED = "active", "tobedeleted"

STUDENT_ROLE = "student"
GUARDIAN_ROLES = frozenset({"parent", "guardian", "relative"})
"""The user roles (casefolded) of a student's agents that count as guardians."""
GUARDIAN_ROLE = "guardian"
"""The role the writer gives a student's guardians, whose relation it does not know."""
SCHOOL_YEAR = "schoolyear"
"""The academic session type (casefolded) whose start dates enrollments."""

ORGANIZATION_KINDS = {"school": "school", "district": "district"}
"""sislink organization kind by OneRoster org type (casefolded). Other types
(local, state, national, department) are skipped."""

LOCAL_ID = "sourcedId"
ORGANIZATION_ID = "sourcedId"
STATE_ID_TYPES = frozenset({"ssid", "state", "stateid", "statestudentid", "calpads"})
DISTRICT_ID_TYPES = frozenset({"district", "districtid"})
STATE_ID_TYPE = "SSID"
DISTRICT_ID_TYPE = "districtId"
"""The userIds types the writer uses."""

COLUMNS: dict[str, tuple[str, ...]] = {
    ORGS: (
        "sourcedId",
        "status",
        "dateLastModified",
        "name",
        "type",
        "identifier",
        "parentSourcedId",
    ),
    ACADEMIC_SESSIONS: (
        "sourcedId",
        "status",
        "dateLastModified",
        "title",
        "type",
        "startDate",
        "endDate",
        "parentSourcedId",
        "schoolYear",
    ),
    DEMOGRAPHICS: (
        "sourcedId",
        "status",
        "dateLastModified",
        "birthDate",
        "sex",
        "americanIndianOrAlaskaNative",
        "asian",
        "blackOrAfricanAmerican",
        "nativeHawaiianOrOtherPacificIslander",
        "white",
        "demographicRaceTwoOrMoreRaces",
        "hispanicOrLatinoEthnicity",
        "countryOfBirthCode",
        "stateOfBirthAbbreviation",
        "cityOfBirth",
        "publicSchoolResidenceStatus",
    ),
    USERS: (
        "sourcedId",
        "status",
        "dateLastModified",
        "enabledUser",
        "orgSourcedIds",
        "role",
        "username",
        "userIds",
        "givenName",
        "familyName",
        "middleName",
        "identifier",
        "email",
        "sms",
        "phone",
        "agentSourcedIds",
        "grades",
        "password",
    ),
    ENROLLMENTS: (
        "sourcedId",
        "status",
        "dateLastModified",
        "classSourcedId",
        "schoolSourcedId",
        "userSourcedId",
        "role",
        "primary",
        "beginDate",
        "endDate",
    ),
}
"""Each data file's columns in the order OneRoster 1.1 defines."""

EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {
    USERS: ("preferredFirstName", "preferredLastName"),
}
"""OneRoster 1.2 columns read when a 1.1 file carries them."""

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    ORGS: ("sourcedId", "name", "type"),
    ACADEMIC_SESSIONS: ("sourcedId", "type", "startDate"),
    DEMOGRAPHICS: ("sourcedId",),
    USERS: ("sourcedId", "role", "givenName", "familyName"),
    ENROLLMENTS: ("schoolSourcedId", "userSourcedId", "role"),
}
"""The columns the reader needs in each file; a file without one is rejected."""


def manifest_property(file_name: str) -> str:
    """Return the manifest property of a data file: ``file.users`` for users.csv."""
    return "file." + file_name.removesuffix(".csv")
