"""Record and submission checks: a table of valid and invalid cases per rule."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sislink.model import KINDS, FieldType, Provenance, Record, RecordKind, Severity
from sislink.validate import RULES
from sislink.validate.engine import CHECKS, Context, RegisteredCheck, Validator
from sislink.validate.rules import RULE_FAILED
from sislink.validate.submission import SubmissionChecks

AS_OF = date(2026, 12, 4)
STUDENT, ENROLLMENT = RecordKind.STUDENT, RecordKind.ENROLLMENT
PLAN, EVALUATION, SERVICE = RecordKind.PLAN, RecordKind.EVALUATION, RecordKind.SERVICE
PROGRAM = RecordKind.SPECIAL_EDUCATION_PROGRAM

BASE: dict[RecordKind, dict[str, Any]] = {
    STUDENT: {
        "local_student_id": "S1",
        "state_student_id": "1234567890",
        "first_name": "Ana",
        "last_surname": "Ruiz",
        "birth_date": "2016-05-10",
    },
    ENROLLMENT: {
        "local_student_id": "S1",
        "school_id": "0100001",
        "entry_date": "2026-08-19",
        "entry_grade_level": "05",
        "enrollment_status": "10",
    },
    PLAN: {
        "local_student_id": "S1",
        "plan_id": "P1",
        "plan_type": "100",
        "effective_start_date": "2026-09-01",
        "effective_end_date": "2027-08-31",
        "primary_disability": "290",
    },
    EVALUATION: {
        "local_student_id": "S1",
        "evaluation_id": "E1",
        "consent_date": "2026-09-01",
        "meeting_date": "2026-10-15",
        "meeting_type": "10",
    },
    SERVICE: {
        "local_student_id": "S1",
        "service_id": "V1",
        "service_code": "330",
        "duration_minutes": 30,
        "frequency": 2,
        "frequency_period": "W",
        "start_date": "2026-09-01",
    },
    PROGRAM: {
        "local_student_id": "S1",
        "program_education_organization_id": "2000000",
        "begin_date": "2026-09-01",
        "primary_disability": "290",
    },
}


def record(kind: RecordKind, **changes: Any) -> Record:
    data = {**BASE[kind], **changes}
    data = {name: value for name, value in data.items() if value is not None}
    return Record(kind, KINDS[kind].key_of(data), data, Provenance("f.csv", 7))


def codes_of(kind: RecordKind, birth: str = "2016-05-10", **changes: Any) -> list[str]:
    validator = Validator(Context(AS_OF, "2000000", {"S1": birth}))
    return [f.code for f in validator.check(record(kind, **changes))]


# (rule code, kind, changed fields, birth date of S1, whether the rule fires)
CASES = [
    ("state-student-id-invalid", STUDENT, {"state_student_id": "12345A7890"}, True),
    ("state-student-id-invalid", STUDENT, {"state_student_id": "12345678901"}, True),
    ("state-student-id-invalid", STUDENT, {"state_student_id": "0012345678"}, False),
    ("state-student-id-short", STUDENT, {"state_student_id": "12345678"}, True),
    ("state-student-id-short", STUDENT, {}, False),
    ("date-in-future", STUDENT, {"birth_date": "2030-01-01"}, True),
    ("date-in-future", ENROLLMENT, {"entry_date": "2029-01-01"}, True),
    ("date-in-future", ENROLLMENT, {"entry_date": "2027-01-01"}, False),
    ("date-in-future", PLAN, {"effective_end_date": "2030-06-01"}, False),
    ("date-in-future", PLAN, {"effective_end_date": "2031-06-01"}, True),
    ("birth-date-implausible", STUDENT, {"birth_date": "1990-01-01"}, True),
    ("birth-date-implausible", STUDENT, {"birth_date": "2005-01-01"}, False),
    ("exit-before-entry", ENROLLMENT, {"exit_withdraw_date": "2026-08-01"}, True),
    ("exit-before-entry", ENROLLMENT, {"exit_withdraw_date": "2026-08-19"}, False),
    ("plan-end-before-start", PLAN, {"effective_end_date": "2026-08-31"}, True),
    ("plan-end-before-start", PLAN, {}, False),
    ("meeting-before-consent", EVALUATION, {"meeting_date": "2026-08-30"}, True),
    ("meeting-before-consent", EVALUATION, {"consent_date": None}, False),
    ("frequency-without-duration", SERVICE, {"duration_minutes": None}, True),
    ("frequency-without-duration", SERVICE, {}, False),
    ("duration-too-short", SERVICE, {"duration_minutes": 5}, True),
    ("duration-too-short", SERVICE, {"duration_minutes": 10}, False),
    ("agency-id-missing", SERVICE, {"provider_type": "400"}, True),
    (
        "agency-id-missing",
        SERVICE,
        {"provider_type": "400", "nonpublic_agency_id": "NPA9"},
        False,
    ),
]


@pytest.mark.parametrize(("code", "kind", "changes", "fires"), CASES)
def test_record_rule(
    code: str, kind: RecordKind, changes: dict[str, Any], fires: bool
) -> None:
    assert (code in codes_of(kind, **changes)) is fires


NAME_FIELDS = RULES["name-character-invalid"].fields

# (character in the name, how the finding describes it)
UNWRITABLE = [
    ("^", "a caret '^'"),
    ("\n", "a line break"),
    ("\r", "a line break"),
    ("\r\n", "a line break"),
    ("\u2028", "a line break"),
    ("\t", "a tab"),
    ("\x00", "the control character U+0000"),
    ("\x07", "the control character U+0007"),
    ("\x1b", "the control character U+001B"),
    ("\x7f", "the control character U+007F"),
    ("\x9b", "the control character U+009B"),
]


def test_name_rule_checks_every_name() -> None:
    names = {
        spec.name
        for spec in KINDS[STUDENT].fields
        if spec.type is FieldType.TEXT and spec.name.endswith(("_name", "_surname"))
    }

    assert set(NAME_FIELDS) == names
    assert {"first_name", "middle_name", "last_surname"} <= names
    assert {"guardian_1_first_name", "guardian_2_last_surname"} <= names


@pytest.mark.parametrize("field", NAME_FIELDS)
@pytest.mark.parametrize(("character", "described"), UNWRITABLE)
def test_name_unwritable_character(field: str, character: str, described: str) -> None:
    validator = Validator(Context(AS_OF, "2000000"))

    [found] = validator.check(record(STUDENT, **{field: f"Zoe{character}Quinn"}))

    assert found.code == "name-character-invalid"
    assert found.severity is Severity.WARNING
    assert found.field == KINDS[STUDENT].by_name[field].column
    assert found.provenance == Provenance("f.csv", 7)
    assert found.record_key == "S1"
    assert found.message.startswith(f"{found.field} contains {described}, which")
    assert found.value is None
    assert "Zoe" not in found.message + found.fix
    assert "Quinn" not in found.message + found.fix


def test_name_lists_each_character_once() -> None:
    validator = Validator(Context(AS_OF, "2000000"))
    name = "Zoe^\tQ^\x07u\ti\nn"

    [found] = validator.check(record(STUDENT, guardian_2_last_surname=name))

    assert found.message.startswith(
        "guardian2LastSurname contains a caret '^', a tab, the control character "
        "U+0007 and a line break, which a CALPADS file cannot carry"
    )


@pytest.mark.parametrize(
    "name", ["Rosa", "José", "O'Neil", "Mary-Jo", "Anne Marie", "Nguyễn", "李", ""]
)
def test_name_writable(name: str) -> None:
    changes = dict.fromkeys(NAME_FIELDS, name)

    assert codes_of(STUDENT, **changes) == []


@pytest.mark.parametrize("field", ["first_name", "last_surname"])
@pytest.mark.parametrize("name", ["-", "..", "'", "--", ". -", "123", "?", "*"])
def test_name_without_letters(field: str, name: str) -> None:
    validator = Validator(Context(AS_OF, "2000000"))

    [found] = validator.check(record(STUDENT, **{field: name}))

    assert found.code == "name-without-letters"
    assert found.severity is Severity.WARNING
    assert found.field == KINDS[STUDENT].by_name[field].column
    assert found.provenance == Provenance("f.csv", 7)
    assert found.record_key == "S1"
    assert found.value is None
    assert found.message.startswith(
        f"{found.field} contains no letter, so matching reads the name as missing"
    )
    assert name not in found.message


@pytest.mark.parametrize("name", ["O'Neil", "J.", "-Ana-", "Ñ", "李", "Анна", "X1"])
def test_name_with_letters(name: str) -> None:
    assert codes_of(STUDENT, first_name=name, last_surname=name) == []


@pytest.mark.parametrize(
    "field", ["middle_name", "preferred_first_name", "guardian_1_first_name"]
)
def test_other_name_without_letters(field: str) -> None:
    assert codes_of(STUDENT, **{field: "-"}) == []


@pytest.mark.parametrize(
    ("grade", "birth", "fires"),
    [
        ("05", "2015-10-01", False),  # 10 on September 1, 2026
        ("05", "2018-10-01", True),  # 7
        ("KN", "2021-06-01", False),  # 5
        ("TK", "2022-06-01", False),  # 4
        ("12", "2015-01-01", True),  # 11
    ],
)
def test_grade_against_age(grade: str, birth: str, fires: bool) -> None:
    found = codes_of(ENROLLMENT, birth=birth, entry_grade_level=grade)
    assert ("grade-age-mismatch" in found) is fires


@pytest.mark.parametrize(
    ("kind", "start_field", "birth", "fires"),
    [
        (PLAN, "effective_start_date", "2023-06-01", False),  # 3 years 3 months
        (PLAN, "effective_start_date", "2024-01-01", True),  # 2 years 8 months
        (PLAN, "effective_start_date", "2020-08-31", True),  # 6 years 0 months
        (PROGRAM, "begin_date", "2021-01-01", False),  # 5 years 8 months
        (PROGRAM, "begin_date", "2019-01-01", True),  # 7 years 8 months
    ],
)
def test_disability_281_age_band(
    kind: RecordKind, start_field: str, birth: str, fires: bool
) -> None:
    changes = {start_field: "2026-09-01", "primary_disability": "281"}
    assert ("disability-281-age" in codes_of(kind, birth=birth, **changes)) is fires


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        (record(STUDENT), []),
        (record(STUDENT, first_name="Luz"), ["local-id-two-children"]),
        (record(STUDENT, local_student_id="S2"), ["local-ids-one-child"]),
        (record(STUDENT, local_student_id="S2", first_name="Luz"), []),
        (record(PLAN, local_student_id="S2"), ["record-id-reused"]),
        (record(PLAN, local_student_id="S1"), []),
        (
            record(ENROLLMENT, school_id="0100002", entry_date="2026-09-02"),
            ["primary-enrollment-twice"],
        ),
        (
            record(ENROLLMENT, school_id="0100002", enrollment_status="20"),
            [],
        ),
    ],
)
def test_submission_rule(second: Record, expected: list[str]) -> None:
    checks = SubmissionChecks()
    for first in (record(STUDENT), record(ENROLLMENT), record(PLAN)):
        assert checks.check(first) == []
    assert [f.code for f in checks.check(second)] == expected


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        (
            record(EVALUATION, evaluation_id="E2", meeting_date=None),
            ["evaluation-consent-repeated"],
        ),
        (record(EVALUATION, evaluation_id="E2", consent_date="2026-09-02"), []),
        (record(EVALUATION, evaluation_id="E2", meeting_type="40"), []),
        (record(EVALUATION, evaluation_id="E2", local_student_id="S2"), []),
        (record(EVALUATION, evaluation_id="E2", consent_date=None), []),
        (record(EVALUATION), []),
    ],
)
def test_evaluation_consent_rule(second: Record, expected: list[str]) -> None:
    checks = SubmissionChecks()
    assert checks.check(record(EVALUATION)) == []
    found = checks.check(second)
    assert [f.code for f in found] == expected
    for finding in found:
        assert finding.field == "consentDate"
        assert finding.value == "2026-09-01"
        assert "'E1' and 'E2'" in finding.message


def test_severities_match_the_rule_table() -> None:
    validator = Validator(Context(AS_OF, "2000000", {"S1": "2016-05-10"}))
    found = validator.check(record(SERVICE, duration_minutes=5))
    assert [(f.code, f.severity) for f in found] == [
        ("duration-too-short", Severity.ERROR)
    ]
    assert found[0].field == "durationMinutes"
    assert found[0].value == "5"
    assert found[0].provenance == Provenance("f.csv", 7)


def test_failing_check_becomes_a_finding_and_others_run() -> None:
    def broken(record: Record, context: Context) -> list[Any]:
        raise ZeroDivisionError

    failing = RegisteredCheck(RULES["exit-before-entry"], frozenset(RecordKind), broken)
    validator = Validator(Context(AS_OF, "2000000"), [failing, *CHECKS])
    found = validator.check(record(SERVICE, duration_minutes=5))
    codes = [f.code for f in found]
    assert codes == [RULE_FAILED.code, "duration-too-short"]
    assert "exit-before-entry" in found[0].message
    assert "ZeroDivisionError" in found[0].message


def test_student_birth_date_reaches_later_checks() -> None:
    validator = Validator(Context(AS_OF, "2000000"))
    validator.check(record(STUDENT, birth_date="2018-10-01"))
    found = validator.check(record(ENROLLMENT, entry_grade_level="05"))
    assert [f.code for f in found] == ["grade-age-mismatch"]
