"""The CALPADS file layouts sislink reads and writes, one declaration per file.

CALPADS files are caret (``^``) delimited text with no header row, one record
per line and dates as CCYYMMDD. The first field of every line is its record
type code and the second its transaction type code.

Every position below names its CALPADS field number, the field's name, the
canonical fields it fills and the public source that confirms it. A position
declared with ``assumed(...)`` is an ASSUMPTION: no public source read for this
module confirms it, and its reason explains the chosen position. Field counts
(the layout widths) are assumptions too, except for SENR and SPED.

How far each file is confirmed:

- SENR (35 fields): 1.01-1.06, 1.09-1.12, 1.17, 1.23-1.25 from the CALPADS File
  Specifications (California Department of Education), 1.13-1.16 and 1.18
  from the Aeries support article "CALPADS Cross Reference by Extract", and
  1.26 from the CALPADS error SENR0188 as published on
  schooldataleadership.org. Newer specification versions renumber SENR after
  1.18 (the CALPADS error documentation for SWDS0605E4 lists 1.22 Enrollment
  Start Date and 1.25 Enrollment Exit Date, and so does the Aeries article);
  this layout follows the numbering with 1.23 as the enrollment start date.
- SINF: 2.01, 2.02, 2.04, 2.07 and 2.09 from CALPADS error IVR0180; 2.18 from
  PLAN0714F1; 2.31 and 2.33-2.35 from SINF0053; 2.38-2.40 from SINF0453 (all in
  the CALPADS online documentation, documentation.calpads.org, Troubleshooting).
  PLAN0367E4 lists 2.06 as the SSID, against IVR0180's 2.09; 2.09 is used
  because it keeps school, year and SSID in SENR's order. 2.14-2.17 repeat
  SENR's 1.13-1.16 (suffix and alias names) by assumption, because SINF has
  four places between the legal last name and the birth date, as SENR does.
- SPED (legacy file, specification v11, 2018-19): 14.01-14.43 in full, from the
  Aeries support article "CALPADS Special Education Tables and Fields".
- SWDS: 22.04, 22.11 and 22.12 from CALPADS error SWDS0605E4.
- PLAN: 23.06 from PLAN0663F1, 23.11 and 23.12 from PLAN0386F1, 23.15-23.17
  from PLAN0726F1.
- MEET: 24.04 from SWDS0605E4. Field names from the CDE page "Special
  Education File Submission Scenarios"; their positions are assumptions.
- SERV: 25.05 and 25.12 from SERV0327, 25.14, 25.15 and 25.17 from SERV0448F1.
  SERV0328 names 25.14 the provider code, against SERV0327 and SERV0448F1;
  25.12 is used because two pages agree.

Positions from x.01 to x.10 of the special-education files repeat the order
that SPED, PLAN (23.06 SSID) and SWDS (22.04 reporting LEA) confirm in part:
record type, transaction type, local record id, reporting LEA, academic year,
SSID, local student id, legal first and last name, birth date.
"""

from __future__ import annotations

from sislink.formats.calpads.positions import (
    FileLayout,
    Position,
    Target,
    assumed,
    known,
)
from sislink.model import RecordKind

CFS = "CALPADS File Specifications (California Department of Education)"
AERIES_SPED = "Aeries support article 'CALPADS Special Education Tables and Fields'"
TROUBLESHOOTING = "CALPADS online documentation, Troubleshooting, error"
SCENARIOS = "CDE 'Special Education File Submission Scenarios' (field name only)"
COMMON = f"{CFS}: x.01 record type and x.02 transaction type in every file"
AERIES_EXTRACT = "Aeries support article 'CALPADS Cross Reference by Extract'"
ALIAS_ORDER = (
    "SENR's order 1.13-1.16 between the legal last name and the birth date, "
    "where SINF has four places (2.14-2.17) too"
)

