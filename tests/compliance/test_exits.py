"""Deadlines of students who exited an organization, on hand-computed cases."""

from __future__ import annotations

from datetime import date
from typing import Any

from conftest import History, enrollment, iep
from sqlalchemy import Engine

from sislink.compliance import Measure, Status, compute_measures, due_list
from sislink.compliance.summary import measure_tables
from sislink.model import RecordKind
from sislink.report.compliance import build_report, render_html

ENROLLMENT = RecordKind.ENROLLMENT
PLAN = RecordKind.PLAN
EVALUATION = RecordKind.EVALUATION
SERVICE = RecordKind.SERVICE
AS_OF = date(2026, 12, 5)
SINCE = date(2026, 1, 1)


def initial(student: str, consent: str, meeting: str | None = None) -> dict[str, Any]:
    return {
        "local_student_id": student,
        "evaluation_id": f"EV-{student}",
        "meeting_type": "10",
        "consent_date": consent,
        "meeting_date": meeting,
        "eligible": True if meeting else None,
    }


def measure(engine: Engine, as_of: date = AS_OF) -> Any:
    with engine.connect() as connection:
        return compute_measures(connection, as_of, since=SINCE)


def obligations(result: Any, student: str) -> list[tuple[Measure, date, Status]]:
    return sorted(
        (o.measure, o.due, o.status)
        for o in result.obligations
        if o.student.local_student_id == student
    )


def exited_students(history: History) -> None:
    history.organization("C1")
    history.submit(
        "C1",
        history.at(date(2026, 10, 5)),
        [
            # X left on 2026-10-01, before the annual review and triennial
            # due 2027-03-01.
            (ENROLLMENT, "X", enrollment("X", "C101", "2025-08-20", "2026-10-01")),
            (PLAN, "X", iep("X", "PX", "2026-03-01", "2027-02-28")),
            (EVALUATION, "X", initial("X", "2024-01-05", "2024-03-01")),
            # W left on 2026-10-01 with the annual review due 2026-09-01 unmet.
            (ENROLLMENT, "W", enrollment("W", "C101", "2025-08-20", "2026-10-01")),
            (PLAN, "W", iep("W", "PW", "2025-09-01", "2026-12-31")),
            # Z left on 2026-10-01, 16 days into the initial evaluation.
            (ENROLLMENT, "Z", enrollment("Z", "C101", "2025-08-20", "2026-10-01")),
            (EVALUATION, "Z", initial("Z", "2026-09-15")),
            # V left and came back: still enrolled.
            (ENROLLMENT, "V", enrollment("V", "C101", "2025-08-20", "2026-10-01")),
            (ENROLLMENT, "V", enrollment("V", "C102", "2026-11-02")),
            (PLAN, "V", iep("V", "PV", "2026-03-01", "2027-02-28")),
            # U leaves on the as-of date, so is still enrolled on it.
            (ENROLLMENT, "U", enrollment("U", "C101", "2025-08-20", "2026-12-05")),
            (PLAN, "U", iep("U", "PU", "2026-03-01", "2027-02-28")),
        ],
    )


def test_deadlines_after_exit_left_out(history: History, engine: Engine) -> None:
    exited_students(history)
    result = measure(engine)

    assert obligations(result, "X") == []
    assert obligations(result, "Z") == []
    assert obligations(result, "V") == [
        (Measure.ANNUAL_REVIEW, date(2027, 3, 1), Status.UPCOMING)
    ]
    assert obligations(result, "U") == [
        (Measure.ANNUAL_REVIEW, date(2027, 3, 1), Status.UPCOMING)
    ]


def test_missed_before_exit_unmet(history: History, engine: Engine) -> None:
    exited_students(history)
    result = measure(engine)

    assert obligations(result, "W") == [
        (Measure.ANNUAL_REVIEW, date(2026, 9, 1), Status.UNMET_AT_EXIT)
    ]
    table = measure_tables(result, ["C1"], lambda student: "C1")["annual_reviews"]
    unmet = table.columns.index("unmet_at_exit")
    overdue = table.columns.index("overdue_open")
    assert table.cells[0][unmet] == 1
    assert table.cells[0][overdue] == 0


def test_report_shows_unmet_at_exit(history: History, engine: Engine) -> None:
    exited_students(history)
    report = build_report(measure(engine), "district")

    (organization,) = report["organizations"]
    reviews = organization["annual_reviews"]
    assert (reviews["due"], reviews["unmet_at_exit"]) == (1, 1)
    assert reviews["overdue_open"] == 0
    assert reviews["upcoming"] == 2
    assert organization["initial_evaluations"]["due"] == 0
    assert organization["triennials"]["upcoming"] == 0
    page = render_html(report).decode()
    assert "<th>not met when the student exited</th>" in page


