"""Build canonical record dicts from the compact world model.

Each builder returns the records of one kind for one membership, keyed by
the field names of ``sislink.model.records`` with values as str, int, float,
bool or None, before any defect is injected.
"""

from __future__ import annotations

from collections.abc import Callable

from sislink.demo.dates import add_years, iso, ordinal
from sislink.demo.deliveries import DeliveryCalendar, service_deliveries
from sislink.demo.entities import Membership, Organization, SpecialEducation
from sislink.formats.guardians import GuardianName, guardian_fields
from sislink.model import RecordKind
from sislink.model.records import JsonValue

Row = dict[str, JsonValue]
Builder = Callable[[Membership, DeliveryCalendar], list[Row]]


def organization_rows(organization: Organization) -> list[Row]:
    """Build the organization record of the agency and one per school."""
    rows: list[Row] = [
        {
            "education_organization_id": organization.code,
            "name_of_institution": organization.name,
            "organization_kind": organization.kind,
            "parent_education_organization_id": organization.parent_code,
        }
    ]
    for school in organization.schools:
        rows.append(
            {
                "education_organization_id": school.school_id,
                "name_of_institution": school.name,
                "organization_kind": "school",
                "parent_education_organization_id": organization.code,
            }
        )
    return rows


def student_rows(membership: Membership, _: DeliveryCalendar) -> list[Row]:
    """Build the student record as the membership's organization reports it."""
    person = membership.person
    return [
        {
            "local_student_id": membership.local_id,
            "state_student_id": person.ssid if membership.shows_ssid else None,
            "district_student_id": membership.district_id,
            "first_name": membership.reported_first_name or person.first_name,
            "middle_name": person.middle_name,
            "last_surname": membership.reported_last_surname or person.last_surname,
            "preferred_first_name": person.preferred_first_name,
            "preferred_last_surname": None,
            "birth_date": person.birth_date,
            "sex": person.sex,
            "postal_code": person.postal_code,
            **guardian_fields(GuardianName(*pair) for pair in person.guardians),
        }
    ]


def enrollment_rows(membership: Membership, _: DeliveryCalendar) -> list[Row]:
    """Build the primary enrollment of the membership."""
    return [
        {
            "local_student_id": membership.local_id,
            "school_id": membership.school_id,
            "entry_date": membership.entry_date,
            "exit_withdraw_date": membership.exit_date,
            "entry_type": None,
            "exit_withdraw_type": membership.exit_type,
            "entry_grade_level": membership.grade,
            "enrollment_status": "10",
        }
    ]


def program_rows(membership: Membership, _: DeliveryCalendar) -> list[Row]:
    """Build the special-education program association, if the student has one."""
    sped = membership.special_education
    if sped is None or sped.primary_disability is None:
        return []
    plan = sped.plans[-1]
    last_meetings = [e.meeting_date for e in sped.evaluations if e.meeting_date]
    return [
        {
            "local_student_id": membership.local_id,
            "program_education_organization_id": membership.organization_code,
            "begin_date": sped.begin_date,
            "end_date": membership.exit_date,
            "special_education_status": "1",
            "idea_eligibility": True,
            "special_education_setting": sped.setting,
            "special_education_hours_per_week": sped.hours_per_week,
            "iep_begin_date": plan.effective_start_date,
            "iep_end_date": _one_year_on(plan.effective_start_date),
            "iep_review_date": plan.meeting_date,
            "last_evaluation_date": max(last_meetings, default=None),
            "primary_disability": sped.primary_disability,
            "secondary_disability": sped.secondary_disability,
            "other_disabilities": None,
            "special_education_exit_date": None,
            "special_education_exit_reason": None,
            "services": _service_codes(sped),
        }
    ]


def plan_rows(membership: Membership, _: DeliveryCalendar) -> list[Row]:
    """Build one record per plan version."""
    sped = membership.special_education
    if sped is None:
        return []
    return [
        {
            "local_student_id": membership.local_id,
            "plan_id": plan.plan_id,
            "plan_type": plan.plan_type,
            "effective_start_date": plan.effective_start_date,
            "effective_end_date": plan.effective_end_date,
            "meeting_date": plan.meeting_date,
            "meeting_type": plan.meeting_type,
            "primary_disability": sped.primary_disability,
            "secondary_disability": sped.secondary_disability,
            "special_education_setting": sped.setting,
            "general_education_participation": sped.general_education_participation,
            "amendment_date": None,
        }
        for plan in sped.plans
    ]


def evaluation_rows(membership: Membership, _: DeliveryCalendar) -> list[Row]:
    """Build one record per evaluation or meeting event."""
    sped = membership.special_education
    if sped is None:
        return []
    return [
        {
            "local_student_id": membership.local_id,
            "evaluation_id": evaluation.evaluation_id,
            "referral_date": evaluation.referral_date,
            "consent_date": evaluation.consent_date,
            "evaluation_date": evaluation.evaluation_date,
            "meeting_date": evaluation.meeting_date,
            "meeting_type": evaluation.meeting_type,
            "meeting_delay_code": evaluation.meeting_delay_code,
            "delay_reason": None,
            "eligible": evaluation.eligible,
        }
        for evaluation in sped.evaluations
    ]


def service_rows(membership: Membership, _: DeliveryCalendar) -> list[Row]:
    """Build one record per service prescription."""
    sped = membership.special_education
    if sped is None:
        return []
    return [
        {
            "local_student_id": membership.local_id,
            "service_id": service.service_id,
            "plan_id": service.plan_id,
            "service_code": service.service_code,
            "provider_type": service.provider_type,
            "duration_minutes": service.duration_minutes,
            "frequency": service.frequency,
            "frequency_period": service.frequency_period,
            "location": service.location,
            "start_date": service.start_date,
            "end_date": service.end_date,
            "nonpublic_agency_id": service.nonpublic_agency_id,
        }
        for service in sped.services
    ]


def delivery_rows(membership: Membership, calendar: DeliveryCalendar) -> list[Row]:
    """Build the delivery records of every service in the reported weeks."""
    sped = membership.special_education
    if sped is None:
        return []
    rows: list[Row] = []
    for service in sped.services:
        rows.extend(service_deliveries(membership, service, calendar))
    return rows


MEMBER_BUILDERS: dict[RecordKind, Builder] = {
    RecordKind.STUDENT: student_rows,
    RecordKind.ENROLLMENT: enrollment_rows,
    RecordKind.SPECIAL_EDUCATION_PROGRAM: program_rows,
    RecordKind.PLAN: plan_rows,
    RecordKind.EVALUATION: evaluation_rows,
    RecordKind.SERVICE: service_rows,
    RecordKind.SERVICE_DELIVERY: delivery_rows,
}
"""The builder of every kind that belongs to a student."""


def _one_year_on(start: str) -> str:
    return iso(add_years(ordinal(start), 1) - 1)


def _service_codes(sped: SpecialEducation) -> str | None:
    current = sped.plans[-1].plan_id
    codes = [s.service_code for s in sped.services if s.plan_id == current]
    return ";".join(dict.fromkeys(codes)) or None
