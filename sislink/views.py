"""Read models for the command line and reports: JSON shapes and Rich tables."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from sqlalchemy import Connection, select

from sislink.errors import UsageError
from sislink.model import RecordKind
from sislink.model.summary import SubmissionResult
from sislink.store.changes import changes_since
from sislink.store.history import person_versions
from sislink.store.organizations import (
    Organization,
    get_organization,
    list_organizations,
)
from sislink.store.persons import identifiers_of, person_exists
from sislink.store.schema import organizations
from sislink.tables import key_column, number_column, print_table, text_column


def organization_json(
    organization: Organization, parent: str | None = None
) -> dict[str, Any]:
    """Return an organization as JSON."""
    return {
        "code": organization.code,
        "name": organization.name,
        "kind": organization.kind,
        "parent": parent,
    }


def organizations_json(connection: Connection) -> list[dict[str, Any]]:
    """Return every organization as JSON, with its parent's code."""
    everything = list_organizations(connection)
    code_of = {o.id: o.code for o in everything}
    return [
        organization_json(o, code_of.get(o.parent_id) if o.parent_id else None)
        for o in everything
    ]


def print_result(console: Console, result: SubmissionResult) -> None:
    """Print a submission's outcome as tables of records and changes."""
    console.print(
        f"submission {result.submission_id} for {result.organization}: "
        f"[bold]{result.status}[/]",
        highlight=False,
    )
    held = result.status == "held"
    columns = ["read", "accepted", "rejected", "skipped"]
    columns += ["held"] if held else []
    columns += ["inserted", "updated", "ended", "unchanged"]
    table = []
    for kind in RecordKind:
        counts = result.kinds.get(kind)
        if counts is not None:
            numbers = [getattr(counts, name) for name in columns]
            table.append((kind.value, *(f"{n:,}" for n in numbers)))
    print_table(
        console,
        [key_column("kind"), *(number_column(name) for name in columns)],
        table,
    )
    persons = result.persons
    issues = result.severity_counts()
    console.print(
        f"persons: {persons.linked:,} linked, {persons.created:,} created, "
        f"{persons.review:,} to review; findings: "
        f"{_count(issues['error'], 'error')}, {_count(issues['warning'], 'warning')}",
        highlight=False,
    )
    if result.change_versions:
        first, last = result.change_versions
        console.print(f"change versions {first}-{last}", highlight=False)
    _print_first_errors(console, result)
    if result.status == "dry-run":
        _print_planned(console, result.planned_changes)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


ERRORS_SHOWN = 5
"""Error findings a submission prints; ``sislink issues`` reports them all."""


def _print_first_errors(console: Console, result: SubmissionResult) -> None:
    found = [f for f in result.findings if f.is_error]
    for finding in found[:ERRORS_SHOWN]:
        place = f"{finding.provenance}: " if finding.provenance else ""
        console.print(
            f"[bold red]error[/] {finding.code}: {place}{finding.message}. "
            f"Fix: {finding.fix}",
            highlight=False,
        )
    if found and result.submission_id is not None:
        more = (
            f"{len(found) - ERRORS_SHOWN:,} more errors; "
            if len(found) > ERRORS_SHOWN
            else ""
        )
        console.print(
            f"{more}every finding with its fix: "
            f"sislink issues {result.submission_id} --format html --out FILE",
            highlight=False,
        )


PLANNED_SHOWN = 20
"""Planned changes a dry run prints; ``--json`` lists them all."""


def _print_planned(console: Console, planned: list[tuple[str, str, str]]) -> None:
    console.print(
        f"dry run: {len(planned):,} changes would be applied; nothing was written",
        highlight=False,
    )
    if not planned:
        return
    print_table(
        console,
        [key_column("operation"), key_column("kind"), key_column("record key")],
        [(operation, kind, key) for kind, key, operation in planned[:PLANNED_SHOWN]],
    )
    if len(planned) > PLANNED_SHOWN:
        console.print(
            f"... and {len(planned) - PLANNED_SHOWN:,} more (all with --json)",
            highlight=False,
        )


def changes_json(
    connection: Connection, since: int, org: str | None, limit: int
) -> dict[str, Any]:
    """Return the change feed after ``since`` as JSON."""
    organization_id = get_organization(connection, org).id if org else None
    rows = changes_since(
        connection, since, organization_id=organization_id, limit=limit
    )
    items = [
        {
            "change_version": row.change_version,
            "submission_id": row.submission_id,
            "organization": row.organization,
            "kind": row.kind,
            "key": row.record_key,
            "operation": row.operation,
            "person_id": row.person_id,
            "data": row.data,
        }
        for row in rows
    ]
    newest = items[-1]["change_version"] if items else since
    return {"since": since, "newest": newest, "changes": items}


def print_changes(console: Console, feed: dict[str, Any]) -> None:
    """Print the change feed as a table."""
    columns = [number_column("version")]
    columns += [key_column(name) for name in ("organization", "kind", "key")]
    columns += [key_column("operation"), number_column("person")]
    table = [
        (
            str(item["change_version"]),
            item["organization"],
            item["kind"],
            item["key"],
            item["operation"],
            str(item["person_id"] or ""),
        )
        for item in feed["changes"]
    ]
    print_table(console, columns, table)
    console.print(f"newest change version: {feed['newest']}", highlight=False)


def person_json(connection: Connection, person_id: int) -> dict[str, Any]:
    """Return one person with identifiers and every version of every record.

    Raises:
        UsageError: no person has that id.
    """
    if not person_exists(connection, person_id):
        raise UsageError(f"person {person_id} not found: check the id")
    rows = connection.execute(select(organizations.c.id, organizations.c.code))
    code_of = {id_: code for id_, code in rows}
    identifiers = [
        {
            "type": row.identifier_type,
            "scope": row.scope or None,
            "value": row.value,
            "since_submission": row.created_submission_id,
        }
        for row in identifiers_of(connection, person_id)
    ]
    records = [
        {
            "organization": code_of.get(row.organization_id),
            "kind": row.kind,
            "key": row.record_key,
            "valid_from_submission": row.valid_from_submission_id,
            "valid_to_submission": row.valid_to_submission_id,
            "source": {"file": row.source_file, "line": row.source_line},
            "data": row.data,
        }
        for row in person_versions(connection, person_id)
    ]
    return {"person_id": person_id, "identifiers": identifiers, "records": records}


def print_person(console: Console, person: dict[str, Any]) -> None:
    """Print a person's identifiers and record history."""
    console.print(f"person {person['person_id']}", highlight=False)
    identifiers = [
        (
            item["type"],
            item["scope"] or "",
            item["value"],
            str(item["since_submission"]),
        )
        for item in person["identifiers"]
    ]
    print_table(
        console,
        [key_column(name) for name in ("identifier", "scope", "value")]
        + [number_column("since submission")],
        identifiers,
    )
    history = []
    for item in person["records"]:
        source = item["source"]
        place = (
            f"{source['file']}:{source['line']}"
            if source["line"]
            else source["file"] or ""
        )
        values = ", ".join(f"{k}={v}" for k, v in item["data"].items() if v is not None)
        history.append(
            (
                item["organization"] or "",
                item["kind"],
                item["key"],
                str(item["valid_from_submission"]),
                str(item["valid_to_submission"] or "current"),
                place,
                values,
            )
        )
    columns = [key_column(name) for name in ("organization", "kind", "key")]
    columns += [number_column("from"), key_column("to")]
    columns += [text_column("source"), text_column("values")]
    print_table(console, columns, history)
