"""Declared crosswalks from a source's code values to the canonical code sets.

A crosswalk belongs to one code source (``edfi``, ``calpads``, a vendor
mapping) and one canonical code set. Lookups trim the value, ignore case and
accept an Ed-Fi descriptor URI (``uri://ed-fi.org/DisabilityDescriptor#Autism``)
as well as the bare code value.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def descriptor_code_value(value: str) -> str:
    """Return the code value of an Ed-Fi descriptor URI, or ``value`` trimmed."""
    value = value.strip()
    if value.lower().startswith("uri://") and "#" in value:
        return value.split("#", 1)[1].strip()
    return value


def code_key(value: str) -> str:
    """Return the form of a code value that lookups compare: trimmed, casefolded."""
    return descriptor_code_value(value).casefold()


@dataclass(frozen=True)
class Crosswalk:
    """A mapping from one source's code values to one canonical code set."""

    code_source: str
    code_set: str
    source: str
    mapping: dict[str, str]
    _index: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {code_key(raw): code for raw, code in self.mapping.items()}
        object.__setattr__(self, "_index", index)

    def translate(self, value: str) -> str | None:
        """Return the canonical code for ``value``, or None when it is not mapped."""
        return self._index.get(code_key(value))


ED_FI_DISABILITY = Crosswalk(
    "edfi",
    "disability",
    "Ed-Fi DisabilityDescriptor code values (Data Standard 5.2) matched by name "
    "to the CALPADS disability categories; descriptors with no single "
    "California category are left unmapped",
    {
        "Autism": "320",
        "Autism Spectrum Disorder": "320",
        "Autism Spectrum Disorders": "320",
        "Deaf-Blindness": "300",
        "Deafness": "230",
        "Emotional Disturbance": "260",
        "Serious Emotional Disability": "260",
        "Hard of Hearing": "220",
        "Intellectual Disability": "210",
        "Multiple Disabilities": "310",
        "Orthopedic Impairment": "270",
        "Other Health Impairment": "280",
        "Specific Learning Disability": "290",
        "Speech or Language Impairment": "240",
        "Traumatic Brain Injury": "330",
        "Visual Impairment": "250",
        "Visual Impairment, including Blindness": "250",
    },
)

ED_FI_GRADE_LEVEL = Crosswalk(
    "edfi",
    "grade_level",
    "Ed-Fi GradeLevelDescriptor code values (Data Standard 5.2)",
    {
        "Infant/toddler": "IN",
        "Preschool/Prekindergarten": "PS",
        "Transitional Kindergarten": "TK",
        "Kindergarten": "KN",
        "First grade": "01",
        "Second grade": "02",
        "Third grade": "03",
        "Fourth grade": "04",
        "Fifth grade": "05",
        "Sixth grade": "06",
        "Seventh grade": "07",
        "Eighth grade": "08",
        "Ninth grade": "09",
        "Tenth grade": "10",
        "Eleventh grade": "11",
        "Twelfth grade": "12",
        "Adult Education": "AD",
    },
)

ED_FI_GENDER = Crosswalk(
    "edfi",
    "gender",
    "Ed-Fi SexDescriptor code values (Data Standard 5.2)",
    {"Male": "M", "Female": "F", "Non-binary": "X", "Nonbinary": "X"},
)

# NOTE: CEDS grade PS means postsecondary, not the CALPADS preschool PS. A
# crosswalk cannot declare a value as having no equivalent, so an unmapped PS
# would fall through to the California code; the OneRoster reader reports it.
ONEROSTER_GRADE_LEVEL = Crosswalk(
    "oneroster",
    "grade_level",
    "OneRoster 1.1 grades: CEDS Entry Grade Level codes. PR and PK map to "
    "CALPADS PS by assumption (CALPADS has no separate prekindergarten); IT "
    "(infant/toddler) spans CALPADS IN and TD and stays unmapped",
    {
        "PR": "PS",
        "PK": "PS",
        "TK": "TK",
        "KG": "KN",
        **{f"{grade:02d}": f"{grade:02d}" for grade in range(1, 13)},
    },
)

ONEROSTER_GENDER = Crosswalk(
    "oneroster",
    "gender",
    "OneRoster demographics sex values: male and female (1.1); other (1.2) "
    "maps to CALPADS X by assumption",
    {"male": "M", "female": "F", "other": "X"},
)

CROSSWALKS: dict[tuple[str, str], Crosswalk] = {
    (crosswalk.code_source, crosswalk.code_set): crosswalk
    for crosswalk in (
        ED_FI_DISABILITY,
        ED_FI_GRADE_LEVEL,
        ED_FI_GENDER,
        ONEROSTER_GRADE_LEVEL,
        ONEROSTER_GENDER,
    )
}
