"""Blocking keys: the values of ``BLOCKING_KEYS`` as 64-bit hashes.

Splink scores only the pairs that share at least one blocking key, so an
incoming student can only match an index record that shares one of its key
values. The person index stores each current student version's keys
(``match_keys``), and the matcher fetches just the versions that share a key
with the incoming students. Both sides compute their keys here, from
``feature_row``, so stored and incoming keys always agree with the rules
Splink applies.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Literal

from sislink.link import features
from sislink.link.features import Person, feature_row, person_from_student
from sislink.link.model import BLOCKING_KEYS, BlockingKey

Side = Literal["index", "incoming"]

KEY_FORMAT = "blake2b-8/1"
"""Name of the hashing scheme below, part of the fingerprint of stored keys."""


def key_value(name: str, values: Sequence[object]) -> int:
    """Return the signed 64-bit BLAKE2b hash of a rule name and its column values.

    Each part is length-prefixed, so no two different value lists give the
    same text to hash.
    """
    parts = [name, *(str(value) for value in values)]
    text = "".join(f"{len(part)}:{part}" for part in parts)
    hashed = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(hashed, "big", signed=True)


def _columns(key: BlockingKey, side: Side) -> tuple[str, ...]:
    return key.index_columns if side == "index" else key.incoming_columns


def row_keys(row: Mapping[str, object], side: Side) -> list[int]:
    """Return the keys of one feature row on one side of the blocking rules.

    A rule gives no key when any of its columns is missing (None), because
    Splink's SQL equality never holds for a NULL.
    """
    found = []
    for key in BLOCKING_KEYS:
        values = [row[column] for column in _columns(key, side)]
        if any(value is None for value in values):
            continue
        found.append(key_value(key.name, values))
    return found


def person_keys(person: Person, side: Side) -> list[int]:
    """Return the keys of ``person`` on one side of the blocking rules."""
    return row_keys(feature_row(person), side)


def with_replacement(person: Person, replacements: Mapping[str, str]) -> Person:
    """Return ``person`` with a retired SSID swapped for its final replacement."""
    if not person.ssid or person.ssid not in replacements:
        return person
    return Person(
        person.unique_id,
        person.first_name,
        person.middle_name,
        person.last_name,
        person.birth_date,
        person.gender,
        person.postal_code,
        replacements[person.ssid],
    )


def student_ssid(data: Mapping[str, object]) -> str | None:
    """Return the state student id of a canonical student record, if it has one."""
    value = data.get("state_student_id")
    return str(value) if value else None


def version_keys(
    versions: Iterable[tuple[int, Mapping[str, object]]],
    replacements: Mapping[str, str],
) -> list[tuple[int, int]]:
    """Return (key, version id) for index student versions given with their data."""
    rows: list[tuple[int, int]] = []
    for version_id, data in versions:
        person = person_from_student(str(version_id), data)
        person = with_replacement(person, replacements)
        rows.extend((key, version_id) for key in person_keys(person, "index"))
    return rows


@cache
def rules_fingerprint() -> str:
    """Return a digest of everything stored keys depend on.

    It covers the blocking keys, the source of ``sislink.link.features``,
    the nickname table and ``KEY_FORMAT``, so a change to any of them makes
    stored keys stale (see ``sislink.store.match_keys.ensure_current_keys``).
    A change to the feature code that only alters comments or layout also
    changes the digest, which costs one rebuild and is otherwise harmless.
    """
    hashed = hashlib.blake2b(digest_size=16)
    hashed.update(KEY_FORMAT.encode())
    hashed.update(repr(BLOCKING_KEYS).encode())
    hashed.update(inspect.getsource(features).encode())
    table = resources.files("sislink.link") / "data" / features.NICKNAMES_FILE
    hashed.update(table.read_bytes())
    return hashed.hexdigest()
