"""The school-calendar file: a CSV of ranges of days without school sessions.

The layout is documented in docs/school-calendar.md.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from sislink.errors import InputError
from sislink.model.calendar import KINDS, CalendarRange

HEADER = ("first_date", "last_date", "kind", "label")
MAX_REPORTED_ERRORS = 20


def parse_calendar(path: Path) -> list[CalendarRange]:
    """Read a school-calendar CSV file (docs/school-calendar.md).

    Raises:
        InputError: the file cannot be read, or lines are invalid; the message
            lists each invalid line with its field, value and fix.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read the calendar file {path}: {exc}; save it as UTF-8 CSV"
        ) from exc
    rows = csv.reader(io.StringIO(text))
    header = [cell.strip().lower() for cell in next(rows, [])]
    if tuple(header) != HEADER:
        raise InputError(
            f"{path}, line 1: the header is {','.join(header) or '(empty)'}; "
            f"the first line must be {','.join(HEADER)}"
        )
    ranges: list[CalendarRange] = []
    problems: list[str] = []
    for line, cells in enumerate(rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        parsed = _parse_row(path, line, cells, problems)
        if parsed is not None:
            ranges.append(parsed)
    if problems:
        shown = problems[:MAX_REPORTED_ERRORS]
        more = len(problems) - len(shown)
        tail = f"\n... and {more} more" if more else ""
        raise InputError("\n".join(shown) + tail)
    if not ranges:
        raise InputError(
            f"{path} lists no ranges: add one line per break, "
            "such as 2026-12-21,2027-01-01,break,Winter break"
        )
    return ranges


def _parse_row(
    path: Path, line: int, cells: list[str], problems: list[str]
) -> CalendarRange | None:
    if len(cells) != len(HEADER):
        problems.append(
            f"{path}, line {line}: {len(cells)} fields instead of 4; write "
            "first_date,last_date,kind,label and quote a label with commas"
        )
        return None
    first_text, last_text, kind, label = (cell.strip() for cell in cells)
    first = _parse_date(path, line, "first_date", first_text, problems)
    last = _parse_date(path, line, "last_date", last_text, problems)
    if kind not in KINDS:
        problems.append(
            f"{path}, line {line}, kind: invalid value {kind!r}; "
            f"use one of {', '.join(KINDS)}"
        )
        return None
    if first is None or last is None:
        return None
    if last < first:
        problems.append(
            f"{path}, line {line}, last_date: {last_text} is before first_date "
            f"{first_text}; swap them"
        )
        return None
    return CalendarRange(first, last, kind, label, line)


def _parse_date(
    path: Path, line: int, field: str, text: str, problems: list[str]
) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(
            f"{path}, line {line}, {field}: invalid date {text!r}; "
            "write it as YYYY-MM-DD"
        )
        return None
