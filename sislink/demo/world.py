"""A generated district with its charters, and lazy access to their records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from sislink.demo.deliveries import DeliveryCalendar
from sislink.demo.entities import Defect, Membership, Organization, Override
from sislink.demo.records import MEMBER_BUILDERS, Row, organization_rows
from sislink.model import KINDS, RecordKind


@dataclass
class World:
    """A district, its charters and their students on one export day.

    ``organizations`` lists the district first, then the charters. Records
    are built only when a caller iterates them, with the injected defects
    applied; ``defects`` lists every defect with the key it has in the file.
    """

    seed: int
    round_number: int
    as_of: date
    district_code: str
    organizations: dict[str, Organization]
    ssid_key: tuple[int, int]
    next_person: int
    next_serial: int
    deliveries: bool
    delivery_weeks: int
    defect_rate: float
    defects: list[Defect] = field(default_factory=list)
    overrides: dict[int, list[Override]] = field(default_factory=dict)
    calendar: DeliveryCalendar = field(init=False)

    def __post_init__(self) -> None:
        self.calendar = DeliveryCalendar.build(
            self.seed, self.as_of, self.delivery_weeks
        )

    @property
    def district(self) -> Organization:
        """Return the district."""
        return self.organizations[self.district_code]

    @property
    def charter_codes(self) -> list[str]:
        """Return the codes of the charters, in generation order."""
        return [code for code in self.organizations if code != self.district_code]

    def records(self, organization_code: str, kind: RecordKind) -> Iterator[Row]:
        """Yield one organization's records of one kind, built one membership at a time.

        Raises ``KeyError`` for an unknown organization code.
        """
        organization = self.organizations[organization_code]
        if kind is RecordKind.ORGANIZATION:
            yield from organization_rows(organization)
            return
        if kind is RecordKind.SERVICE_DELIVERY and not self.deliveries:
            return
        build = MEMBER_BUILDERS[kind]
        for membership in organization.memberships:
            if not membership.listed:
                continue
            rows = build(membership, self.calendar)
            overrides = self.overrides.get(membership.serial)
            if overrides:
                rows = apply_overrides(kind, rows, overrides)
            yield from rows

    def organization_records(
        self, organization_code: str
    ) -> Iterator[tuple[RecordKind, Row]]:
        """Yield every record of one organization with its kind, kind by kind."""
        for kind in RecordKind:
            for row in self.records(organization_code, kind):
                yield kind, row

    def record_lists(self, organization_code: str) -> dict[RecordKind, list[Row]]:
        """Return one organization's records as lists per kind.

        This holds the whole organization in memory; the district's service
        deliveries alone can run to millions of rows, so prefer ``records``
        for large organizations.
        """
        return {
            kind: list(self.records(organization_code, kind)) for kind in RecordKind
        }

    def memberships(self) -> Iterator[Membership]:
        """Yield every membership of every organization, listed or not."""
        for organization in self.organizations.values():
            yield from organization.memberships


def apply_overrides(
    kind: RecordKind, rows: list[Row], overrides: list[Override]
) -> list[Row]:
    """Return ``rows`` with the overrides of ``kind`` applied to the matching keys."""
    by_key = {override.key: override for override in overrides if override.kind is kind}
    if not by_key:
        return rows
    spec = KINDS[kind]
    changed: list[Row] = []
    for row in rows:
        override = by_key.get(spec.key_of(row))
        if override is None:
            changed.append(row)
        elif override.field is None:
            changed.extend((row, dict(row)))
        else:
            changed.append({**row, override.field: override.value})
    return changed
