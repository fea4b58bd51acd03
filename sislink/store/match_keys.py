"""The stored blocking keys of the person index, and the reads that use them.

``match_keys`` contains the keys (``sislink.link.keys``) of every current
student version that belongs to a person. ``insert_versions`` writes them,
``close_versions`` deletes them, and ``load_replacements`` re-keys the
versions whose SSID a loaded pair retires. The matcher reads only the
versions that share a key with its incoming students.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from sislink.model import RecordKind
from sislink.store.bulk import bulk_insert, in_list
from sislink.store.identity import replacements_for
from sislink.store.schema import (
    CURRENT_PERSON_STUDENT,
    match_key_sets,
    match_keys,
    record_versions,
)

log = logging.getLogger(__name__)

KEY_COLUMNS = ("key", "record_version_id")
CHUNK = 900
"""Ids per ``IN`` list: below SQLite's default limit of 999 bound parameters."""
REBUILD_BATCH = 20_000
"""Versions read, keyed and written at a time while all keys are rebuilt."""


def write_keys(
    connection: Connection, versions: Sequence[tuple[int, Mapping[str, Any]]]
) -> int:
    """Insert the keys of index student versions, given as (id, data) pairs.

    Returns the number of keys written.

    SSIDs are keyed after the stored retired → replacement pairs.
    """
    # Imported here because sislink.link.keys loads Splink (through
    # sislink.link.model), which commands that write no students never need.
    from sislink.link.keys import student_ssid, version_keys

    if not versions:
        return 0
    ssids = [ssid for _id, data in versions if (ssid := student_ssid(data))]
    replacements = replacements_for(connection, ssids)
    rows = version_keys(versions, replacements)
    bulk_insert(connection, match_keys, KEY_COLUMNS, rows)
    return len(rows)


def delete_keys(connection: Connection, version_ids: Sequence[int]) -> None:
    """Delete the keys of ``version_ids``. Ids without keys are ignored."""
    statement = delete(match_keys).where(
        in_list(connection, match_keys.c.record_version_id, "ids")
    )
    for start in range(0, len(version_ids), CHUNK):
        chunk = list(version_ids[start : start + CHUNK])
        connection.execute(statement, {"ids": chunk})


def rekey_ssids(connection: Connection, ssids: Collection[str]) -> int:
    """Compute again the keys of index versions whose SSID is in ``ssids``.

    Returns how many versions were re-keyed. The SSID is not indexed, so
    this reads every index version's SSID once.
    """
    if not ssids:
        return 0
    columns = record_versions.c
    ssid = columns.data["state_student_id"].as_string()
    query = select(columns.id, ssid).where(text(CURRENT_PERSON_STUDENT))
    wanted = set(ssids)
    ids = [
        version_id
        for version_id, value in connection.execute(query)
        if value is not None and value in wanted
    ]
    versions = _versions_by_id(connection, ids)
    delete_keys(connection, ids)
    write_keys(connection, versions)
    return len(versions)


def rebuild_keys(connection: Connection) -> int:
    """Delete every stored key and key all index versions again.

    Returns the number of versions keyed."""
    from sislink.link.keys import rules_fingerprint

    connection.execute(delete(match_keys))
    columns = record_versions.c
    page = (
        select(columns.id, columns.data)
        .where(text(CURRENT_PERSON_STUDENT), columns.id > bindparam("after"))
        .order_by(columns.id)
        .limit(REBUILD_BATCH)
    )
    count = 0
    after = 0
    while batch := [
        (i, data) for i, data in connection.execute(page, {"after": after})
    ]:
        write_keys(connection, batch)
        count += len(batch)
        after = batch[-1][0]
    connection.execute(delete(match_key_sets))
    connection.execute(
        insert(match_key_sets).values(
            fingerprint=rules_fingerprint(), built_at=datetime.now(UTC)
        )
    )
    return count


REBUILD_LOCK = 0x5157_4B45_5953
"""PostgreSQL advisory lock key, taken by one key rebuild at a time."""


