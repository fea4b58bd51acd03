"""Reader for PowerSchool ``/ws/v1`` student JSON, streamed with ijson.

A file may hold ``{"students": {"student": [...]}}`` as the API returns it,
``{"student": {...}}``, a list of student objects (bare or each wrapped in
``{"student": ...}``), or one bare student object. Each student object is
built alone, so memory holds one student at a time.

A record with a lone UTF-16 surrogate escape in a value it reads is held
with a json-surrogate-invalid error (``sislink.formats.surrogates``). The
student's other record is read if its own values are sound.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import ijson

from sislink.formats.base import Reader, ReadItem, check_readable, file_error
from sislink.formats.powerschool_json import layout
from sislink.formats.powerschool_json.errors import json_error
from sislink.formats.surrogates import (
    JSON_ERRORS,
    json_backend,
    lone_surrogates,
    replace_lone_surrogates,
    surrogate_finding,
)
from sislink.model import Provenance, RecordKind, Skipped, SourceRecord
from sislink.model.characters import trim
from sislink.validate import rules

STUDENT_PREFIXES = frozenset(
    {"students.student", "students.student.item", "student", "student.item", "item"}
)
SCALAR_EVENTS = frozenset({"null", "boolean", "integer", "double", "number", "string"})
WRAPPER_KEYS = frozenset({"students", "student"})
PAGE_NUMBER = re.compile(r"(\d+)")


class PowerSchoolJsonReader(Reader):
    """Reads students and their current enrollment from PowerSchool API JSON."""

    name: ClassVar[str] = "powerschool-json"
    description: ClassVar[str] = (
        "PowerSchool /ws/v1 student JSON: the students.student payload with "
        "name, demographics and school_enrollment, in students.json or one "
        "students-N.json per page; ISO dates, PowerSchool grade codes"
    )
    files: ClassVar[tuple[str, ...]] = layout.FILE_NAMES
    kinds: ClassVar[tuple[RecordKind, ...]] = (
        RecordKind.STUDENT,
        RecordKind.ENROLLMENT,
    )

    def collect(self, paths: Sequence[Path]) -> list[Path]:
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                found = {p for pattern in self.files for p in path.glob(pattern)}
                files.extend(sorted((p for p in found if p.is_file()), key=_page_order))
            else:
                check_readable(path)
                files.append(path)
        return files

    def covered_kinds(self, files: Sequence[Path]) -> frozenset[RecordKind]:
        return frozenset(self.kinds) if files else frozenset()

    def read(self, files: Sequence[Path]) -> Iterator[ReadItem]:
        for path in files:
            with path.open("rb") as handle:
                yield from _read_file(path, handle)


def _page_order(path: Path) -> tuple[int, str]:
    """Sort pages by number, so students-10.json comes after students-9.json."""
    numbers = PAGE_NUMBER.findall(path.stem)
    return (int(numbers[-1]) if numbers else -1), path.name


def _read_file(path: Path, handle: BinaryIO) -> Iterator[ReadItem]:
    count = 0
    try:
        for student in _student_objects(handle, json_backend(path)):
            count += 1
            yield from _items(path, count, student)
    except JSON_ERRORS as exc:
        yield json_error(path, exc, count)
        return
    if count == 0:
        # A snapshot without students would end every stored student.
        yield file_error(
            path,
            "holds no student object",
            "fetch the students again from the PowerSchool API; the file must "
            "hold the students.student payload",
        )


def _student_objects(handle: BinaryIO, backend: Any) -> Iterator[Any]:
    """Yield each student object of the file, built one at a time by ``backend``."""
    builder: Any = None
    depth = 0
    root_is_wrapper: bool | None = None
    for prefix, event, value in backend.parse(handle, use_float=False):
        if builder is None and prefix == "" and event == "map_key":
            if root_is_wrapper is None:
                root_is_wrapper = value in WRAPPER_KEYS
                if not root_is_wrapper:
                    # A bare student object: build the root itself.
                    builder = ijson.ObjectBuilder()
                    builder.event("start_map", None)
                    depth = 1
            if builder is None:
                continue
        if builder is None:
            if prefix not in STUDENT_PREFIXES:
                continue
            if event in SCALAR_EVENTS and prefix.endswith("item"):
                # Not an object: yielded so that it becomes a finding.
                yield value
                continue
            if event != "start_map":
                continue
            builder = ijson.ObjectBuilder()
            depth = 0
        builder.event(event, value)
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
        if depth == 0:
            yield from _unwrapped(builder.value)
            builder = None


def _unwrapped(value: Any) -> Iterator[Any]:
    if isinstance(value, dict) and set(value) == {"student"}:
        inner = value["student"]
        yield from inner if isinstance(inner, list) else [inner]
    else:
        yield value


def _items(path: Path, index: int, student: Any) -> Iterator[ReadItem]:
    element = f"student {index}"
    if not isinstance(student, dict):
        # The entry's text is left out: a string may be a whole student's data.
        yield rules.JSON_STUDENT_INVALID.finding(
            kind=RecordKind.STUDENT,
            provenance=Provenance(path.name, element=element),
            json_type=_json_type(student),
        )
        return
    dcid = _text(student.get("id"))
    if dcid:
        element += f" (id {replace_lone_surrogates(dcid)})"
    provenance = Provenance(path.name, element=element)
    status = _text(_at(student, layout.ENROLL_STATUS_CODE)).strip()
    if status == layout.PRE_REGISTERED:
        for kind in layout.FIELDS:
            yield Skipped(kind, provenance, layout.SKIP_REASON)
        return
    dialect = layout.dialect()
    for kind, paths in layout.FIELDS.items():
        fields = {}
        broken = []
        for dotted, name in paths.items():
            text = _text(_at(student, dotted))
            if lone_surrogates(text):
                broken.append((dotted, text))
            elif text:
                fields[name] = text
        if kind is RecordKind.ENROLLMENT and not isinstance(
            student.get("school_enrollment"), dict
        ):
            continue
        if broken:
            yield surrogate_finding(kind, provenance, broken)
        else:
            yield SourceRecord(kind, fields, provenance, dialect)


def _at(value: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _json_type(value: Any) -> str:
    """Return the JSON type of a parsed value, as RFC 8259 names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "number"


def _text(value: Any) -> str:
    """Return a JSON scalar as source text; objects and lists give ''."""
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    return trim(str(value))
