"""The compliance report: figures per organization and school, as HTML with
charts, CSV, JSON or an Excel workbook.

The district role shows every count. The monitor role shows counts under
11 as ``<11`` and hides their complements as ``*``, so that no total gives
a small count away.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from sislink.compliance.model import ComplianceResult, Measure, Student
from sislink.compliance.summary import (
    TIMELINES,
    add_cells,
    measure_tables,
    month_trend,
    protect,
    shown_rows,
    student_services,
    timeline_figures,
    upcoming_counts,
)
from sislink.errors import UsageError
from sislink.report.charts import StackedBar, line_chart, stacked_bars
from sislink.report.csv_safety import neutralize

ROLES = ("district", "monitor")
FORMATS = ("html", "csv", "json", "xlsx")
NO_SCHOOL = "(no school)"
CHART_PARTS = ("on_time", "late", "overdue_open", "unmet_at_exit")
"""The outcomes of the timeliness chart, in the order its bars stack them."""

_templates = Environment(
    loader=PackageLoader("sislink.report"), autoescape=select_autoescape(["html"])
)


def build_report(result: ComplianceResult, role: str) -> dict[str, Any]:
    """Return the report as JSON-ready data for ``role`` (district or monitor)."""
    if role not in ROLES:
        raise UsageError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    suppress = role == "monitor"
    codes = {info.id: info.code for info in result.organizations}

    def organization_key(student: Student) -> str | None:
        return codes.get(student.organization_id)

    def school_key(student: Student) -> str:
        code = codes.get(student.organization_id)
        return f"{code}/{student.school or NO_SCHOOL}"

    organization_rows = [info.code for info in result.organizations]
    school_rows = sorted(
        {school_key(month.student) for month in result.service_months}
        | {school_key(obligation.student) for obligation in result.obligations}
    )
    by_organization = _figures(result, organization_rows, organization_key, suppress)
    by_school = _figures(result, school_rows, school_key, suppress)
    organizations = []
    for info in result.organizations:
        figures = by_organization[info.code]
        quality = result.quality.get(info.id)
        start = result.service_start.get(info.id)
        figures["services"]["measured_from"] = start.isoformat() if start else None
        organizations.append(
            {
                "code": info.code,
                "name": info.name,
                "kind": info.kind,
                "day_count": info.day_count.value,
                **figures,
                "data_quality": _quality_json(quality),
                "schools": [
                    {"school": row.split("/", 1)[1], **by_school[row]}
                    for row in school_rows
                    if row.split("/", 1)[0] == info.code
                ],
            }
        )
    return {
        "as_of": result.period.as_of.isoformat(),
        "since": result.period.since.isoformat(),
        "role": role,
        "generated": readable_time(datetime.now(UTC)),
        "records_committed_before": readable_time(result.cutoff),
        "organizations": organizations,
        "trend": [
            {**month, "due": protect(month["due"], suppress)}
            for month in month_trend(result)
        ],
    }


def _figures(
    result: ComplianceResult,
    rows: list[str],
    key: Callable[[Student], str | None],
    suppress: bool,
) -> dict[str, dict[str, Any]]:
    tables = {
        name: shown_rows(table, suppress)
        for name, table in measure_tables(result, rows, key).items()
    }
    upcoming = upcoming_counts(result, key)
    minutes = _minutes(result, key)
    interim = _interim(result, key)
    figures: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry: dict[str, Any] = {}
        for measure in TIMELINES:
            soon = upcoming[(row, measure)]
            entry[measure.value] = timeline_figures(
                tables[measure.value][row], soon, suppress
            )
        entry[Measure.INITIAL_EVALUATION.value]["calendar_days"] = timeline_figures(
            tables["initial_evaluations_calendar_days"][row], {}, suppress
        )
        transfers = tables["transfers"][row]
        pending = protect(upcoming[(row, Measure.TRANSFER_PLAN)]["upcoming"], suppress)
        entry["transfers"] = {
            "transfers": add_cells(transfers["total"], pending),
            "plan_within_30_days": transfers["plan_within_30_days"],
            "plan_after_30_days": transfers["plan_after_30_days"],
            "overdue_open": transfers["overdue_open"],
            "unmet_at_exit": transfers["unmet_at_exit"],
            "upcoming": pending,
            "services_in_interim": protect(interim.get(row, 0), suppress),
        }
        services = tables["services"][row]
        prescribed, delivered = minutes.get(row, (0.0, 0))
        entry["services"] = {
            "prescribed_minutes": round(prescribed),
            "delivered_minutes": delivered,
            "students": services["total"],
            "students_at_least_90_percent": services["at_least_90_percent"],
            "students_below_90_percent": add_cells(
                services["below_90_percent"], services["no_delivery_logged"]
            ),
            "students_without_delivery": services["no_delivery_logged"],
        }
        figures[row] = entry
    return figures


def _minutes(
    result: ComplianceResult, key: Callable[[Student], str | None]
) -> dict[str | None, tuple[float, int]]:
    totals: dict[str | None, tuple[float, int]] = {}
    for item in student_services(result.service_months):
        row = key(item.student)
        prescribed, delivered = totals.get(row, (0.0, 0))
        totals[row] = (prescribed + item.prescribed, delivered + item.delivered)
    return totals


def _interim(
    result: ComplianceResult, key: Callable[[Student], str | None]
) -> dict[str | None, int]:
    counts: dict[str | None, int] = {}
    for transfer in result.transfers:
        if transfer.interim_minutes > 0:
            row = key(transfer.student)
            counts[row] = counts.get(row, 0) + 1
    return counts


def readable_time(moment: datetime) -> str:
    """Return a time as ``YYYY-MM-DD HH:MM UTC``, the report's form for times.

    A time without a zone is taken as UTC, the zone sislink stores times in
    (SQLite returns them without one).
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _quality_json(quality: Any) -> dict[str, Any]:
    if quality is None:
        return {"submissions": 0, "last_submission": None}
    rate = quality.rejection_rate
    return {
        "submissions": quality.submissions,
        "rejected": quality.rejected,
        "rejection_rate": None if rate is None else round(rate, 4),
        "last_submission": (
            readable_time(quality.last_submission) if quality.last_submission else None
        ),
        "longest_gap_days": quality.longest_gap_days,
        "days_since_last": quality.days_since_last,
        "open_errors": quality.open_errors,
        "open_warnings": quality.open_warnings,
    }


