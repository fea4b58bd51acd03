"""Service minutes and transfers on hand-computed cases."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from conftest import History, enrollment, iep
from sqlalchemy import Engine

from sislink.compliance import Measure, Status, compute_measures
from sislink.compliance.summary import student_services
from sislink.model import RecordKind
from sislink.model.calendar import CalendarRange
from sislink.store.calendars import store_calendar

SERVICE = RecordKind.SERVICE
DELIVERY = RecordKind.SERVICE_DELIVERY
ENROLLMENT = RecordKind.ENROLLMENT
PLAN = RecordKind.PLAN


def service(
    student: str, service_id: str, minutes: int, times: int, start: str
) -> dict[str, Any]:
    return {
        "local_student_id": student,
        "service_id": service_id,
        "service_code": "330",
        "duration_minutes": minutes,
        "frequency": times,
        "frequency_period": "week",
        "start_date": start,
    }


def delivery(
    student: str, service_id: str, day: str, minutes: int, status: str = "delivered"
) -> dict[str, Any]:
    return {
        "local_student_id": student,
        "delivery_id": f"{service_id}-{day}",
        "service_id": service_id,
        "service_code": "330",
        "delivery_date": day,
        "minutes": minutes,
        "delivery_status": status,
    }


def partial_month(history: History) -> None:
    history.organization("C1")
    records = [
        (SERVICE, "P", service("P", "SV1", 30, 2, "2026-11-02")),
        (SERVICE, "N", service("N", "SV2", 20, 1, "2026-11-02")),
        (SERVICE, "F", service("F", "SV3", 30, 1, "2026-11-16")),
    ]
    records += [
        (DELIVERY, "P", delivery("P", "SV1", d, 30))
        for d in ("2026-11-02", "2026-11-04", "2026-11-09", "2026-11-11")
    ]
    records.append(
        (DELIVERY, "P", delivery("P", "SV1", "2026-11-16", 0, "student-absent"))
    )
    records += [
        (DELIVERY, "F", delivery("F", "SV3", d, 30))
        for d in ("2026-11-17", "2026-11-24", "2026-11-30")
    ]
    history.submit("C1", history.at(date(2026, 11, 30)), records)


# November 2026 has 21 weekdays from the 2nd; Thanksgiving week takes 5.
@pytest.mark.parametrize(
    ("calendar", "prescribed"),
    [
        (False, {"P": 252.0, "N": 84.0, "F": 66.0}),
        (True, {"P": 192.0, "N": 64.0, "F": 36.0}),
    ],
)
def test_partial_month_of_delivery(
    history: History, engine: Engine, calendar: bool, prescribed: dict[str, float]
) -> None:
    partial_month(history)
    if calendar:
        with engine.begin() as connection:
            store_calendar(
                connection,
                history.organizations["C1"],
                "calendar.csv",
                "0" * 64,
                [
                    CalendarRange(
                        date(2026, 11, 23), date(2026, 11, 27), "break", "Thanksgiving"
                    )
                ],
                loaded_at=history.at(date(2026, 1, 1)),
            )
    with engine.connect() as connection:
        result = compute_measures(
            connection, date(2026, 11, 30), since=date(2026, 11, 1)
        )
    months = {m.student.local_student_id: m for m in result.service_months}
    assert {k: m.month for k, m in months.items()} == {
        "P": "2026-11",
        "N": "2026-11",
        "F": "2026-11",
    }
    assert {k: m.prescribed_minutes for k, m in months.items()} == prescribed
    assert {k: m.delivered_minutes for k, m in months.items()} == {
        "P": 120,
        "N": 0,
        "F": 90,
    }
    outcomes = {
        s.student.local_student_id: s.outcome
        for s in student_services(result.service_months)
    }
    assert outcomes == {
        "P": "below_90_percent",
        "N": "no_delivery_logged",
        "F": "at_least_90_percent",
    }


def test_plan_crossing_a_transfer(history: History, engine: Engine) -> None:
    history.organization("A")
    history.organization("B")
    history.submit(
        "A",
        history.at(date(2026, 11, 10)),
        [
            (ENROLLMENT, "P", enrollment("a-1", "A01", "2026-08-19", "2026-11-02")),
            (PLAN, "P", iep("a-1", "PA", "2026-03-01", "2026-11-02")),
            (ENROLLMENT, "Q", enrollment("a-2", "A01", "2026-08-19", "2026-11-27")),
            (PLAN, "Q", iep("a-2", "PQ", "2026-04-01", "2026-11-27")),
            # Left without a plan in effect: not a transfer to measure.
            (ENROLLMENT, "R", enrollment("a-3", "A01", "2026-08-19", "2026-11-02")),
        ],
    )
    history.submit(
        "B",
        history.at(date(2027, 1, 10)),
        [
            (ENROLLMENT, "P", enrollment("b-1", "B01", "2026-11-05")),
            (PLAN, "P", iep("b-1", "PB", "2026-11-30")),
            (DELIVERY, "P", delivery("b-1", "SVB", "2026-11-10", 30)),
            (ENROLLMENT, "Q", enrollment("b-2", "B01", "2026-12-01")),
            (ENROLLMENT, "R", enrollment("b-3", "B01", "2026-11-05")),
        ],
    )
    with engine.connect() as connection:
        result = compute_measures(connection, date(2027, 1, 15), since=date(2026, 8, 1))
    transfers = {t.student.local_student_id: t for t in result.transfers}
    assert set(transfers) == {"b-1", "b-2"}
    assert transfers["b-1"].status is Status.ON_TIME
    assert transfers["b-1"].plan_date == date(2026, 11, 30)
    assert transfers["b-1"].interim_minutes == 30
    assert transfers["b-1"].from_organization_id == history.organizations["A"]
    assert transfers["b-2"].status is Status.OVERDUE_OPEN
    assert transfers["b-2"].interim_minutes == 0
    due = {
        o.student.local_student_id: o.due
        for o in result.obligations
        if o.measure is Measure.TRANSFER_PLAN
    }
    assert due == {"b-1": date(2026, 12, 5), "b-2": date(2026, 12, 31)}


def test_quality_counts_rejections_and_gaps(history: History, engine: Engine) -> None:
    history.organization("C1")
    history.submit("C1", history.at(date(2026, 10, 1)), [])
    history.reject("C1", history.at(date(2026, 10, 8)))
    history.submit("C1", history.at(date(2026, 10, 29)), [])
    with engine.connect() as connection:
        result = compute_measures(connection, date(2026, 11, 5), since=date(2026, 9, 1))
    quality = result.quality[history.organizations["C1"]]
    assert quality.submissions == 3
    assert quality.rejected == 1
    assert quality.longest_gap_days == 28
    assert quality.days_since_last == 7