def ensure_current_keys(connection: Connection) -> None:
    """Rebuild the stored keys if they were computed with other rules or features.

    On PostgreSQL a transaction that finds the keys stale takes an advisory
    lock kept until it ends, then checks again. A second transaction waits
    for the first to commit its rebuild and then finds the keys current.
    """
    from sislink.link.keys import rules_fingerprint

    fingerprint = rules_fingerprint()
    stored = connection.execute(select(match_key_sets.c.fingerprint)).scalar()
    if stored == fingerprint:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": REBUILD_LOCK}
        )
        stored = connection.execute(select(match_key_sets.c.fingerprint)).scalar()
        if stored == fingerprint:
            return
    log.info("blocking keys are stale: rebuilding them for every index student")
    count = rebuild_keys(connection)
    log.info("blocking keys rebuilt for %d index students", count)


def newest_version_id(connection: Connection) -> int:
    """Return the largest record version id, or 0 when there is no version."""
    query = select(func.max(record_versions.c.id))
    return int(connection.execute(query).scalar() or 0)


def index_size(connection: Connection, up_to: int | None = None) -> int:
    """Return the number of current student versions that belong to a person.

    With ``up_to``, only versions whose id is at most ``up_to`` count.
    """
    query = select(func.count()).select_from(record_versions)
    query = query.where(text(CURRENT_PERSON_STUDENT))
    if up_to is not None:
        query = query.where(record_versions.c.id <= up_to)
    return int(connection.execute(query).scalar_one())


def candidate_versions(
    connection: Connection,
    keys: Collection[int],
    up_to: int | None = None,
    fields: Sequence[str] = (),
) -> list[tuple[int, int, dict[str, Any]]]:
    """Return (id, person_id, data) of every index version that has one of ``keys``.

    With ``up_to``, only versions whose id is at most ``up_to`` are returned.
    With ``fields``, ``data`` holds only those fields of the record (as text,
    the ones it lacks left out), read inside the database, so the whole JSON
    document never crosses the connection.

    One query: the keys are one array parameter on PostgreSQL and one JSON
    array on SQLite (read with ``json_each``), so their number is not bound
    by a limit on parameters.
    """
    if not keys:
        return []
    wanted = sorted(set(keys))
    if connection.dialect.name == "postgresql":
        parameter: Any = wanted
        keyed = match_keys.c.key == func.any(bindparam("keys", type_=ARRAY(BigInteger)))
    else:
        parameter = json.dumps(wanted)
        values = func.json_each(bindparam("keys")).table_valued("value")
        keyed = match_keys.c.key.in_(select(values.c.value))
    columns = record_versions.c
    read = (
        [columns.data[name].as_string().label(name) for name in fields]
        if fields
        else [columns.data]
    )
    versions = select(match_keys.c.record_version_id).where(keyed)
    query = (
        select(columns.id, columns.person_id, *read)
        .where(columns.id.in_(versions), text(CURRENT_PERSON_STUDENT))
        .order_by(columns.id)
    )
    if up_to is not None:
        query = query.where(columns.id <= up_to)
    rows = connection.execute(query, {"keys": parameter})
    if not fields:
        return [(version_id, person_id, data) for version_id, person_id, data in rows]
    return [
        (
            row[0],
            row[1],
            {
                name: value
                for name, value in zip(fields, row[2:], strict=True)
                if value is not None
            },
        )
        for row in rows
    ]


def _versions_by_id(
    connection: Connection, ids: Sequence[int]
) -> list[tuple[int, Mapping[str, Any]]]:
    columns = record_versions.c
    statement = select(columns.id, columns.data).where(
        in_list(connection, columns.id, "ids"),
        columns.kind == RecordKind.STUDENT.value,
    )
    found: list[tuple[int, Mapping[str, Any]]] = []
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        rows = connection.execute(statement, {"ids": chunk})
        found.extend((version_id, data) for version_id, data in rows)
    return found
