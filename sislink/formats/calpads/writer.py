"""Writer of CALPADS caret files from canonical records.

Each file is written in its layout from ``layouts``: a position gets the
value of the canonical field it fills, unconfirmed positions included, and
every other position stays empty. Dates are written as CCYYMMDD. The files
are UTF-8 with Windows line ends.

NOTE: the legacy SPED file is not written, because one SPED line joins a
program, a plan and a meeting that the store keeps apart. So a program keeps
only what SWDS holds, and ``field_losses`` lists every field left out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from sislink.formats.base import RecordSource, StoredRecord
from sislink.formats.calpads.layouts import (
    MEET,
    PLAN,
    SENR,
    SERV,
    SINF,
    STUDENT,
    SWDS,
)
from sislink.formats.calpads.positions import FileLayout
from sislink.formats.carried import FieldLoss, losses_outside
from sislink.model import KINDS, FieldType, RecordKind
from sislink.model.characters import (
    CALPADS_UNWRITABLE,
    calpads_unwritable_characters,
    in_prose,
)
from sislink.model.records import JsonValue

WRITTEN = (SINF, SENR, SWDS, MEET, PLAN, SERV)
"""The layouts written, SINF first because SENR repeats each student's names."""

FREQUENCY_REASON = (
    "SERV 25.14 Service Frequency Code is one code, and no public source read "
    "for sislink confirms its values, so neither the frequency nor its period "
    "is written there"
)
LOSS_REASONS: dict[tuple[RecordKind, str | None], str] = {
    (RecordKind.SPECIAL_EDUCATION_PROGRAM, None): (
        "SWDS holds only the status, its start date and the reporting LEA; the "
        "legacy SPED file, which has more, is not written"
    ),
    (RecordKind.SERVICE, "frequency"): FREQUENCY_REASON,
    (RecordKind.SERVICE, "frequency_period"): FREQUENCY_REASON,
}
"""Reasons for leaving a field out, by kind and field (None for every field
of the kind), where "the file has no position for it" does not say enough."""

StudentFields = dict[str, dict[str, JsonValue]]
"""The SENR student fields of each student, by local student id."""


def write(directory: Path, records: RecordSource) -> list[Path]:
    """Write SINF.txt, SENR.txt, SWDS.txt, MEET.txt, PLAN.txt and SERV.txt.

    Args:
        directory: folder for the files, created if missing. Existing files
            of these names are replaced.
        records: returns one organization's canonical records of a kind.

    NOTE: SENR repeats each student's names, birth date and SSID, so those
    fields of every student are held in memory while the files are written.

    Returns:
        The paths written, SINF first.

    Raises:
        ValueError: a value contains a caret, a control character or a line
            or paragraph separator, which the format cannot carry.
        OSError: a file cannot be written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    students: StudentFields = {}
    paths: list[Path] = []
    for layout in WRITTEN:
        rows = records(layout.kind)
        if layout is SINF:
            rows = _remember_students(rows, students)
        path = directory / f"{layout.record_type}.txt"
        _write_file(path, layout, rows, students)
        paths.append(path)
    return paths


def _remember_students(
    rows: Iterable[StoredRecord], students: StudentFields
) -> Iterator[StoredRecord]:
    wanted = [name for kind, name in _targets(SENR) if kind is STUDENT]
    for row in rows:
        local_id = str(row.get("local_student_id") or "")
        students[local_id] = {name: row.get(name) for name in wanted}
        yield row


def _targets(layout: FileLayout) -> list[tuple[RecordKind, str]]:
    return [target for position in layout.positions for target in position.fills]


def _write_file(
    path: Path,
    layout: FileLayout,
    rows: Iterable[StoredRecord],
    students: StudentFields,
) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        for row in rows:
            try:
                cells = _line(layout, row, students)
            except ValueError as exc:
                local_id = row.get("local_student_id") or "none"
                raise ValueError(
                    f"{path.name}, student with local id {local_id}: {exc}"
                ) from exc
            handle.write("^".join(cells) + "\r\n")


def _line(layout: FileLayout, row: StoredRecord, students: StudentFields) -> list[str]:
    student: Mapping[str, JsonValue] = {}
    if layout is SENR:
        student = students.get(str(row.get("local_student_id") or ""), {})
    cells = [layout.record_type] + [""] * (layout.width - 1)
    for index, position in enumerate(layout.positions):
        for kind, name in position.fills:
            if kind is layout.kind:
                value = row.get(name)
            elif kind is STUDENT:
                value = student.get(name)
            else:
                continue
            if value is not None:
                cells[index] = format_value(kind, name, value)
                break
    return cells


def format_value(kind: RecordKind, name: str, value: JsonValue) -> str:
    """Return the CALPADS text of a stored value: dates as CCYYMMDD.

    Raises:
        ValueError: the text contains a character of ``CALPADS_UNWRITABLE``.
    """
    if isinstance(value, bool):
        text = "Y" if value else "N"
    elif KINDS[kind].by_name[name].type is FieldType.DATE:
        text = str(value).replace("-", "")
    else:
        text = str(value)
    if CALPADS_UNWRITABLE.search(text):
        # The value is left out of the message because it may be a name.
        characters = in_prose(calpads_unwritable_characters(text))
        raise ValueError(
            f"{kind} field {name} contains {characters}, which a CALPADS file "
            "cannot carry; correct the value in the source system and submit "
            "the record again"
        )
    return text


def field_losses() -> list[FieldLoss]:
    """Return the fields of the written kinds that no written position fills.

    Each kind is written to one file (students to SINF), and the reader takes
    it back from there, so SENR's copies of the student fields do not count.
    """
    losses: list[FieldLoss] = []
    for layout in WRITTEN:
        carried = {name for kind, name in _targets(layout) if kind is layout.kind}
        generic = f"{layout.record_type} has no position for it"
        for loss in losses_outside(layout.kind, carried, generic):
            reason = LOSS_REASONS.get(
                (loss.kind, loss.field), LOSS_REASONS.get((loss.kind, None))
            )
            losses.append(dataclasses.replace(loss, reason=reason or generic))
    return losses