STUDENT = RecordKind.STUDENT
ENROLLMENT = RecordKind.ENROLLMENT
PROGRAM = RecordKind.SPECIAL_EDUCATION_PROGRAM
PLAN_KIND = RecordKind.PLAN
EVALUATION = RecordKind.EVALUATION
SERVICE = RecordKind.SERVICE

DELETE_TRANSACTION_CODES: frozenset[str] = frozenset()
"""Transaction type codes that delete the record a line describes.

NOTE: no public source read for this module confirms CALPADS's code for a
deletion, so none is declared: every line is read as a current record, and
lines with any transaction type code get one warning per file. Add the
confirmed code here and such lines become removals.
"""


def _unread(number: str, name: str = "Field not read by sislink") -> Position:
    return assumed(number, name, "not read; holds its place in the field count")


def _identity(
    kind: RecordKind, first: str, *, ssid: str | None = None
) -> list[Position]:
    """Return x.05-x.10 of a special-education file: year and student identity."""
    student = "student identity, in the order SPED 14.07-14.13 uses"
    return [
        assumed(f"{first}.05", "Academic Year ID", student),
        known(f"{first}.06", "SSID", ssid)
        if ssid
        else assumed(f"{first}.06", "SSID", student),
        assumed(f"{first}.07", "Local Student ID", student, (kind, "local_student_id")),
        assumed(f"{first}.08", "Student Legal First Name", student),
        assumed(f"{first}.09", "Student Legal Last Name", student),
        assumed(f"{first}.10", "Student Birth Date", student),
    ]


def _head(
    number: str, record_type: str, local_id: tuple[Target, ...]
) -> list[Position]:
    """Return x.01-x.03: record type, transaction type and local record id."""
    return [
        known(f"{number}.01", "Record Type Code", COMMON),
        known(f"{number}.02", "Transaction Type Code", COMMON),
        assumed(
            f"{number}.03",
            "Local Record ID",
            f"third field as in SENR 1.03 and SPED 14.03; identifies the {record_type}"
            " record",
            *local_id,
        ),
    ]


SENR = FileLayout(
    "SENR",
    "SSID Enrollment",
    ENROLLMENT,
    (
        *_head("1", "SENR", ()),
        known("1.04", "Reporting LEA", CFS),
        known("1.05", "School of Attendance", CFS, (ENROLLMENT, "school_id")),
        known("1.06", "School of Attendance NPS", CFS),
        _unread("1.07", "Academic Year ID"),
        assumed(
            "1.08",
            "SSID",
            "the one place left before 1.09 Local Student ID, as SPED puts 14.08 "
            "SSID before 14.09 Local Student ID",
            (STUDENT, "state_student_id"),
        ),
        known(
            "1.09",
            "Local Student ID",
            CFS,
            (STUDENT, "local_student_id"),
            (ENROLLMENT, "local_student_id"),
        ),
        known("1.10", "Student Legal First Name", CFS, (STUDENT, "first_name")),
        known("1.11", "Student Legal Middle Name", CFS, (STUDENT, "middle_name")),
        known("1.12", "Student Legal Last Name", CFS, (STUDENT, "last_surname")),
        known("1.13", "Student Legal Name Suffix Code", AERIES_EXTRACT),
        # NOTE: CALPADS names 1.14 and 1.16 alias names. sislink writes a
        # student's preferred names there, and reads them back as such.
        known(
            "1.14",
            "Student Alias First Name",
            AERIES_EXTRACT,
            (STUDENT, "preferred_first_name"),
        ),
        known("1.15", "Student Alias Middle Name", AERIES_EXTRACT),
        known(
            "1.16",
            "Student Alias Last Name",
            AERIES_EXTRACT,
            (STUDENT, "preferred_last_surname"),
        ),
        known("1.17", "Student Birth Date", CFS, (STUDENT, "birth_date")),
        known("1.18", "Student Gender Code", AERIES_EXTRACT, (STUDENT, "sex")),
        *(_unread(f"1.{n}") for n in range(19, 23)),
        known("1.23", "Enrollment Start Date", CFS, (ENROLLMENT, "entry_date")),
        known("1.24", "Enrollment Status Code", CFS, (ENROLLMENT, "enrollment_status")),
        known("1.25", "Grade Level Code", CFS, (ENROLLMENT, "entry_grade_level")),
        known(
            "1.26",
            "Enrollment Exit Date",
            "CALPADS error SENR0188 (schooldataleadership.org)",
            (ENROLLMENT, "exit_withdraw_date"),
        ),
        assumed(
            "1.27",
            "Student Exit Reason Code",
            "the exit reason travels with the exit date, so it is placed next to it",
            (ENROLLMENT, "exit_withdraw_type"),
        ),
        *(_unread(f"1.{n}") for n in range(28, 36)),
    ),
    width_source=CFS,
)

