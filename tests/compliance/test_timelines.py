"""Initial evaluations, annual reviews and triennials on hand-computed cases."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from conftest import History, plan
from sqlalchemy import Engine

from sislink.compliance import Measure, Status, compute_measures
from sislink.compliance.model import DayCount
from sislink.model import RecordKind
from sislink.model.calendar import CalendarRange
from sislink.store.calendars import store_calendar

AS_OF = date(2027, 2, 12)
SINCE = date(2026, 1, 1)
EVALUATION = RecordKind.EVALUATION
PLAN = RecordKind.PLAN

# A calendar with a five-school-day break (counted) and a two-week winter
# break (not counted under Ed. Code 56344(a)), and the summer before.
CALENDAR = [
    CalendarRange(date(2026, 6, 12), date(2026, 8, 18), "summer", "Summer"),
    CalendarRange(date(2026, 11, 23), date(2026, 11, 27), "break", "Thanksgiving"),
    CalendarRange(date(2026, 12, 21), date(2027, 1, 1), "break", "Winter break"),
]


def evaluation(student: str, **fields: Any) -> dict[str, Any]:
    return {
        "local_student_id": student,
        "evaluation_id": f"EV-{student}",
        "meeting_type": "10",
        **fields,
    }


def measure(engine: Engine, as_of: date = AS_OF) -> Any:
    with engine.connect() as connection:
        return compute_measures(connection, as_of, since=SINCE)


def by_student(result: Any, kind: Measure) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for obligation in result.obligations:
        if obligation.measure is kind:
            found.setdefault(obligation.student.local_student_id, []).append(obligation)
    return found


INITIAL_CASES = [
    # student, evaluation fields, due, status, late with a reason
    (
        "S1",
        {"consent_date": "2026-10-01", "meeting_date": "2026-11-20"},
        date(2026, 11, 30),
        Status.ON_TIME,
        False,
    ),
    (
        "S2",
        {"consent_date": "2026-10-01", "meeting_date": "2026-12-10"},
        date(2026, 11, 30),
        Status.LATE,
        False,
    ),
    (
        "S3",
        {
            "consent_date": "2026-10-01",
            "meeting_date": "2026-12-10",
            "meeting_delay_code": "parent-unavailable",
        },
        date(2026, 11, 30),
        Status.LATE,
        True,
    ),
    (
        "S4",
        {"consent_date": "2026-11-01"},
        date(2026, 12, 31),
        Status.OVERDUE_OPEN,
        False,
    ),
    ("S5", {"consent_date": "2027-01-20"}, date(2027, 3, 21), Status.UPCOMING, False),
]


@pytest.mark.parametrize(
    ("student", "fields", "due", "status", "with_reason"), INITIAL_CASES
)
def test_initial_evaluation_calendar_days(
    history: History,
    engine: Engine,
    student: str,
    fields: dict[str, Any],
    due: date,
    status: Status,
    with_reason: bool,
) -> None:
    history.organization("C1")
    history.submit(
        "C1",
        history.at(date(2027, 1, 5)),
        [(EVALUATION, student, evaluation(student, **fields))],
    )
    (found,) = by_student(measure(engine), Measure.INITIAL_EVALUATION)[student]
    assert found.due == due
    assert found.status is status
    assert found.calendar_due == due
    assert found.day_count is DayCount.CALENDAR_DAYS
    assert (found.delay_reason is not None) is with_reason


CALENDAR_CASES = [
    # consent 2026-11-01: 49 counted days to 2026-12-20, then 11 after the
    # winter break, which ends 2027-01-01; Thanksgiving week counts.
    (
        "S6",
        {"consent_date": "2026-11-01", "meeting_date": "2027-01-08"},
        date(2027, 1, 12),
        Status.ON_TIME,
        date(2026, 12, 31),
        Status.LATE,
    ),
    (
        "S7",
        {"consent_date": "2026-11-01", "meeting_date": "2027-01-13"},
        date(2027, 1, 12),
        Status.LATE,
        date(2026, 12, 31),
        Status.LATE,
    ),
    # Referred 22 days before the school year's last day (2026-06-11): due 30
    # days after the first day of the next year (2026-08-19).
    (
        "S8",
        {
            "referral_date": "2026-05-20",
            "consent_date": "2026-05-25",
            "meeting_date": "2026-09-10",
        },
        date(2026, 9, 18),
        Status.ON_TIME,
        date(2026, 7, 24),
        Status.LATE,
    ),
]


@pytest.mark.parametrize(
    ("student", "fields", "due", "status", "calendar_due", "calendar_status"),
    CALENDAR_CASES,
)
def test_initial_evaluation_school_calendar(
    history: History,
    engine: Engine,
    student: str,
    fields: dict[str, Any],
    due: date,
    status: Status,
    calendar_due: date,
    calendar_status: Status,
) -> None:
    organization_id = history.organization("C1")
    with engine.begin() as connection:
        store_calendar(
            connection,
            organization_id,
            "calendar.csv",
            "0" * 64,
            CALENDAR,
            loaded_at=history.at(date(2026, 1, 2)),
        )
    history.submit(
        "C1",
        history.at(date(2027, 1, 20)),
        [(EVALUATION, student, evaluation(student, **fields))],
    )
    (found,) = by_student(measure(engine), Measure.INITIAL_EVALUATION)[student]
    assert found.day_count is DayCount.SCHOOL_CALENDAR
    assert found.due == due
    assert found.status is status
    assert found.calendar_due == calendar_due
    assert found.calendar_status is calendar_status


def test_calendar_loaded_later_not_used(history: History, engine: Engine) -> None:
    organization_id = history.organization("C1")
    with engine.begin() as connection:
        store_calendar(
            connection,
            organization_id,
            "calendar.csv",
            "0" * 64,
            CALENDAR,
            loaded_at=history.at(date(2027, 3, 1)),
        )
    fields = {"consent_date": "2026-11-01", "meeting_date": "2027-01-08"}
    history.submit(
        "C1",
        history.at(date(2027, 1, 20)),
        [(EVALUATION, "S6", evaluation("S6", **fields))],
    )
    (found,) = by_student(measure(engine), Measure.INITIAL_EVALUATION)["S6"]
    assert found.day_count is DayCount.CALENDAR_DAYS
    assert found.status is Status.LATE


def test_annual_reviews(history: History, engine: Engine) -> None:
    history.organization("C1")
    history.submit(
        "C1",
        history.at(date(2025, 7, 1)),
        [
            (
                PLAN,
                "A",
                plan("A", "PA1", "2025-03-01", effective_end_date="2026-02-19"),
            ),
            (
                PLAN,
                "B",
                plan("B", "PB1", "2025-01-10", effective_end_date="2026-01-19"),
            ),
            (PLAN, "C", plan("C", "PC", "2025-06-01")),
        ],
    )
    history.submit(
        "C1",
        history.at(date(2026, 6, 1)),
        [
            (PLAN, "A", plan("A", "PA2", "2026-02-20")),
            (PLAN, "B", plan("B", "PB2", "2026-01-20")),
            # The source keeps plan C's id and updates its dates at review.
            (PLAN, "C", plan("C", "PC", "2026-05-15")),
        ],
    )
    found = by_student(measure(engine), Measure.ANNUAL_REVIEW)
    summary = {
        student: [(o.basis, o.due, o.completed, o.status) for o in obligations]
        for student, obligations in found.items()
    }
    assert summary["A"] == [
        (date(2025, 3, 1), date(2026, 3, 1), date(2026, 2, 20), Status.ON_TIME),
        (date(2026, 2, 20), date(2027, 2, 20), None, Status.UPCOMING),
    ]
    assert summary["B"] == [
        (date(2025, 1, 10), date(2026, 1, 10), date(2026, 1, 20), Status.LATE),
        (date(2026, 1, 20), date(2027, 1, 20), None, Status.OVERDUE_OPEN),
    ]
    assert summary["C"] == [
        (date(2025, 6, 1), date(2026, 6, 1), date(2026, 5, 15), Status.ON_TIME),
        (date(2026, 5, 15), date(2027, 5, 15), None, Status.UPCOMING),
    ]


def test_triennial_late_then_open(history: History, engine: Engine) -> None:
    history.organization("C1")
    initial = evaluation(
        "T", consent_date="2023-01-05", meeting_date="2023-03-01", eligible=True
    )
    triennial = {
        "local_student_id": "T",
        "evaluation_id": "EV-T3",
        "meeting_type": "40",
        "meeting_date": "2026-03-10",
    }
    history.submit(
        "C1",
        history.at(date(2026, 4, 1)),
        [
            (EVALUATION, "T", initial),
            (EVALUATION, "T", triennial),
            (PLAN, "T", plan("T", "PT", "2026-03-10", meeting_type="40")),
        ],
    )
    found = by_student(measure(engine), Measure.TRIENNIAL)["T"]
    assert [(o.due, o.completed, o.status) for o in found] == [
        (date(2026, 3, 1), date(2026, 3, 10), Status.LATE),
        (date(2029, 3, 10), None, Status.UPCOMING),
    ]


def test_as_of_uses_commit_times(history: History, engine: Engine) -> None:
    history.organization("C1")
    open_case = evaluation("S", consent_date="2026-10-01")
    history.submit("C1", history.at(date(2026, 10, 5)), [(EVALUATION, "S", open_case)])
    held = evaluation("S", consent_date="2026-10-01", meeting_date="2026-11-20")
    history.submit("C1", history.at(date(2026, 12, 15)), [(EVALUATION, "S", held)])

    before = by_student(measure(engine, date(2026, 12, 14)), Measure.INITIAL_EVALUATION)
    after = by_student(measure(engine, date(2026, 12, 15)), Measure.INITIAL_EVALUATION)
    assert before["S"][0].status is Status.OVERDUE_OPEN
    assert after["S"][0].status is Status.ON_TIME


def review_summary(engine: Engine, as_of: date = AS_OF) -> list[Any]:
    (found,) = by_student(measure(engine, as_of), Measure.ANNUAL_REVIEW).values()
    return [(o.basis, o.due, o.completed, o.status) for o in found]


def test_corrected_meeting_date_not_a_review(history: History, engine: Engine) -> None:
    history.organization("C1")
    typo = plan("G", "PG", "2026-12-01", effective_start_date="2026-01-10")
    history.submit("C1", history.at(date(2026, 12, 5)), [(PLAN, "G", typo)])
    fixed = plan("G", "PG", "2026-01-10")
    history.submit("C1", history.at(date(2026, 12, 6)), [(PLAN, "G", fixed)])

    assert review_summary(engine) == [
        (date(2026, 1, 10), date(2027, 1, 10), None, Status.OVERDUE_OPEN)
    ]
    # Before the correction arrived, the date sent then was all there was.
    assert review_summary(engine, date(2026, 12, 5)) == [
        (date(2026, 12, 1), date(2027, 12, 1), None, Status.UPCOMING)
    ]


def test_date_corrected_forward_not_a_review(history: History, engine: Engine) -> None:
    history.organization("C1")
    typo = plan("G", "PG", "2026-01-01")
    history.submit("C1", history.at(date(2026, 1, 20)), [(PLAN, "G", typo)])
    fixed = plan("G", "PG", "2026-01-10")
    history.submit("C1", history.at(date(2026, 1, 25)), [(PLAN, "G", fixed)])

    assert review_summary(engine) == [
        (date(2026, 1, 10), date(2027, 1, 10), None, Status.OVERDUE_OPEN)
    ]


def test_correction_after_other_change(history: History, engine: Engine) -> None:
    history.organization("C1")
    typo = plan("G", "PG", "2026-12-01", effective_start_date="2026-01-10")
    history.submit("C1", history.at(date(2026, 12, 5)), [(PLAN, "G", typo)])
    amended = {**typo, "primary_disability": "290"}
    history.submit("C1", history.at(date(2026, 12, 6)), [(PLAN, "G", amended)])
    fixed = {**amended, "meeting_date": "2026-01-10"}
    history.submit("C1", history.at(date(2026, 12, 7)), [(PLAN, "G", fixed)])

    assert review_summary(engine) == [
        (date(2026, 1, 10), date(2027, 1, 10), None, Status.OVERDUE_OPEN)
    ]


def test_review_then_its_correction(history: History, engine: Engine) -> None:
    history.organization("C1")
    history.submit(
        "C1", history.at(date(2025, 7, 1)), [(PLAN, "G", plan("G", "PG", "2025-06-01"))]
    )
    # The next annual review, under the same plan id, then a fix of its date.
    history.submit(
        "C1", history.at(date(2026, 6, 1)), [(PLAN, "G", plan("G", "PG", "2026-05-15"))]
    )
    history.submit(
        "C1",
        history.at(date(2026, 6, 10)),
        [(PLAN, "G", plan("G", "PG", "2026-05-12"))],
    )

    assert review_summary(engine) == [
        (date(2025, 6, 1), date(2026, 6, 1), date(2026, 5, 12), Status.ON_TIME),
        (date(2026, 5, 12), date(2027, 5, 12), None, Status.UPCOMING),
    ]


def test_corrected_triennial_meeting(history: History, engine: Engine) -> None:
    history.organization("C1")
    typo = plan("T", "PT", "2026-12-01", meeting_type="40")
    typo["effective_start_date"] = "2023-12-01"
    history.submit("C1", history.at(date(2026, 12, 5)), [(PLAN, "T", typo)])
    fixed = {**typo, "meeting_date": "2023-12-01"}
    history.submit("C1", history.at(date(2026, 12, 6)), [(PLAN, "T", fixed)])

    found = by_student(measure(engine), Measure.TRIENNIAL)["T"]
    assert [(o.basis, o.due, o.status) for o in found] == [
        (date(2023, 12, 1), date(2026, 12, 1), Status.OVERDUE_OPEN)
    ]


def test_referral_and_meeting_rows_one_evaluation(
    history: History, engine: Engine
) -> None:
    history.organization("C1")
    referral = evaluation("K", evaluation_id="EK1", consent_date="2026-09-01")
    meeting = evaluation(
        "K",
        evaluation_id="EK2",
        consent_date="2026-09-01",
        meeting_date="2026-10-15",
        eligible=True,
    )
    iep = plan("K", "PK", "2026-10-15", meeting_type="10")
    history.submit(
        "C1",
        history.at(date(2026, 11, 1)),
        [(EVALUATION, "K", referral), (EVALUATION, "K", meeting), (PLAN, "K", iep)],
    )
    result = measure(engine, date(2026, 12, 5))

    (found,) = by_student(result, Measure.INITIAL_EVALUATION)["K"]
    assert found.record_key == "K|EK2"
    assert found.completed == date(2026, 10, 15)
    assert found.status is Status.ON_TIME
    assert found.calendar_status is Status.ON_TIME
    (triennial,) = by_student(result, Measure.TRIENNIAL)["K"]
    assert triennial.basis == date(2026, 10, 15)


def test_conflicting_meetings_take_the_later(history: History, engine: Engine) -> None:
    history.organization("C1")
    first = evaluation(
        "K",
        evaluation_id="EK1",
        consent_date="2026-09-01",
        meeting_date="2026-10-15",
        eligible=True,
    )
    second = evaluation(
        "K",
        evaluation_id="EK2",
        consent_date="2026-09-01",
        meeting_date="2026-11-20",
        eligible=True,
    )
    # A different consent date is another evaluation.
    other = evaluation(
        "K", evaluation_id="EK3", consent_date="2026-11-10", meeting_date="2026-12-01"
    )
    iep = plan("K", "PK", "2026-11-20", meeting_type="10")
    history.submit(
        "C1",
        history.at(date(2026, 12, 2)),
        [(EVALUATION, "K", e) for e in (first, second, other)] + [(PLAN, "K", iep)],
    )
    result = measure(engine, date(2026, 12, 5))

    found = by_student(result, Measure.INITIAL_EVALUATION)["K"]
    assert sorted((o.record_key, o.completed, o.status) for o in found) == [
        ("K|EK2", date(2026, 11, 20), Status.LATE),
        ("K|EK3", date(2026, 12, 1), Status.ON_TIME),
    ]
    # Each evaluation is counted once: 11-20, then 12-01 for the second one.
    triennials = by_student(result, Measure.TRIENNIAL)["K"]
    assert [(o.basis, o.completed) for o in triennials] == [
        (date(2026, 11, 20), date(2026, 12, 1)),
        (date(2026, 12, 1), None),
    ]


def test_delay_reason_from_other_record(history: History, engine: Engine) -> None:
    history.organization("C1")
    late = evaluation(
        "K", evaluation_id="EK1", consent_date="2026-09-01", meeting_date="2026-11-20"
    )
    reason = evaluation(
        "K",
        evaluation_id="EK2",
        consent_date="2026-09-01",
        meeting_delay_code="parent-unavailable",
    )
    history.submit(
        "C1",
        history.at(date(2026, 12, 2)),
        [(EVALUATION, "K", late), (EVALUATION, "K", reason)],
    )

    (found,) = by_student(
        measure(engine, date(2026, 12, 5)), Measure.INITIAL_EVALUATION
    )["K"]
    assert found.record_key == "K|EK1"
    assert found.status is Status.LATE
    assert found.delay_reason == "parent-unavailable"
