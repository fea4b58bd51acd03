"""Writer of PowerSchool ``/ws/v1`` student JSON, one student object at a time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sislink.formats.base import RecordSource, StoredRecord
from sislink.formats.carried import FieldLoss, losses_outside
from sislink.formats.mapped.writer import latest_by_student, vendor_date
from sislink.formats.powerschool_json import layout
from sislink.model import RecordKind
from sislink.model.records import JsonValue

FILE_NAME = "students.json"

FIELD_LOSSES: tuple[FieldLoss, ...] = tuple(
    loss
    for kind, fields in layout.FIELDS.items()
    for loss in losses_outside(
        kind, fields.values(), "sislink's /ws/v1 student layout maps no property to it"
    )
)
"""The fields of students and enrollments that the student objects do not carry."""


def write(directory: Path, records: RecordSource) -> list[Path]:
    """Write ``students.json`` shaped as the API returns it.

    The file holds ``{"students": {"student": [...]}}``.
    Each student carries its latest enrollment as ``school_enrollment``;
    enrollments are held in memory, one per student, while students stream.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILE_NAME
    enrollments = latest_by_student(
        RecordKind.ENROLLMENT, records(RecordKind.ENROLLMENT)
    )
    reverse = _reverse_crosswalks()
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"students": {"student": [')
        first = True
        for student in records(RecordKind.STUDENT):
            enrollment = enrollments.pop(str(student.get("local_student_id")), None)
            handle.write("" if first else ",")
            handle.write("\n  " + json.dumps(_student(student, enrollment, reverse)))
            first = False
        handle.write("\n]}}\n")
    return [path]


def _student(
    student: StoredRecord,
    enrollment: StoredRecord | None,
    reverse: dict[str, dict[str, str]],
) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for dotted, name in layout.STUDENT_FIELDS.items():
        text = _vendor(name, student.get(name), reverse)
        if text is not None:
            _put(value, dotted, text)
    if enrollment is None:
        return value
    for dotted, name in layout.ENROLLMENT_FIELDS.items():
        text = _vendor(name, enrollment.get(name), reverse)
        if text is not None:
            _put(value, dotted, text)
    exited = enrollment.get("exit_withdraw_date") is not None
    status = layout.ENROLL_STATUS_TRANSFERRED if exited else layout.ENROLL_STATUS_ACTIVE
    _put(value, layout.ENROLL_STATUS_CODE, status)
    return value


def _vendor(
    name: str, value: JsonValue, reverse: dict[str, dict[str, str]]
) -> JsonValue:
    """Return a canonical value as the API writes it: PowerSchool grade numbers."""
    if value is None:
        return None
    if name == "entry_grade_level":
        code = reverse["grade_level"].get(str(value), str(value))
        return int(code) if code.lstrip("-").isdigit() else code
    if name == "sex":
        return reverse["gender"].get(str(value), str(value))
    if name.endswith("date"):
        return vendor_date(str(value), "%Y-%m-%d")
    return value


def _put(target: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for key in parents:
        target = target.setdefault(key, {})
    target[last] = value


def _reverse_crosswalks() -> dict[str, dict[str, str]]:
    reverse: dict[str, dict[str, str]] = {"grade_level": {}, "gender": {}}
    for crosswalk in layout.dialect().crosswalks:
        table = reverse.setdefault(crosswalk.code_set, {})
        for vendor_code, code in crosswalk.mapping.items():
            table.setdefault(code, vendor_code)
    return reverse
