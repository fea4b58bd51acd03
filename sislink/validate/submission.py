"""Checks across one submission: what one record means next to the others.

The state kept is small per student: an identity (names and birth date) per
local id, the local id of each plan, evaluation and service id, each
student's open primary school, and the initial evaluation of each student
and consent date.

A record sent unchanged skips the checks on its own values, but not these.
The pipeline calls ``findings_for`` on it first, and ``remember`` only when
that returns nothing, so a conflict the record is part of is still raised.
"""

from __future__ import annotations

from collections.abc import Mapping

from sislink.model import Finding, Record, RecordKind
from sislink.validate import rules
from sislink.validate.checks import finding

PRIMARY = "10"
INITIAL_MEETING = "10"
"""CALPADS Meeting Type Code of an initial evaluation's eligibility meeting."""

ID_FIELDS = {
    RecordKind.PLAN: "plan_id",
    RecordKind.EVALUATION: "evaluation_id",
    RecordKind.SERVICE: "service_id",
}

FIELDS_READ: dict[RecordKind, tuple[str, ...]] = {
    RecordKind.STUDENT: (
        "local_student_id",
        "first_name",
        "last_surname",
        "birth_date",
    ),
    RecordKind.ENROLLMENT: (
        "local_student_id",
        "school_id",
        "enrollment_status",
        "exit_withdraw_date",
    ),
    **{kind: ("local_student_id", name) for kind, name in ID_FIELDS.items()},
    RecordKind.EVALUATION: (
        "local_student_id",
        "evaluation_id",
        "consent_date",
        "meeting_type",
    ),
}
"""The canonical fields the checks read, per kind. Other kinds are not checked."""

Identity = tuple[str, str, str]
"""First name, last surname and birth date, casefolded and stripped."""


class SubmissionChecks:
    """Checks each record against the records of the same submission before it.

    NOTE: a conflict between two records is raised on the later one. When a
    later submission sends the two in the other order, the finding can move
    to the other record, and the earlier finding is then resolved though the
    conflict remains.
    """

    def __init__(self) -> None:
        self._identity_of: dict[str, Identity] = {}
        self._local_id_of: dict[Identity, str] = {}
        self._owner_of: dict[tuple[RecordKind, str], str] = {}
        self._primary_school_of: dict[str, str] = {}
        self._evaluation_of: dict[tuple[str, str], str] = {}

    def check(self, record: Record) -> list[Finding]:
        """Return the findings about ``record`` given the records seen so far,
        and remember it for the records that follow."""
        found = self.findings_for(record)
        self.remember(record)
        return found

    def findings_for(self, record: Record) -> list[Finding]:
        """Return the findings about ``record`` given the records seen so far.

        It remembers nothing, so the pipeline can call it on a record before
        it decides whether to check that record in full. It reads only the
        fields of ``FIELDS_READ``.
        """
        if record.kind is RecordKind.STUDENT:
            return self._student(record)
        if record.kind is RecordKind.ENROLLMENT:
            return self._enrollment(record)
        if record.kind is RecordKind.EVALUATION:
            return self._record_id(record) + self._consent(record)
        if record.kind in ID_FIELDS:
            return self._record_id(record)
        return []

    def remember(self, record: Record) -> None:
        """Remember ``record`` for the checks of the records that follow."""
        data = record.data
        local_id = str(data.get("local_student_id") or "")
        if record.kind is RecordKind.STUDENT:
            if local_id in self._identity_of:
                return  # a repeat, or a second child under this local id
            identity = _identity(record)
            self._identity_of[local_id] = identity
            self._local_id_of.setdefault(identity, local_id)
        elif record.kind is RecordKind.ENROLLMENT:
            if _open_primary(data):
                school = str(data.get("school_id") or "")
                self._primary_school_of.setdefault(local_id, school)
        elif record.kind in ID_FIELDS:
            record_id = data.get(ID_FIELDS[record.kind])
            if record_id:
                self._owner_of.setdefault((record.kind, str(record_id)), local_id)
            consent = _initial_consent(record)
            if consent is not None and record_id:
                self._evaluation_of.setdefault(consent, str(record_id))

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
        other = self._local_id_of.get(identity, local_id)
        if other != local_id and all(identity):
            return [
                finding(
                    rules.LOCAL_IDS_ONE_CHILD, record, "local_student_id", other=other
                )
            ]
        return []

    def _enrollment(self, record: Record) -> list[Finding]:
        data = record.data
        if not _open_primary(data):
            return []
        local_id = str(data.get("local_student_id") or "")
        school = str(data.get("school_id") or "")
        other = self._primary_school_of.get(local_id, school)
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
        owner = self._owner_of.get((record.kind, str(record_id)), local_id)
        if owner == local_id:
            return []
        return [
            finding(rules.RECORD_ID_REUSED, record, name, first=owner, second=local_id)
        ]

    def _consent(self, record: Record) -> list[Finding]:
        consent = _initial_consent(record)
        evaluation = str(record.data.get("evaluation_id") or "")
        if consent is None or not evaluation:
            return []
        other = self._evaluation_of.get(consent, evaluation)
        if other == evaluation:
            return []
        found = finding(
            rules.EVALUATION_CONSENT_REPEATED,
            record,
            "consent_date",
            other=other,
            evaluation=evaluation,
        )
        return [found]


def _initial_consent(record: Record) -> tuple[str, str] | None:
    """Return (local student id, consent date) of an initial evaluation, or None
    for another record."""
    data = record.data
    consent = data.get("consent_date")
    if record.kind is not RecordKind.EVALUATION or not consent:
        return None
    if data.get("meeting_type") != INITIAL_MEETING:
        return None
    return str(data.get("local_student_id") or ""), str(consent)


def _open_primary(data: Mapping[str, object]) -> bool:
    return data.get("enrollment_status") == PRIMARY and not data.get(
        "exit_withdraw_date"
    )


def _identity(record: Record) -> Identity:
    data = record.data
    return _identity_of_text(
        data.get("first_name"), data.get("last_surname"), data.get("birth_date")
    )


def _identity_of_text(first: object, last: object, birth: object) -> Identity:
    def text(value: object) -> str:
        return str(value or "").strip().casefold()

    return text(first), text(last), text(birth)
