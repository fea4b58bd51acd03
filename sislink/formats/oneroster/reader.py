"""Reader for OneRoster 1.1 CSV bundles."""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import ClassVar

from sislink.formats.base import Reader, ReadItem, check_readable, file_error
from sislink.formats.guardians import (
    GuardianName,
    UnresolvedGuardians,
    guardian_fields,
)
from sislink.formats.oneroster.fields import (
    first_grade,
    organization_id,
    split_list,
    student_fields,
    user_ids,
)
from sislink.formats.oneroster.layout import (
    ABSENT,
    ACADEMIC_SESSIONS,
    ACTIVE,
    BULK,
    DATA_FILES,
    DEMOGRAPHICS,
    ENROLLMENTS,
    GUARDIAN_ROLES,
    LOCAL_ID,
    MANIFEST,
    ORGANIZATION_KINDS,
    ORGS,
    SCHOOL_YEAR,
    STUDENT_ROLE,
    TO_BE_DELETED,
    USERS,
)
from sislink.formats.oneroster.manifest import Manifest, check_files, read_manifest
from sislink.formats.oneroster.rows import Row, read_rows, row_status
from sislink.formats.oneroster.scratch import Scratch, Span
from sislink.model import (
    KINDS,
    Finding,
    Provenance,
    RecordKind,
    Removed,
    Skipped,
    SourceDialect,
    SourceRecord,
)
from sislink.validate import rules

DIALECT = SourceDialect("oneroster-csv", ("%Y-%m-%d",), "oneroster")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
POSTSECONDARY = "ps"
"""The CEDS grade code (casefolded) for postsecondary, which CALPADS spells
as its preschool code."""

AGENT_LINKS = "agentSourcedIds"
AGENT_ROWS = (
    "a parent, guardian or relative row in users.csv for each id in agentSourcedIds"
)

ORGANIZATION = RecordKind.ORGANIZATION
STUDENT = RecordKind.STUDENT
ENROLLMENT = RecordKind.ENROLLMENT


class OneRosterCsvReader(Reader):
    """Reads a OneRoster 1.1 CSV bundle: a folder with manifest.csv.

    Each file is bulk (a full snapshot of its kinds) or delta (changes only,
    where ``tobedeleted`` rows end records), as manifest.csv declares.
    """

    name: ClassVar[str] = "oneroster-csv"
    description: ClassVar[str] = (
        "OneRoster 1.1 CSV bundle (a folder with manifest.csv): schools and "
        "districts from orgs.csv, students from users.csv joined with "
        "demographics.csv on sourcedId, guardians from the parent, guardian and "
        "relative users a student's agentSourcedIds name, and one school "
        "enrollment per student and school from enrollments.csv (or, without "
        "it, from the users' "
        "orgSourcedIds and academicSessions.csv). Bulk files are snapshots; in "
        "delta files tobedeleted rows end records"
    )
    files: ClassVar[tuple[str, ...]] = (MANIFEST, *DATA_FILES)
    kinds: ClassVar[tuple[RecordKind, ...]] = (ORGANIZATION, STUDENT, ENROLLMENT)

    def collect(self, paths: Sequence[Path]) -> list[Path]:
        """Return the bundle's files in ``paths``, manifest.csv first.

        A folder contributes manifest.csv and the data files this reader
        reads. Other OneRoster files, such as classes.csv, are not needed.
        """
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                files.extend(
                    path / name for name in self.files if (path / name).is_file()
                )
            else:
                check_readable(path)
                files.append(path)
        return sorted(files, key=_load_position)

    def covered_kinds(self, files: Sequence[Path]) -> frozenset[RecordKind]:
        manifest = _manifest_of(files, self.encoding)
        if manifest is None:
            return frozenset()
        covered: set[RecordKind] = set()
        if manifest.mode(ORGS) == BULK:
            covered.add(ORGANIZATION)
        if manifest.mode(USERS) == BULK:
            covered.add(STUDENT)
        if manifest.mode(ENROLLMENTS) == BULK or (
            _derives_enrollments(manifest) and manifest.mode(USERS) == BULK
        ):
            covered.add(ENROLLMENT)
        return frozenset(covered)

    def read(self, files: Sequence[Path]) -> Iterator[ReadItem]:
        with Scratch() as scratch:
            yield from _Bundle(files, self.encoding, scratch).read()


