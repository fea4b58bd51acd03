"""One submission's findings for the charter's data clerk: CSV, JSON or HTML.

Every format lists one row per finding with the file, line, record kind and
key, field, value, rule code, severity, message and fix, and its status: open,
resolved by a later submission (the problem is gone), or superseded by a later
submission that reported the same problem again. The HTML page groups the
findings by rule with counts, worst first, so a clerk can fix one kind of
problem at a time.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from io import StringIO
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import Connection, select

from sislink.errors import UsageError
from sislink.report.csv_safety import neutralize
from sislink.store.schema import organizations, submissions
from sislink.store.submissions import submission_findings
from sislink.validate import RULES

FORMATS = ("csv", "json", "html")

COLUMNS = (
    ("file", "source_file"),
    ("line", "source_line"),
    ("record kind", "kind"),
    ("record key", "record_key"),
    ("field", "field"),
    ("value", "value"),
    ("rule code", "code"),
    ("severity", "severity"),
    ("message", "message"),
    ("fix", "fix"),
    ("status", "status"),
    ("closed by submission", "resolved_submission_id"),
)
"""Column headings of the CSV and HTML reports, with the findings column each shows."""

_templates = Environment(
    loader=PackageLoader("sislink.report"), autoescape=select_autoescape(["html"])
)


@dataclass(frozen=True, slots=True)
class SubmissionHeader:
    """The submission a findings report is about: id, organization, format, status."""

    id: int
    organization: str
    organization_name: str
    format: str
    status: str
    started: str


def render_findings(connection: Connection, submission_id: int, fmt: str) -> str:
    """Return the findings report of one submission as text in ``fmt``.

    Raises:
        UsageError: the format is not csv, json or html, or there is no such
            submission.
    """
    if fmt not in FORMATS:
        raise UsageError(
            f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}"
        )
    header = _header(connection, submission_id)
    rows = [_row(finding) for finding in submission_findings(connection, submission_id)]
    if fmt == "csv":
        return findings_csv(rows)
    if fmt == "json":
        document = {"submission": _header_json(header), "findings": rows}
        return json.dumps(document, indent=2, ensure_ascii=False, default=str)
    return _templates.get_template("findings.html").render(
        submission=header, groups=_groups(rows), total=len(rows), columns=COLUMNS
    )


def findings_csv(rows: Sequence[dict[str, Any]]) -> str:
    """Return ``rows`` as CSV with spreadsheet formula text neutralized."""
    buffer = StringIO()
    writer = csv.writer(buffer)
    writer.writerow([heading for heading, _ in COLUMNS])
    for row in rows:
        writer.writerow([neutralize(row[name]) for _, name in COLUMNS])
    return buffer.getvalue()


def _row(finding: Any) -> dict[str, Any]:
    return {name: getattr(finding, name) for _, name in COLUMNS}


def _header(connection: Connection, submission_id: int) -> SubmissionHeader:
    row = connection.execute(
        select(
            submissions.c.id,
            organizations.c.code,
            organizations.c.name,
            submissions.c.format,
            submissions.c.status,
            submissions.c.started_at,
        )
        .join(organizations, organizations.c.id == submissions.c.organization_id)
        .where(submissions.c.id == submission_id)
    ).first()
    if row is None:
        raise UsageError(f"submission {submission_id} not found")
    return SubmissionHeader(
        row.id,
        row.code,
        row.name,
        row.format,
        row.status,
        row.started_at.strftime("%Y-%m-%d %H:%M"),
    )


def _header_json(header: SubmissionHeader) -> dict[str, Any]:
    return {
        "id": header.id,
        "organization": header.organization,
        "organization_name": header.organization_name,
        "format": header.format,
        "status": header.status,
        "started": header.started,
    }


def _groups(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the findings grouped by rule: errors first, then by count."""
    by_code: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_code.setdefault(row["code"], []).append(row)
    groups = []
    for code, members in by_code.items():
        rule = RULES.get(code)
        groups.append(
            {
                "code": code,
                "severity": members[0]["severity"],
                "fix": members[0]["fix"],
                "source": rule.source if rule else "",
                "count": len(members),
                "open": sum(1 for m in members if m["status"] == "open"),
                "rows": members,
            }
        )
    groups.sort(key=lambda g: (g["severity"] != "error", -g["count"], g["code"]))
    return groups
