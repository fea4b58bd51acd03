"""Write a generated world's organizations as sislink CSV files."""

from __future__ import annotations

from pathlib import Path

from sislink.demo.world import World
from sislink.formats.sislink_csv import write_kind
from sislink.model import RecordKind


def write_sislink_csv(world: World, organization_code: str, directory: Path) -> Path:
    """Write one organization's records to ``directory``, one file per kind.

    Every kind gets a file, empty ones with the header only, because a file
    in the sislink CSV layout is a full snapshot of its kind. The service
    delivery file is left out when the world was generated without
    deliveries. Returns ``directory``. Raises ``KeyError`` for an unknown
    organization code.
    """
    if organization_code not in world.organizations:
        raise KeyError(f"organization {organization_code!r} is not in the world")
    for kind in RecordKind:
        if kind is RecordKind.SERVICE_DELIVERY and not world.deliveries:
            continue
        write_kind(directory, kind, world.records(organization_code, kind))
    return directory


def write_roster(world: World, directory: Path) -> Path:
    """Write the district's roster and special-education records to ``directory``.

    The roster is the district's own export: the district and its schools,
    its students with district and state student ids, their enrollments and
    their special-education records. Returns ``directory``.
    """
    return write_sislink_csv(world, world.district_code, directory)
