"""Validation of mapping files: every problem with where it is and how to fix it.

``check_mapping_text`` reads the TOML, walks it once and collects every
problem instead of stopping at the first, so a data manager fixes a file in
one round. A mapping object is built only from a file without problems.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

from sislink.errors import UsageError
from sislink.formats.mapped.locate import PathPart, locate_line
from sislink.formats.mapped.mapping import (
    FileMap,
    RecordMap,
    SkipRule,
    VendorMapping,
    column_key,
)
from sislink.formats.mapped.problems import MappingProblem, date_format_problem
from sislink.formats.text import check_encoding
from sislink.model import KINDS, RecordKind
from sislink.model.codes import CODE_SETS
from sislink.model.crosswalks import Crosswalk

TOP_KEYS = frozenset(
    {
        "name",
        "description",
        "source",
        "encoding",
        "delimiter",
        "quoted",
        "header",
        "date_formats",
        "files",
        "crosswalks",
        "assumptions",
    }
)
FILE_KEYS = frozenset({"name", "required", "ignore", "order", "skip", "records"})
RECORD_KEYS = frozenset({"kind", "columns"})
SKIP_KEYS = frozenset({"column", "values", "reason"})

FORMAT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FORBIDDEN_DELIMITERS = frozenset({'"', "'", "\r", "\n", " "})
TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def check_mapping_file(
    path: Path,
) -> tuple[VendorMapping | None, list[MappingProblem]]:
    """Validate the mapping file at ``path``; return the mapping if it has no problem.

    Raises:
        UsageError: the file does not exist or cannot be read as UTF-8 text.
    """
    if not path.is_file():
        raise UsageError(f"mapping file not found: {path}. Check the path")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read mapping file {path} as UTF-8: {exc}") from exc
    return check_mapping_text(text, str(path))


def check_mapping_text(
    text: str, origin: str = ""
) -> tuple[VendorMapping | None, list[MappingProblem]]:
    """Validate mapping TOML ``text``; return the mapping if it has no problem."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = TOML_POSITION.search(str(exc))
        line = int(match.group(1)) if match else None
        return None, [
            MappingProblem(
                "toml-syntax",
                f"the file is not valid TOML: {exc}",
                "correct the syntax at that line and column; quote keys that "
                'contain spaces or start with a minus sign ("-1" = "PS")',
                "",
                line,
            )
        ]
    walker = _Walker(text.splitlines())
    mapping = walker.mapping(document, origin)
    return (None if walker.problems else mapping), walker.problems


