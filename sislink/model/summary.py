"""The outcome of one submission: counts per kind, persons, changes, findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sislink.model.findings import Finding, Severity
from sislink.model.records import RecordKind


@dataclass(slots=True)
class KindCounts:
    """Records of one kind: read = accepted + rejected + skipped + held.

    ``held`` counts records stored but not applied: those of a submission
    the mass-change guard held, and orphans waiting for their student.
    """

    read: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped: int = 0
    held: int = 0
    inserted: int = 0
    updated: int = 0
    ended: int = 0
    unchanged: int = 0

    @property
    def balanced(self) -> bool:
        return self.read == self.accepted + self.rejected + self.skipped + self.held


@dataclass(slots=True)
class PersonCounts:
    """Counts of the submission's students by how they were linked to persons."""

    linked: int = 0
    created: int = 0
    review: int = 0


@dataclass
class SubmissionResult:
    """The outcome of one submission.

    ``status`` is committed, held, rejected or dry-run.
    """

    submission_id: int | None
    organization: str
    status: str = "running"
    kinds: dict[RecordKind, KindCounts] = field(default_factory=dict)
    persons: PersonCounts = field(default_factory=PersonCounts)
    findings: list[Finding] = field(default_factory=list)
    change_versions: tuple[int, int] | None = None
    planned_changes: list[tuple[str, str, str]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time in seconds spent per stage (validate, link, merge, total)."""
    """In a dry run: the (kind, record key, operation) it would have applied."""

    def hold(self) -> None:
        """Mark the submission held: its accepted records become held records."""
        self.status = "held"
        for counts in self.kinds.values():
            counts.held, counts.accepted = counts.accepted, 0

    def kind(self, kind: RecordKind) -> KindCounts:
        """Return the counts of ``kind``, creating them at zero."""
        counts = self.kinds.get(kind)
        if counts is None:
            counts = self.kinds[kind] = KindCounts()
        return counts

    def severity_counts(self) -> dict[str, int]:
        """Return the number of findings per severity."""
        counts = {severity.value: 0 for severity in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return counts

    def counts_json(self) -> dict[str, Any]:
        """Return the counts as stored with the submission."""
        return {
            "records": {
                kind.value: {
                    "read": c.read,
                    "accepted": c.accepted,
                    "rejected": c.rejected,
                    "skipped": c.skipped,
                    "held": c.held,
                }
                for kind, c in self._ordered()
            },
            "changes": {
                kind.value: {
                    "inserted": c.inserted,
                    "updated": c.updated,
                    "ended": c.ended,
                    "unchanged": c.unchanged,
                }
                for kind, c in self._ordered()
            },
            "persons": {
                "linked": self.persons.linked,
                "created": self.persons.created,
                "review": self.persons.review,
            },
            "issues": self.severity_counts(),
        }

    def to_json(self) -> dict[str, Any]:
        """Return the result as the ``--json`` output of ``sislink submit``."""
        return {
            "submission_id": self.submission_id,
            "organization": self.organization,
            "status": self.status,
            **self.counts_json(),
            "change_versions": list(self.change_versions)
            if self.change_versions
            else None,
            "seconds": {stage: round(t, 3) for stage, t in self.seconds.items()},
            **(
                {
                    "planned_changes": [list(c) for c in self.planned_changes],
                    "findings": [_finding_json(f) for f in self.findings],
                }
                if self.status == "dry-run"
                else {}
            ),
        }

    def _ordered(self) -> list[tuple[RecordKind, KindCounts]]:
        return [(kind, self.kinds[kind]) for kind in RecordKind if kind in self.kinds]


def _finding_json(finding: Finding) -> dict[str, Any]:
    """Return a finding as JSON, with the keys of ``sislink issues --format json``."""
    provenance = finding.provenance
    return {
        "source_file": provenance.file if provenance else None,
        "source_line": provenance.line if provenance else None,
        "kind": finding.kind.value if finding.kind else None,
        "record_key": finding.record_key,
        "field": finding.field,
        "value": finding.value,
        "code": finding.code,
        "severity": finding.severity.value,
        "message": finding.message,
        "fix": finding.fix,
    }
