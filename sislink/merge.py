"""Merge: compare incoming records with the organization's current versions.

Each accepted record is inserted (new key), updated (same key, other
content) or left unchanged. For a full-snapshot submission, current records
of a kind the submission carries whose keys did not come again are ended.
A record that was rejected still counts as seen, so a typo in one row never
ends what the hub already holds for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection

from sislink.model import KINDS, Finding, Record, RecordKind, Removed
from sislink.model.summary import SubmissionResult
from sislink.store.changes import Change
from sislink.store.history import (
    CurrentVersion,
    NewVersion,
    canonical_json,
    close_versions,
    digest,
    insert_versions,
    load_current,
)
from sislink.store.organizations import Organization
from sislink.validate import rules


class Merger:
    """Applies one submission's accepted records to the versioned store."""

    def __init__(
        self,
        connection: Connection,
        organization: Organization,
        submission_id: int,
        result: SubmissionResult,
    ) -> None:
        self.connection = connection
        self.organization = organization
        self.submission_id = submission_id
        self.result = result
        self.changes: list[Change] = []
        self._current: dict[RecordKind, dict[str, CurrentVersion]] = {}
        self._seen: dict[RecordKind, set[str]] = {}
        self._digests: dict[RecordKind, dict[str, str]] = {}
        self.active_before: dict[RecordKind, int] = {}
        """Current records per kind when the submission started."""

    def check_duplicate(self, record: Record) -> list[Finding]:
        """Return a finding if this submission already had a record with this key."""
        seen = self._seen.setdefault(record.kind, set())
        if record.key not in seen:
            seen.add(record.key)
            return []
        duplicate = rules.KEY_DUPLICATE.finding(
            kind=record.kind,
            provenance=record.provenance,
            value=record.key,
            record_key=record.key,
        )
        return [duplicate]

    def unchanged_key(self, kind: RecordKind, source_digest: str) -> str | None:
        """Return the key of the open version made from these very source fields.

        Returns None when no open version was made from them, or when this
        submission already sent that key. The caller decides whether the
        record may skip parsing, checking and linking (``count_unchanged``).
        """
        key = self._key_of_digest(kind).get(source_digest)
        if key is None or key in self._seen.get(kind, ()):
            return None
        return key

    def count_unchanged(self, kind: RecordKind, key: str) -> None:
        """Count a record of ``unchanged_key`` as read, accepted and unchanged."""
        self._seen.setdefault(kind, set()).add(key)
        counts = self.result.kind(kind)
        counts.read += 1
        counts.accepted += 1
        counts.unchanged += 1

    def _key_of_digest(self, kind: RecordKind) -> dict[str, str]:
        index = self._digests.get(kind)
        if index is None:
            index = {
                version.source_digest: key
                for key, version in self._current_of(kind).items()
                if version.source_digest
            }
            self._digests[kind] = index
        return index

    def keep_stored(self, record: Record) -> None:
        """Mark a rejected record's key as seen so its stored version stays."""
        self._seen.setdefault(record.kind, set()).add(record.key)

    def merge(self, kind: RecordKind, records: Sequence[Record]) -> None:
        """Insert or update ``records`` of one kind; count the unchanged ones."""
        current = self._current_of(kind)
        counts = self.result.kind(kind)
        new_versions: list[NewVersion] = []
        closed: list[int] = []

        for record in records:
            data_json = canonical_json(record.data)
            data_hash = digest(data_json)
            stored = current.get(record.key)
            if stored is not None and (
                stored.content_hash == data_hash
                and stored.person_id == record.person_id
            ):
                counts.unchanged += 1
                continue
            if stored is None:
                operation = "insert"
                counts.inserted += 1
            else:
                operation = "update"
                counts.updated += 1
                closed.append(stored.id)
            new_versions.append(_new_version(record, data_json, data_hash))
            self.changes.append(Change(kind, record.key, operation, record.person_id))

        # Close before inserting: a key has at most one open version.
        close_versions(self.connection, closed, self.submission_id)
        insert_versions(
            self.connection, self.organization.id, self.submission_id, new_versions
        )

    def remove(self, removal: Removed) -> bool:
        """End the current record a source removed; return False if there is none.

        A removed key counts as seen, so a record of the same key sent in the
        same submission is not inserted again by a later batch.
        """
        counts = self.result.kind(removal.kind)
        counts.read += 1
        stored = self._current_of(removal.kind).pop(removal.key, None)
        self._seen.setdefault(removal.kind, set()).add(removal.key)
        if stored is None:
            counts.skipped += 1
            return False
        counts.accepted += 1
        counts.ended += 1
        close_versions(self.connection, [stored.id], self.submission_id)
        self.changes.append(Change(removal.kind, removal.key, "end", stored.person_id))
        return True

    def seen_keys(self, kind: RecordKind) -> set[str]:
        """Return the keys of ``kind`` this submission sent, accepted or not."""
        return self._seen.get(kind, set())

    def finish_kinds(self, kinds: Iterable[RecordKind]) -> None:
        """End the current records of ``kinds`` that this submission left out.

        Kinds whose records are events (``ended_when_absent`` off) are skipped.
        """
        ended_kinds = [kind for kind in kinds if KINDS[kind].ended_when_absent]
        for kind in sorted(ended_kinds, key=list(RecordKind).index):
            seen = self._seen.get(kind, set())
            missing = [
                (key, version)
                for key, version in self._current_of(kind).items()
                if key not in seen
            ]
            close_versions(
                self.connection, [v.id for _k, v in missing], self.submission_id
            )
            self.result.kind(kind).ended += len(missing)
            self.changes.extend(
                Change(kind, key, "end", version.person_id) for key, version in missing
            )

    def _current_of(self, kind: RecordKind) -> dict[str, CurrentVersion]:
        current = self._current.get(kind)
        if current is None:
            current = load_current(self.connection, self.organization.id, kind)
            self._current[kind] = current
            self.active_before[kind] = len(current)
        return current


def _new_version(record: Record, data_json: str, data_hash: str) -> NewVersion:
    provenance = record.provenance
    return NewVersion(
        kind=record.kind,
        record_key=record.key,
        person_id=record.person_id,
        data_json=data_json,
        content_hash=data_hash,
        source_digest=record.source_digest,
        source_file=provenance.file,
        source_line=provenance.line,
        source_element=provenance.element,
    )