class _Walker:
    """Walks a parsed mapping document, collecting problems as it goes."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.problems: list[MappingProblem] = []

    def problem(
        self, code: str, path: tuple[PathPart, ...], message: str, fix: str
    ) -> None:
        self.problems.append(
            MappingProblem(
                code, message, fix, _show(path), locate_line(self.lines, path)
            )
        )

    def mapping(self, document: dict[str, Any], origin: str) -> VendorMapping | None:
        self.unknown_keys(document, TOP_KEYS, ())

        name = self.text(document, "name", (), required=True)
        if name and not FORMAT_NAME.match(name):
            self.problem(
                "value-invalid",
                ("name",),
                f"format name {name!r} is not lower-case letters, digits and dashes",
                'name the layout like "vendor-csv", for example "aeries-csv"',
            )
        description = self.text(document, "description", (), required=True)
        source = self.text(document, "source", (), required=True)

        # How the files are written, then what they carry.
        encoding = self.encoding(document)
        delimiter = self.delimiter(document)
        quoted = self.flag(document, "quoted", (), True)
        header = self.flag(document, "header", (), True)
        date_formats = self.date_formats(document)
        files = self.files(document, header)
        crosswalks = self.crosswalks(document, name or "")
        assumptions = self.assumptions(document)
        if self.problems:
            return None

        return VendorMapping(
            name=name or "",
            description=description or "",
            source=source or "",
            files=tuple(files),
            encoding=encoding,
            delimiter=delimiter,
            quoted=quoted,
            header=header,
            date_formats=tuple(date_formats),
            crosswalks=tuple(crosswalks),
            assumptions=assumptions,
            origin=origin,
        )

    # --- scalar values --------------------------------------------------------

    def unknown_keys(
        self, table: dict[str, Any], known: frozenset[str], path: tuple[PathPart, ...]
    ) -> None:
        for key in table:
            if key in known:
                continue
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            self.problem(
                "key-unknown",
                (*path, key),
                f"unknown key {key!r}",
                f"{hint}the keys allowed here are: {', '.join(sorted(known))}",
            )

    def text(
        self,
        table: dict[str, Any],
        key: str,
        path: tuple[PathPart, ...],
        required: bool = False,
    ) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                self.problem(
                    "key-missing",
                    (*path, key),
                    f"the key {key!r} is missing",
                    f'add {key} = "..." here',
                )
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(
                "value-invalid",
                (*path, key),
                f"{key} must be non-empty text, not {value!r}",
                f'write {key} = "..." with the text in double quotes',
            )
            return None
        return value

    def flag(
        self, table: dict[str, Any], key: str, path: tuple[PathPart, ...], default: bool
    ) -> bool:
        value = table.get(key, default)
        if isinstance(value, bool):
            return value
        self.problem(
            "value-invalid",
            (*path, key),
            f"{key} must be true or false, not {value!r}",
            f"write {key} = true or {key} = false, without quotes",
        )
        return default

    def text_list(
        self, table: dict[str, Any], key: str, path: tuple[PathPart, ...]
    ) -> list[str]:
        value = table.get(key, [])
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        self.problem(
            "value-invalid",
            (*path, key),
            f"{key} must be a list of text values",
            f'write {key} = ["...", "..."]',
        )
        return []

    def encoding(self, document: dict[str, Any]) -> str:
        encoding = self.text(document, "encoding", ()) or "utf-8"
        problem = check_encoding(encoding)
        if problem is not None:
            self.problem(
                "encoding-invalid",
                ("encoding",),
                f"invalid encoding: {problem}",
                'use the encoding the vendor writes, such as "utf-8" or "cp1252"',
            )
        return encoding

    def delimiter(self, document: dict[str, Any]) -> str:
        value = document.get("delimiter", ",")
        if (
            isinstance(value, str)
            and len(value) == 1
            and value not in FORBIDDEN_DELIMITERS
            and not value.isalnum()
        ):
            return value
        self.problem(
            "delimiter-invalid",
            ("delimiter",),
            f"invalid delimiter {value!r}: it must be one character that is not a "
            "letter, digit, quote, space or line break",
            'use one of ",", ";", "|", "^" or "\\t" (tab)',
        )
        return ","

    def date_formats(self, document: dict[str, Any]) -> list[str]:
        formats = self.text_list(document, "date_formats", ())
        if "date_formats" in document and not formats:
            self.problem(
                "value-invalid",
                ("date_formats",),
                "date_formats is empty",
                'list at least one format, such as ["%m/%d/%Y"]',
            )
        for index, date_format in enumerate(formats):
            reason = date_format_problem(date_format)
            if reason is not None:
                self.problem(
                    "date-format-invalid",
                    ("date_formats", index),
                    f"invalid date format {date_format!r}: {reason}",
                    "write the format with %Y (year), %m (month) and %d (day), "
                    'such as "%m/%d/%Y" for 01/31/2024',
                )
        return formats or ["%Y-%m-%d"]

    # --- files and records ------------------------------------------------------

    def files(self, document: dict[str, Any], header: bool) -> list[FileMap]:
        tables = document.get("files")
        if not isinstance(tables, list) or not tables:
            self.problem(
                "key-missing",
                ("files",),
                "the mapping declares no file",
                "add a [[files]] table for each file of the export",
            )
            return []
        found = []
        for index, table in enumerate(tables):
            file_map = self.file(table, ("files", index), header)
            if file_map is not None:
                found.append(file_map)
        return found

    def file(
        self, table: dict[str, Any], path: tuple[PathPart, ...], header: bool
    ) -> FileMap | None:
        self.unknown_keys(table, FILE_KEYS, path)
        name = self.text(table, "name", path, required=True)
        required = self.flag(table, "required", path, True)
        ignore = self.text_list(table, "ignore", path)
        order = self.text_list(table, "order", path)
        if not header and not order:
            self.problem(
                "key-missing",
                (*path, "order"),
                "the files have no header row (header = false), so the column "
                "order must be declared",
                'add order = ["FIRST COLUMN", "SECOND COLUMN", ...] to the file',
            )
        skip = self.skip(table.get("skip"), (*path, "skip"))
        records = self.records(table.get("records"), (*path, "records"), order)
        if name is None or not records:
            return None
        return FileMap(
            name, tuple(records), required, tuple(ignore), tuple(order), skip
        )

    def skip(self, table: Any, path: tuple[PathPart, ...]) -> SkipRule | None:
        if table is None:
            return None
        if not isinstance(table, dict):
            self.problem(
                "value-invalid",
                path,
                "skip must be a table with column, values and reason",
                'write skip = { column = "...", values = ["..."], reason = "..." }',
            )
            return None
        self.unknown_keys(table, SKIP_KEYS, path)
        column = self.text(table, "column", path, required=True)
        values = self.text_list(table, "values", path)
        reason = self.text(table, "reason", path, required=True)
        if column is None or reason is None:
            return None
        return SkipRule(column, frozenset(v.strip().casefold() for v in values), reason)

    def records(
        self, tables: Any, path: tuple[PathPart, ...], order: list[str]
    ) -> list[RecordMap]:
        if not isinstance(tables, list) or not tables:
            self.problem(
                "key-missing",
                path,
                "the file declares no record kind",
                "add a [[files.records]] table with kind and columns",
            )
            return []
        found = []
        for index, table in enumerate(tables):
            record = self.record(table, (*path, index), order)
            if record is not None:
                found.append(record)
        return found

    def record(
        self, table: dict[str, Any], path: tuple[PathPart, ...], order: list[str]
    ) -> RecordMap | None:
        self.unknown_keys(table, RECORD_KEYS, path)
        kind_name = self.text(table, "kind", path, required=True)
        if kind_name is None:
            return None
        try:
            kind = RecordKind(kind_name)
        except ValueError:
            known = ", ".join(k.value for k in RecordKind)
            self.problem(
                "kind-unknown",
                (*path, "kind"),
                f"unknown record kind {kind_name!r}",
                f"use one of: {known}",
            )
            return None
        columns = table.get("columns")
        if not isinstance(columns, dict) or not all(
            isinstance(v, str) for v in columns.values()
        ):
            self.problem(
                "key-missing",
                (*path, "columns"),
                "columns must be a table of vendor column = canonical field",
                'add [files.records.columns] with lines like "LAST_NAME" = '
                '"last_surname"',
            )
            return None
        self.fields(kind, columns, (*path, "columns"), order)
        return RecordMap(kind, dict(columns))

    def fields(
        self,
        kind: RecordKind,
        columns: dict[str, str],
        path: tuple[PathPart, ...],
        order: list[str],
    ) -> None:
        spec = KINDS[kind]
        names = [field_spec.name for field_spec in spec.fields]
        for column, name in columns.items():
            if name not in spec.by_name:
                close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
                hint = f"did you mean {' or '.join(close)}? " if close else ""
                self.problem(
                    "field-unknown",
                    (*path, column),
                    f"{name!r} is not a field of the {kind} record",
                    f"{hint}the {kind} fields are: {', '.join(names)}",
                )
            if order and column_key(column) not in {column_key(c) for c in order}:
                self.problem(
                    "column-unordered",
                    (*path, column),
                    f"column {column!r} is not in the file's order list",
                    "add the column to order at its position in the file",
                )
        for name, count in Counter(columns.values()).items():
            if count > 1:
                shown = ", ".join(repr(c) for c, f in columns.items() if f == name)
                self.problem(
                    "field-mapped-twice",
                    path,
                    f"columns {shown} are all mapped to {name}",
                    f"map only one column to {name} and remove the others",
                )
        for field_spec in spec.fields:
            if field_spec.required and field_spec.name not in columns.values():
                self.problem(
                    "field-required-unmapped",
                    path,
                    f"{field_spec.name} is required for every {kind} record but no "
                    "column is mapped to it",
                    f'add the vendor column that holds it: "COLUMN" = '
                    f'"{field_spec.name}"',
                )

    # --- crosswalks and assumptions ---------------------------------------------

    def crosswalks(self, document: dict[str, Any], name: str) -> list[Crosswalk]:
        tables = document.get("crosswalks", {})
        if not isinstance(tables, dict):
            self.problem(
                "value-invalid",
                ("crosswalks",),
                "crosswalks must be tables, one per code set",
                "write [crosswalks.grade_level] and the vendor codes below it",
            )
            return []
        found = []
        source = str(document.get("source", ""))
        for code_set_name, table in tables.items():
            crosswalk = self.crosswalk(code_set_name, table, name, source)
            if crosswalk is not None:
                found.append(crosswalk)
        return found

    def crosswalk(
        self, code_set_name: str, table: Any, name: str, source: str
    ) -> Crosswalk | None:
        path: tuple[PathPart, ...] = ("crosswalks", code_set_name)
        code_set = CODE_SETS.get(code_set_name)
        if code_set is None:
            close = difflib.get_close_matches(code_set_name, sorted(CODE_SETS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            self.problem(
                "code-set-unknown",
                path,
                f"{code_set_name!r} is not a canonical code set, so its crosswalk "
                "is never used",
                f"{hint}the code sets are: {', '.join(sorted(CODE_SETS))}",
            )
            return None
        if not isinstance(table, dict):
            self.problem(
                "value-invalid",
                path,
                "a crosswalk must be a table of vendor code = California code",
                f"write [crosswalks.{code_set_name}] and lines like "
                '"vendor code" = "code"',
            )
            return None
        valid = True
        for vendor_code, code in table.items():
            if not isinstance(code, str) or code not in code_set:
                valid = False
                self.problem(
                    "crosswalk-code-invalid",
                    (*path, vendor_code),
                    f"vendor code {vendor_code!r} maps to {code!r}, which is not a "
                    f"code of the {code_set_name} code set",
                    f"map it to one of: {', '.join(code_set.codes)}",
                )
        if not valid:
            return None
        return Crosswalk(name, code_set_name, source, dict(table))

    def assumptions(self, document: dict[str, Any]) -> dict[str, str]:
        table = document.get("assumptions", {})
        if isinstance(table, dict) and all(isinstance(v, str) for v in table.values()):
            return dict(table)
        self.problem(
            "value-invalid",
            ("assumptions",),
            "assumptions must be a table of subject = explanation",
            'write lines like EXITDATE = "ASSUMPTION: ..." under [assumptions]',
        )
        return {}


def _show(path: tuple[PathPart, ...]) -> str:
    shown = ""
    for part in path:
        if isinstance(part, int):
            shown += f"[{part + 1}]"
        elif re.fullmatch(r"[A-Za-z0-9_-]+", part):
            shown += f".{part}" if shown else part
        else:
            shown += f'."{part}"' if shown else f'"{part}"'
    return shown
