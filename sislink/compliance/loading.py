"""Reading the records the measures need, as of the measured date.

Two passes. The first reads every organization's enrollments and plan spans
into a small index by person, which the transfer measure and the rule on
inherited records need across organizations. The second reads one
organization at a time: its programs, plans, evaluations and services, and
streams its service deliveries.

NOTE: the first pass keeps one small tuple per enrollment and plan of every
organization in memory, about 200 bytes each; the second pass holds one
organization at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection

from sislink.compliance.rules import IEP_PLAN_TYPE
from sislink.model import RecordKind
from sislink.store.asof import KnownVersion, Reading, known_versions

Data = Mapping[str, Any]


def day(value: object) -> date | None:
    """Return an ISO date text as a date, or None when missing or invalid."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Enrollment:
    """An enrollment as last known: the student, the school and the dates."""

    organization_id: int
    local_student_id: str
    person_id: int | None
    school: str | None
    entry: date
    exit: date | None
    status: str | None
    current: bool

    def covers(self, when: date) -> bool:
        """Return whether the student was enrolled on ``when``."""
        return self.entry <= when and (self.exit is None or when <= self.exit)


@dataclass(frozen=True, slots=True)
class PlanSpan:
    """When an IEP was in effect at an organization, as last known.

    ``written`` is the meeting or start date; ``first_submission_id`` is the
    submission that first brought the record.
    """

    organization_id: int
    local_student_id: str
    start: date
    end: date | None
    written: date
    first_submission_id: int

    def in_effect(self, when: date) -> bool:
        """Return whether the plan was in effect on ``when``."""
        return self.start <= when and (self.end is None or when <= self.end)


@dataclass
class HubIndex:
    """Every organization's enrollments and plan spans, by person."""

    enrollments: dict[int, list[Enrollment]] = field(
        default_factory=lambda: defaultdict(list)
    )
    by_person: dict[int, list[Enrollment]] = field(
        default_factory=lambda: defaultdict(list)
    )
    plans_by_person: dict[int, list[PlanSpan]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def enrolled_elsewhere(
        self, person_id: int | None, organization_id: int, when: date
    ) -> bool:
        """Return whether on ``when`` the person was enrolled at another organization
        and not at ``organization_id``: a record dated then is history that
        the other organization carried."""
        if person_id is None:
            return False
        spans = [e for e in self.by_person.get(person_id, ()) if e.covers(when)]
        here = any(e.organization_id == organization_id for e in spans)
        return not here and any(e.organization_id != organization_id for e in spans)


def read_index(connection: Connection, last: Mapping[int, int]) -> HubIndex:
    """Read every organization's enrollments and IEP spans as last known."""
    index = HubIndex()
    for organization_id, submission_id in last.items():
        for version in _versions(
            connection, organization_id, RecordKind.ENROLLMENT, submission_id
        ):
            enrollment = _enrollment(organization_id, version)
            if enrollment is None:
                continue
            index.enrollments[organization_id].append(enrollment)
            if enrollment.person_id is not None:
                index.by_person[enrollment.person_id].append(enrollment)
        for version in _versions(
            connection, organization_id, RecordKind.PLAN, submission_id
        ):
            span = _plan_span(organization_id, version)
            if span is not None and version.person_id is not None:
                index.plans_by_person[version.person_id].append(span)
        for version in _versions(
            connection,
            organization_id,
            RecordKind.SPECIAL_EDUCATION_PROGRAM,
            submission_id,
        ):
            span = _program_span(organization_id, version)
            if span is not None and version.person_id is not None:
                index.plans_by_person[version.person_id].append(span)
    return index


def _versions(
    connection: Connection, organization_id: int, kind: RecordKind, submission_id: int
) -> Iterator[KnownVersion]:
    return known_versions(
        connection, organization_id, kind.value, submission_id, Reading.LATEST
    )


def _enrollment(organization_id: int, version: KnownVersion) -> Enrollment | None:
    data = version.data
    entry = day(data.get("entry_date"))
    if entry is None:
        return None
    return Enrollment(
        organization_id,
        str(data.get("local_student_id") or ""),
        version.person_id,
        data.get("school_id"),
        entry,
        day(data.get("exit_withdraw_date")),
        data.get("enrollment_status"),
        version.current,
    )


def _plan_span(organization_id: int, version: KnownVersion) -> PlanSpan | None:
    data = version.data
    start = day(data.get("effective_start_date"))
    if data.get("plan_type") != IEP_PLAN_TYPE or start is None:
        return None
    written = day(data.get("meeting_date")) or start
    return PlanSpan(
        organization_id,
        str(data.get("local_student_id") or ""),
        start,
        day(data.get("effective_end_date")),
        written,
        version.first_submission_id,
    )


def _program_span(organization_id: int, version: KnownVersion) -> PlanSpan | None:
    """Return the IEP span an Ed-Fi style program record states, if it has one."""
    data = version.data
    start = day(data.get("iep_begin_date"))
    if start is None:
        return None
    ends = [
        d
        for d in (
            day(data.get("iep_end_date")),
            day(data.get("end_date")),
            day(data.get("special_education_exit_date")),
        )
        if d is not None
    ]
    written = day(data.get("iep_review_date")) or start
    return PlanSpan(
        organization_id,
        str(data.get("local_student_id") or ""),
        start,
        min(ends) if ends else None,
        written,
        version.first_submission_id,
    )


@dataclass
class StudentRecords:
    """One organization's records of one student's special education."""

    local_student_id: str
    person_id: int | None = None
    programs: list[Data] = field(default_factory=list)
    plan_versions: list[KnownVersion] = field(default_factory=list)
    evaluations: list[KnownVersion] = field(default_factory=list)
    services: list[Data] = field(default_factory=list)


def read_organization(
    connection: Connection, organization_id: int, submission_id: int
) -> dict[str, StudentRecords]:
    """Read one organization's special-education records as of its submission."""
    students: dict[str, StudentRecords] = {}

    def records_of(version: KnownVersion) -> StudentRecords:
        local_id = str(version.data.get("local_student_id") or "")
        records = students.get(local_id)
        if records is None:
            records = students[local_id] = StudentRecords(local_id)
        if records.person_id is None:
            records.person_id = version.person_id
        return records

    reads = (
        (RecordKind.SPECIAL_EDUCATION_PROGRAM, Reading.CURRENT),
        (RecordKind.PLAN, Reading.HISTORY),
        (RecordKind.EVALUATION, Reading.CURRENT),
        (RecordKind.SERVICE, Reading.CURRENT),
    )
    for kind, reading in reads:
        for version in known_versions(
            connection, organization_id, kind.value, submission_id, reading
        ):
            records = records_of(version)
            if kind is RecordKind.SPECIAL_EDUCATION_PROGRAM:
                records.programs.append(version.data)
            elif kind is RecordKind.PLAN:
                records.plan_versions.append(version)
            elif kind is RecordKind.EVALUATION:
                records.evaluations.append(version)
            else:
                records.services.append(version.data)
    return students


def read_deliveries(
    connection: Connection, organization_id: int, submission_id: int
) -> Iterator[Data]:
    """Yield an organization's service deliveries as last known.

    A delivery that a later file left out still counts, because many
    sources send only the last weeks of their delivery log.
    NOTE: a delivery the source removed on purpose counts too; the stored
    history does not tell the two apart.
    """
    for version in known_versions(
        connection,
        organization_id,
        RecordKind.SERVICE_DELIVERY.value,
        submission_id,
        Reading.LATEST,
    ):
        yield version.data
