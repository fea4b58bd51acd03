"""Canonical fields from OneRoster rows: organizations, students, enrollments.

Values pass through as the source wrote them; normalization types them
through the ``oneroster`` crosswalks. Only structure is decided here: which
column feeds which field, and which ids a list column holds.
"""

from __future__ import annotations

import re

from sislink.formats.oneroster.layout import (
    DISTRICT_ID_TYPES,
    LOCAL_ID,
    ORGANIZATION_ID,
    STATE_ID_TYPES,
)
from sislink.formats.oneroster.rows import Row

SPACE = r"[^\S\x0b\x0c\x1c-\x1f]"
"""A whitespace character other than a control character, as ``trim`` removes.

Control characters stay in the identifier, so that normalization removes
them with a warning."""

USER_ID = re.compile(r"\{\s*([^{}:]*?)\s*:\s*([^{}]*?)\s*\}".replace(r"\s", SPACE))
"""One userIds entry, ``{type:identifier}``."""


def organization_id(row: Row) -> str | None:
    """Return the id an org is stored under (``ORGANIZATION_ID``)."""
    return row.get(ORGANIZATION_ID)


def split_list(value: str | None) -> list[str]:
    """Return the items of a OneRoster list value: comma separated, stripped.

    The items are ids and grade codes, so they lose control characters at
    their edges, as the ids and codes of ``rows.STRIPPED_COLUMNS`` do.
    """
    if not value:
        return []
    return [item.strip() for item in value.split(",") if item.strip()]


def first_grade(row: Row) -> str | None:
    """Return the first of a user's grades, the one the enrollment carries."""
    grades = split_list(row.get("grades"))
    return grades[0] if grades else None


def user_ids(value: str | None) -> dict[str, str] | None:
    """Return the state and district ids in a userIds value, by field name.

    Returns None when the value is not empty but contains no ``{type:id}`` entry.
    """
    if not value:
        return {}
    entries = USER_ID.findall(value)
    if not entries:
        return None
    found: dict[str, str] = {}
    for id_type, identifier in entries:
        folded = id_type.strip().casefold()
        if folded in STATE_ID_TYPES and identifier:
            found.setdefault("state_student_id", identifier)
        elif folded in DISTRICT_ID_TYPES and identifier:
            found.setdefault("district_student_id", identifier)
    return found


def student_fields(row: Row) -> dict[str, str]:
    """Return a student's fields from a users.csv row, demographics left out."""
    columns = {
        "local_student_id": LOCAL_ID,
        "first_name": "givenName",
        "middle_name": "middleName",
        "last_surname": "familyName",
        "preferred_first_name": "preferredFirstName",
        "preferred_last_surname": "preferredLastName",
    }
    return {
        name: value
        for name, column in columns.items()
        if (value := row.get(column)) is not None
    }
