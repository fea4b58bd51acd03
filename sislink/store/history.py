"""Versioned records: current state, new versions, closed versions, past states."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection, Row, and_, or_, select, update

from sislink.model.records import JsonValue, RecordKind
from sislink.store.bulk import bulk_insert, in_list, reserve_ids
from sislink.store.match_keys import delete_keys, write_keys
from sislink.store.schema import record_versions

CHUNK = 900
"""Ids per ``IN`` list: below SQLite's default limit of 999 bound parameters."""


class CurrentVersion(NamedTuple):
    """The open version of a record, as the merge step compares it."""

    id: int
    content_hash: str
    person_id: int | None
    source_digest: str | None


@dataclass(slots=True)
class NewVersion:
    """A record version about to be inserted; ``data_json`` is canonical JSON."""

    kind: str
    record_key: str
    person_id: int | None
    data_json: str
    content_hash: str
    source_digest: str | None
    source_file: str | None
    source_line: int | None
    source_element: str | None


def copy_for_person(version: Row[Any], person_id: int) -> NewVersion:
    """Return a new version with a stored version's values, for ``person_id``."""
    return NewVersion(
        kind=version.kind,
        record_key=version.record_key,
        person_id=person_id,
        data_json=canonical_json(version.data),
        content_hash=version.content_hash,
        source_digest=version.source_digest,
        source_file=version.source_file,
        source_line=version.source_line,
        source_element=version.source_element,
    )


def canonical_json(data: Mapping[str, JsonValue]) -> str:
    """Return ``data`` as JSON text with sorted keys, the form stored and hashed."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(text: str) -> str:
    """Return a 32-hex-digit BLAKE2b digest of ``text``."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def content_hash(data: Mapping[str, JsonValue]) -> str:
    """Return the digest of ``data`` that ignores key order."""
    return digest(canonical_json(data))


def load_current(
    connection: Connection, organization_id: int, kind: str
) -> dict[str, CurrentVersion]:
    """Return the open versions of one organization's records of ``kind``, by key."""
    columns = record_versions.c
    query = select(
        columns.record_key,
        columns.id,
        columns.content_hash,
        columns.person_id,
        columns.source_digest,
    ).where(
        columns.organization_id == organization_id,
        columns.kind == kind,
        columns.valid_to_submission_id.is_(None),
    )
    rows = connection.execute(query.execution_options(yield_per=10_000))
    return {row[0]: CurrentVersion(*row[1:]) for row in rows}


VERSION_COLUMNS = (
    "organization_id",
    "kind",
    "record_key",
    "person_id",
    "data",
    "content_hash",
    "source_digest",
    "valid_from_submission_id",
    "source_file",
    "source_line",
    "source_element",
)


def insert_versions(
    connection: Connection,
    organization_id: int,
    submission_id: int,
    versions: Sequence[NewVersion],
) -> None:
    """Insert ``versions`` as the open versions brought by ``submission_id``.

    A student version that belongs to a person joins the person index, so
    its blocking keys are written with it.
    """
    indexed = [
        position
        for position, v in enumerate(versions)
        if v.kind == RecordKind.STUDENT.value and v.person_id is not None
    ]
    rows = _version_rows(organization_id, submission_id, versions)
    if not indexed:
        bulk_insert(connection, record_versions, VERSION_COLUMNS, rows)
        return
    # Explicit ids, because COPY returns none and the keys need them.
    ids = reserve_ids(connection, record_versions, len(versions))
    with_ids = ((version_id, *row) for version_id, row in zip(ids, rows, strict=True))
    bulk_insert(connection, record_versions, ("id", *VERSION_COLUMNS), with_ids)
    write_keys(
        connection,
        [(ids[p], json.loads(versions[p].data_json)) for p in indexed],
    )


def _version_rows(
    organization_id: int, submission_id: int, versions: Sequence[NewVersion]
) -> Iterator[tuple[Any, ...]]:
    for v in versions:
        yield (
            organization_id,
            v.kind,
            v.record_key,
            v.person_id,
            v.data_json,
            v.content_hash,
            v.source_digest,
            submission_id,
            v.source_file,
            v.source_line,
            v.source_element,
        )


def close_versions(
    connection: Connection, version_ids: Sequence[int], submission_id: int
) -> None:
    """Mark the versions ``version_ids`` as replaced or ended by ``submission_id``.

    Their blocking keys, if they had any, are deleted.
    """
    statement = (
        update(record_versions)
        .where(in_list(connection, record_versions.c.id, "ids"))
        .values(valid_to_submission_id=submission_id)
    )
    for start in range(0, len(version_ids), CHUNK):
        chunk = list(version_ids[start : start + CHUNK])
        connection.execute(statement, {"ids": chunk})
    delete_keys(connection, version_ids)


def versions_as_of(
    connection: Connection,
    organization_id: int,
    submission_id: int,
    kind: str | None = None,
) -> Iterator[Row[Any]]:
    """Yield the versions that were current right after ``submission_id``.

    A version was current then if a submission at or before it brought the
    version and none at or before it closed the version.
    """
    columns = record_versions.c
    conditions = [
        columns.organization_id == organization_id,
        columns.valid_from_submission_id <= submission_id,
        or_(
            columns.valid_to_submission_id.is_(None),
            columns.valid_to_submission_id > submission_id,
        ),
    ]
    if kind is not None:
        conditions.append(columns.kind == kind)
    query = (
        select(record_versions)
        .where(and_(*conditions))
        .order_by(columns.kind, columns.record_key)
    )
    yield from connection.execute(query.execution_options(yield_per=5_000))


def person_versions(connection: Connection, person_id: int) -> list[Row[Any]]:
    """Return every version of every record linked to ``person_id``, oldest first."""
    query = (
        select(record_versions)
        .where(record_versions.c.person_id == person_id)
        .order_by(record_versions.c.kind, record_versions.c.id)
    )
    return list(connection.execute(query))
