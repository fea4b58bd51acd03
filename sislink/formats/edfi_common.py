"""Ed-Fi mapping rules shared by the XML and JSON readers.

Both readers see the same Ed-Fi entities, once as interchange elements and
once as API resources, so the rules that turn them into canonical fields
live here, free of either syntax.
"""

from __future__ import annotations

from collections.abc import Iterable

from sislink.model.crosswalks import code_key

NOT_A_CHARTER = "not a charter school"
"""CharterStatusDescriptor code value (casefolded) of a non-charter organization."""

CHARTER_CATEGORIES = frozenset({"independent charter district", "charter"})
"""LocalEducationAgencyCategoryDescriptor code values (casefolded) of a charter LEA."""

IDENTIFICATION_FIELDS = {"state": "state_student_id", "district": "district_student_id"}
"""Student id fields by assigning organization or identification system (casefolded)."""

DISABILITY_SLOTS = ("primary_disability", "secondary_disability")


def agency_kind(status: str | None, category: str | None) -> str:
    """Return ``charter`` or ``district`` for an LEA's charter status and category.

    The kind is ``charter`` when the CharterStatus descriptor names a charter
    status or the LocalEducationAgencyCategory is a charter category.
    """
    is_charter = (status is not None and code_key(status) != NOT_A_CHARTER) or (
        category is not None and code_key(category) in CHARTER_CATEGORIES
    )
    return "charter" if is_charter else "district"


def identification_field(candidates: Iterable[str | None]) -> str | None:
    """Return the id field named by the first candidate that names one.

    The candidates are an identification code's assigning organization code
    and identification system descriptor, in that order.
    """
    for text in candidates:
        if text is not None and code_key(text) in IDENTIFICATION_FIELDS:
            return IDENTIFICATION_FIELDS[code_key(text)]
    return None


def order_disabilities(entries: Iterable[tuple[str | None, str | None]]) -> list[str]:
    """Return disability descriptors sorted by their OrderOfDisability text.

    ``entries`` are (descriptor, order) pairs in document order. Entries
    without a descriptor are dropped. Entries without a whole-number order
    follow the ordered ones, in document order.
    """
    ranked: list[tuple[bool, int, int, str]] = []
    for position, (descriptor, order_text) in enumerate(entries):
        if descriptor is None:
            continue
        text = (order_text or "").strip()
        order = int(text) if text.isdigit() else None
        ranked.append((order is None, order or 0, position, descriptor))
    return [entry[3] for entry in sorted(ranked)]


def disability_fields(disabilities: list[str]) -> dict[str, str]:
    """Return the primary, secondary and other disability fields of a list."""
    fields = dict(zip(DISABILITY_SLOTS, disabilities, strict=False))
    if len(disabilities) > len(DISABILITY_SLOTS):
        fields["other_disabilities"] = ";".join(disabilities[len(DISABILITY_SLOTS) :])
    return fields