def _load_position(path: Path) -> tuple[int, str]:
    order = (MANIFEST, *DATA_FILES)
    position = order.index(path.name) if path.name in order else len(order)
    return position, path.name


def _manifest_of(files: Sequence[Path], encoding: str) -> Manifest | None:
    for path in files:
        if path.name == MANIFEST:
            return read_manifest(path, encoding)[0]
    return None


def _derives_enrollments(manifest: Manifest) -> bool:
    """Return whether enrollments come from the users' orgSourcedIds.

    That needs the full orgs.csv, to tell which orgs are schools.
    """
    return manifest.mode(ENROLLMENTS) == ABSENT and manifest.mode(ORGS) == BULK


def iso_date(text: str | None) -> bool:
    """Return whether ``text`` is a real date written YYYY-MM-DD."""
    if text is None or ISO_DATE.match(text) is None:
        return False
    year, month, day = (int(part) for part in text.split("-"))
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _deleted_in_bulk(kind: RecordKind, row: Row) -> Skipped:
    return Skipped(
        kind,
        row.provenance,
        "the row is marked tobedeleted in a bulk file, so it is left out of "
        "the snapshot",
    )


def _not_student(kind: RecordKind, row: Row) -> Skipped:
    role = row.get("role") or ""
    return Skipped(kind, row.provenance, f"role {role!r} is not {STUDENT_ROLE}")


def _date_invalid(kind: RecordKind | None, row: Row, column: str) -> Finding:
    return rules.DATE_INVALID.finding(
        kind=kind,
        provenance=row.provenance,
        field=column,
        value=row.get(column),
        date_format="YYYY-MM-DD",
    )


