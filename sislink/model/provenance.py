"""Provenance, and the records that readers and the pipeline pass on."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sislink.model.crosswalks import CROSSWALKS, Crosswalk
from sislink.model.records import JsonValue, RecordKind


@dataclass(frozen=True, slots=True)
class Provenance:
    """The place in a source file that a record or finding refers to."""

    file: str
    line: int | None = None
    element: str | None = None
    column: str | None = None

    def __str__(self) -> str:
        place = self.file
        if self.line is not None:
            place += f", line {self.line}"
        if self.element:
            place += f", element {self.element}"
        if self.column:
            place += f", column {self.column}"
        return place


@dataclass(frozen=True, slots=True)
class SourceDialect:
    """How one source writes its values: date order and whose code values.

    ``crosswalks`` are the source's own code translations, such as a vendor
    mapping's grade codes. They take precedence over the shared crosswalks
    of ``code_source``.
    """

    name: str
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    code_source: str = "calpads"
    crosswalks: tuple[Crosswalk, ...] = ()

    def crosswalk(self, code_set: str) -> Crosswalk | None:
        """Return the crosswalk this source's values of ``code_set`` go through."""
        for crosswalk in self.crosswalks:
            if crosswalk.code_set == code_set:
                return crosswalk
        return CROSSWALKS.get((self.code_source, code_set))


@dataclass(slots=True)
class SourceRecord:
    """One record as a reader found it: field name to source text, not yet typed."""

    kind: RecordKind
    fields: dict[str, str]
    provenance: Provenance
    dialect: SourceDialect


def source_digest(source: SourceRecord) -> str:
    """Return a 32-hex-digit digest of a source record's kind, dialect and fields.

    Two rows with the same digest carry the same text in the same fields, so
    they normalize to the same record.
    """
    parts = [source.kind.value, source.dialect.name]
    parts += [f"{name}\x1e{value}" for name, value in sorted(source.fields.items())]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Skipped:
    """An element a reader read but does not carry into the hub, with the reason."""

    kind: RecordKind
    provenance: Provenance
    reason: str


@dataclass(frozen=True, slots=True)
class Removed:
    """A source's statement that a record no longer exists, as delta files make.

    ``key`` is the record key as ``KindSpec.key_of`` builds it from the
    canonical values, so it matches the key the record was stored under.
    """

    kind: RecordKind
    key: str
    provenance: Provenance


@dataclass(slots=True)
class Record:
    """A canonical record: typed values, its key, and where it came from."""

    kind: RecordKind
    key: str
    data: dict[str, JsonValue]
    provenance: Provenance
    person_id: int | None = None
    source_digest: str | None = None
    """Digest of the fields as the source wrote them; see ``source_digest``."""
