"""One organization's special-education records: evaluations, plans and services.

Each organization numbers its own plans, evaluations and services. A student
who arrives during the year keeps the old plan's services until the new
school's team meets, within 30 days, and writes a plan of its own.
"""

from __future__ import annotations

import random
from dataclasses import replace

from sislink.demo.dates import SCHOOL_YEAR_START, add_years, iso, ordinal
from sislink.demo.entities import (
    Evaluation,
    Organization,
    Plan,
    Service,
    SpecialEducation,
)
from sislink.demo.services import ServiceTemplate
from sislink.demo.special_education import Profile, disability_at, meeting_type_of

PROVIDERS_PER_ORGANIZATION = 60
ADOPTION_DAYS = 30
"""Days a receiving school takes to meet and adopt or replace a transferred plan."""


def next_id(organization: Organization, prefix: str) -> str:
    """Return the organization's next plan, evaluation or service id."""
    number = organization.next_record_number
    organization.next_record_number += 1
    return f"{prefix}{number:06d}"


def special_education_at(
    rng: random.Random,
    profile: Profile,
    organization: Organization,
    window: tuple[int, int],
) -> SpecialEducation | None:
    """Build the records ``organization`` keeps for a student enrolled over ``window``.

    ``window`` is the first and last day (ordinals) of the enrollment, the
    last being the export day for a current one. Returns None when the
    student became eligible only after leaving.
    """
    entry, end = window
    if profile.initial.meeting > end:
        return None
    year = profile.latest_year(end)
    start = profile.annual_meeting(year)
    meeting_type = meeting_type_of(year)
    if start < entry and entry > SCHOOL_YEAR_START.toordinal():
        start = min(entry + rng.randint(0, ADOPTION_DAYS), end)
        meeting_type = "20"

    plans: list[Plan] = []
    if profile.part_c_start is not None:
        first_plan_end = profile.initial.meeting - 1
        plans.append(
            _plan(organization, "150", profile.part_c_start, "15", first_plan_end)
        )
    plans.append(_plan(organization, profile.plan_type, start, meeting_type))
    plan_id = plans[-1].plan_id
    services = tuple(
        _service(rng, organization, template, plan_id, start)
        for template in profile.services
    )
    begin = max(profile.initial.meeting, entry)
    # The program and the plan both carry the disability: take it on the
    # later of their start dates, so that 281 never outlives its age band.
    on = max(start, begin)
    return SpecialEducation(
        primary_disability=disability_at(profile.primary, profile.birth, on),
        secondary_disability=disability_at(profile.secondary, profile.birth, on),
        setting=profile.setting,
        general_education_participation=profile.participation,
        hours_per_week=profile.hours_per_week,
        begin_date=iso(begin),
        evaluations=_evaluations(rng, organization, profile, year),
        plans=tuple(plans),
        services=services,
    )


def referral_only(
    rng: random.Random, organization: Organization, as_of: int
) -> SpecialEducation:
    """Build the records of a student referred this year who is not found eligible.

    Most evaluations end with a meeting that finds the student not eligible;
    the rest are pending, some of them past the 60-day timeline.
    """
    consent = as_of - rng.randint(5, 100)
    meeting: str | None = None
    evaluation: str | None = None
    eligible: bool | None = None
    if as_of - consent >= 30 and rng.random() < 0.8:
        held = consent + rng.randint(30, min(58, as_of - consent))
        meeting, evaluation, eligible = iso(held), iso(held - rng.randint(0, 7)), False
    record = Evaluation(
        next_id(organization, "EV"),
        "10",
        iso(consent - rng.randint(5, 20)),
        iso(consent),
        evaluation,
        meeting,
        None,
        eligible,
    )
    return SpecialEducation(None, None, "", "", 0.0, iso(consent), (record,), (), ())


def close_special_education(sped: SpecialEducation, exit_date: str) -> SpecialEducation:
    """Return ``sped`` with the open plan and services ended on ``exit_date``."""
    plans = tuple(
        plan._replace(effective_end_date=exit_date)
        if plan.effective_end_date is None
        else plan
        for plan in sped.plans
    )
    services = tuple(
        service._replace(end_date=min(service.end_date, exit_date))
        for service in sped.services
    )
    return replace(sped, plans=plans, services=services)


def transfer_special_education(
    rng: random.Random,
    sped: SpecialEducation,
    organization: Organization,
    window: tuple[int, int],
) -> SpecialEducation:
    """Build the receiving organization's records from the sending one's.

    Evaluations and an earlier IFSP come along under new ids. The receiving
    team writes its own plan within ``ADOPTION_DAYS`` of entry, with the
    services of the plan the student arrived with.
    """
    entry, end = window
    evaluations = tuple(
        evaluation._replace(evaluation_id=next_id(organization, "EV"))
        for evaluation in sped.evaluations
    )
    history = tuple(
        plan._replace(plan_id=next_id(organization, "PL")) for plan in sped.plans[:-1]
    )
    start = min(entry + rng.randint(0, ADOPTION_DAYS), end)
    plan = _plan(organization, sped.plans[-1].plan_type, start, "20")
    services = _renew_services(rng, organization, sped, plan.plan_id, start)
    return replace(
        sped,
        begin_date=iso(entry),
        evaluations=evaluations,
        plans=(*history, plan),
        services=services,
    )


