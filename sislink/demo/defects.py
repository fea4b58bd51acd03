"""Defects of the kinds real exports contain, injected at a known rate.

For every organization and record kind (organizations excepted), exactly
``round(defect_rate * records)`` records get one defect each, chosen at random
among the records and among the defect types that fit the record. Service
deliveries count only scheduled sessions, so make-up sessions never get a
defect. Every defect goes to ``world.defects`` with the record key as it
appears in the file, which for a changed key field is the changed key.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sislink.demo.deliveries import count_reported_sessions, service_deliveries
from sislink.demo.entities import Defect, Membership, Organization, Override
from sislink.demo.records import MEMBER_BUILDERS, Row
from sislink.model import KINDS, FieldType, RecordKind
from sislink.model.records import JsonValue

if TYPE_CHECKING:
    from sislink.demo.world import World

MISSING_VALUE = "missing-value"
IMPOSSIBLE_DATE = "impossible-date"
UNKNOWN_CODE = "unknown-code"
DUPLICATE_ROW = "duplicate-row"
ORPHAN_REFERENCE = "orphan-reference"
"""A row whose student id matches no student in the same file."""
SSID_TYPO = "ssid-typo"

DEFECT_TYPES = (
    MISSING_VALUE,
    IMPOSSIBLE_DATE,
    UNKNOWN_CODE,
    DUPLICATE_ROW,
    ORPHAN_REFERENCE,
    SSID_TYPO,
)

DEFECT_KINDS = tuple(kind for kind in RecordKind if kind is not RecordKind.ORGANIZATION)

# Values outside each code set, shaped like the slips real exports make.
UNKNOWN_CODES: dict[str, tuple[str, ...]] = {
    "gender": ("U", "N"),
    "grade_level": ("K", "13", "0K"),
    "enrollment_status": ("11",),
    "disability": ("295", "999"),
    "special_education_status": ("2",),
    "plan_type": ("101", "IEP"),
    "meeting_type": ("25", "99"),
    "service": ("335", "999"),
    "provider_type": ("600",),
    "frequency_period": ("biweekly",),
    "delivery_status": ("complete", "absent"),
}

IMPOSSIBLE_MONTH_DAYS = ("02-30", "02-31", "04-31", "06-31", "09-31", "11-31")

Target = tuple[Membership, int, int]
"""A membership, the unit (a service for deliveries, else 0) and the row in the unit."""


def inject_defects(world: World, rng: random.Random) -> None:
    """Choose the defective records of every organization and record the ledger."""
    if world.defect_rate <= 0:
        return
    for organization in world.organizations.values():
        for kind in DEFECT_KINDS:
            for membership, unit, position in _targets(rng, world, organization, kind):
                row = _unit_rows(world, membership, kind, unit)[position]
                _inject(rng, world, organization, membership, kind, row)


def _targets(
    rng: random.Random, world: World, organization: Organization, kind: RecordKind
) -> Iterator[Target]:
    units = list(_units(world, organization, kind))
    total = sum(count for _, _, count in units)
    wanted = round(world.defect_rate * total)
    if wanted == 0:
        return
    positions = sorted(rng.sample(range(total), wanted))
    start = 0
    index = 0
    for membership, unit, count in units:
        while index < wanted and positions[index] < start + count:
            yield membership, unit, positions[index] - start
            index += 1
        start += count


def _units(
    world: World, organization: Organization, kind: RecordKind
) -> Iterator[tuple[Membership, int, int]]:
    for membership in organization.memberships:
        if not membership.listed:
            continue
        if kind is not RecordKind.SERVICE_DELIVERY:
            count = record_count(membership, kind)
            if count:
                yield membership, 0, count
            continue
        sped = membership.special_education
        if sped is None or not world.deliveries:
            continue
        for unit, service in enumerate(sped.services):
            count = count_reported_sessions(membership, service, world.calendar)
            if count:
                yield membership, unit, count


def record_count(membership: Membership, kind: RecordKind) -> int:
    """Return how many records of ``kind`` (not deliveries) a membership produces."""
    if kind in (RecordKind.STUDENT, RecordKind.ENROLLMENT):
        return 1
    sped = membership.special_education
    if sped is None:
        return 0
    if kind is RecordKind.SPECIAL_EDUCATION_PROGRAM:
        return 0 if sped.primary_disability is None else 1
    if kind is RecordKind.PLAN:
        return len(sped.plans)
    if kind is RecordKind.EVALUATION:
        return len(sped.evaluations)
    if kind is RecordKind.SERVICE:
        return len(sped.services)
    raise ValueError(f"record_count does not count {kind} records")


def _unit_rows(
    world: World, membership: Membership, kind: RecordKind, unit: int
) -> list[Row]:
    if kind is not RecordKind.SERVICE_DELIVERY:
        return MEMBER_BUILDERS[kind](membership, world.calendar)
    assert membership.special_education is not None
    service = membership.special_education.services[unit]
    rows = service_deliveries(membership, service, world.calendar)
    return [row for row in rows if row["delivery_status"] != "make-up"]


def _inject(
    rng: random.Random,
    world: World,
    organization: Organization,
    membership: Membership,
    kind: RecordKind,
    row: Row,
) -> None:
    defect_type = rng.choice(applicable_defects(kind, row))
    spec = KINDS[kind]
    field, value = _change(rng, organization, kind, row, defect_type)
    override = Override(kind, spec.key_of(row), field, value)
    world.overrides.setdefault(membership.serial, []).append(override)

    changed = row if field is None else {**row, field: value}
    world.defects.append(
        Defect(organization.code, kind, spec.key_of(changed), defect_type)
    )


def applicable_defects(kind: RecordKind, row: Row) -> list[str]:
    """Return the defect types that can be injected into ``row``."""
    types = [DUPLICATE_ROW]
    if _fields(kind, row, required=True):
        types.append(MISSING_VALUE)
    if _fields(kind, row, field_type=FieldType.DATE):
        types.append(IMPOSSIBLE_DATE)
    if _code_fields(kind, row):
        types.append(UNKNOWN_CODE)
    if kind is RecordKind.STUDENT:
        if row.get("state_student_id"):
            types.append(SSID_TYPO)
    else:
        types.append(ORPHAN_REFERENCE)
    return types


def _change(
    rng: random.Random,
    organization: Organization,
    kind: RecordKind,
    row: Row,
    defect_type: str,
) -> tuple[str | None, JsonValue]:
    """Return the field to change and its defective value (None field: duplicate)."""
    if defect_type == MISSING_VALUE:
        return rng.choice(_fields(kind, row, required=True)), None
    if defect_type == IMPOSSIBLE_DATE:
        field = rng.choice(_fields(kind, row, field_type=FieldType.DATE))
        year = str(row[field])[:4]
        return field, f"{year}-{rng.choice(IMPOSSIBLE_MONTH_DAYS)}"
    if defect_type == UNKNOWN_CODE:
        field, code_set = rng.choice(_code_fields(kind, row))
        return field, rng.choice(UNKNOWN_CODES[code_set])
    if defect_type == ORPHAN_REFERENCE:
        # A number no student of the organization has or will get.
        number = organization.next_local_number
        organization.next_local_number += 1
        return "local_student_id", organization.id_scheme.format(number)
    if defect_type == SSID_TYPO:
        return "state_student_id", mistype_ssid(rng, str(row["state_student_id"]))
    return None, None


def _fields(
    kind: RecordKind,
    row: Row,
    required: bool = False,
    field_type: FieldType | None = None,
) -> list[str]:
    """Return the names of filled fields that are required or of ``field_type``.

    The student id is left out, so a missing value never hides the student.
    """
    names = []
    for spec in KINDS[kind].fields:
        if spec.name == "local_student_id" or row.get(spec.name) in (None, ""):
            continue
        if (required and spec.required) or (field_type and spec.type is field_type):
            names.append(spec.name)
    return names


def _code_fields(kind: RecordKind, row: Row) -> list[tuple[str, str]]:
    return [
        (spec.name, spec.code_set)
        for spec in KINDS[kind].fields
        if spec.code_set in UNKNOWN_CODES and row.get(spec.name) not in (None, "")
    ]


def mistype_ssid(rng: random.Random, ssid: str) -> str:
    """Return ``ssid`` with one slip: two digits swapped, one wrong, or one lost."""
    draw = rng.random()
    swaps = [i for i in range(len(ssid) - 1) if ssid[i] != ssid[i + 1]]
    if draw < 0.5 and swaps:
        i = rng.choice(swaps)
        return ssid[:i] + ssid[i + 1] + ssid[i] + ssid[i + 2 :]
    if draw < 0.8:
        i = rng.randrange(len(ssid))
        digit = rng.choice([d for d in "0123456789" if d != ssid[i]])
        return ssid[:i] + digit + ssid[i + 1 :]
    i = rng.randrange(len(ssid))
    return ssid[:i] + ssid[i + 1 :]
