"""One submission end to end: read, normalize, validate, link, merge, commit.

Everything a submission changes lands in one database transaction. The
organization's row is locked first, so two submissions of one organization
run one after the other. Change versions are taken last, just before
commit, so the change feed grows in commit order.

Records stream through in batches of one kind: memory holds the current
batch, the keys seen so far and the list of changes, never a whole file.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from time import perf_counter
from typing import Any

from sqlalchemy import Connection, Engine, insert, update
from sqlalchemy.exc import IntegrityError

from sislink.errors import InputError
from sislink.formats import Reader, get_reader
from sislink.link.lifecycle import (
    release_held_records,
    superseded_findings,
    withdraw_ended_reviews,
)
from sislink.link.trusted import Matcher, TrustedLinker
from sislink.merge import Merger
from sislink.model import (
    Finding,
    Record,
    RecordKind,
    Removed,
    Skipped,
    SourceRecord,
)
from sislink.model.characters import without_control_characters
from sislink.model.provenance import source_digest
from sislink.model.summary import SubmissionResult
from sislink.normalize import clean_control_characters, normalize, normalize_fields
from sislink.orphans import Orphanage, is_orphan
from sislink.store.audit import record_event
from sislink.store.changes import record_changes
from sislink.store.database import translate_errors
from sislink.store.organizations import (
    Organization,
    declared_formats,
    get_organization,
    register_organizations,
)
from sislink.store.schema import submission_files, submissions
from sislink.store.submissions import (
    Carried,
    current_counts,
    last_committed,
    linked_students,
    open_finding_keys,
    settle_findings,
    store_findings,
    store_rejected,
)
from sislink.validate import checks as _checks  # noqa: F401 - registers the checks
from sislink.validate import rules
from sislink.validate.engine import Context, Validator
from sislink.validate.guard import GuardLimits, check_mass_change
from sislink.validate.references import ReferenceCheck
from sislink.validate.stored import (
    DEFAULT_GAP_DAYS,
    overlapping_enrollments,
    special_education_disappeared,
    submission_gap,
)
from sislink.validate.submission import FIELDS_READ, SubmissionChecks

log = logging.getLogger(__name__)

BATCH_SIZE = 5_000
HELD_PLACEHOLDER = "ID"
"""Stands for a held submission's id in its finding until the id is known."""
RETRIES = 3
"""Attempts for a submission that lost a race for a new identifier."""

Progress = Callable[[str, int], None]
"""Called with the stage (reading, ending records left out, numbering changes)
and the number of records read so far, at each stage and every batch read."""


@dataclass(frozen=True, slots=True)
class SubmittedFile:
    """A file of a submission, with its SHA-256 digest and size in bytes."""

    path: Path
    sha256: str
    size_bytes: int


@dataclass
class SubmissionRequest:
    """A submission to run: the organization, its files, their format and options."""

    organization_code: str
    format: str
    paths: Sequence[Path]
    snapshot: bool = True
    dry_run: bool = False
    encoding: str | None = None
    """Text encoding the source declares; None keeps the format's default."""
    mapping: Path | None = None
    """A user's vendor mapping file, read in place of the format's own layout."""
    actor: str = "cli"
    matcher: Matcher | None = None
    progress: Progress | None = None
    limits: GuardLimits = field(default_factory=GuardLimits)
    """How much of an organization's data one snapshot may end or reject."""
    confirmed: bool = False
    """Whether the mass-change guard is skipped, because a person confirmed the
    submission after it was held."""
    gap_days: int = DEFAULT_GAP_DAYS
    """Days without a submission after which the next one flags the gap."""

    def options(self) -> dict[str, object]:
        """Return what a held submission needs to be run again as sent."""
        return {
            "snapshot": self.snapshot,
            "encoding": self.encoding,
            "mapping": str(self.mapping) if self.mapping else None,
            "share": self.limits.share,
            "minimum": self.limits.minimum,
            "gap_days": self.gap_days,
        }


