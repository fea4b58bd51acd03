"""The person index: persons and the identifiers that point at them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import Connection, Row, select

from sislink.store.bulk import bulk_insert, in_list, reserve_ids
from sislink.store.history import CHUNK
from sislink.store.schema import organizations, person_identifiers, persons

GLOBAL_SCOPE = ""


class IdentifierType(StrEnum):
    """Kinds of identifier in the person index."""

    STATE = "ssid"
    """State student id (SSID); scope is global."""

    DISTRICT = "district"
    """The district's student id; scope is global."""

    LOCAL = "local"
    """An organization's own student id; scope is that organization's code."""


class NewIdentifier(NamedTuple):
    person_id: int
    identifier_type: IdentifierType
    scope: str
    value: str


def lookup_identifiers(
    connection: Connection,
    identifier_type: IdentifierType,
    scope: str,
    values: Collection[str],
) -> dict[str, int]:
    """Return the person each of ``values`` points at, for the values known."""
    columns = person_identifiers.c
    statement = select(columns.value, columns.person_id).where(
        columns.identifier_type == identifier_type,
        columns.scope == scope,
        in_list(connection, columns.value, "values"),
    )
    ordered = sorted(values)
    found: dict[str, int] = {}
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        rows = connection.execute(statement, {"values": chunk})
        found.update((value, person_id) for value, person_id in rows)
    return found


def scope_identifiers(
    connection: Connection, identifier_type: IdentifierType, scope: str
) -> dict[str, int]:
    """Return every identifier of one type and scope, with its person."""
    columns = person_identifiers.c
    statement = select(columns.value, columns.person_id).where(
        columns.identifier_type == identifier_type, columns.scope == scope
    )
    rows = connection.execute(statement.execution_options(yield_per=10_000))
    return {value: person_id for value, person_id in rows}


def create_persons(connection: Connection, count: int, submission_id: int) -> list[int]:
    """Insert ``count`` new persons and return their ids in insertion order."""
    ids = reserve_ids(connection, persons, count)
    now = datetime.now(UTC)
    rows = ((id_, submission_id, now) for id_ in ids)
    bulk_insert(
        connection, persons, ("id", "created_submission_id", "created_at"), rows
    )
    return ids


def add_identifiers(
    connection: Connection, identifiers: Sequence[NewIdentifier], submission_id: int
) -> None:
    """Insert identifiers; each must not point at another person already."""
    columns = (
        "person_id",
        "identifier_type",
        "scope",
        "value",
        "created_submission_id",
    )
    rows = (
        (i.person_id, i.identifier_type.value, i.scope, i.value, submission_id)
        for i in identifiers
    )
    bulk_insert(connection, person_identifiers, columns, rows)


def identifiers_of(connection: Connection, person_id: int) -> list[Row[Any]]:
    """Return the identifiers of one person, with the organization of local ids."""
    columns = person_identifiers.c
    query = (
        select(
            columns.identifier_type,
            columns.scope,
            columns.value,
            columns.created_submission_id,
            organizations.c.name.label("organization_name"),
        )
        .select_from(
            person_identifiers.outerjoin(
                organizations, organizations.c.code == columns.scope
            )
        )
        .where(columns.person_id == person_id)
        .order_by(columns.identifier_type, columns.scope, columns.value)
    )
    return list(connection.execute(query))


def person_exists(connection: Connection, person_id: int) -> bool:
    """Return whether a person with id ``person_id`` exists."""
    query = select(persons.c.id).where(persons.c.id == person_id)
    return connection.execute(query).first() is not None
