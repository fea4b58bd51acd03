"""The report folder: an HTML summary and each submission's findings as CSV."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import Connection, Engine, func, select

from sislink.model import RecordKind
from sislink.report.findings import render_findings
from sislink.store.organizations import list_organizations
from sislink.store.schema import record_versions
from sislink.store.submissions import list_submissions

_templates = Environment(
    loader=PackageLoader("sislink.report"), autoescape=select_autoescape(["html"])
)


def write_report(engine: Engine, folder: Path, title: str = "sislink report") -> Path:
    """Write ``index.html`` and ``findings/submission-N.csv`` into ``folder``.

    Returns the path of the HTML summary.
    """
    findings_folder = folder / "findings"
    findings_folder.mkdir(parents=True, exist_ok=True)
    with engine.connect() as connection:
        submissions = _submission_rows(connection, findings_folder)
        organizations = _organization_rows(connection, submissions)
    page = _templates.get_template("summary.html").render(
        title=title,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        organizations=organizations,
        submissions=submissions,
        kinds=[kind.value for kind in RecordKind],
    )
    index = folder / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def _submission_rows(connection: Connection, folder: Path) -> list[dict[str, Any]]:
    rows = []
    for row in reversed(list_submissions(connection)):
        counts = row.counts or {}
        totals: dict[str, int] = defaultdict(int)
        for per_kind in (
            *counts.get("records", {}).values(),
            *counts.get("changes", {}).values(),
        ):
            for name, value in per_kind.items():
                totals[name] += value
        issues = counts.get("issues", {"error": 0, "warning": 0})
        findings_file = _write_findings(connection, row.id, folder)
        rows.append(
            {
                "id": row.id,
                "organization": row.organization_code,
                "organization_name": row.organization_name,
                "format": row.format,
                "status": row.status,
                "started": row.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                "totals": dict(totals),
                "issues": issues,
                "findings_file": findings_file,
            }
        )
    return rows


def _write_findings(connection: Connection, submission_id: int, folder: Path) -> str:
    path = folder / f"submission-{submission_id}.csv"
    path.write_text(
        render_findings(connection, submission_id, "csv"), encoding="utf-8", newline=""
    )
    return f"findings/{path.name}"


def _organization_rows(
    connection: Connection, submissions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    current = _current_counts(connection)
    last = {s["organization"]: s for s in submissions}
    rows = []
    for organization in list_organizations(connection):
        if organization.kind == "school" and organization.id not in current:
            continue
        rows.append(
            {
                "code": organization.code,
                "name": organization.name,
                "kind": organization.kind,
                "counts": current.get(organization.id, {}),
                "last": last.get(organization.code),
            }
        )
    return rows


def _current_counts(connection: Connection) -> dict[int, dict[str, int]]:
    columns = record_versions.c
    query = (
        select(columns.organization_id, columns.kind, func.count())
        .where(columns.valid_to_submission_id.is_(None))
        .group_by(columns.organization_id, columns.kind)
    )
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for organization_id, kind, count in connection.execute(query):
        found[organization_id][kind] = count
    return found
