"""Record kinds of the canonical model and the fields each one carries.

Each kind is declared once, as data: its fields with their types, which are
required, which form the record's key within the sending organization, and
which refer to a student or a school. Readers, normalization, validation, the
store and the CSV layout all work from these declarations.

Field names follow Ed-Fi's terms in snake case (``last_surname``,
``iep_review_date``); ``column`` gives the Ed-Fi style camel-case name used in
files. Stored values are JSON: text, ISO dates as text, numbers and booleans.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

JsonValue = str | int | float | bool | None


class RecordKind(StrEnum):
    """The kinds of record the hub keeps, in the order they are loaded."""

    ORGANIZATION = "organization"
    STUDENT = "student"
    ENROLLMENT = "enrollment"
    SPECIAL_EDUCATION_PROGRAM = "special_education_program"
    PLAN = "plan"
    EVALUATION = "evaluation"
    SERVICE = "service"
    SERVICE_DELIVERY = "service_delivery"


class FieldType(StrEnum):
    """How a field's source text becomes a stored value."""

    TEXT = "text"
    IDENTIFIER = "identifier"
    DATE = "date"
    CODE = "code"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"


def camel_case(name: str) -> str:
    """Return snake-case ``name`` in Ed-Fi's camel case (``iepBeginDate``)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a record kind."""

    name: str
    type: FieldType = FieldType.TEXT
    required: bool = False
    code_set: str | None = None
    description: str = ""

    @property
    def column(self) -> str:
        return camel_case(self.name)


@dataclass(frozen=True)
class KindSpec:
    """The declaration of one record kind."""

    kind: RecordKind
    fields: tuple[FieldSpec, ...]
    key: tuple[str, ...]
    description: str
    student_field: str | None = "local_student_id"
    school_field: str | None = None
    ended_when_absent: bool = True
    """Whether a full snapshot that leaves a record out ends it. Logged events
    (service sessions) stay when a later file covers a later window."""
    by_name: Mapping[str, FieldSpec] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {spec.name: spec for spec in self.fields})

    def key_of(self, data: Mapping[str, Any]) -> str:
        """Return the record key: the key fields' values joined by ``|``."""
        return "|".join(str(data.get(name) or "") for name in self.key)


def _id(name: str, required: bool = False, description: str = "") -> FieldSpec:
    return FieldSpec(name, FieldType.IDENTIFIER, required, description=description)


def _date(name: str, required: bool = False, description: str = "") -> FieldSpec:
    return FieldSpec(name, FieldType.DATE, required, description=description)


def _code(name: str, code_set: str, required: bool = False) -> FieldSpec:
    return FieldSpec(name, FieldType.CODE, required, code_set)


def _text(name: str, required: bool = False, description: str = "") -> FieldSpec:
    return FieldSpec(name, FieldType.TEXT, required, description=description)


STUDENT_REFERENCE = _id(
    "local_student_id", True, "the sending organization's own student id"
)

