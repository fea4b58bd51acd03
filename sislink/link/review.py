"""The review view of a match decision: the records side by side, with the evidence.

A decision stores the candidate and runner-up persons, their match
probabilities and the candidate's per-comparison weights. The records
compared are read back from the store: the incoming student's current
record (for a review a submission closed, the version it held), and for
each person, or the person it was merged into, the current student record
that agrees with it on most fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, select

from sislink.link.corrections import surviving_person
from sislink.model import RecordKind
from sislink.store.identity import SUPERSEDED, WITHDRAWN
from sislink.store.schema import organizations, record_versions


@dataclass(frozen=True, slots=True)
class ReviewField:
    """One row of the side-by-side table: a student field and its comparison."""

    label: str
    data_field: str | tuple[str, ...] | None
    """The field shown; several fields are shown together, space-separated."""
    comparison: str | None


REVIEW_FIELDS = (
    ReviewField("first name", "first_name", "first_name"),
    ReviewField("middle name", "middle_name", "middle_name"),
    ReviewField("last name", "last_surname", "surname"),
    ReviewField("birth date", "birth_date", "birth_date"),
    ReviewField("gender", "sex", "gender"),
    ReviewField("postal code", "postal_code", "postal_code"),
    ReviewField("state student id", "state_student_id", "ssid"),
    ReviewField(
        "guardian 1", ("guardian_1_first_name", "guardian_1_last_surname"), "guardians"
    ),
    ReviewField(
        "guardian 2", ("guardian_2_first_name", "guardian_2_last_surname"), None
    ),
    ReviewField("local id", "local_student_id", None),
    ReviewField("school", None, None),
)
"""The rows of the review table; ``comparison`` is the model's comparison, if any."""

_COMPARED = tuple(
    f.data_field
    for f in REVIEW_FIELDS
    if f.comparison and isinstance(f.data_field, str)
)


def format_probability(probability: float | None) -> str:
    """Return a probability as a percentage with the digits that tell it apart.

    Two decimals are shown unless they would round a value below 100% up to
    100.00% or a value above 0% down to 0.00%; then more are shown, up to six.
    """
    if probability is None:
        return ""
    if probability >= 1.0:
        return "100%"
    if probability <= 0.0:
        return "0%"
    percent = probability * 100
    for places in range(2, 7):
        text = f"{percent:.{places}f}"
        if 0.0 < float(text) < 100.0:
            return f"{text}%"
    return ">99.999999%" if percent > 50 else "<0.000001%"


def format_weight(weight: float | None) -> str:
    """Return a match weight in bits with its sign, such as ``+12.4 bits``."""
    return "" if weight is None else f"{weight:+.1f} bits"


def organization_names(connection: Connection) -> dict[int, tuple[str, str]]:
    """Return the code and name of every organization, by id."""
    rows = connection.execute(
        select(organizations.c.id, organizations.c.code, organizations.c.name)
    )
    return {id_: (code, name) for id_, code, name in rows}


def review_detail(connection: Connection, decision: Row[Any]) -> dict[str, Any]:
    """Return the records a decision compared and each field's evidence, as JSON.

    The result has ``incoming``, ``candidate`` and ``runner_up``, each None
    when there is no such record. Its ``fields`` list has one entry per row
    of ``REVIEW_FIELDS``, then one per stored comparison that no row shows.
    Each entry has the three values and the candidate's comparison level and
    weight in bits.
    """
    names = organization_names(connection)
    incoming = _incoming_record(connection, decision)
    incoming_data = incoming.data if incoming is not None else {}
    skip = (decision.organization_id, decision.record_key)
    candidate_id = _current_person(connection, decision.candidate_person_id)
    runner_up_id = _current_person(connection, decision.runner_up_person_id)
    candidate = _person_record(connection, candidate_id, incoming_data, skip)
    runner_up = _person_record(connection, runner_up_id, incoming_data, skip)
    sides = {
        "incoming": incoming,
        "candidate": candidate,
        "runner_up": runner_up,
    }
    schools = {
        side: _school_of(connection, row, names) if row is not None else None
        for side, row in sides.items()
    }
    by_comparison = {part["comparison"]: part for part in decision.contributions}
    fields = []
    for field in REVIEW_FIELDS:
        entry: dict[str, Any] = {"field": field.label}
        for side, row in sides.items():
            if row is None:
                entry[side] = None
            elif field.data_field is None:
                entry[side] = schools[side]
            elif isinstance(field.data_field, tuple):
                values = [_text(row.data.get(name)) for name in field.data_field]
                entry[side] = " ".join(v for v in values if v) or None
            else:
                entry[side] = _text(row.data.get(field.data_field))
        part = by_comparison.get(field.comparison or "")
        entry["comparison"] = field.comparison
        entry["level"] = part["level"] if part else None
        entry["weight"] = part["weight"] if part else None
        fields.append(entry)
    shown = {field.comparison for field in REVIEW_FIELDS}
    for part in decision.contributions:
        if part["comparison"] not in shown:
            fields.append(
                {
                    "field": part["comparison"],
                    **dict.fromkeys(sides),
                    "comparison": part["comparison"],
                    "level": part["level"],
                    "weight": part["weight"],
                }
            )
    return {
        "incoming": _source_json(incoming, None, names),
        "candidate": _source_json(candidate, candidate_id, names),
        "runner_up": _source_json(runner_up, runner_up_id, names),
        "fields": fields,
    }


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _source_json(
    row: Row[Any] | None, person_id: int | None, names: Mapping[int, tuple[str, str]]
) -> dict[str, Any] | None:
    if row is None:
        return None if person_id is None else {"person_id": person_id}
    code, name = names.get(row.organization_id, ("", ""))
    return {
        "person_id": person_id if person_id is not None else row.person_id,
        "organization_code": code,
        "organization_name": name,
        "local_id": row.record_key,
        "source_file": row.source_file,
        "source_line": row.source_line,
        "ended_by_submission_id": row.valid_to_submission_id,
    }