def submit(engine: Engine, request: SubmissionRequest) -> SubmissionResult:
    """Run one submission and return its outcome.

    Raises:
        UsageError: the format or organization is unknown.
        InputError: the organization declared other formats, no file of the
            format was found, or a file cannot be opened.
        StoreError: the database cannot be used.
    """
    reader = get_reader(request.format, request.encoding, request.mapping)
    with translate_errors(engine), engine.connect() as connection:
        organization = get_organization(connection, request.organization_code)
        declared = declared_formats(connection, organization)
    if declared and request.format not in declared:
        raise InputError(
            f"organization {organization.code} declared that it sends "
            f"{', '.join(declared)}, not {request.format}: submit the files in a "
            f"declared format, or declare this one with `sislink org formats "
            f"{organization.code} {' '.join([*declared, request.format])}`"
        )
    files = _hash_files(reader.collect([Path(p) for p in request.paths]))
    if not files:
        shown = ", ".join(str(p) for p in request.paths)
        raise InputError(
            f"no {request.format} files found in {shown}: check the path and "
            "the format name (`sislink formats` lists them)"
        )

    with translate_errors(engine):
        for attempt in range(1, RETRIES + 1):
            try:
                return _run(engine, request, reader, files)
            except IntegrityError:
                # Another organization's submission added the same new
                # identifier between our look-up and our insert; the next
                # attempt links to the person it created.
                if attempt == RETRIES:
                    raise
                log.warning("submission retried after a concurrent identifier insert")
    raise AssertionError("unreachable")


def _hash_files(paths: Iterable[Path]) -> list[SubmittedFile]:
    hashed = []
    for path in paths:
        digest = hashlib.sha256()
        try:
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}") from exc
        hashed.append(SubmittedFile(path, digest.hexdigest(), path.stat().st_size))
    return hashed


def _run(
    engine: Engine,
    request: SubmissionRequest,
    reader: Reader,
    files: list[SubmittedFile],
) -> SubmissionResult:
    started = perf_counter()
    covered = reader.covered_kinds([f.path for f in files])
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            organization = get_organization(
                connection, request.organization_code, for_update=True
            )
            if _resent(connection, organization, request, files):
                result = _record_resent(
                    connection, organization, request, files, covered
                )
            else:
                run = _SubmissionRun(connection, organization, request, covered, files)
                result = run.execute(reader.read([f.path for f in files]))
            if result.status == "committed":
                log.info("submission %s: committing", result.submission_id)
                transaction.commit()
            else:
                transaction.rollback()
        except BaseException:
            transaction.rollback()
            raise

    if result.status in ("rejected", "held"):
        result = _record_unapplied(engine, organization, request, files, result)
    result.seconds["total"] = perf_counter() - started
    log.info(
        "submission %s for organization %s: %s",
        result.submission_id,
        organization.code,
        result.status,
    )
    return result


def _resent(
    connection: Connection,
    organization: Organization,
    request: SubmissionRequest,
    files: list[SubmittedFile],
) -> bool:
    """Return whether the files are those the last applied submission sent.

    Byte for byte the same files (name and SHA-256), in the same format and
    with the same options, as the organization's newest committed
    submission: reading them again can change nothing. A submission that
    had errors is read again all the same, so that its errors are reported
    again rather than a clean result.
    """
    if request.dry_run or request.confirmed:
        return False
    last = last_committed(connection, organization.id)
    if last is None or last.format != request.format or last.errors:
        return False
    if (last.options or {}) != request.options():
        return False
    return last.files == {(f.path.name, f.sha256) for f in files}


def _record_resent(
    connection: Connection,
    organization: Organization,
    request: SubmissionRequest,
    files: list[SubmittedFile],
    covered: frozenset[RecordKind],
) -> SubmissionResult:
    """Record a re-sent submission without reading it: everything is unchanged.

    Its records are counted as read, accepted and unchanged: as many as the
    organization has current records of each kind the files carry. Findings
    of the earlier submission stay open, since nothing was fixed.
    """
    submission_id = _open_submission(connection, organization, request, files, covered)
    log.info("submission %s: same files as the last applied one", submission_id)
    result = SubmissionResult(submission_id, organization.code)
    for kind, count in current_counts(connection, organization.id, covered).items():
        counts = result.kind(kind)
        counts.read = counts.accepted = counts.unchanged = count
    if RecordKind.STUDENT in covered:
        linked, waiting = linked_students(connection, organization.id)
        result.persons.linked, result.persons.review = linked, waiting
    result.status = "committed"
    _close_submission(connection, submission_id, result, None)
    record_event(
        connection,
        "submission-committed",
        actor=request.actor,
        organization_id=organization.id,
        submission_id=submission_id,
        changes=0,
    )
    return result