class _Bundle:
    """One read of a bundle: the org index, the school year, and the scratch join."""

    def __init__(self, files: Sequence[Path], encoding: str, scratch: Scratch) -> None:
        known = OneRosterCsvReader.files
        self.paths = {path.name: path for path in files if path.name in known}
        self.others = [path for path in files if path.name not in known]
        self.encoding = encoding
        self.scratch = scratch
        self.manifest = Manifest({})
        self.org_types: dict[str, str] = {}
        """Casefolded org type by sourcedId, from orgs.csv."""
        self.year_start: str | None = None
        self.derive = False
        self.unresolved = UnresolvedGuardians(AGENT_LINKS, AGENT_ROWS)
        """The students whose agentSourcedIds name no stored agent."""

    def read(self) -> Iterator[ReadItem]:
        """Check the manifest, then yield each file's items in load order."""
        known = ", ".join(OneRosterCsvReader.files)
        for path in self.others:
            yield rules.FILE_IGNORED.finding(
                provenance=Provenance(path.name), known=known
            )
        manifest = yield from self._manifest()
        if manifest is None:
            return
        self.manifest = manifest
        self.derive = _derives_enrollments(manifest) and USERS in self.paths
        yield from self._organizations()
        yield from self._academic_sessions()
        yield from self._demographics()
        yield from self._users()
        yield from self._enrollments()

    def _manifest(self) -> Generator[ReadItem, None, Manifest | None]:
        """Yield the manifest's file errors, then return it, or None if invalid."""
        path = self.paths.get(MANIFEST)
        if path is None:
            folder = next(iter(self.paths.values())).parent if self.paths else Path()
            yield file_error(
                folder / MANIFEST,
                "is missing, so the bundle's files cannot be told bulk from delta",
                "add manifest.csv with oneroster.version,1.1 and a file.<name> "
                "row for each file",
            )
            return None
        manifest, problems = read_manifest(path, self.encoding)
        yield from problems
        if manifest is None:
            return None
        problems = check_files(manifest, path.parent, self.paths)
        yield from problems
        return None if problems else manifest

    # --- organizations ------------------------------------------------------

    def _organizations(self) -> Iterator[ReadItem]:
        """Yield the orgs, districts before schools so parents register first.

        NOTE: orgs.csv is held in memory to index it by sourcedId; a district
        has a few thousand orgs at most.
        """
        path = self.paths.get(ORGS)
        if path is None:
            return
        rows: list[Row] = []
        for item in read_rows(path, self.encoding, ORGANIZATION):
            if isinstance(item, Finding):
                yield item
            else:
                rows.append(item)
        for row in rows:
            org_id = organization_id(row)
            if org_id is not None:
                self.org_types[org_id] = (row.get("type") or "").casefold()
        mode = self.manifest.mode(ORGS)
        for row in sorted(
            rows, key=lambda r: (r.get("type") or "").casefold() == "school"
        ):
            yield from self._organization(row, mode)

    def _organization(self, row: Row, mode: str) -> Iterator[ReadItem]:
        status = row_status(row, mode, ORGANIZATION)
        if isinstance(status, Finding):
            yield status
            return
        org_type = row.get("type") or ""
        kind = ORGANIZATION_KINDS.get(org_type.casefold())
        if kind is None:
            reason = f"org type {org_type!r} is not school or district"
            yield Skipped(ORGANIZATION, row.provenance, reason)
            return
        org_id = organization_id(row)
        if status == TO_BE_DELETED:
            if mode == BULK:
                yield _deleted_in_bulk(ORGANIZATION, row)
                return
            key = KINDS[ORGANIZATION].key_of({"education_organization_id": org_id})
            yield Removed(ORGANIZATION, key, row.provenance)
            return
        fields = {"organization_kind": kind}
        if org_id is not None:
            fields["education_organization_id"] = org_id
        name = row.get("name")
        if name is not None:
            fields["name_of_institution"] = name
        parent = row.get("parentSourcedId")
        if parent is not None:
            fields["parent_education_organization_id"] = parent
        yield SourceRecord(ORGANIZATION, fields, row.provenance, DIALECT)

    # --- academic sessions and demographics ---------------------------------

    def _academic_sessions(self) -> Iterator[ReadItem]:
        """Keep the start of the latest school year, which dates enrollments."""
        path = self.paths.get(ACADEMIC_SESSIONS)
        if path is None:
            return
        for row in read_rows(path, self.encoding, None):
            if isinstance(row, Finding):
                yield row
                continue
            if (row.get("type") or "").casefold() != SCHOOL_YEAR:
                continue
            if (row.get("status") or "").casefold() == TO_BE_DELETED:
                continue
            start = row.get("startDate")
            if not iso_date(start):
                yield _date_invalid(None, row, "startDate")
            elif self.year_start is None or str(start) > self.year_start:
                self.year_start = start

    def _demographics(self) -> Iterator[ReadItem]:
        """Store each user's birth date and sex for the join with users.csv.

        Deletions are ignored here: the users.csv row decides whether a
        student ends. NOTE: a delta demographics row changes a student only
        when the same delta carries the student's users.csv row.
        """
        path = self.paths.get(DEMOGRAPHICS)
        if path is None:
            return
        mode = self.manifest.mode(DEMOGRAPHICS)
        for row in read_rows(path, self.encoding, None):
            if isinstance(row, Finding):
                yield row
                continue
            status = row_status(row, mode, None)
            if isinstance(status, Finding):
                yield status
                continue
            user = row.get("sourcedId")
            if status == TO_BE_DELETED or user is None:
                continue
            if not self.scratch.add_demographics(
                user, row.get("birthDate"), row.get("sex")
            ):
                yield rules.ONEROSTER_DEMOGRAPHICS_DUPLICATE.finding(
                    kind=STUDENT, provenance=row.provenance, value=user
                )

    # --- students -----------------------------------------------------------

    def _users(self) -> Iterator[ReadItem]:
        path = self.paths.get(USERS)
        if path is None:
            return
        mode = self.manifest.mode(USERS)
        self._store_agents(path, mode)
        for row in read_rows(path, self.encoding, STUDENT):
            if isinstance(row, Finding):
                yield row
            else:
                yield from self._user(row, mode)
        yield from self.unresolved.summary()

    def _store_agents(self, path: Path, mode: str) -> None:
        """Store the names of the active parent, guardian and relative users.

        A student may come before the agents it names, so this first pass
        over users.csv stores them. The second pass reports the file's findings.
        NOTE: a delta student row gets only the guardians whose rows are in
        the same delta, so a delta that leaves them out clears the guardians
        (and counts the student in the file's guardian-reference-unresolved
        warning).
        """
        for row in read_rows(path, self.encoding, None):
            if isinstance(row, Finding):
                continue
            if (row.get("role") or "").casefold() not in GUARDIAN_ROLES:
                continue
            user = row.get(LOCAL_ID)
            if user is not None and row_status(row, mode, None) == ACTIVE:
                names = GuardianName(row.get("givenName"), row.get("familyName"))
                self.scratch.add_agent(user, names)

    def _guardians(self, row: Row) -> dict[str, str]:
        """Return the guardian fields of the first two agents that are guardians.

        A student naming an id without an active parent, guardian or relative
        row is counted in ``unresolved``.
        """
        ids = split_list(row.get(AGENT_LINKS))
        agents = [self.scratch.agent(agent_id) for agent_id in ids]
        if None in agents:
            self.unresolved.add(row.provenance)
        return guardian_fields(agent for agent in agents if agent is not None)

    def _user(self, row: Row, mode: str) -> Iterator[ReadItem]:
        status = row_status(row, mode, STUDENT)
        if isinstance(status, Finding):
            yield status
            return
        if (row.get("role") or "").casefold() != STUDENT_ROLE:
            yield _not_student(STUDENT, row)
            return
        user = row.get(LOCAL_ID)
        if status == TO_BE_DELETED:
            if mode == BULK:
                yield _deleted_in_bulk(STUDENT, row)
                return
            key = KINDS[STUDENT].key_of({"local_student_id": user})
            yield Removed(STUDENT, key, row.provenance)
            if user is not None:
                self._add_memberships(row, user, deleted=True)
            return

        fields = student_fields(row)
        ids = user_ids(row.get("userIds"))
        if ids is None:
            yield rules.ONEROSTER_USER_IDS_INVALID.finding(
                kind=STUDENT,
                provenance=row.provenance,
                field="userIds",
                value=row.get("userIds"),
                record_key=user,
            )
        else:
            fields.update(ids)
        fields.update(self._guardians(row))
        if user is not None:
            birth_date, sex = self.scratch.demographics(user)
            if birth_date is not None:
                fields["birth_date"] = birth_date
            if sex is not None:
                fields["sex"] = sex
            self.scratch.add_user(user, first_grade(row))
            self._add_memberships(row, user, deleted=False)
        yield SourceRecord(STUDENT, fields, row.provenance, DIALECT)

    def _add_memberships(self, row: Row, user: str, deleted: bool) -> None:
        """Store the user's schools when enrollments come from orgSourcedIds."""
        if not self.derive:
            return
        for school in split_list(row.get("orgSourcedIds")):
            if self.org_types.get(school) == "school":
                self.scratch.add_membership(user, school, row.file, row.line, deleted)

    # --- enrollments --------------------------------------------------------

    def _enrollments(self) -> Iterator[ReadItem]:
        """Yield one school enrollment per student and school.

        With enrollments.csv, a student's class enrollments at one school
        become one enrollment: entry date the earliest beginDate (the school
        year's start when no class has one), exit date the latest endDate
        when every class has one. Without it, each school among a student's
        orgSourcedIds is one enrollment from the school year's start. The
        grade level is the first of the user's grades.
        """
        path = self.paths.get(ENROLLMENTS)
        if path is None:
            if self.derive:
                yield from self._enrollments_from_users()
            return
        mode = self.manifest.mode(ENROLLMENTS)
        for row in read_rows(path, self.encoding, ENROLLMENT):
            if isinstance(row, Finding):
                yield row
            else:
                yield from self._class_enrollment(row, mode)
        for span in self.scratch.spans():
            yield from self._span(span)

    def _class_enrollment(self, row: Row, mode: str) -> Iterator[ReadItem]:
        status = row_status(row, mode, ENROLLMENT)
        if isinstance(status, Finding):
            yield status
            return
        if (row.get("role") or "").casefold() != STUDENT_ROLE:
            yield _not_student(ENROLLMENT, row)
            return
        if status == TO_BE_DELETED and mode == BULK:
            yield _deleted_in_bulk(ENROLLMENT, row)
            return
        user, school = row.get("userSourcedId"), row.get("schoolSourcedId")
        if user is None or school is None:
            column = "userSourcedId" if user is None else "schoolSourcedId"
            yield rules.REQUIRED_MISSING.finding(
                kind=ENROLLMENT, provenance=row.provenance, field=column
            )
            return
        for column in ("beginDate", "endDate"):
            if row.get(column) is not None and not iso_date(row.get(column)):
                yield _date_invalid(ENROLLMENT, row, column)
                return
        self.scratch.add_class_enrollment(
            user,
            school,
            (row.file, row.line),
            (row.get("beginDate"), row.get("endDate")),
            deleted=status == TO_BE_DELETED,
        )

    def _span(self, span: Span) -> Iterator[ReadItem]:
        entry_date = span.begin_date or self.year_start
        provenance = Provenance(span.file, span.line)
        if span.active_count == 0:
            # NOTE: a delta leaves out the classes that did not change, so
            # deleting a student's classes at a school ends the school
            # enrollment whose entry date is the earliest deleted beginDate,
            # even when an unchanged class there remains.
            key = _enrollment_key(span.user, span.school, entry_date)
            yield Removed(ENROLLMENT, key, provenance)
            return
        exit_date = span.end_date if span.open_count == 0 else None
        yield from _enrollment(
            (span.user, span.school), (entry_date, exit_date), span.grade, provenance
        )

    def _enrollments_from_users(self) -> Iterator[ReadItem]:
        for user, school, file, line, deleted, grade in self.scratch.memberships():
            provenance = Provenance(file, line)
            if deleted:
                key = _enrollment_key(user, school, self.year_start)
                yield Removed(ENROLLMENT, key, provenance)
            else:
                yield from _enrollment(
                    (user, school), (self.year_start, None), grade, provenance
                )


def _enrollment_key(user: str, school: str, entry_date: str | None) -> str:
    values = {"local_student_id": user, "school_id": school, "entry_date": entry_date}
    return KINDS[ENROLLMENT].key_of(values)


def _enrollment(
    student_school: tuple[str, str],
    dates: tuple[str | None, str | None],
    grade: str | None,
    provenance: Provenance,
) -> Iterator[ReadItem]:
    """Yield the enrollment record, or the finding that stops it."""
    if grade is not None and grade.casefold() == POSTSECONDARY:
        yield rules.ONEROSTER_GRADE_POSTSECONDARY.finding(
            kind=ENROLLMENT, provenance=provenance, field="grades", value=grade
        )
        return
    user, school = student_school
    entry_date, exit_date = dates
    values = {
        "local_student_id": user,
        "school_id": school,
        "entry_date": entry_date,
        "exit_withdraw_date": exit_date,
        "entry_grade_level": grade,
    }
    fields = {name: value for name, value in values.items() if value is not None}
    yield SourceRecord(ENROLLMENT, fields, provenance, DIALECT)
