"""Writer of OneRoster 1.1 CSV bulk bundles from stored records.

The bundle contains manifest.csv, orgs.csv, users.csv, demographics.csv and
enrollments.csv, every file bulk. Each school enrollment becomes one class
enrollment in a homeroom class named after the school. Each guardian of a
student becomes a user with role guardian, which the student's
agentSourcedIds lists. Students of one household that name a guardian with
the same first name and surname share one such user (see ``shared_key``).
The guardians' rows follow the students' in users.csv. NOTE: classes.csv is
not written (the manifest lists it absent), so a strict OneRoster validator
reports the class references as unresolved; sislink's reader does not need
them. Fields OneRoster 1.1 has no column for are not written
(``FIELD_LOSSES``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from sislink.formats.base import RecordSource, StoredRecord
from sislink.formats.carried import FieldLoss
from sislink.formats.guardians import GuardianName, record_guardians, shared_key
from sislink.formats.oneroster.layout import (
    COLUMNS,
    DATA_FILES,
    DEMOGRAPHICS,
    DISTRICT_ID_TYPE,
    ENROLLMENTS,
    GUARDIAN_ROLE,
    MANIFEST,
    ORGS,
    STATE_ID_TYPE,
    USERS,
    VERSION,
    manifest_property,
)
from sislink.formats.oneroster.scratch import StudentSchools
from sislink.model import KINDS, RecordKind
from sislink.model.records import JsonValue

ORG_TYPE = {"school": "school", "district": "district", "charter": "district"}
"""OneRoster org type by organization kind. OneRoster has no charter type,
so a charter is written (and read back) as a district."""

NO_ENROLLMENT_COLUMN = "OneRoster enrollments carry only the class, dates and role"
FIELD_LOSSES = (
    FieldLoss(
        RecordKind.ORGANIZATION,
        "organization_kind",
        "OneRoster has no charter org type, so a charter is written, and read "
        "back, as a district",
        lambda value: value == "charter",
    ),
    *(
        FieldLoss(
            RecordKind.STUDENT,
            name,
            "OneRoster 1.1 users.csv has no preferred-name column (1.2 adds one)",
        )
        for name in ("preferred_first_name", "preferred_last_surname")
    ),
    FieldLoss(RecordKind.STUDENT, "postal_code", "OneRoster has no address"),
    *(
        FieldLoss(RecordKind.ENROLLMENT, name, NO_ENROLLMENT_COLUMN)
        for name in ("entry_type", "exit_withdraw_type", "enrollment_status")
    ),
)
"""The fields of the written kinds that the bundle does not carry."""

SEX = {"M": "male", "F": "female", "X": "other"}
GRADE = {"PS": "PK", "TK": "TK", "KN": "KG"}
"""OneRoster (CEDS) grade by CALPADS grade where the spelling differs."""

WRITTEN_FILES = (ORGS, DEMOGRAPHICS, USERS, ENROLLMENTS)
OTHER_FILES = (
    "categories",
    "classes",
    "classResources",
    "courses",
    "courseResources",
    "lineItems",
    "resources",
    "results",
)


def text(value: JsonValue) -> str:
    """Return the CSV text of a stored value: booleans as true/false, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write(directory: Path, records: RecordSource) -> list[Path]:
    """Write the organizations, students and enrollments as a bulk bundle.

    Raises:
        ValueError: an organization's kind has no OneRoster org type (selpa).
        OSError: a file cannot be written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    paths = [_write_manifest(directory)]
    paths.append(_write_orgs(directory, records(RecordKind.ORGANIZATION)))
    schools = StudentSchools()
    try:
        enrollments = _write_enrollments(
            directory, records(RecordKind.ENROLLMENT), schools
        )
        paths += _write_students(directory, records(RecordKind.STUDENT), schools)
    finally:
        schools.close()
    paths.append(enrollments)
    return paths


def _write_manifest(directory: Path) -> Path:
    rows = [("manifest.version", "1.0"), ("oneroster.version", VERSION)]
    rows += [
        (manifest_property(name), "bulk" if name in WRITTEN_FILES else "absent")
        for name in DATA_FILES
    ]
    rows += [(f"file.{name}", "absent") for name in OTHER_FILES]
    rows += [("source.systemName", "sislink")]
    return _write_csv(directory / MANIFEST, ("propertyName", "value"), rows)


def _write_orgs(directory: Path, organizations: Iterable[StoredRecord]) -> Path:
    def rows() -> Iterable[list[str]]:
        for record in organizations:
            kind = text(record.get("organization_kind"))
            if kind not in ORG_TYPE:
                raise ValueError(
                    f"organization {record.get('education_organization_id')!r} "
                    f"has kind {kind!r}; OneRoster orgs are written only for "
                    "kinds school, district and charter"
                )
            org_id = text(record.get("education_organization_id"))
            values = {
                "sourcedId": org_id,
                "name": text(record.get("name_of_institution")),
                "type": ORG_TYPE[kind],
                "identifier": org_id,
                "parentSourcedId": text(record.get("parent_education_organization_id")),
            }
            yield [values.get(column, "") for column in COLUMNS[ORGS]]

    return _write_csv(directory / ORGS, COLUMNS[ORGS], rows())


def _write_enrollments(
    directory: Path, enrollments: Iterable[StoredRecord], schools: StudentSchools
) -> Path:
    def rows() -> Iterable[list[str]]:
        for record in enrollments:
            user = text(record.get("local_student_id"))
            school = text(record.get("school_id"))
            entry = text(record.get("entry_date"))
            grade = text(record.get("entry_grade_level")) or None
            schools.add(user, school, entry, grade)
            values = {
                "sourcedId": KINDS[RecordKind.ENROLLMENT].key_of(record),
                "classSourcedId": f"{school}-homeroom",
                "schoolSourcedId": school,
                "userSourcedId": user,
                "role": "student",
                "primary": "false",
                "beginDate": entry,
                "endDate": text(record.get("exit_withdraw_date")),
            }
            yield [values.get(column, "") for column in COLUMNS[ENROLLMENTS]]

    return _write_csv(directory / ENROLLMENTS, COLUMNS[ENROLLMENTS], rows())


def _write_students(
    directory: Path, students: Iterable[StoredRecord], schools: StudentSchools
) -> list[Path]:
    users_path, demographics_path = directory / USERS, directory / DEMOGRAPHICS
    with (
        users_path.open("w", encoding="utf-8", newline="") as users_file,
        demographics_path.open("w", encoding="utf-8", newline="") as demographics_file,
    ):
        users = csv.writer(users_file)
        demographics = csv.writer(demographics_file)
        users.writerow(COLUMNS[USERS])
        demographics.writerow(COLUMNS[DEMOGRAPHICS])
        for record in students:
            user = text(record.get("local_student_id"))
            grade, school_ids = schools.of(user)
            agents = [
                schools.add_guardian(
                    user, number, guardian, shared_key(record, guardian)
                )
                for number, guardian in record_guardians(record)
            ]
            users.writerow(_user_row(record, grade, school_ids, agents))
            sex = text(record.get("sex"))
            values = {
                "sourcedId": user,
                "birthDate": text(record.get("birth_date")),
                "sex": SEX.get(sex, sex),
            }
            demographics.writerow([values.get(c, "") for c in COLUMNS[DEMOGRAPHICS]])
        for agent_id, guardian, school_ids in schools.guardians():
            users.writerow(_agent_row(agent_id, guardian, school_ids))
    return [demographics_path, users_path]


def _user_row(
    record: StoredRecord,
    grade: str | None,
    schools: list[str],
    agents: list[str],
) -> list[str]:
    user = text(record.get("local_student_id"))
    ids = [
        f"{{{id_type}:{text(record.get(field))}}}"
        for id_type, field in (
            (STATE_ID_TYPE, "state_student_id"),
            (DISTRICT_ID_TYPE, "district_student_id"),
        )
        if text(record.get(field))
    ]
    values = {
        "sourcedId": user,
        "enabledUser": "true",
        "orgSourcedIds": ",".join(schools),
        "role": "student",
        "username": user,
        "userIds": ",".join(ids),
        "givenName": text(record.get("first_name")),
        "familyName": text(record.get("last_surname")),
        "middleName": text(record.get("middle_name")),
        "agentSourcedIds": ",".join(agents),
        "grades": GRADE.get(grade, grade) if grade else "",
    }
    return [values.get(column, "") for column in COLUMNS[USERS]]


def _agent_row(agent_id: str, guardian: GuardianName, schools: list[str]) -> list[str]:
    """Return the users.csv row of a guardian, at the schools of its students."""
    values = {
        "sourcedId": agent_id,
        "enabledUser": "false",
        "orgSourcedIds": ",".join(schools),
        "role": GUARDIAN_ROLE,
        "username": agent_id,
        "givenName": guardian.first_name or "",
        "familyName": guardian.last_surname or "",
    }
    return [values.get(column, "") for column in COLUMNS[USERS]]


def _write_csv(
    path: Path, header: Iterable[str], rows: Iterable[Iterable[str]]
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