KINDS: dict[RecordKind, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            RecordKind.ORGANIZATION,
            (
                _id("education_organization_id", True, "state code (CDS) or id"),
                _text("name_of_institution", True),
                _code("organization_kind", "organization_kind", True),
                _id("parent_education_organization_id"),
            ),
            key=("education_organization_id",),
            description="A school or other education organization the sender runs",
            student_field=None,
        ),
        KindSpec(
            RecordKind.STUDENT,
            (
                STUDENT_REFERENCE,
                _id("state_student_id", description="SSID, up to 10 characters"),
                _id("district_student_id"),
                _text("first_name", True),
                _text("middle_name"),
                _text("last_surname", True),
                _text("preferred_first_name"),
                _text("preferred_last_surname"),
                _date("birth_date", True),
                _code("sex", "gender"),
                _text("postal_code"),
                _text("guardian_1_first_name", description="a parent or guardian"),
                _text("guardian_1_last_surname"),
                _text("guardian_2_first_name", description="a second one"),
                _text("guardian_2_last_surname"),
            ),
            key=("local_student_id",),
            description="What one source says about a student",
        ),
        KindSpec(
            RecordKind.ENROLLMENT,
            (
                STUDENT_REFERENCE,
                _id("school_id", True, "the school's education organization id"),
                _date("entry_date", True),
                _date("exit_withdraw_date"),
                _text("entry_type"),
                _text("exit_withdraw_type"),
                _code("entry_grade_level", "grade_level", True),
                _code("enrollment_status", "enrollment_status"),
            ),
            key=("local_student_id", "school_id", "entry_date"),
            description="A student-school association: enrollment at one school",
            school_field="school_id",
        ),
        KindSpec(
            RecordKind.SPECIAL_EDUCATION_PROGRAM,
            (
                STUDENT_REFERENCE,
                _id("program_education_organization_id", True),
                _date("begin_date", True),
                _date("end_date"),
                _code("special_education_status", "special_education_status"),
                FieldSpec("idea_eligibility", FieldType.BOOLEAN),
                _text("special_education_setting"),
                FieldSpec("special_education_hours_per_week", FieldType.DECIMAL),
                _date("iep_begin_date"),
                _date("iep_end_date"),
                _date("iep_review_date"),
                _date("last_evaluation_date"),
                _code("primary_disability", "disability"),
                _code("secondary_disability", "disability"),
                _text("other_disabilities", description="further disabilities, ';'"),
                _date("special_education_exit_date"),
                _text("special_education_exit_reason"),
                _text("services", description="program services, ';' separated"),
            ),
            key=("local_student_id", "program_education_organization_id", "begin_date"),
            description="Special-education program participation",
        ),
        KindSpec(
            RecordKind.PLAN,
            (
                STUDENT_REFERENCE,
                _id("plan_id", True),
                _code("plan_type", "plan_type", True),
                _date("effective_start_date", True),
                _date("effective_end_date"),
                _date("meeting_date"),
                _code("meeting_type", "meeting_type"),
                _code("primary_disability", "disability"),
                _code("secondary_disability", "disability"),
                _text("special_education_setting"),
                _text("general_education_participation"),
                _date("amendment_date"),
            ),
            key=("local_student_id", "plan_id"),
            description="An IEP, IFSP or ISP version",
        ),
        KindSpec(
            RecordKind.EVALUATION,
            (
                STUDENT_REFERENCE,
                _id("evaluation_id", True),
                _date("referral_date"),
                _date("consent_date", description="parental consent to evaluate"),
                _date("evaluation_date"),
                _date("meeting_date", description="eligibility or IEP meeting"),
                _code("meeting_type", "meeting_type", True),
                _text("meeting_delay_code"),
                _text("delay_reason"),
                FieldSpec("eligible", FieldType.BOOLEAN),
            ),
            key=("local_student_id", "evaluation_id"),
            description="An evaluation or IDEA meeting event",
        ),
        KindSpec(
            RecordKind.SERVICE,
            (
                STUDENT_REFERENCE,
                _id("service_id", True),
                _id("plan_id"),
                _code("service_code", "service", True),
                _code("provider_type", "provider_type"),
                FieldSpec("duration_minutes", FieldType.INTEGER),
                FieldSpec("frequency", FieldType.INTEGER),
                _code("frequency_period", "frequency_period"),
                _text("location"),
                _date("start_date", True),
                _date("end_date"),
                _id("nonpublic_agency_id"),
            ),
            key=("local_student_id", "service_id"),
            description="A service prescription: minutes a session, sessions a period",
        ),
        KindSpec(
            RecordKind.SERVICE_DELIVERY,
            (
                STUDENT_REFERENCE,
                _id("delivery_id", True),
                _id("service_id"),
                _code("service_code", "service", True),
                _date("delivery_date", True),
                FieldSpec("minutes", FieldType.INTEGER, True),
                _id("provider_id"),
                _code("delivery_status", "delivery_status"),
            ),
            key=("local_student_id", "delivery_id"),
            description="One logged service session, delivered or missed",
            ended_when_absent=False,
        ),
    )
}
