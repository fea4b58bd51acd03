"""The demo's compliance report, with school calendars for half of the charters."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine

from sislink.compliance import compute_measures
from sislink.compliance.calendar_file import parse_calendar
from sislink.demo.dates import SECOND_ROUND_AS_OF
from sislink.report.compliance import build_report, write_report
from sislink.store.calendars import store_calendar
from sislink.store.organizations import list_organizations

# The generated calendar: the weeks the generator schedules no sessions in
# (Thanksgiving week and the two weeks of winter break) and the summer before.
DEMO_CALENDAR = """first_date,last_date,kind,label
2026-06-12,2026-08-18,summer,Summer break
2026-11-23,2026-11-27,break,Thanksgiving week
2026-12-21,2027-01-01,break,Winter break
"""


def write_compliance_report(engine: Engine, folder: Path) -> Path:
    """Load the demo calendar for every other charter and write
    ``compliance.html`` into ``folder``; return its path.

    The report is as of the second round's export day, or today once that
    day has passed, because only submissions committed by the as-of date count.
    """
    calendar_file = folder / "demo-calendar.csv"
    folder.mkdir(parents=True, exist_ok=True)
    calendar_file.write_text(DEMO_CALENDAR, encoding="utf-8")
    ranges = parse_calendar(calendar_file)
    digest = hashlib.sha256(DEMO_CALENDAR.encode()).hexdigest()
    as_of = demo_as_of()
    with engine.begin() as connection:
        charters = [o for o in list_organizations(connection) if o.kind == "charter"]
        for charter in charters[::2]:
            store_calendar(connection, charter.id, calendar_file.name, digest, ranges)
        result = compute_measures(connection, as_of)
    path = folder / "compliance.html"
    write_report(build_report(result, "district"), "html", path)
    return path


def demo_as_of() -> date:
    """Return the date the demo's compliance report is computed as of."""
    return max(SECOND_ROUND_AS_OF, datetime.now(UTC).date())
