"""School calendars: storing each load and reading the one in force at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select

from sislink.model.calendar import CalendarRange, SchoolCalendar
from sislink.store.schema import school_calendar_ranges, school_calendars


def store_calendar(
    connection: Connection,
    organization_id: int,
    source_file: str,
    sha256: str,
    ranges: Sequence[CalendarRange],
    loaded_at: datetime | None = None,
) -> int:
    """Insert a calendar load for an organization and return its id.

    The newest load replaces the earlier ones for every later computation;
    the earlier loads stay for computations as of a past time.
    """
    calendar_id: int = connection.execute(
        insert(school_calendars)
        .values(
            organization_id=organization_id,
            loaded_at=loaded_at or datetime.now(UTC),
            source_file=source_file,
            sha256=sha256,
        )
        .returning(school_calendars.c.id)
    ).scalar_one()
    connection.execute(
        insert(school_calendar_ranges),
        [
            {
                "calendar_id": calendar_id,
                "first_date": item.first,
                "last_date": item.last,
                "kind": item.kind,
                "label": item.label,
                "source_line": item.line,
            }
            for item in ranges
        ],
    )
    return calendar_id


def calendars_as_of(
    connection: Connection, cutoff: datetime
) -> dict[int, SchoolCalendar]:
    """Return each organization's newest calendar loaded before ``cutoff``."""
    newest: dict[int, int] = {}
    rows = connection.execute(
        select(school_calendars.c.organization_id, school_calendars.c.id)
        .where(school_calendars.c.loaded_at < cutoff)
        .order_by(school_calendars.c.loaded_at, school_calendars.c.id)
    )
    for organization_id, calendar_id in rows:
        newest[organization_id] = calendar_id
    if not newest:
        return {}
    by_calendar: dict[int, list[CalendarRange]] = {id_: [] for id_ in newest.values()}
    columns = school_calendar_ranges.c
    ranges = connection.execute(
        select(
            columns.calendar_id,
            columns.first_date,
            columns.last_date,
            columns.kind,
            columns.label,
            columns.source_line,
        ).where(columns.calendar_id.in_(list(by_calendar)))
    )
    for calendar_id, first, last, kind, label, line in ranges:
        by_calendar[calendar_id].append(CalendarRange(first, last, kind, label, line))
    return {
        organization_id: SchoolCalendar(by_calendar[calendar_id])
        for organization_id, calendar_id in newest.items()
    }
