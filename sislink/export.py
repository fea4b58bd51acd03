"""Export: the current records an organization may see, written in a format.

An organization sees its own records and those of every organization below
it: the district sees its schools and charters, a charter its schools. Each
visible organization that holds records gets a folder named after its code,
written by the format's writer. ``persons.csv`` beside the folders links the
records to the person index: one row per person and local id. A format that
does not carry every record kind leaves the others out, and the result
counts them per organization and kind. Within the kinds it writes, a format
may have no place for some fields (``sislink.formats.FIELD_LOSSES``): the
result counts the stored values it leaves out per organization, kind and
field. Formats that keep guardians as
people of their own (OneRoster users, Ed-Fi contacts) write a guardian once
per organization and household: students with the same postal code and the
same guardians' names share them (``sislink.formats.guardians.shared_key``).

Stored values are written as they were sent. Only the CSV formats neutralize
spreadsheet formula text, because a spreadsheet runs a cell such as
``=HYPERLINK(...)`` when it opens the file.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select

from sislink.errors import InputError, UsageError
from sislink.formats import FIELD_LOSSES, WRITERS
from sislink.formats.carried import FieldLoss
from sislink.model import RecordKind
from sislink.model.records import JsonValue
from sislink.report.csv_safety import neutralize
from sislink.store.database import translate_errors
from sislink.store.organizations import (
    Organization,
    get_organization,
    list_organizations,
)
from sislink.store.persons import IdentifierType
from sislink.store.schema import person_identifiers, record_versions

log = logging.getLogger(__name__)

FORMAT_ALIASES = {"csv": "sislink-csv"}
"""Short names the export command accepts for a writer's format name."""

CSV_FORMATS = frozenset({"sislink-csv", "powerschool-csv", "oneroster-csv"})
"""Formats that spreadsheets open, whose text cells are neutralized."""

PERSONS_FILE = "persons.csv"
PERSON_COLUMNS = ("personId", "educationOrganizationId", "localStudentId")


