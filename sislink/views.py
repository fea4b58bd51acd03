"""Read models for the command line and reports: JSON shapes and Rich tables."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from sqlalchemy import Connection, select

from sislink.errors import UsageError
from sislink.model import RecordKind
from sislink.model.findings import Finding
from sislink.model.summary import SubmissionResult
from sislink.store.changes import changes_since, newest_version
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
    """Print the first errors, or every finding of a dry run.

    A dry run stores no findings, so ``sislink issues`` cannot report them
    later and they are all printed here.
    """
    if result.status == "dry-run":
        for finding in result.findings:
            _print_finding(console, finding)
        return
    found = [f for f in result.findings if f.is_error]
    for finding in found[:ERRORS_SHOWN]:
        _print_finding(console, finding)
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


def _print_finding(console: Console, finding: Finding) -> None:
    place = f"{finding.provenance}: " if finding.provenance else ""
    colour = "red" if finding.is_error else "yellow"
    console.print(
        f"[bold {colour}]{finding.severity}[/] {finding.code}: {place}"
        f"{finding.message}. Fix: {finding.fix}",
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
    """Return one page of the change feed after ``since`` as JSON.

    ``newest`` and ``next_since`` are the last version on the page (``since``
    when the page is empty): the value to pass as ``--since`` next. ``more``
    is true when later changes exist beyond the page's ``limit``.
    ``latest_version`` is the newest version handed out in the whole store.
    """
    organization_id = get_organization(connection, org).id if org else None
    # Reading one row past the limit shows whether another page follows.
    rows = changes_since(
        connection, since, organization_id=organization_id, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
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
    return {
        "since": since,
        "organization": org,
        "limit": limit,
        "newest": newest,
        "next_since": newest,
        "more": more,
        "latest_version": newest_version(connection),
        "changes": items,
    }


def print_changes(console: Console, feed: dict[str, Any]) -> None:
    """Print a page of the change feed and the ``--since`` value to continue with."""
    # Kind and key share a column: a special-education program's kind and
    # key are 25 and 24 characters, too wide for two columns at 80.
    columns = [number_column("version"), key_column("organization")]
    columns += [key_column("kind and key"), key_column("operation")]
    columns += [number_column("person")]
    table = [
        (
            str(item["change_version"]),
            item["organization"],
            f"{item['kind']}\n{item['key']}",
            item["operation"],
            str(item["person_id"] or ""),
        )
        for item in feed["changes"]
    ]
    if table:
        print_table(console, columns, table)
    console.print(_feed_position(feed), highlight=False, soft_wrap=True)


def _feed_position(feed: dict[str, Any]) -> str:
    """Return where a page of the feed ends and the command that continues it."""
    since, last = feed["since"], feed["next_since"]
    count = len(feed["changes"])
    options = f" --org {feed['organization']}" if feed["organization"] else ""
    options += f" --limit {feed['limit']}" if feed["more"] else ""
    command = f"sislink changes --since {last}{options}"
    if feed["more"]:
        first = feed["changes"][0]["change_version"]
        return (
            f"{count:,} changes, versions {first}-{last}; more follow. "
            f"Next page: {command}"
        )
    if feed["changes"]:
        return (
            f"{count:,} changes up to version {last}; no more now. "
            f"For later changes run: {command}"
        )
    if since > feed["latest_version"]:
        return (
            f"no changes after version {since}: the newest change version in "
            f"this database is {feed['latest_version']}, so check --since"
        )
    return f"no changes after version {since}. For later changes run: {command}"


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
