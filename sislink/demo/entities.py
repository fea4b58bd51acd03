"""The compact world model the generator builds and the record builders read.

A generated world for 750,000 students must fit in well under 1.5 GiB, so the
model keeps slotted objects and tuples with ISO date text, and builds record
dicts only when a caller iterates them. Objects are not changed after the
generator or ``next_round`` has built them: a later round replaces an object
instead, so two rounds can share the unchanged ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sislink.model import RecordKind
from sislink.model.records import JsonValue


@dataclass(frozen=True, slots=True)
class IdScheme:
    """How one organization numbers its students: prefix, zero padding, first number."""

    prefix: str
    width: int
    start: int

    def format(self, number: int) -> str:
        """Return the local id of the ``number``-th student (counting from 0)."""
        return self.prefix + str(self.start + number).zfill(self.width)


@dataclass(frozen=True, slots=True)
class School:
    """A school with its 7-digit id and the grades it serves."""

    school_id: str
    name: str
    grades: tuple[str, ...]
    postal_codes: tuple[str, ...]


@dataclass(slots=True)
class Organization:
    """A local education agency (the district or a charter) and its students.

    ``memberships`` lists every student the organization reports, in file
    order, including students who left during the year. The counters give the
    next free number of each kind of id.
    """

    code: str
    name: str
    kind: str
    parent_code: str | None
    schools: tuple[School, ...]
    id_scheme: IdScheme
    memberships: list[Membership] = field(default_factory=list)
    next_local_number: int = 0
    next_record_number: int = 1
    keeps_plan_id: bool = False
    """Whether an annual review keeps the plan id and only changes the dates."""
    ascii_names: bool = False
    """Whether the organization's system stores names without accents."""


@dataclass(slots=True)
class Person:
    """One real (synthetic) child, whatever the systems call it."""

    first_name: str
    middle_name: str | None
    last_surname: str
    preferred_first_name: str | None
    birth_date: str
    sex: str
    ssid: str
    postal_code: str
    guardians: tuple[tuple[str, str], ...] = ()
    """First name and last surname of each parent or guardian, first one first."""


class Evaluation(NamedTuple):
    """An evaluation or IDEA meeting event."""

    evaluation_id: str
    meeting_type: str
    referral_date: str | None
    consent_date: str | None
    evaluation_date: str | None
    meeting_date: str | None
    meeting_delay_code: str | None
    eligible: bool | None


class Plan(NamedTuple):
    """One version of an IEP, IFSP or ISP."""

    plan_id: str
    plan_type: str
    effective_start_date: str
    effective_end_date: str | None
    meeting_date: str
    meeting_type: str


class Service(NamedTuple):
    """A service prescription of a plan."""

    service_id: str
    plan_id: str
    service_code: str
    provider_type: str
    provider_id: str
    duration_minutes: int
    frequency: int
    frequency_period: str
    location: str
    start_date: str
    end_date: str
    nonpublic_agency_id: str | None


@dataclass(slots=True)
class SpecialEducation:
    """A student's special education at one organization.

    ``primary_disability`` is None for a student who was referred and
    evaluated but is not (or not yet) eligible: such a student has
    evaluations and nothing else.
    """

    primary_disability: str | None
    secondary_disability: str | None
    setting: str
    general_education_participation: str
    hours_per_week: float
    begin_date: str
    evaluations: tuple[Evaluation, ...]
    plans: tuple[Plan, ...]
    services: tuple[Service, ...]


@dataclass(slots=True)
class Membership:
    """A student as one organization reports them: local id, school and enrollment.

    ``reported_first_name`` and ``reported_last_surname`` are set when the
    organization's system spells the name differently from the legal name.
    ``district_id`` is the district's local id as this organization reports it.
    ``listed`` is False when the organization left the student out of its
    file without ending the enrollment.
    """

    serial: int
    person: Person
    organization_code: str
    local_id: str
    school_id: str
    grade: str
    entry_date: str
    exit_date: str | None = None
    exit_type: str | None = None
    shows_ssid: bool = True
    district_id: str | None = None
    reported_first_name: str | None = None
    reported_last_surname: str | None = None
    special_education: SpecialEducation | None = None
    listed: bool = True


class Defect(NamedTuple):
    """One injected defect: where it is and what kind it is."""

    organization_code: str
    kind: RecordKind
    key: str
    defect_type: str


class Override(NamedTuple):
    """A change the record builders apply to one record to inject a defect.

    ``key`` is the record's key before the change. A duplicate-row override
    has no field and makes the builders emit the record twice.
    """

    kind: RecordKind
    key: str
    field: str | None
    value: JsonValue