@dataclass
class ExportResult:
    """The outcome of an export: records per organization and kind, and the files.

    ``left_out`` counts, per organization and kind, the current records of
    the kinds the format does not carry, which were not written.
    ``fields_left_out`` counts, per organization, kind and field, the values
    of written records that the format does not carry.
    """

    format: str
    folder: Path
    records: dict[str, dict[str, int]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    left_out: dict[str, dict[str, int]] = field(default_factory=dict)
    fields_left_out: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """Return the result as the ``--json`` output of ``sislink export``."""
        return {
            "format": self.format,
            "folder": str(self.folder),
            "records": self.records,
            "left_out": self.left_out,
            "fields_left_out": self.fields_left_out,
            "files": [str(path) for path in self.files],
        }


def writer_name(name: str) -> str:
    """Return the writer's format name for ``name`` or one of its aliases.

    Raises:
        UsageError: no writer has that name.
    """
    resolved = FORMAT_ALIASES.get(name, name)
    if resolved not in WRITERS:
        known = ", ".join(sorted({*WRITERS, *FORMAT_ALIASES}))
        raise UsageError(f"format {name!r} cannot be written: use one of {known}")
    return resolved


def export(
    engine: Engine, format_name: str, out: Path, organization_code: str | None = None
) -> ExportResult:
    """Write the current records visible to ``organization_code`` into ``out``.

    Without an organization code every organization is exported.

    Raises:
        UsageError: the format cannot be written or the organization is unknown.
        InputError: a stored value cannot be written in the format.
        StoreError: the database cannot be used.
    """
    name = writer_name(format_name)
    write = WRITERS[name]
    result = ExportResult(name, out)
    with translate_errors(engine), engine.connect() as connection:
        visible = _visible(connection, organization_code)
        for organization in visible:
            held = _counts_held(connection, organization.id)
            if not held:
                continue
            source = _RecordSource(
                connection,
                organization.id,
                name in CSV_FORMATS,
                FIELD_LOSSES.get(name, ()),
            )
            try:
                result.files += write(out / organization.code, source)
            except ValueError as exc:
                # Writers raise ValueError for a stored value their format
                # cannot carry, such as a caret in a CALPADS field.
                raise InputError(
                    f"cannot export organization {organization.code} as {name}: "
                    f"{exc}; the files in {out / organization.code} are incomplete"
                ) from exc
            finally:
                source.close()
            result.records[organization.code] = source.written
            left_out = {
                kind: count
                for kind, count in held.items()
                if kind not in source.requested
            }
            if left_out:
                result.left_out[organization.code] = left_out
                log.info(
                    "%s carries no %s: records of organization %s left out",
                    name,
                    ", ".join(sorted(left_out)),
                    organization.code,
                )
            if source.fields_left_out:
                result.fields_left_out[organization.code] = source.fields_left_out
                log.info(
                    "%s does not carry %d fields of organization %s's records: "
                    "their values were left out",
                    name,
                    sum(len(fields) for fields in source.fields_left_out.values()),
                    organization.code,
                )
        result.files.append(_write_persons(connection, out, visible))
    log.info("exported %d organizations as %s", len(result.records), result.format)
    return result


def _visible(connection: Connection, code: str | None) -> list[Organization]:
    everything = list_organizations(connection)
    if code is None:
        return everything
    root = get_organization(connection, code)
    children: dict[int | None, list[Organization]] = {}
    for organization in everything:
        children.setdefault(organization.parent_id, []).append(organization)
    visible: list[Organization] = []
    pending = [root]
    while pending:
        organization = pending.pop(0)
        visible.append(organization)
        pending.extend(children.get(organization.id, []))
    return visible


def _counts_held(connection: Connection, organization_id: int) -> dict[str, int]:
    """Return the number of current records of each kind an organization holds."""
    columns = record_versions.c
    rows = connection.execute(
        select(columns.kind, func.count())
        .where(
            columns.organization_id == organization_id,
            columns.valid_to_submission_id.is_(None),
        )
        .group_by(columns.kind)
    )
    return {kind: int(count) for kind, count in rows}


class _RecordSource:
    """Callable returning an organization's current records of a kind, counted.

    ``requested`` collects the kinds the writer asked for. The format does
    not carry the others. ``fields_left_out`` counts, by kind and field, the
    values of the records handed to the writer that ``losses`` apply to.
    """

    def __init__(
        self,
        connection: Connection,
        organization_id: int,
        neutral: bool,
        losses: tuple[FieldLoss, ...] = (),
    ):
        self._connection = connection
        self._organization_id = organization_id
        self._neutral = neutral
        self._losses: dict[str, list[FieldLoss]] = {}
        for loss in losses:
            self._losses.setdefault(loss.kind.value, []).append(loss)
        self.fields_left_out: dict[str, dict[str, int]] = {}
        # NOTE: ``written`` counts the records handed to the writer. Writers
        # that join one enrollment to each student (PowerSchool JSON and the
        # vendor mappings) keep the latest only, so they write fewer.
        self.written: dict[str, int] = {}
        self.requested: set[str] = set()
        self._open: list[Generator[Mapping[str, JsonValue], None, None]] = []

    def __call__(self, kind: RecordKind) -> Iterator[Mapping[str, JsonValue]]:
        self.requested.add(kind.value)
        records = self._records(kind)
        self._open.append(records)
        return records

    def close(self) -> None:
        """Close the queries of records a writer has not read to the end."""
        for records in self._open:
            records.close()
        self._open.clear()

    def _records(
        self, kind: RecordKind
    ) -> Generator[Mapping[str, JsonValue], None, None]:
        columns = record_versions.c
        query = (
            select(columns.data)
            .where(
                columns.organization_id == self._organization_id,
                columns.kind == kind.value,
                columns.valid_to_submission_id.is_(None),
            )
            .order_by(columns.record_key)
            .execution_options(yield_per=5_000)
        )
        count = 0
        losses = self._losses.get(kind.value, [])
        # The with block closes the cursor when close() stops the generator early.
        with self._connection.execute(query) as result:
            for (data,) in result:
                count += 1
                if losses:
                    self._count_losses(kind.value, losses, data)
                yield _neutralized(data) if self._neutral else data
        if count:
            self.written[kind.value] = count

    def _count_losses(
        self, kind: str, losses: list[FieldLoss], data: Mapping[str, JsonValue]
    ) -> None:
        for loss in losses:
            if loss.applies(data.get(loss.field)):
                counts = self.fields_left_out.setdefault(kind, {})
                counts[loss.field] = counts.get(loss.field, 0) + 1


def _neutralized(data: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    return {
        name: neutralize(value) if isinstance(value, str) else value
        for name, value in data.items()
    }


def _write_persons(
    connection: Connection, out: Path, visible: list[Organization]
) -> Path:
    """Write which person each visible organization's local student ids belong to."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / PERSONS_FILE
    codes = [organization.code for organization in visible]
    columns = person_identifiers.c
    query = (
        select(columns.person_id, columns.scope, columns.value)
        .where(
            columns.identifier_type == IdentifierType.LOCAL.value,
            columns.scope.in_(codes),
        )
        .order_by(columns.person_id, columns.scope, columns.value)
        .execution_options(yield_per=5_000)
    )
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PERSON_COLUMNS)
        for row in connection.execute(query):
            writer.writerow([row.person_id, row.scope, neutralize(row.value)])
    return path