SINF = FileLayout(
    "SINF",
    "Student Information",
    STUDENT,
    (
        known("2.01", "Record Type Code", f"{TROUBLESHOOTING} IVR0180"),
        known("2.02", "Transaction Type Code", f"{TROUBLESHOOTING} IVR0180"),
        _unread("2.03", "Local Record ID"),
        known("2.04", "Effective Start Date", f"{TROUBLESHOOTING} IVR0180"),
        _unread("2.05", "Effective End Date"),
        _unread("2.06", "Reporting LEA"),
        known("2.07", "School of Attendance", f"{TROUBLESHOOTING} IVR0180"),
        _unread("2.08", "Academic Year ID"),
        known(
            "2.09",
            "SSID",
            f"{TROUBLESHOOTING} IVR0180",
            (STUDENT, "state_student_id"),
        ),
        assumed(
            "2.10",
            "Local Student ID",
            "follows the SSID, as SENR 1.09 follows 1.08",
            (STUDENT, "local_student_id"),
        ),
        assumed(
            "2.11",
            "Student Legal First Name",
            "names follow the local id in SENR's order (1.10-1.12)",
            (STUDENT, "first_name"),
        ),
        assumed(
            "2.12",
            "Student Legal Middle Name",
            "names follow the local id in SENR's order (1.10-1.12)",
            (STUDENT, "middle_name"),
        ),
        assumed(
            "2.13",
            "Student Legal Last Name",
            "names follow the local id in SENR's order (1.10-1.12)",
            (STUDENT, "last_surname"),
        ),
        assumed(
            "2.14",
            "Student Legal Name Suffix Code",
            ALIAS_ORDER,
        ),
        assumed(
            "2.15",
            "Student Alias First Name",
            ALIAS_ORDER,
            (STUDENT, "preferred_first_name"),
        ),
        assumed("2.16", "Student Alias Middle Name", ALIAS_ORDER),
        assumed(
            "2.17",
            "Student Alias Last Name",
            ALIAS_ORDER,
            (STUDENT, "preferred_last_surname"),
        ),
        known(
            "2.18",
            "Student Birth Date",
            f"{TROUBLESHOOTING} PLAN0714F1",
            (STUDENT, "birth_date"),
        ),
        assumed(
            "2.19",
            "Student Gender Code",
            "follows the birth date, as SPED 14.14 follows 14.13",
            (STUDENT, "sex"),
        ),
        *(_unread(f"2.{n}") for n in range(20, 31)),
        known("2.31", "Address Line 1", f"{TROUBLESHOOTING} SINF0053"),
        _unread("2.32", "Address Line 2"),
        known("2.33", "Address City Name", f"{TROUBLESHOOTING} SINF0053"),
        known("2.34", "Address State Province Code", f"{TROUBLESHOOTING} SINF0053"),
        known(
            "2.35",
            "Address Zip Code",
            f"{TROUBLESHOOTING} SINF0053",
            (STUDENT, "postal_code"),
        ),
        _unread("2.36"),
        _unread("2.37"),
        known(
            "2.38",
            "Parent Guardian Highest Education Level Code",
            f"{TROUBLESHOOTING} SINF0453",
        ),
        known(
            "2.39",
            "Guardian 1 First Name",
            f"{TROUBLESHOOTING} SINF0453",
            (STUDENT, "guardian_1_first_name"),
        ),
        known(
            "2.40",
            "Guardian 1 Last Name",
            f"{TROUBLESHOOTING} SINF0453",
            (STUDENT, "guardian_1_last_surname"),
        ),
        assumed(
            "2.41",
            "Guardian 2 First Name",
            "a second guardian after the first",
            (STUDENT, "guardian_2_first_name"),
        ),
        assumed(
            "2.42",
            "Guardian 2 Last Name",
            "a second guardian after the first",
            (STUDENT, "guardian_2_last_surname"),
        ),
    ),
)