def _record_unapplied(
    engine: Engine,
    organization: Organization,
    request: SubmissionRequest,
    files: list[SubmittedFile],
    result: SubmissionResult,
) -> SubmissionResult:
    """Store a rejected or held submission with its findings, applying nothing.

    A held submission also keeps its files' bytes, so that it can be
    confirmed later even when the files are gone.
    """
    if request.dry_run:
        return result
    held = result.status == "held"
    with engine.begin() as connection:
        submission_id = _open_submission(
            connection, organization, request, files, [], keep_files=held
        )
        result.submission_id = submission_id
        if held:
            # The held finding names the submission to confirm or discard.
            result.findings = [
                _with_submission(f, submission_id) for f in result.findings
            ]
        store_findings(connection, organization.id, submission_id, result.findings)
        _close_submission(connection, submission_id, result, None)
        record_event(
            connection,
            f"submission-{result.status}",
            actor=request.actor,
            organization_id=organization.id,
            submission_id=submission_id,
        )
    return result


def _with_submission(finding: Finding, submission_id: int) -> Finding:
    if finding.code != rules.MASS_CHANGE_HELD.code:
        return finding
    fix = finding.fix.replace(f" {HELD_PLACEHOLDER}`", f" {submission_id}`")
    return replace(finding, fix=fix)


def _open_submission(
    connection: Connection,
    organization: Organization,
    request: SubmissionRequest,
    files: list[SubmittedFile],
    kinds: Iterable[RecordKind],
    *,
    keep_files: bool = False,
) -> int:
    submission_id: int = connection.execute(
        insert(submissions)
        .values(
            organization_id=organization.id,
            format=request.format,
            mode="snapshot" if request.snapshot else "delta",
            status="running",
            kinds=sorted(kinds),
            counts={},
            started_at=datetime.now(UTC),
            options=request.options(),
        )
        .returning(submissions.c.id)
    ).scalar_one()
    for f in files:
        # One row at a time: a held file's bytes can be large.
        connection.execute(
            insert(submission_files).values(
                submission_id=submission_id,
                name=f.path.name,
                sha256=f.sha256,
                size_bytes=f.size_bytes,
                content=f.path.read_bytes() if keep_files else None,
            )
        )
    return submission_id


def _close_submission(
    connection: Connection,
    submission_id: int,
    result: SubmissionResult,
    versions: tuple[int, int] | None,
) -> None:
    first, last = versions if versions else (None, None)
    connection.execute(
        update(submissions)
        .where(submissions.c.id == submission_id)
        .values(
            status=result.status,
            counts=result.counts_json(),
            first_change_version=first,
            last_change_version=last,
            finished_at=datetime.now(UTC),
        )
    )


