"""Orphans: records whose student is not known yet, kept until the student comes.

A plan or enrollment can arrive before its student: a special-education
system's export may be sent before the SIS export, or the student's own row
may be rejected. Such a record is not dropped. It is held as an orphan,
stored in quarantine with its finding, and adopted as soon as its student
is known: later in the same submission, or by a later submission of the
same organization. An adopted record is applied with the file and line it
first came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, and_, select

from sislink.link.trusted import TrustedLinker
from sislink.merge import Merger
from sislink.model import KINDS, Finding, Provenance, Record, RecordKind
from sislink.model.summary import SubmissionResult
from sislink.store.schema import findings, rejected_records
from sislink.validate import rules

ORPHAN_CODE = rules.STUDENT_REFERENCE_UNRESOLVED.code


def is_orphan(found: Iterable[Finding]) -> bool:
    """Return whether the record's only errors are that its student is unknown."""
    errors = [f for f in found if f.is_error]
    return bool(errors) and all(f.code == ORPHAN_CODE for f in errors)


class Orphanage:
    """The orphans of one organization while one submission runs."""

    def __init__(
        self,
        connection: Connection,
        organization_id: int,
        submission_id: int,
        linker: TrustedLinker,
        merger: Merger,
    ) -> None:
        self.connection = connection
        self.organization_id = organization_id
        self.submission_id = submission_id
        self.linker = linker
        self.merger = merger
        self.held: list[Record] = []
        """This submission's orphans, in the order they came."""
        self.adopted_earlier: set[tuple[RecordKind, str]] = set()
        """Kind and key of each earlier submission's orphan that this one applied."""

    def adopt(self, result: SubmissionResult) -> int:
        """Apply every orphan whose student is now known; return how many.

        An orphan of this submission that is adopted counts as accepted
        instead of held, and its finding is dropped. An earlier
        submission's orphan is applied as a change of this one, with the
        values checked then. Its unresolved student reference is resolved
        with the findings this submission settles, and its other findings
        stay open.
        """
        adopted: dict[RecordKind, list[Record]] = {}
        for record in self.held:
            if self._place(record, sent_here=True):
                adopted.setdefault(record.kind, []).append(record)
                counts = result.kind(record.kind)
                counts.held -= 1
                counts.accepted += 1
        if adopted:
            keys = {(r.kind, r.key) for records in adopted.values() for r in records}
            result.findings = [
                f
                for f in result.findings
                if f.code != ORPHAN_CODE or (f.kind, f.record_key) not in keys
            ]
        for record in self._earlier():
            if self._place(record, sent_here=False):
                adopted.setdefault(record.kind, []).append(record)
                self.adopted_earlier.add((record.kind, record.key))
        for kind in sorted(adopted, key=list(RecordKind).index):
            self.merger.merge(kind, adopted[kind])
        return sum(len(records) for records in adopted.values())

    def _place(self, record: Record, *, sent_here: bool) -> bool:
        """Give the orphan its person if the student is known and the key is free.

        An earlier orphan whose key this submission sent again is left alone:
        the new record, applied or quarantined, takes its place.
        """
        field = KINDS[record.kind].student_field
        local_id = record.data.get(field) if field else None
        person = self.linker.person_for_local_id(str(local_id)) if local_id else None
        if person is None:
            return False
        if not sent_here and record.key in self.merger.seen_keys(record.kind):
            return False
        record.person_id = person
        self.merger.keep_stored(record)
        return True

    def _earlier(self) -> list[Record]:
        """Return the open orphans of the organization's earlier submissions."""
        quarantined, found = rejected_records.c, findings.c
        rows = self.connection.execute(
            select(
                quarantined.kind,
                quarantined.record_key,
                quarantined.data,
                quarantined.source_file,
                quarantined.source_line,
                quarantined.source_element,
            )
            .join(
                findings,
                and_(
                    found.submission_id == quarantined.submission_id,
                    found.kind == quarantined.kind,
                    found.record_key == quarantined.record_key,
                ),
            )
            .where(
                quarantined.organization_id == self.organization_id,
                quarantined.submission_id < self.submission_id,
                found.code == ORPHAN_CODE,
                found.status == "open",
            )
            .order_by(quarantined.id)
        )
        return [_record(row) for row in rows]


def _record(row: Any) -> Record:
    provenance = Provenance(row.source_file or "", row.source_line, row.source_element)
    return Record(RecordKind(row.kind), row.record_key, dict(row.data), provenance)
