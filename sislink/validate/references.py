"""Reference checks: a record's student and school must be known."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from sislink.link.trusted import TrustedLinker
from sislink.model import KINDS, Finding, Record, RecordKind
from sislink.store.organizations import Organization
from sislink.store.schema import organizations
from sislink.validate import rules


class ReferenceCheck:
    """Checks the references of one submission's records as they arrive."""

    def __init__(
        self, connection: Connection, organization: Organization, linker: TrustedLinker
    ) -> None:
        self.organization = organization
        self.linker = linker
        self.known_organizations: set[str] = set(
            connection.execute(select(organizations.c.code)).scalars()
        )

    def check(self, record: Record) -> list[Finding]:
        """Return a finding for each reference of ``record`` that is unknown."""
        spec = KINDS[record.kind]
        found: list[Finding] = []
        if record.kind is not RecordKind.STUDENT and spec.student_field:
            local_id = record.data.get(spec.student_field)
            if local_id and not self.linker.knows_local_id(str(local_id)):
                found.append(
                    rules.STUDENT_REFERENCE_UNRESOLVED.finding(
                        kind=record.kind,
                        provenance=record.provenance,
                        field="localStudentId",
                        value=local_id,
                        record_key=record.key,
                    )
                )
        if spec.school_field:
            school = record.data.get(spec.school_field)
            if school and str(school) not in self.known_organizations:
                found.append(
                    rules.SCHOOL_REFERENCE_UNRESOLVED.finding(
                        kind=record.kind,
                        provenance=record.provenance,
                        field=spec.by_name[spec.school_field].column,
                        value=school,
                        record_key=record.key,
                    )
                )
        return found

    def person_of(self, record: Record) -> int | None:
        """Return the person ``record`` belongs to, through its local student id."""
        field = KINDS[record.kind].student_field
        local_id = record.data.get(field) if field else None
        return self.linker.person_for_local_id(str(local_id)) if local_id else None

    def add_organizations(self, codes: Sequence[str]) -> None:
        """Make ``codes`` resolvable for the records that follow."""
        self.known_organizations.update(codes)
