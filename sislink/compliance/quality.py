"""Data quality of each organization's feed: how recent, how regular, how clean."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from itertools import pairwise

from sqlalchemy import Connection, func, select

from sislink.compliance.model import DataQuality, Period
from sislink.store.schema import findings


def data_quality(
    connection: Connection,
    period: Period,
    submission_rows: Iterable[tuple[int, int, str, datetime]],
    last: Mapping[int, int],
) -> dict[int, DataQuality]:
    """Return each organization's feed figures over the period.

    ``submission_rows`` are (id, organization id, status, finish time) of
    the submissions before the cutoff, oldest first; ``last`` gives each
    organization's last submission, whose open findings are counted.
    """
    quality: dict[int, DataQuality] = defaultdict(DataQuality)
    finished: dict[int, list[datetime]] = defaultdict(list)
    for _id, organization_id, status, at in submission_rows:
        if at.date() < period.since:
            continue
        figures = quality[organization_id]
        figures.submissions += 1
        if status == "rejected":
            figures.rejected += 1
            continue
        figures.last_submission = at
        finished[organization_id].append(at)
    for organization_id, times in finished.items():
        figures = quality[organization_id]
        gaps = [(b.date() - a.date()).days for a, b in pairwise(times)]
        figures.days_since_last = (period.as_of - times[-1].date()).days
        figures.longest_gap_days = max([*gaps, figures.days_since_last])
    _count_open_findings(connection, quality, last)
    return dict(quality)


def _count_open_findings(
    connection: Connection, quality: dict[int, DataQuality], last: Mapping[int, int]
) -> None:
    if not last:
        return
    columns = findings.c
    query = (
        select(columns.organization_id, columns.severity, func.count())
        .where(
            columns.submission_id.in_(list(last.values())),
            columns.status == "open",
        )
        .group_by(columns.organization_id, columns.severity)
    )
    for organization_id, severity, count in connection.execute(query):
        figures = quality[organization_id]
        if severity == "error":
            figures.open_errors += count
        else:
            figures.open_warnings += count
