"""The PowerSchool ``/ws/v1`` student resource as sislink reads it.

Confirmed: the fields below, from the public description of the API's
``students.student`` payload. ``id`` is the DCID and ``local_id`` the
student number. The enroll status codes are -1 pre-registered, 0 active,
1 inactive, 2 transferred out, 3 graduated and 4 imported historical, as
Glenbard District 87 publishes them in its PowerSchool notes ("Enrollment
Status Definitions"). Grade and gender codes are PowerSchool's own, so they
go through the powerschool-csv mapping's crosswalks.

Assumptions, each unconfirmed by a public source:

- ``state_province_id`` carries the state student id (SSID) when the API
  returns it;
- ``school_number`` is the school number that the STUDENTS table's school
  columns hold, so one school registration serves both PowerSchool formats;
- dates are ISO ``YYYY-MM-DD``, as the API writes them;
- pre-registered students (-1) have not entered the school and are skipped.
"""

from __future__ import annotations

from functools import cache

from sislink.formats.mapped.mapping import BUILTIN_FOLDER, load_mapping
from sislink.model import RecordKind, SourceDialect

STUDENT_FIELDS: dict[str, str] = {
    "local_id": "local_student_id",
    "state_province_id": "state_student_id",
    "name.first_name": "first_name",
    "name.middle_name": "middle_name",
    "name.last_name": "last_surname",
    "demographics.birth_date": "birth_date",
    "demographics.gender": "sex",
}
"""Dotted path in a student object to the student field it carries."""

ENROLLMENT_FIELDS: dict[str, str] = {
    "local_id": "local_student_id",
    "school_enrollment.school_number": "school_id",
    "school_enrollment.entry_date": "entry_date",
    "school_enrollment.exit_date": "exit_withdraw_date",
    "school_enrollment.entry_code": "entry_type",
    "school_enrollment.exit_code": "exit_withdraw_type",
    "school_enrollment.grade_level": "entry_grade_level",
}

FIELDS: dict[RecordKind, dict[str, str]] = {
    RecordKind.STUDENT: STUDENT_FIELDS,
    RecordKind.ENROLLMENT: ENROLLMENT_FIELDS,
}

ENROLL_STATUS_CODE = "school_enrollment.enroll_status_code"
PRE_REGISTERED = "-1"
SKIP_REASON = (
    "pre-registered in PowerSchool: the student has not entered the school yet"
)
ENROLL_STATUS_TRANSFERRED = 2
ENROLL_STATUS_ACTIVE = 0

FILE_NAMES = ("students.json", "students-*.json")
"""One file, or the pages of a paged API read saved one file per page."""


@cache
def dialect() -> SourceDialect:
    """Return the PowerSchool dialect for JSON: ISO dates, PowerSchool codes."""
    mapping = load_mapping(BUILTIN_FOLDER / "powerschool-csv.toml")
    return SourceDialect(
        "powerschool-json", ("%Y-%m-%d",), "calpads", mapping.crosswalks
    )