SWDS = FileLayout(
    "SWDS",
    "Students with Disabilities Status",
    PROGRAM,
    (
        *_head("22", "SWDS", ()),
        known(
            "22.04",
            "Reporting LEA",
            f"{TROUBLESHOOTING} SWDS0605E4",
            (PROGRAM, "program_education_organization_id"),
        ),
        *_identity(PROGRAM, "22"),
        known(
            "22.11",
            "Special Education Status Effective Start Date",
            f"{TROUBLESHOOTING} SWDS0605E4",
            (PROGRAM, "begin_date"),
        ),
        known(
            "22.12",
            "Special Education Status Code",
            f"{TROUBLESHOOTING} SWDS0605E4",
            (PROGRAM, "special_education_status"),
        ),
        assumed("22.13", "Reporting SELPA", "per-student field SPED carried at 14.15"),
        assumed(
            "22.14",
            "District of Special Education Accountability",
            "per-student field SPED carried at 14.16",
        ),
    ),
)

MEET = FileLayout(
    "MEET",
    "Special Education Meetings",
    EVALUATION,
    (
        *_head("24", "MEET", ()),
        known("24.04", "Reporting LEA", f"{TROUBLESHOOTING} SWDS0605E4"),
        *_identity(EVALUATION, "24"),
        assumed(
            "24.11",
            "Meeting ID",
            "SPED's Meeting/Amendment ID (14.22); the first field after the "
            "student identity",
            (EVALUATION, "evaluation_id"),
        ),
        assumed(
            "24.12",
            "Special Education Referral Date",
            "SPED's order: referral date (14.17) before the referring party",
            (EVALUATION, "referral_date"),
        ),
        assumed("24.13", "Referring Party Code", "SPED's order (14.18)"),
        assumed(
            "24.14",
            "Initial Evaluation Parental Consent Date",
            "SPED's order (14.19)",
            (EVALUATION, "consent_date"),
        ),
        assumed(
            "24.15",
            "Evaluation Type Code",
            f"SPED's order (14.20 Meeting Type); name from {SCENARIOS}",
            (EVALUATION, "meeting_type"),
        ),
        assumed(
            "24.16",
            "Meeting Date",
            "SPED's order (14.21)",
            (EVALUATION, "meeting_date"),
        ),
        assumed("24.17", "Pending as of Date", f"name from {SCENARIOS}"),
        assumed(
            "24.18",
            "Meeting Delay Code",
            f"SPED's order (14.23) after the dates; name from {SCENARIOS}",
            (EVALUATION, "meeting_delay_code"),
        ),
        # NOTE: the eligibility outcome code's values are not confirmed, so
        # it fills no canonical field: an evaluation read from MEET has no
        # eligibility.
        assumed("24.19", "Eligibility Outcome Code", f"name from {SCENARIOS}"),
        assumed("24.20", "Plan Review Indicator", f"name from {SCENARIOS}"),
    ),
)

