"""California code sets used by the canonical model, each with its source.

Values are the state's code values (CALPADS), kept as text. A code set marked
``confirmed=False`` was read from public code, not from the state's own table,
and is a configurable assumption rather than an official list.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CodeSet:
    """A named set of code values with their descriptions and where they come from."""

    name: str
    source: str
    codes: dict[str, str]
    confirmed: bool = True

    def __contains__(self, value: object) -> bool:
        return value in self.codes

    def describe(self, value: str) -> str:
        """Return the description of ``value``, or the value itself if unknown."""
        return self.codes.get(value, value)


CALPADS_SPEC = "CALPADS File Specification (California Department of Education)"

ENROLLMENT_STATUS = CodeSet(
    "enrollment_status",
    f"{CALPADS_SPEC}, SENR field 1.24 Enrollment Status Code",
    {
        "10": "Primary enrollment",
        "20": "Secondary enrollment",
        "30": "Short-term enrollment",
        "50": "Non-ADA enrollment",
    },
)

GRADE_LEVEL = CodeSet(
    "grade_level",
    f"{CALPADS_SPEC}, SENR field 1.25 Grade Level Code",
    {
        "IN": "Infant",
        "TD": "Toddler",
        "PS": "Preschool",
        "TK": "Transitional kindergarten",
        "KN": "Kindergarten",
        **{f"{grade:02d}": f"Grade {grade}" for grade in range(1, 13)},
        "AD": "Adult",
    },
)

GENDER = CodeSet(
    "gender",
    f"{CALPADS_SPEC}, SINF Student Gender Code",
    {"M": "Male", "F": "Female", "X": "Nonbinary"},
)

DISABILITY = CodeSet(
    "disability",
    f"{CALPADS_SPEC}, Disability Category codes (SPED 14.28-14.29, PLAN 23.15/23.17)",
    {
        "210": "Intellectual disability",
        "220": "Hard of hearing",
        "230": "Deaf",
        "240": "Speech or language impairment",
        "250": "Visual impairment",
        "260": "Emotional disturbance",
        "270": "Orthopedic impairment",
        "280": "Other health impairment",
        "281": "Established medical disability (ages 2 years 9 months to under 6)",
        "290": "Specific learning disability",
        "300": "Deaf-blindness",
        "310": "Multiple disabilities",
        "320": "Autism",
        "330": "Traumatic brain injury",
    },
)

PLAN_TYPE = CodeSet(
    "plan_type",
    f"{CALPADS_SPEC}, Education Plan Type Code (SPED 14.24)",
    {
        "100": "Individualized Education Program (IEP)",
        "150": "Individualized Family Service Plan (IFSP)",
        "200": "Individual Service Plan (ISP)",
        "700": "Eligible, no plan (parentally placed)",
        "800": "Eligible, no plan",
    },
)

MEETING_TYPE = CodeSet(
    "meeting_type",
    f"{CALPADS_SPEC}, Meeting Type Code (SPED 14.20)",
    {
        "10": "Part B initial evaluation",
        "15": "Part C initial evaluation",
        "20": "Annual review",
        "30": "Pending",
        "40": "Triennial reevaluation",
    },
)

SPECIAL_EDUCATION_STATUS = CodeSet(
    "special_education_status",
    f"{CALPADS_SPEC}, Special Education Status (SWDS)",
    {
        "1": "Eligible and participating",
        "3": "Eligible, not enrolled",
    },
)

# NOTE: service codes come from public code, not the state's own table.
SERVICE = CodeSet(
    "service",
    "Public code mirroring the CALPADS Special Education Service Code table",
    {
        "330": "Specialized academic instruction",
        "415": "Language and speech",
        "450": "Occupational therapy",
        "510": "Individual counseling",
    },
    confirmed=False,
)

# Provider type 400 is the one the state's validation rules name; the others
# are the hub's own grouping and carry no state meaning.
PROVIDER_TYPE = CodeSet(
    "provider_type",
    "CALPADS service validation (400 nonpublic agency); other values hub policy",
    {
        "100": "Local education agency staff",
        "200": "County office of education staff",
        "300": "SELPA staff",
        "400": "Nonpublic agency",
        "500": "Other provider",
    },
    confirmed=False,
)

FREQUENCY_PERIOD = CodeSet(
    "frequency_period",
    "Hub policy: the period a service frequency counts sessions in",
    {"day": "Per day", "week": "Per week", "month": "Per month", "year": "Per year"},
)

DELIVERY_STATUS = CodeSet(
    "delivery_status",
    "Hub policy: outcome of one scheduled service session",
    {
        "delivered": "Delivered",
        "student-absent": "Not delivered, student absent",
        "provider-absent": "Not delivered, provider absent",
        "make-up": "Make-up session for an earlier missed one",
    },
)

ORGANIZATION_KIND = CodeSet(
    "organization_kind",
    "Hub policy: kinds of education organization the hub tracks",
    {
        "district": "School district (LEA)",
        "charter": "Charter school (LEA)",
        "school": "School",
        "selpa": "Special Education Local Plan Area",
    },
)

CODE_SETS: dict[str, CodeSet] = {
    code_set.name: code_set
    for code_set in (
        ENROLLMENT_STATUS,
        GRADE_LEVEL,
        GENDER,
        DISABILITY,
        PLAN_TYPE,
        MEETING_TYPE,
        SPECIAL_EDUCATION_STATUS,
        SERVICE,
        PROVIDER_TYPE,
        FREQUENCY_PERIOD,
        DELIVERY_STATUS,
        ORGANIZATION_KIND,
    )
}