def review_special_education(
    rng: random.Random,
    sped: SpecialEducation,
    organization: Organization,
    day: int,
) -> SpecialEducation:
    """Add the annual review held on ``day``: a new plan version and its services.

    Organizations that keep plan ids update the current plan's dates in place;
    the others end it and add a plan with a new id. A review on a multiple of
    three years after the initial evaluation is a triennial, with its own
    evaluation.
    """
    current = sped.plans[-1]
    initial = next(e for e in sped.evaluations if e.meeting_type == "10")
    years = round((day - ordinal(initial.meeting_date or iso(day))) / 365.25)
    meeting_type = meeting_type_of(max(years, 1))
    if organization.keeps_plan_id:
        plan = current._replace(
            effective_start_date=iso(day),
            meeting_date=iso(day),
            meeting_type=meeting_type,
        )
        plans = (*sped.plans[:-1], plan)
    else:
        plan = _plan(organization, current.plan_type, day, meeting_type)
        ended = current._replace(effective_end_date=iso(day - 1))
        plans = (*sped.plans[:-1], ended, plan)

    services = _renew_services(rng, organization, sped, plan.plan_id, day)
    ended_services = tuple(
        service._replace(end_date=min(service.end_date, iso(day - 1)))
        for service in sped.services
    )
    evaluations = sped.evaluations
    if meeting_type == "40":
        evaluations = (*evaluations, _triennial(rng, organization, day))
    return replace(
        sped, plans=plans, services=ended_services + services, evaluations=evaluations
    )


def _renew_services(
    rng: random.Random,
    organization: Organization,
    sped: SpecialEducation,
    plan_id: str,
    start: int,
) -> tuple[Service, ...]:
    current_plan = sped.plans[-1].plan_id
    latest = [s for s in sped.services if s.plan_id == current_plan]
    # The latest version of each prescription: a kept plan id lists old ones too.
    by_code = {service.service_code: service for service in latest}
    return tuple(
        _service(rng, organization, _template_of(service), plan_id, start)
        for service in by_code.values()
    )


def _template_of(service: Service) -> ServiceTemplate:
    return ServiceTemplate(
        service.service_code,
        service.provider_type,
        service.duration_minutes,
        service.frequency,
        service.frequency_period,
        service.location,
        service.nonpublic_agency_id,
    )


def _plan(
    organization: Organization,
    plan_type: str,
    start: int,
    meeting_type: str,
    end: int | None = None,
) -> Plan:
    end_date = iso(end) if end is not None else None
    plan_id = next_id(organization, "PL")
    return Plan(plan_id, plan_type, iso(start), end_date, iso(start), meeting_type)


def _service(
    rng: random.Random,
    organization: Organization,
    template: ServiceTemplate,
    plan_id: str,
    start: int,
) -> Service:
    return Service(
        service_id=next_id(organization, "SV"),
        plan_id=plan_id,
        service_code=template.service_code,
        provider_type=template.provider_type,
        provider_id=f"PR{rng.randint(1, PROVIDERS_PER_ORGANIZATION):04d}",
        duration_minutes=template.duration_minutes,
        frequency=template.frequency,
        frequency_period=template.frequency_period,
        location=template.location,
        start_date=iso(start),
        end_date=iso(add_years(start, 1) - 1),
        nonpublic_agency_id=template.nonpublic_agency_id,
    )


def _evaluations(
    rng: random.Random, organization: Organization, profile: Profile, year: int
) -> tuple[Evaluation, ...]:
    initial = profile.initial
    evaluations: list[Evaluation] = []
    if profile.part_c_start is not None:
        start = profile.part_c_start
        consent = start - rng.randint(20, 44)
        evaluations.append(
            Evaluation(
                next_id(organization, "EV"),
                "15",
                iso(consent - rng.randint(3, 14)),
                iso(consent),
                iso(start - rng.randint(0, 10)),
                iso(start),
                None,
                True,
            )
        )
    evaluations.append(
        Evaluation(
            next_id(organization, "EV"),
            "10",
            iso(initial.referral),
            iso(initial.consent),
            iso(initial.evaluation),
            iso(initial.meeting),
            initial.delay_code,
            True,
        )
    )
    triennial_year = 3 * (year // 3)
    if triennial_year >= 3:
        meeting = profile.annual_meeting(triennial_year)
        evaluations.append(_triennial(rng, organization, meeting))
    return tuple(evaluations)


def _triennial(rng: random.Random, organization: Organization, day: int) -> Evaluation:
    consent = day - rng.randint(20, 50)
    evaluation = day - rng.randint(0, 10)
    return Evaluation(
        next_id(organization, "EV"),
        "40",
        None,
        iso(consent),
        iso(evaluation),
        iso(day),
        None,
        True,
    )