PLAN = FileLayout(
    "PLAN",
    "Special Education Plans",
    PLAN_KIND,
    (
        *_head("23", "PLAN", ((PLAN_KIND, "plan_id"),)),
        assumed(
            "23.04",
            "Reporting LEA",
            "fourth field as in SWDS 22.04 and MEET 24.04",
        ),
        *_identity(PLAN_KIND, "23", ssid=f"{TROUBLESHOOTING} PLAN0663F1"),
        known(
            "23.11",
            "Special Education Plan Type Code",
            f"{TROUBLESHOOTING} PLAN0386F1",
            (PLAN_KIND, "plan_type"),
        ),
        known(
            "23.12",
            "Special Education Plan Effective Start Date",
            f"{TROUBLESHOOTING} PLAN0714F1",
            (PLAN_KIND, "effective_start_date"),
        ),
        assumed("23.13", "Reason for Plan Record Code", f"name from {SCENARIOS}"),
        assumed(
            "23.14",
            "Program Setting Code",
            "the one place left before the disabilities; SPED puts setting near them",
            (PLAN_KIND, "special_education_setting"),
        ),
        known(
            "23.15",
            "Disability 1 Code",
            f"{TROUBLESHOOTING} PLAN0726F1",
            (PLAN_KIND, "primary_disability"),
        ),
        known("23.16", "Disability Degree of Support", f"{TROUBLESHOOTING} PLAN0726F1"),
        known(
            "23.17",
            "Disability 2 Code",
            f"{TROUBLESHOOTING} PLAN0726F1",
            (PLAN_KIND, "secondary_disability"),
        ),
        assumed(
            "23.18",
            "Ten or More Weekly Hours in Setting Indicator",
            "SPED's order (14.33 before 14.34)",
        ),
        assumed(
            "23.19",
            "General Education Participation Range Code",
            "SPED's order (14.34)",
            (PLAN_KIND, "general_education_participation"),
        ),
        assumed("23.20", "Preschool Program Setting Service Location", "SPED 14.32"),
    ),
)

SERV = FileLayout(
    "SERV",
    "Special Education Services",
    SERVICE,
    (
        *_head("25", "SERV", ((SERVICE, "service_id"),)),
        assumed("25.04", "Reporting LEA", "fourth field as in SWDS and MEET"),
        # SERV has the agency id where the other files have the academic year.
        known(
            "25.05",
            "Nonpublic Agency Identifier",
            f"{TROUBLESHOOTING} SERV0327",
            (SERVICE, "nonpublic_agency_id"),
        ),
        *_identity(SERVICE, "25")[1:],
        assumed(
            "25.11",
            "Special Education Service Code",
            "the one place left before the provider code (25.12)",
            (SERVICE, "service_code"),
        ),
        known(
            "25.12",
            "Special Education Service Provider Code",
            f"{TROUBLESHOOTING} SERV0327",
            (SERVICE, "provider_type"),
        ),
        assumed(
            "25.13",
            "Service Location Code",
            "the one place left between provider and frequency",
            (SERVICE, "location"),
        ),
        # NOTE: the frequency code's values are not confirmed, so it fills no
        # canonical field: a service read from SERV has no frequency.
        known("25.14", "Service Frequency Code", f"{TROUBLESHOOTING} SERV0448F1"),
        known(
            "25.15",
            "Service Duration",
            f"{TROUBLESHOOTING} SERV0448F1",
            (SERVICE, "duration_minutes"),
        ),
        _unread("25.16"),
        known(
            "25.17",
            "Plan Effective Start Date",
            f"{TROUBLESHOOTING} SERV0448F1; read as the service's start date, "
            "since a service starts with its plan",
            (SERVICE, "start_date"),
        ),
    ),
)

_SPED_PROGRAM_LEA = (PROGRAM, "program_education_organization_id")
_SPED_STUDENT = (
    (PROGRAM, "local_student_id"),
    (PLAN_KIND, "local_student_id"),
    (EVALUATION, "local_student_id"),
)


