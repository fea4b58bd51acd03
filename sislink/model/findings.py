"""Findings: problems found in submitted data, as data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sislink.model.provenance import Provenance
from sislink.model.records import RecordKind


class Severity(StrEnum):
    """What a finding does to its record."""

    ERROR = "error"
    """The record is rejected and kept in quarantine."""

    WARNING = "warning"
    """The record is stored and flagged."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in submitted data, with where it is and how to fix it."""

    code: str
    severity: Severity
    message: str
    fix: str
    kind: RecordKind | None = None
    provenance: Provenance | None = None
    field: str | None = None
    value: str | None = None
    record_key: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR
