"""Canonical records and code sets: pure data, no I/O."""

from sislink.model.findings import Finding, Severity
from sislink.model.provenance import (
    Provenance,
    Record,
    Removed,
    Skipped,
    SourceDialect,
    SourceRecord,
)
from sislink.model.records import KINDS, FieldSpec, FieldType, KindSpec, RecordKind

__all__ = [
    "KINDS",
    "FieldSpec",
    "FieldType",
    "Finding",
    "KindSpec",
    "Provenance",
    "Record",
    "RecordKind",
    "Removed",
    "Severity",
    "Skipped",
    "SourceDialect",
    "SourceRecord",
]
