"""Checks across one submission: what one record means next to the others.

The state kept is small per student: an identity (names and birth date) per
local id, the local id of each plan, evaluation and service id, and each
student's open primary school.
"""

from __future__ import annotations

from collections.abc import Mapping

from sislink.model import Finding, Record, RecordKind
from sislink.validate import rules
from sislink.validate.checks import finding

PRIMARY = "10"

ID_FIELDS = {
    RecordKind.PLAN: "plan_id",
    RecordKind.EVALUATION: "evaluation_id",
    RecordKind.SERVICE: "service_id",
}

Identity = tuple[str, str, str]
"""First name, last surname and birth date, casefolded and stripped."""


class SubmissionChecks:
    """Checks each record against the records of the same submission before it."""

    def __init__(self) -> None:
        self._identity_of: dict[str, Identity] = {}
        self._local_id_of: dict[Identity, str] = {}
        self._owner_of: dict[tuple[RecordKind, str], str] = {}
        self._primary_school_of: dict[str, str] = {}

    def check(self, record: Record) -> list[Finding]:
        """Return the findings about ``record`` given the records seen so far."""
        if record.kind is RecordKind.STUDENT:
            return self._student(record)
        if record.kind is RecordKind.ENROLLMENT:
            return self._enrollment(record)
        if record.kind in ID_FIELDS:
            return self._record_id(record)
        return []

    def note(
        self, kind: RecordKind, fields: Mapping[str, str], birth: str | None
    ) -> None:
        """Remember a record that is not checked (it is unchanged), as ``check`` would.

        ``fields`` are the source text without control characters: names and
        ids compare the same before and after normalization, which only trims
        them. ``birth`` is a student's ISO birth date.
        """
        local_id = fields.get("local_student_id", "")
        if kind is RecordKind.STUDENT:
            identity = _identity_of_text(
                fields.get("first_name"), fields.get("last_surname"), birth
            )
            self._identity_of.setdefault(local_id, identity)
            self._local_id_of.setdefault(identity, local_id)
        elif kind in ID_FIELDS and fields.get(ID_FIELDS[kind]):
            self._owner_of.setdefault((kind, fields[ID_FIELDS[kind]]), local_id)

    def _student(self, record: Record) -> list[Finding]:
        local_id = str(record.data.get("local_student_id") or "")
        identity = _identity(record)
        known = self._identity_of.get(local_id)
        if known is not None:
            if known == identity:
                return []  # a plain repeat: the key-duplicate finding covers it
            return [
                finding(
                    rules.LOCAL_ID_TWO_CHILDREN,
                    record,
                    "local_student_id",
                    detail="their names or birth dates differ",
                )
            ]
        self._identity_of[local_id] = identity
        other = self._local_id_of.setdefault(identity, local_id)
        if other != local_id and all(identity):
            return [
                finding(
                    rules.LOCAL_IDS_ONE_CHILD, record, "local_student_id", other=other
                )
            ]
        return []

    def _enrollment(self, record: Record) -> list[Finding]:
        data = record.data
        if data.get("enrollment_status") != PRIMARY or data.get("exit_withdraw_date"):
            return []
        local_id = str(data.get("local_student_id") or "")
        school = str(data.get("school_id") or "")
        other = self._primary_school_of.setdefault(local_id, school)
        if other == school:
            return []
        found = finding(
            rules.PRIMARY_ENROLLMENT_TWICE, record, "school_id", other=other
        )
        return [found]

    def _record_id(self, record: Record) -> list[Finding]:
        name = ID_FIELDS[record.kind]
        record_id = record.data.get(name)
        if not record_id:
            return []
        local_id = str(record.data.get("local_student_id") or "")
        owner = self._owner_of.setdefault((record.kind, str(record_id)), local_id)
        if owner == local_id:
            return []
        return [
            finding(rules.RECORD_ID_REUSED, record, name, first=owner, second=local_id)
        ]


def _identity(record: Record) -> Identity:
    data = record.data
    return _identity_of_text(
        data.get("first_name"), data.get("last_surname"), data.get("birth_date")
    )


def _identity_of_text(first: object, last: object, birth: object) -> Identity:
    def text(value: object) -> str:
        return str(value or "").strip().casefold()

    return text(first), text(last), text(birth)
