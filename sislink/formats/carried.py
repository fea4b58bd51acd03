"""The fields a written format leaves out of the record kinds it writes.

A writer that carries a record kind may still have no place for some of its
fields, or may write a value its reader turns into another one. Each writer
declares those fields as ``FieldLoss`` entries, and the export counts the
stored values each one leaves out (``sislink.export``). The round-trip tests
check every declaration against what the format's reader returns.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from sislink.model import KINDS, RecordKind
from sislink.model.records import JsonValue


def has_value(value: JsonValue) -> bool:
    """Return whether a stored value is present: neither None nor empty text."""
    return value is not None and value != ""


@dataclass(frozen=True, slots=True)
class FieldLoss:
    """A canonical field whose stored values a format does not carry unchanged."""

    kind: RecordKind
    field: str
    reason: str
    """The reason the format loses the value, as the export documentation states it."""
    applies: Callable[[JsonValue], bool] = has_value
    """Whether a stored value is lost; by default every value that is present."""

    def __post_init__(self) -> None:
        assert self.field in KINDS[self.kind].by_name, (self.kind, self.field)


def losses_outside(
    kind: RecordKind, carried: Collection[str], reason: str
) -> list[FieldLoss]:
    """Return a loss for each field of ``kind`` that is not in ``carried``."""
    return [
        FieldLoss(kind, spec.name, reason)
        for spec in KINDS[kind].fields
        if spec.name not in carried
    ]
