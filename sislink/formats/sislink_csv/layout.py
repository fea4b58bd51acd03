"""The sislink CSV layout: one file per record kind, Ed-Fi style column names.

The layout is derived from the canonical model, so it always matches it: a
file is named after its kind in the plural (``students.csv``), its header
holds the camel-case names of the kind's fields, in any order and any case.
"""

from __future__ import annotations

from sislink.model import KINDS, RecordKind

FILE_NAMES: dict[RecordKind, str] = {
    RecordKind.ORGANIZATION: "organizations.csv",
    RecordKind.STUDENT: "students.csv",
    RecordKind.ENROLLMENT: "enrollments.csv",
    RecordKind.SPECIAL_EDUCATION_PROGRAM: "special_education_programs.csv",
    RecordKind.PLAN: "plans.csv",
    RecordKind.EVALUATION: "evaluations.csv",
    RecordKind.SERVICE: "services.csv",
    RecordKind.SERVICE_DELIVERY: "service_deliveries.csv",
}

KIND_OF_FILE: dict[str, RecordKind] = {name: kind for kind, name in FILE_NAMES.items()}


def columns(kind: RecordKind) -> list[str]:
    """Return the header of ``kind``'s file, in the documented order."""
    return [spec.column for spec in KINDS[kind].fields]


def field_of_column(kind: RecordKind) -> dict[str, str]:
    """Return a map from a casefolded column name to its field name."""
    return {spec.column.casefold(): spec.name for spec in KINDS[kind].fields}