def _sped(number: int, name: str, *fills: Target) -> Position:
    return known(f"14.{number:02d}", name, AERIES_SPED, *fills)


SPED = FileLayout(
    "SPED",
    "Special Education (legacy, file specification v11, 2018-19)",
    PLAN_KIND,
    (
        _sped(1, "Record Type Code"),
        _sped(2, "Transaction Type Code"),
        _sped(3, "Local Record ID"),
        _sped(4, "Reporting LEA", _SPED_PROGRAM_LEA),
        _sped(5, "School of Attendance"),
        _sped(6, "School of Attendance NPS"),
        _sped(7, "Academic Year ID"),
        _sped(8, "SSID"),
        _sped(9, "Local Student ID", *_SPED_STUDENT),
        _sped(10, "Local Special Education Student ID"),
        _sped(11, "Student Legal First Name"),
        _sped(12, "Student Legal Last Name"),
        _sped(13, "Student Birth Date"),
        _sped(14, "Student Gender Code"),
        _sped(15, "Reporting SELPA"),
        _sped(16, "District of Special Education Accountability"),
        _sped(17, "Special Education Referral Date", (EVALUATION, "referral_date")),
        _sped(18, "Special Education Referring Party Code"),
        _sped(
            19,
            "Initial Evaluation Parental Consent Date",
            (EVALUATION, "consent_date"),
        ),
        _sped(
            20,
            "Special Education Meeting Type Code",
            (EVALUATION, "meeting_type"),
            (PLAN_KIND, "meeting_type"),
        ),
        # The plan version a meeting writes starts on the meeting date; an
        # amendment's own date is kept as the plan's amendment date.
        _sped(
            21,
            "Special Education Meeting Date",
            (EVALUATION, "meeting_date"),
            (PLAN_KIND, "meeting_date"),
            (PLAN_KIND, "effective_start_date"),
        ),
        _sped(
            22,
            "Meeting/Amendment ID",
            (EVALUATION, "evaluation_id"),
            (PLAN_KIND, "plan_id"),
        ),
        _sped(23, "Meeting Delay Code", (EVALUATION, "meeting_delay_code")),
        _sped(24, "Education Plan Type Code", (PLAN_KIND, "plan_type")),
        _sped(25, "Education Plan Amendment Date", (PLAN_KIND, "amendment_date")),
        _sped(26, "Student Primary Residence Code"),
        # The program participation begins with the first special-education
        # service, so that date keeps one program record per student.
        _sped(
            27, "Initial Special Education Service Start Date", (PROGRAM, "begin_date")
        ),
        _sped(
            28,
            "Disability 1 Code",
            (PLAN_KIND, "primary_disability"),
            (PROGRAM, "primary_disability"),
        ),
        _sped(
            29,
            "Disability 2 Code",
            (PLAN_KIND, "secondary_disability"),
            (PROGRAM, "secondary_disability"),
        ),
        _sped(30, "Infant Regional Center Services Eligibility Indicator"),
        _sped(
            31,
            "Special Education Program Setting Code",
            (PLAN_KIND, "special_education_setting"),
            (PROGRAM, "special_education_setting"),
        ),
        _sped(32, "Preschool Program Setting Service Location"),
        _sped(33, "Ten or More Weekly Hours in Setting Indicator"),
        _sped(
            34,
            "General Education Participation Range Code",
            (PLAN_KIND, "general_education_participation"),
        ),
        _sped(35, "Special Education Infant Program Type Code"),
        *(_sped(n, "Transition or participation indicator") for n in range(36, 43)),
        _sped(43, "Agency Representative IEP Participation Code"),
    ),
    width_source=AERIES_SPED,
)

LAYOUTS: dict[str, FileLayout] = {
    layout.record_type: layout for layout in (SENR, SINF, SWDS, MEET, PLAN, SERV, SPED)
}
"""Every layout by its record type code, in the order the writer writes them."""
