"""Due lists for case managers: one row per student and open obligation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sislink.compliance.model import ComplianceResult, Measure, Status

OBLIGATION_NAMES = {
    Measure.INITIAL_EVALUATION: "initial evaluation",
    Measure.ANNUAL_REVIEW: "annual IEP review",
    Measure.TRIENNIAL: "triennial reevaluation",
    Measure.TRANSFER_PLAN: "IEP after transfer",
}
BASIS_NAMES = {
    Measure.INITIAL_EVALUATION: "consent",
    Measure.ANNUAL_REVIEW: "last review",
    Measure.TRIENNIAL: "last evaluation",
    Measure.TRANSFER_PLAN: "entry",
}


@dataclass(frozen=True, slots=True)
class DueRow:
    """One open obligation of one student, with its due date."""

    organization: str
    school: str | None
    local_student_id: str
    person_id: int | None
    obligation: str
    due_date: date
    days_left: int
    basis: str
    basis_date: date
    day_count: str
    calendar_due_date: date | None

    def to_json(self) -> dict[str, Any]:
        """Return the row as JSON-ready data."""
        return {
            "organization": self.organization,
            "school": self.school,
            "local_student_id": self.local_student_id,
            "person_id": self.person_id,
            "obligation": self.obligation,
            "due_date": self.due_date.isoformat(),
            "days_left": self.days_left,
            "basis": self.basis,
            "basis_date": self.basis_date.isoformat(),
            "day_count": self.day_count,
            "calendar_due_date": (
                self.calendar_due_date.isoformat() if self.calendar_due_date else None
            ),
        }


def due_list(
    result: ComplianceResult, within_days: int, school: str | None = None
) -> list[DueRow]:
    """Return the open obligations due within ``within_days`` of the as-of date,
    overdue ones included, earliest first; ``school`` keeps one school's."""
    as_of = result.period.as_of
    limit = as_of + timedelta(days=within_days)
    codes = {info.id: info.code for info in result.organizations}
    rows = []
    for obligation in result.obligations:
        if obligation.status not in (Status.OVERDUE_OPEN, Status.UPCOMING):
            continue
        student = obligation.student
        if obligation.due > limit or (school and student.school != school):
            continue
        rows.append(
            DueRow(
                codes[student.organization_id],
                student.school,
                student.local_student_id,
                student.person_id,
                OBLIGATION_NAMES[obligation.measure],
                obligation.due,
                (obligation.due - as_of).days,
                BASIS_NAMES[obligation.measure],
                obligation.basis,
                obligation.day_count.value,
                obligation.calendar_due,
            )
        )
    rows.sort(key=lambda row: (row.due_date, row.organization, row.local_student_id))
    return rows
