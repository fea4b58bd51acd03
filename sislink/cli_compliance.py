"""Commands for school calendars, due lists and the compliance report.

``register`` adds them to the ``sislink`` command line; they use the same
database option, error handling and exit codes as every other command.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import Connection

from sislink.compliance import compute_measures, due_list
from sislink.compliance.calendar_file import parse_calendar
from sislink.errors import UsageError
from sislink.model.calendar import SchoolCalendar
from sislink.report.compliance import FORMATS, ROLES, build_report, write_report
from sislink.store.audit import record_event
from sislink.store.calendars import store_calendar
from sislink.store.database import translate_errors
from sislink.store.organizations import (
    Organization,
    get_organization,
    list_organizations,
)
from sislink.tables import key_column, key_list_column, number_column, print_table

console = Console()

calendar_app = typer.Typer(help="Load the school calendars that timelines count with.")
compliance_app = typer.Typer(help="Compliance due lists.")
report_app = typer.Typer(help="Write reports.")

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object instead of a table.")
]


def register(app: typer.Typer) -> None:
    """Add the calendar, compliance and report commands to ``app``."""
    from sislink.cli import GuardedGroup

    for sub_app in (calendar_app, compliance_app, report_app):
        sub_app.info.cls = GuardedGroup
    app.add_typer(calendar_app, name="calendar")
    app.add_typer(compliance_app, name="compliance")
    app.add_typer(report_app, name="report")


def _engine() -> Any:
    from sislink.cli import State

    return State.engine()


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


OrgOption = Annotated[
    str, typer.Option("--org", help="Code of the district, charter or school.")
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="Date to measure on: records committed by the end of that day "
        "(UTC). Default: today.",
    ),
]
SinceOption = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="YYYY-MM-DD",
        help="First day of the measured period. Default: a year before --as-of.",
    ),
]


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"invalid {option} {text!r}: write the date as YYYY-MM-DD"
        ) from None


@calendar_app.command("load")
def calendar_load(
    path: Annotated[
        Path, typer.Argument(help="CSV file: first_date,last_date,kind,label.")
    ],
    org: OrgOption,
    json_output: JsonOption = False,
) -> None:
    """Load an organization's school calendar; it replaces the one loaded before."""
    ranges = parse_calendar(path)
    calendar = SchoolCalendar(ranges)
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    engine = _engine()
    with translate_errors(engine), engine.begin() as connection:
        organization = get_organization(connection, org)
        calendar_id = store_calendar(
            connection, organization.id, path.name, sha256, ranges
        )
        record_event(
            connection,
            "calendar-loaded",
            actor="cli",
            organization_id=organization.id,
            calendar_id=calendar_id,
            ranges=len(ranges),
        )
    long_breaks = [block for block in calendar.blocks if block.long]
    summary = {
        "organization": org,
        "calendar_id": calendar_id,
        "ranges": len(ranges),
        "breaks_not_counted": [
            {"first_date": b.first.isoformat(), "last_date": b.last.isoformat()}
            for b in long_breaks
        ],
    }
    if json_output:
        _print_json(summary)
        return
    console.print(
        f"loaded {len(ranges)} ranges for {org}; {len(long_breaks)} breaks of more "
        "than five school days are not counted in the 60-day timeline",
        highlight=False,
    )


def _scope(connection: Connection, code: str) -> tuple[Organization, str | None]:
    """Return the district or charter of ``code``, and the school if it is one."""
    organization = get_organization(connection, code)
    if organization.kind != "school":
        return organization, None
    by_id = {o.id: o for o in list_organizations(connection)}
    parent = organization
    while parent.kind == "school" and parent.parent_id in by_id:
        parent = by_id[parent.parent_id]
    return parent, code


@compliance_app.command("due")
def compliance_due(
    org: OrgOption,
    within: Annotated[
        int,
        typer.Option(
            "--within",
            min=0,
            help="Days after --as-of to list; overdue obligations are always listed.",
        ),
    ],
    as_of: AsOfOption = None,
    json_output: JsonOption = False,
) -> None:
    """List each student's open deadlines: evaluations, reviews, transfers."""
    day = _date(as_of, "--as-of") or date.today()
    engine = _engine()
    with translate_errors(engine), engine.begin() as connection:
        organization, school = _scope(connection, org)
        result = compute_measures(
            connection, day, organization_codes=[organization.code]
        )
        rows = due_list(result, within, school)
        record_event(
            connection,
            "due-list-viewed",
            actor="cli",
            organization_id=organization.id,
            rows=len(rows),
            as_of=day.isoformat(),
        )
    if json_output:
        _print_json(
            {
                "organization": org,
                "as_of": day.isoformat(),
                "within_days": within,
                "rows": [row.to_json() for row in rows],
            }
        )
        return
    columns = [key_column("due"), number_column("days left")]
    columns += [key_list_column("obligation"), key_column("local id")]
    columns += [number_column("person"), key_column("school"), key_list_column("from")]
    table = [
        (
            row.due_date.isoformat(),
            str(row.days_left),
            row.obligation,
            row.local_student_id,
            str(row.person_id or ""),
            row.school or "",
            f"{row.basis} {row.basis_date.isoformat()}",
        )
        for row in rows
    ]
    print_table(console, columns, table)
    console.print(f"{len(rows)} open deadlines as of {day}", highlight=False)


@report_app.command("compliance")
def report_compliance(
    as_of: Annotated[
        str,
        typer.Option(
            "--as-of",
            metavar="YYYY-MM-DD",
            help="Date to measure on: records committed by the end of that day (UTC).",
        ),
    ],
    file_format: Annotated[
        str, typer.Option("--format", "-f", help=f"One of: {', '.join(FORMATS)}.")
    ],
    org: Annotated[
        str | None,
        typer.Option("--org", help="Only this district or charter. Default: all."),
    ] = None,
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="district: every count; monitor: counts under 11 hidden.",
        ),
    ] = "district",
    since: SinceOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="File to write; default: standard output."),
    ] = None,
) -> None:
    """Write the compliance report: figures per organization and school."""
    if role not in ROLES:
        raise UsageError(f"unknown --role {role!r}: use one of {', '.join(ROLES)}")
    if file_format not in FORMATS:
        raise UsageError(
            f"unknown --format {file_format!r}: use one of {', '.join(FORMATS)}"
        )
    if file_format == "xlsx" and out is None:
        raise UsageError("--format xlsx needs --out FILE")
    day = _date(as_of, "--as-of")
    assert day is not None
    start = _date(since, "--since")
    engine = _engine()
    with translate_errors(engine), engine.begin() as connection:
        codes = [org] if org else None
        result = compute_measures(
            connection, day, since=start, organization_codes=codes
        )
        record_event(
            connection, "compliance-report", actor="cli", role=role, as_of=as_of
        )
    content = write_report(build_report(result, role), file_format, out)
    if out is None:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    else:
        console.print(f"wrote {out}", highlight=False)
