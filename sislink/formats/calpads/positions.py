"""The building blocks of the CALPADS layouts: positions and file layouts."""

from __future__ import annotations

from dataclasses import dataclass, field

from sislink.model import KINDS, RecordKind
from sislink.model.characters import trim

Target = tuple[RecordKind, str]
"""A canonical field that a position fills: its record kind and field name."""


@dataclass(frozen=True, slots=True)
class Position:
    """One field of a CALPADS file: its number, name and canonical targets."""

    number: str
    name: str
    fills: tuple[Target, ...] = ()
    source: str | None = None
    """The public source confirming the position; None for an assumption."""
    assumption: str = ""
    """The reason for an unconfirmed position's place."""

    @property
    def confirmed(self) -> bool:
        return self.source is not None


def known(number: str, name: str, source: str, *fills: Target) -> Position:
    """Return a position a public source confirms."""
    return Position(number, name, fills, source)


def assumed(number: str, name: str, reason: str, *fills: Target) -> Position:
    """Return a position no public source confirms: an ASSUMPTION with its reason."""
    return Position(number, name, fills, None, reason)


@dataclass(frozen=True)
class FileLayout:
    """The layout of one CALPADS record type."""

    record_type: str
    title: str
    kind: RecordKind
    """The kind a line of this type is counted as when the line is rejected."""
    positions: tuple[Position, ...]
    width_source: str | None = None
    """The source confirming the field count; None when it is an assumption."""
    kinds: tuple[RecordKind, ...] = field(init=False)

    def __post_init__(self) -> None:
        for index, position in enumerate(self.positions, start=1):
            expected = f"{self.positions[0].number.split('.')[0]}.{index:02d}"
            assert position.number == expected, f"{position.number} != {expected}"
            for kind, name in position.fills:
                assert name in KINDS[kind].by_name, f"{kind} has no field {name}"
        kinds = [kind for p in self.positions for kind, _ in p.fills]
        object.__setattr__(self, "kinds", tuple(dict.fromkeys(kinds)))

    @property
    def width(self) -> int:
        return len(self.positions)

    def fields_of(self, kind: RecordKind, cells: list[str]) -> dict[str, str]:
        """Return the trimmed, non-empty values ``cells`` give to ``kind``."""
        values: dict[str, str] = {}
        for position, cell in zip(self.positions, cells, strict=True):
            text = trim(cell)
            if not text:
                continue
            for target_kind, name in position.fills:
                if target_kind is kind:
                    values.setdefault(name, text)
        return values