def write_report(report: dict[str, Any], file_format: str, out: Path | None) -> bytes:
    """Render ``report`` in ``file_format``; write it to ``out`` when given.

    Returns the rendered bytes.

    Raises:
        UsageError: the format is unknown, or xlsx is asked without ``out``.
    """
    renderers: dict[str, Callable[[dict[str, Any]], bytes]] = {
        "html": render_html,
        "csv": render_csv,
        "json": render_json,
        "xlsx": render_xlsx,
    }
    if file_format not in renderers:
        raise UsageError(
            f"unknown report format {file_format!r}: use one of {', '.join(FORMATS)}"
        )
    content = renderers[file_format](report)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(content)
    return content


def render_json(report: dict[str, Any]) -> bytes:
    """Return the report as indented JSON."""
    return (json.dumps(report, indent=2) + "\n").encode()


def flat_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one flat row per organization and per school, for CSV and Excel."""
    rows = []
    for organization in report["organizations"]:
        rows.append(_flatten(organization["code"], "", organization))
        for school in organization["schools"]:
            rows.append(_flatten(organization["code"], school["school"], school))
    return rows


def _flatten(code: str, school: str, figures: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"organization": code, "school": school}
    for name, value in figures.items():
        if name in ("code", "name", "kind", "schools", "school"):
            continue
        if isinstance(value, dict):
            for field, inner in value.items():
                if isinstance(inner, dict):
                    for deep, deepest in inner.items():
                        row[f"{name}.{field}.{deep}"] = deepest
                else:
                    row[f"{name}.{field}"] = inner
        else:
            row[name] = value
    return row


def render_csv(report: dict[str, Any]) -> bytes:
    """Return the report as CSV: one row per organization and per school."""
    rows = flat_rows(report)
    columns: list[str] = []
    for row in rows:
        columns.extend(name for name in row if name not in columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralize(row.get(name)) for name in columns])
    return buffer.getvalue().encode()


def render_xlsx(report: dict[str, Any]) -> bytes:
    """Return the report as an Excel workbook: organizations and schools, trend."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "figures"
    rows = flat_rows(report)
    columns: list[str] = []
    for row in rows:
        columns.extend(name for name in row if name not in columns)
    sheet.append(columns)
    for row in rows:
        sheet.append([_cell(row.get(name)) for name in columns])
    trend = workbook.create_sheet("trend by month")
    trend.append(["month", "due", "on_time_share", "delivered_share"])
    for month in report["trend"]:
        trend.append(
            [
                month["month"],
                month["due"],
                month["on_time_share"],
                month["delivered_share"],
            ]
        )
    about = workbook.create_sheet("about")
    for name in ("as_of", "since", "role", "generated", "records_committed_before"):
        about.append([name, report[name]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    """Return a value Excel stores as it is: text that looks like a formula is
    neutralized like in CSV."""
    if isinstance(value, str):
        return neutralize(value)
    return value


def render_html(report: dict[str, Any]) -> bytes:
    """Return the report as one HTML page with inline SVG charts."""
    page = _templates.get_template("compliance.html").render(
        report=report,
        timeliness_chart=_timeliness_chart(report),
        trend_chart=_trend_chart(report),
        measures=[
            ("initial_evaluations", "Initial evaluations"),
            ("annual_reviews", "Annual IEP reviews"),
            ("triennials", "Triennial reevaluations"),
        ],
    )
    return page.encode()


def _timeliness_chart(report: dict[str, Any]) -> Any:
    bars = []
    for organization in report["organizations"]:
        totals = dict.fromkeys(CHART_PARTS, 0)
        for name in ("initial_evaluations", "annual_reviews", "triennials"):
            figures = organization[name]
            values = [figures[part] for part in CHART_PARTS]
            if not all(isinstance(v, int) for v in values):
                continue
            for part, value in zip(CHART_PARTS, values, strict=True):
                totals[part] += value
        bars.append(
            StackedBar(
                f"{organization['code']} {organization['name']}"[:32],
                list(totals.items()),
            )
        )
    return stacked_bars("Timeliness by organization: evaluations and reviews", bars)


def _trend_chart(report: dict[str, Any]) -> Any:
    months = [row["month"] for row in report["trend"]]
    return line_chart(
        "Trend by month: share on time and share of minutes delivered",
        months,
        [
            (
                "deadlines met on time",
                [row["on_time_share"] for row in report["trend"]],
            ),
            (
                "prescribed minutes delivered",
                [row["delivered_share"] for row in report["trend"]],
            ),
        ],
    )
