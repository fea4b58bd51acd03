"""The database schema: SQLAlchemy Core tables, the same on SQLite and PostgreSQL.

History is kept as versions. A ``record_versions`` row is one version of one
record (organization, kind, key); ``valid_from_submission_id`` is the
submission that brought it and ``valid_to_submission_id`` the one that
replaced or ended it (NULL while current). Nothing is updated in place except
that closing column, and ``person_id`` of a version whose submission has not
committed yet (``sislink.link.lifecycle``). ``content_hash`` digests the
canonical values and ``source_digest`` the fields as the source wrote them,
so that a row sent again unchanged is recognized before any parsing of its
values.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

Json = JSON().with_variant(JSONB(), "postgresql")
Id = BigInteger().with_variant(Integer(), "sqlite")
"""Primary keys: 64-bit on PostgreSQL; INTEGER on SQLite so it aliases the rowid."""

organizations = Table(
    "organizations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("parent_id", Id, ForeignKey("organizations.id")),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

organization_formats = Table(
    "organization_formats",
    metadata,
    Column("organization_id", Id, ForeignKey("organizations.id"), primary_key=True),
    Column("format", String(64), primary_key=True),
)
"""The formats an organization declared it sends; none declared allows any."""

submissions = Table(
    "submissions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("organization_id", Id, ForeignKey("organizations.id"), nullable=False),
    Column("format", String(32), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("kinds", Json, nullable=False),
    Column("counts", Json, nullable=False),
    Column("first_change_version", BigInteger),
    Column("last_change_version", BigInteger),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("options", Json),
    Column("resolved_by_submission_id", Id, ForeignKey("submissions.id")),
    Index(None, "organization_id", "id"),
)
"""A held submission keeps its ``options`` (encoding, limits) so it can be run
again on confirmation; ``resolved_by_submission_id`` is the run that applied it."""

submission_files = Table(
    "submission_files",
    metadata,
    Column("id", Id, primary_key=True),
    Column("submission_id", Id, ForeignKey("submissions.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("content", LargeBinary),
    Index(None, "submission_id"),
)
"""``content`` is kept only for held submissions, so nothing they sent is lost."""

persons = Table(
    "persons",
    metadata,
    Column("id", Id, primary_key=True),
    Column("created_submission_id", Id, ForeignKey("submissions.id")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("merged_into_id", Id, ForeignKey("persons.id")),
)

person_identifiers = Table(
    "person_identifiers",
    metadata,
    Column("id", Id, primary_key=True),
    Column("person_id", Id, ForeignKey("persons.id"), nullable=False),
    Column("identifier_type", String(16), nullable=False),
    Column("scope", String(32), nullable=False),
    Column("value", String(64), nullable=False),
    Column("created_submission_id", Id, ForeignKey("submissions.id")),
    UniqueConstraint("identifier_type", "scope", "value"),
    Index(None, "person_id"),
)
"""An identifier points at exactly one person. ``scope`` is the organization
code for a local id and empty for state and district ids."""

CURRENT_PERSON_STUDENT = (
    "kind = 'student' AND valid_to_submission_id IS NULL AND person_id IS NOT NULL"
)
"""The versions that make up the person index, as SQL on ``record_versions``.

A query that repeats this condition word for word can count them from the
partial index ``ix_record_versions_index_students`` alone. SQLite uses a
partial index only when the query contains its terms as written, with the
literal and not a bound parameter.
"""

record_versions = Table(
    "record_versions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("organization_id", Id, ForeignKey("organizations.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("record_key", Text, nullable=False),
    Column("person_id", Id, ForeignKey("persons.id")),
    Column("data", Json, nullable=False),
    Column("content_hash", String(32), nullable=False),
    Column("source_digest", String(32)),
    Column(
        "valid_from_submission_id", Id, ForeignKey("submissions.id"), nullable=False
    ),
    Column("valid_to_submission_id", Id, ForeignKey("submissions.id")),
    Column("source_file", Text),
    Column("source_line", Integer),
    Column("source_element", Text),
    Index(
        "ix_record_versions_current",
        "organization_id",
        "kind",
        "record_key",
        unique=True,
        sqlite_where=text("valid_to_submission_id IS NULL"),
        postgresql_where=text("valid_to_submission_id IS NULL"),
    ),
    Index(None, "organization_id", "kind", "record_key", "valid_from_submission_id"),
    Index(None, "person_id"),
    Index(
        "ix_record_versions_index_students",
        "person_id",
        sqlite_where=text(CURRENT_PERSON_STUDENT),
        postgresql_where=text(CURRENT_PERSON_STUDENT),
    ),
)

match_keys = Table(
    "match_keys",
    metadata,
    Column("key", BigInteger, primary_key=True, autoincrement=False),
    Column("record_version_id", Id, primary_key=True, autoincrement=False),
    Index(None, "record_version_id"),
    sqlite_with_rowid=False,
)
"""Blocking keys of the person index: one row per key value of a current
student version that belongs to a person (``sislink.link.keys``).