@dataclass
class _SubmissionRun:
    """The state of one submission inside its transaction."""

    connection: Connection
    organization: Organization
    request: SubmissionRequest
    covered: frozenset[RecordKind]
    files: list[SubmittedFile]
    result: SubmissionResult = field(init=False)
    submission_id: int = field(init=False)

    def __post_init__(self) -> None:
        self.submission_id = _open_submission(
            self.connection, self.organization, self.request, self.files, self.covered
        )
        self.result = SubmissionResult(self.submission_id, self.organization.code)
        self.linker = TrustedLinker(
            self.connection,
            self.organization,
            self.submission_id,
            self.request.matcher,
            actor=self.request.actor,
        )
        self.references = ReferenceCheck(
            self.connection, self.organization, self.linker
        )
        self.merger = Merger(
            self.connection, self.organization, self.submission_id, self.result
        )
        self.read_count = 0
        self.removals: list[Removed] = []
        self.unreadable_rows: dict[RecordKind, int] = {}
        """Rows per kind that a reader could not turn into a record."""
        self.orphans = Orphanage(
            self.connection,
            self.organization.id,
            self.submission_id,
            self.linker,
            self.merger,
        )
        self.validator = Validator(Context(date.today(), self.organization.code))
        self.across = SubmissionChecks()
        self.open_finding_keys = open_finding_keys(
            self.connection, self.organization.id
        )
        """Kind and key of each record with an open finding: it is checked again."""
        self.checked: set[tuple[str, str]] = set()
        """Kind and key of each record the checks ran on."""
        self.accepted_keys: set[tuple[str, str]] = set()
        """Kind and key of each record the record checks accepted."""
        gap = submission_gap(self.connection, self.organization, self.request.gap_days)
        if gap is not None:
            self.result.findings.append(gap)

    def execute(self, items: Iterator[Any]) -> SubmissionResult:
        """Process every item a reader yields, then merge, number and close."""
        self._stage("reading")
        for kind, batch in _batches(self._route(items)):
            self._process_batch(kind, batch)
            log.info(
                "submission %s: merged %d %s records",
                self.submission_id,
                len(batch),
                kind,
            )
        self._stage("ending records left out")
        self.orphans.adopt(self.result)
        self._apply_removals()
        self.merger.finish_kinds(self._kinds_to_finish())
        students = self.merger.seen_keys(RecordKind.STUDENT)
        self.result.findings += special_education_disappeared(
            self.merger.changes, students
        )

        result = self.result
        if any(f.code == "file-unreadable" for f in result.findings):
            result.status = "rejected"
            return result
        if self._held():
            return result
        self._settle_reviews()
        settled = settle_findings(
            self.connection,
            self.organization.id,
            self.submission_id,
            result.findings,
            self._carried(),
        )
        log.info(
            "submission %s: %d earlier findings resolved, %d superseded",
            self.submission_id,
            settled.resolved,
            settled.superseded,
        )
        store_findings(
            self.connection, self.organization.id, self.submission_id, result.findings
        )
        versions = None
        self._stage("numbering changes")
        if not self.request.dry_run:
            versions = record_changes(
                self.connection,
                self.organization.id,
                self.submission_id,
                self.merger.changes,
            )
        result.change_versions = versions
        if self.request.dry_run:
            result.planned_changes = [
                (str(c.kind), c.record_key, c.operation) for c in self.merger.changes
            ]
        result.persons = self.linker.counts
        result.status = "dry-run" if self.request.dry_run else "committed"
        _close_submission(self.connection, self.submission_id, result, versions)
        record_event(
            self.connection,
            "submission-committed",
            actor=self.request.actor,
            organization_id=self.organization.id,
            submission_id=self.submission_id,
            changes=len(self.merger.changes),
        )
        return result

    def _carried(self) -> Carried:
        """Return what this submission carried, for settling earlier findings."""
        ended = {
            (str(change.kind), change.record_key)
            for change in self.merger.changes
            if change.operation == "end"
        }
        ended.update((removal.kind.value, removal.key) for removal in self.removals)
        read = {kind for kind, counts in self.result.kinds.items() if counts.read}
        return Carried(
            checked=self.checked,
            accepted=self.accepted_keys,
            ended=ended,
            adopted={(kind.value, key) for kind, key in self.orphans.adopted_earlier},
            kinds=frozenset(kind.value for kind in self.covered | read),
        )

    def _kinds_to_finish(self) -> frozenset[RecordKind]:
        """Return the kinds whose records left out of this snapshot are ended.

        A row that could not be read at all has no key, so any stored record
        could be the one it carried: its kind ends nothing this time.
        """
        if not self.request.snapshot:
            return frozenset()
        unreadable = frozenset(self.unreadable_rows)
        for kind in sorted(unreadable & self.covered):
            self.result.findings.append(
                rules.ENDING_WITHHELD.finding(
                    kind=kind, count=self.unreadable_rows[kind]
                )
            )
        return self.covered - unreadable

    def _settle_reviews(self) -> None:
        """Close the reviews whose student this submission ended or changed.

        Runs once the submission is sure to apply, so a held submission
        reports no review as closed. The records of a student that got a
        person, after its review closed or when it came back, move to it.
        """
        self.result.findings += superseded_findings(self.linker.superseded)
        removed = {
            removal.key: removal.provenance
            for removal in self.removals
            if removal.kind is RecordKind.STUDENT
        }
        self.result.findings += withdraw_ended_reviews(
            self.connection,
            self.organization.id,
            self.submission_id,
            self.merger.changes,
            removed,
            self.request.actor,
        )
        release_held_records(
            self.connection,
            self.organization.id,
            self.submission_id,
            self.linker.linked_local_ids,
            self.merger.changes,
            self.result,
        )

    def _held(self) -> bool:
        """Apply the mass-change guard; return whether the submission is held."""
        if self.request.confirmed:
            return False
        held = check_mass_change(
            self.result,
            self.merger.active_before,
            self.request.limits,
            HELD_PLACEHOLDER,
        )
        self.result.findings += held
        if held and not self.request.dry_run:
            self.result.hold()
        return bool(held) and not self.request.dry_run

    def _apply_removals(self) -> None:
        """End the records the source removed, after every record was merged.

        NOTE: a removal is applied after the submission's records, so a key
        that a delta file both sends and removes ends up removed.
        """
        for removal in self.removals:
            if not self.merger.remove(removal):
                self.result.findings.append(
                    rules.REMOVAL_UNKNOWN.finding(
                        kind=removal.kind,
                        provenance=removal.provenance,
                        value=removal.key,
                        record_key=removal.key,
                    )
                )

    def _stage(self, stage: str) -> None:
        log.info("submission %s: %s", self.submission_id, stage)
        if self.request.progress:
            self.request.progress(stage, self.read_count)

    def _route(self, items: Iterator[Any]) -> Iterator[tuple[Record, list[Finding]]]:
        """Yield normalized records; count skips and keep findings not tied to one."""
        for item in items:
            if isinstance(item, SourceRecord):
                self.read_count += 1
                if self.request.progress and self.read_count % BATCH_SIZE == 0:
                    self.request.progress("reading", self.read_count)
                fingerprint = source_digest(item)
                key = self.merger.unchanged_key(item.kind, fingerprint)
                if key is not None and self._skip_unchanged(item, key):
                    continue
                record, findings = normalize(item)
                record.source_digest = fingerprint
                yield record, findings
            elif isinstance(item, Removed):
                # The key loses the control characters that normalization
                # removes from the values it is made of, so it matches.
                self.removals.append(without_control_characters(item))
            elif isinstance(item, Skipped):
                self.result.kind(item.kind).read += 1
                self.result.kind(item.kind).skipped += 1
            elif isinstance(item, Finding):
                # A reader's finding can quote a cell or column name as sent.
                self._reader_finding(without_control_characters(item))

    def _skip_unchanged(self, source: SourceRecord, key: str) -> bool:
        """Count a record sent with its open version's very fields as unchanged.

        Such a record skips parsing, checking and linking, because its open
        version was made from the same fields. Returns False, and changes
        nothing, when the checks could now find something else. That is the
        case when the record has an open finding, whose rule must run again,
        or control characters, whose warning a record of the same content
        sent in between may have resolved. It is also the case when a check
        across the submission raises a finding on the record.

        Later records are checked against a skipped record all the same: a
        plan against its student's birth date, a record id against the ids
        already used.

        NOTE: the rules on a skipped record's own values do not run again.
        A rule that depends on the date or on other records (the student's
        age, the grade against a birth date sent since) raises nothing new
        on it until the record changes or has an open finding.
        """
        if (source.kind.value, key) in self.open_finding_keys:
            return False
        cleaned, removed = clean_control_characters(source)
        if removed:
            return False
        data = normalize_fields(cleaned, FIELDS_READ.get(source.kind, ()))
        if data is None:
            return False
        record = Record(source.kind, key, data, cleaned.provenance)
        if self.across.findings_for(record):
            return False
        self.across.remember(record)
        self.merger.count_unchanged(source.kind, key)
        if source.kind is RecordKind.STUDENT:
            local_id = data.get("local_student_id")
            # Its local id already points at its person, or it still waits
            # for review.
            self.linker.count_unchanged(None if local_id is None else str(local_id))
            birth = data.get("birth_date")
            if isinstance(birth, str) and local_id:
                self.validator.context.birth_dates[str(local_id)] = birth
        return True

    def _reader_finding(self, finding: Finding) -> None:
        """Keep a reader's finding; a row-level error counts as a rejected record."""
        self.result.findings.append(finding)
        if finding.is_error and finding.kind is not None:
            self.unreadable_rows[finding.kind] = (
                self.unreadable_rows.get(finding.kind, 0) + 1
            )
            counts = self.result.kind(finding.kind)
            counts.read += 1
            counts.rejected += 1
            store_rejected(
                self.connection,
                self.organization.id,
                self.submission_id,
                finding.kind,
                None,
                {},
                finding.provenance,
            )

    def _process_batch(
        self, kind: RecordKind, batch: list[tuple[Record, list[Finding]]]
    ) -> None:
        accepted: list[Record] = []
        started = perf_counter()
        for record, findings in batch:
            findings += self._check(record)
            self._settle(record, findings, accepted)
        self._time("validate", started)

        started = perf_counter()
        if kind is RecordKind.STUDENT:
            accepted = self._link(accepted)
        else:
            for record in accepted:
                record.person_id = self.references.person_of(record)
        self._time("link", started)
        if kind is RecordKind.ENROLLMENT:
            started = perf_counter()
            self.result.findings += overlapping_enrollments(
                self.connection, self.organization, accepted
            )
            self._time("validate", started)
        if kind is RecordKind.ORGANIZATION:
            codes = register_organizations(
                self.connection,
                self.organization,
                [_organization_row(r) for r in accepted],
            )
            self.references.add_organizations(codes)
        started = perf_counter()
        self.merger.merge(kind, accepted)
        self._time("merge", started)

    def _time(self, stage: str, started: float) -> None:
        seconds = self.result.seconds
        seconds[stage] = seconds.get(stage, 0.0) + perf_counter() - started

    def _check(self, record: Record) -> list[Finding]:
        """Return the findings of every rule on one record, in the submission."""
        across = self.across.check(record)
        two_children = rules.LOCAL_ID_TWO_CHILDREN.code
        if any(f.code == two_children for f in across):
            found = across  # more than a duplicate key: two different children
        else:
            found = self.merger.check_duplicate(record) + across
        return found + self.references.check(record) + self.validator.check(record)

    def _settle(
        self, record: Record, findings: list[Finding], accepted: list[Record]
    ) -> None:
        counts = self.result.kind(record.kind)
        counts.read += 1
        self.checked.add((record.kind.value, record.key))
        self.result.findings.extend(findings)
        if is_orphan(findings):
            counts.held += 1
            self._quarantine(record)
            self.orphans.held.append(record)
        elif any(f.is_error for f in findings):
            self._reject(record)
        else:
            counts.accepted += 1
            accepted.append(record)
            self.accepted_keys.add((record.kind.value, record.key))

    def _reject(self, record: Record) -> None:
        self.result.kind(record.kind).rejected += 1
        self._quarantine(record)

    def _quarantine(self, record: Record) -> None:
        self.merger.keep_stored(record)
        store_rejected(
            self.connection,
            self.organization.id,
            self.submission_id,
            record.kind,
            record.key,
            record.data,
            record.provenance,
        )

    def _link(self, students: list[Record]) -> list[Record]:
        linked = []
        for record, finding in zip(students, self.linker.link(students), strict=True):
            if finding is None:
                linked.append(record)
                continue
            self.result.findings.append(finding)
            if finding.is_error:
                counts = self.result.kind(record.kind)
                counts.accepted -= 1
                self._reject(record)
            else:
                linked.append(record)
        return linked


def _organization_row(record: Record) -> tuple[str, str, str, str | None]:
    data = record.data
    parent = data.get("parent_education_organization_id")
    return (
        str(data["education_organization_id"]),
        str(data["name_of_institution"]),
        str(data["organization_kind"]),
        None if parent is None else str(parent),
    )


def _batches(
    records: Iterator[tuple[Record, list[Finding]]],
) -> Iterator[tuple[RecordKind, list[tuple[Record, list[Finding]]]]]:
    """Group records into batches of one kind, up to ``BATCH_SIZE`` records in all.

    Readers that yield a student and its enrollment row by row would
    otherwise make batches of one record, and each batch costs a round of
    linking. A full buffer is released kind by kind in load order, so the
    students of a buffer are linked before the records that refer to them.
    """
    order = list(RecordKind)
    buffer: dict[RecordKind, list[tuple[Record, list[Finding]]]] = {}
    held = 0
    for pair in records:
        buffer.setdefault(pair[0].kind, []).append(pair)
        held += 1
        if held == BATCH_SIZE:
            yield from sorted(buffer.items(), key=lambda item: order.index(item[0]))
            buffer, held = {}, 0
    yield from sorted(buffer.items(), key=lambda item: order.index(item[0]))