_COLUMNS = (
    record_versions.c.organization_id,
    record_versions.c.record_key,
    record_versions.c.person_id,
    record_versions.c.data,
    record_versions.c.source_file,
    record_versions.c.source_line,
    record_versions.c.valid_to_submission_id,
)


def _incoming_record(connection: Connection, decision: Row[Any]) -> Any:
    """Return the student record the decision was made on, or None.

    That is the current record, except for a review a submission closed:
    then it is the held version that submission replaced or ended.
    """
    columns = record_versions.c
    closed_by = (
        decision.resolved_submission_id
        if decision.status in (WITHDRAWN, SUPERSEDED)
        else None
    )
    query = select(*_COLUMNS).where(
        columns.organization_id == decision.organization_id,
        columns.kind == RecordKind.STUDENT.value,
        columns.record_key == decision.record_key,
        columns.valid_to_submission_id.is_(None)
        if closed_by is None
        else columns.valid_to_submission_id == closed_by,
    )
    return connection.execute(query).first()


def _current_person(connection: Connection, person_id: int | None) -> int | None:
    return None if person_id is None else surviving_person(connection, person_id)


def _person_record(
    connection: Connection,
    person_id: int | None,
    incoming: Mapping[str, Any],
    skip: tuple[int, str],
) -> Any:
    """Return the person's current student record closest to ``incoming``.

    The record returned has the most compared fields equal to the incoming
    record's, ignoring case. A tie goes to the lowest organization id.
    The incoming record itself (``skip``), which an accepted review moved to
    the person, is left out.
    """
    # NOTE: the decision does not store which of the person's records scored
    # best, so this picks by agreement and can differ from the scored one.
    if person_id is None:
        return None
    columns = record_versions.c
    query = (
        select(*_COLUMNS)
        .where(
            columns.person_id == person_id,
            columns.kind == RecordKind.STUDENT.value,
            columns.valid_to_submission_id.is_(None),
        )
        .order_by(columns.organization_id, columns.id)
    )
    rows = [
        row
        for row in connection.execute(query)
        if (row.organization_id, row.record_key) != skip
    ]
    if not rows:
        return None
    return max(rows, key=lambda row: _agreement(row.data, incoming))


def _agreement(data: Mapping[str, Any], incoming: Mapping[str, Any]) -> int:
    return sum(
        1
        for name in _COMPARED
        if data.get(name) is not None
        and str(data.get(name)).casefold() == str(incoming.get(name)).casefold()
    )


def _school_of(
    connection: Connection, row: Row[Any], names: Mapping[int, tuple[str, str]]
) -> str | None:
    """Return the schools of the student's current enrollments, code and name."""
    columns = record_versions.c
    local_id = row.data.get("local_student_id")
    query = select(columns.data).where(
        columns.organization_id == row.organization_id,
        columns.kind == RecordKind.ENROLLMENT.value,
        columns.record_key.startswith(f"{local_id}|", autoescape=True),
        columns.valid_to_submission_id.is_(None),
    )
    codes = sorted(
        {
            str(data.get("school_id"))
            for (data,) in connection.execute(query)
            if data.get("local_student_id") == local_id and data.get("school_id")
        }
    )
    if not codes:
        return None
    name_of = {code: name for code, name in names.values()}
    return ", ".join(_code_and_name(code, name_of.get(code)) for code in codes)


def _code_and_name(code: str, name: str | None) -> str:
    return f"{code} {name}" if name else code


def side_label(source: Mapping[str, Any] | None, person: str) -> str:
    """Return where a side's record comes from, for a line above the table."""
    if source is None:
        return f"{person}: none"
    if "organization_code" not in source:
        return f"{person}: person {source['person_id']} has no current student record"
    person_part = f"person {source['person_id']}, " if source["person_id"] else ""
    ended = source.get("ended_by_submission_id")
    until = f", as held until submission {ended}" if ended is not None else ""
    return (
        f"{person}: {person_part}record of {source['organization_code']} "
        f"{source['organization_name']}, local id {source['local_id']}{until}"
    )