Keys of a version are deleted when the version is closed. There is no
foreign key to ``record_versions``, so that writing millions of keys costs
no lookup per row.
"""

match_key_sets = Table(
    "match_key_sets",
    metadata,
    Column("fingerprint", String(64), primary_key=True),
    Column("built_at", DateTime(timezone=True), nullable=False),
)
"""The fingerprint of the rules and feature code that the stored keys were
computed with (``rules_fingerprint``); at most one row."""

rejected_records = Table(
    "rejected_records",
    metadata,
    Column("id", Id, primary_key=True),
    Column("submission_id", Id, ForeignKey("submissions.id"), nullable=False),
    Column("organization_id", Id, ForeignKey("organizations.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("record_key", Text),
    Column("data", Json, nullable=False),
    Column("source_file", Text),
    Column("source_line", Integer),
    Column("source_element", Text),
    Index(None, "submission_id"),
)
"""Quarantine: records that failed a rule, kept with their values as sent."""

findings = Table(
    "findings",
    metadata,
    Column("id", Id, primary_key=True),
    Column("submission_id", Id, ForeignKey("submissions.id"), nullable=False),
    Column("organization_id", Id, ForeignKey("organizations.id"), nullable=False),
    Column("rejected_record_id", Id, ForeignKey("rejected_records.id")),
    Column("code", String(64), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("kind", String(32)),
    Column("record_key", Text),
    Column("source_file", Text),
    Column("source_line", Integer),
    Column("source_element", Text),
    Column("field", String(64)),
    Column("value", Text),
    Column("message", Text, nullable=False),
    Column("fix", Text, nullable=False),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("resolved_submission_id", Id, ForeignKey("submissions.id")),
    Index(None, "submission_id"),
    Index(None, "organization_id", "status"),
)
"""Problems each submission found. ``status`` is open, resolved or superseded
(see ``sislink.store.submissions``), and ``resolved_submission_id`` names the
submission that resolved or superseded the finding."""

changes = Table(
    "changes",
    metadata,
    Column("change_version", BigInteger, primary_key=True, autoincrement=False),
    Column("submission_id", Id, ForeignKey("submissions.id"), nullable=False),
    Column("organization_id", Id, ForeignKey("organizations.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("record_key", Text, nullable=False),
    Column("operation", String(8), nullable=False),
    Column("person_id", Id, ForeignKey("persons.id")),
)
"""The change feed. Versions are taken from ``counters`` just before commit, so
they become visible in commit order and a consumer never skips one."""

counters = Table(
    "counters",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(32), nullable=False),
    Column("organization_id", Id, ForeignKey("organizations.id")),
    Column("person_id", Id, ForeignKey("persons.id")),
    Column("submission_id", Id, ForeignKey("submissions.id")),
    Column("detail", Json, nullable=False),
    Index(None, "person_id"),
)
"""Who read or changed whose records, when and why (FERPA, 34 CFR 99.32)."""

school_calendars = Table(
    "school_calendars",
    metadata,
    Column("id", Id, primary_key=True),
    Column("organization_id", Id, ForeignKey("organizations.id"), nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
    Column("source_file", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Index(None, "organization_id", "loaded_at"),
)
"""Each load of an organization's school calendar; the newest one applies."""

school_calendar_ranges = Table(
    "school_calendar_ranges",
    metadata,
    Column("id", Id, primary_key=True),
    Column("calendar_id", Id, ForeignKey("school_calendars.id"), nullable=False),
    Column("first_date", Date, nullable=False),
    Column("last_date", Date, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("label", Text, nullable=False),
    Column("source_line", Integer),
    Index(None, "calendar_id"),
)
"""Days without regular school sessions, inclusive, as the calendar file lists them."""