def test_due_list_leaves_out_exited(history: History, engine: Engine) -> None:
    exited_students(history)
    rows = due_list(measure(engine), within_days=400)

    assert sorted(row.local_student_id for row in rows) == ["U", "V"]


def test_met_before_exit_still_counted(history: History, engine: Engine) -> None:
    history.organization("C1")
    history.submit(
        "C1",
        history.at(date(2026, 10, 5)),
        [
            (ENROLLMENT, "X", enrollment("X", "C101", "2025-08-20", "2026-10-01")),
            (PLAN, "X", iep("X", "PX1", "2025-09-01", "2026-08-31")),
            (PLAN, "X", iep("X", "PX2", "2026-08-25", "2027-08-24")),
            (EVALUATION, "X", initial("X", "2026-02-02", "2026-03-20")),
        ],
    )

    assert obligations(measure(engine), "X") == [
        (Measure.ANNUAL_REVIEW, date(2026, 9, 1), Status.ON_TIME),
        (Measure.INITIAL_EVALUATION, date(2026, 4, 3), Status.ON_TIME),
    ]


def test_services_prescribed_until_exit(history: History, engine: Engine) -> None:
    history.organization("C1")
    weekly = {
        "local_student_id": "X",
        "service_id": "VX",
        "service_code": "330",
        "duration_minutes": 30,
        "frequency": 1,
        "frequency_period": "week",
        "start_date": "2026-09-01",
    }
    history.submit(
        "C1",
        history.at(date(2026, 10, 5)),
        [
            (ENROLLMENT, "X", enrollment("X", "C101", "2025-08-20", "2026-10-01")),
            (SERVICE, "X", weekly),
        ],
    )

    months = {m.month: m.prescribed_minutes for m in measure(engine).service_months}
    # 22 weekdays in September 2026 and one, Thursday the 1st, in October.
    assert months == {"2026-09": 30 * 22 / 5, "2026-10": 30 * 1 / 5}


def test_transfer_student_exits_again(history: History, engine: Engine) -> None:
    history.organization("A")
    history.organization("B")
    history.submit(
        "A",
        history.at(date(2026, 10, 1)),
        [
            (ENROLLMENT, "P", enrollment("a-1", "C101", "2025-08-20", "2026-09-30")),
            (PLAN, "P", iep("a-1", "PA1", "2026-03-01", "2027-02-28")),
            (ENROLLMENT, "Q", enrollment("a-2", "C101", "2025-08-20", "2026-10-30")),
            (PLAN, "Q", iep("a-2", "PA2", "2026-03-01", "2027-02-28")),
        ],
    )
    history.submit(
        "B",
        history.at(date(2026, 12, 1)),
        [
            # Left B after 45 days with no IEP: the plan was due on day 30.
            (ENROLLMENT, "P", enrollment("b-1", "B01", "2026-10-01", "2026-11-15")),
            # Left B after 10 days: the receiving organization after B carries it.
            (ENROLLMENT, "Q", enrollment("b-2", "B01", "2026-11-01", "2026-11-10")),
        ],
    )
    result = measure(engine)

    organization_b = history.organizations["B"]
    statuses = {
        t.student.local_student_id: t.status
        for t in result.transfers
        if t.student.organization_id == organization_b
    }
    assert statuses == {"b-1": Status.UNMET_AT_EXIT}
    transfer_obligations = [
        (o.student.local_student_id, o.status)
        for o in result.obligations
        if o.measure is Measure.TRANSFER_PLAN
    ]
    assert transfer_obligations == [("b-1", Status.UNMET_AT_EXIT)]


def test_unmet_kept_after_plan_dropped(history: History, engine: Engine) -> None:
    exited_students(history)
    # The next file leaves out W's plan but still sends the enrollment.
    history.submit(
        "C1",
        history.at(date(2026, 11, 2)),
        [(ENROLLMENT, "W", enrollment("W", "C101", "2025-08-20", "2026-10-01"))],
        removed=[(PLAN, "W|PW")],
    )

    # After the plan's end date too, the review missed before the exit counts.
    for as_of in (AS_OF, date(2027, 1, 15)):
        assert obligations(measure(engine, as_of), "W") == [
            (Measure.ANNUAL_REVIEW, date(2026, 9, 1), Status.UNMET_AT_EXIT)
        ]
