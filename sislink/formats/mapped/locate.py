"""Finding the line of a value in a TOML text, for messages about mapping files.

``tomllib`` returns plain values without positions, so the line is found by
searching the text for the tables and keys on the value's path in order.
"""

from __future__ import annotations

import re

PathPart = str | int
"""A key of a table, or the 0-based index of an array element."""


def locate_line(lines: list[str], path: tuple[PathPart, ...]) -> int | None:
    """Return the 1-based line of the value at ``path``, or None if not found.

    NOTE: the search takes the first match after the enclosing table, so a
    key written twice or inside an inline table may point at an earlier line.
    """
    start = 0
    found: int | None = None
    tables: list[str] = []
    for part in path:
        if isinstance(part, int):
            line = _nth_array_table(lines, start, ".".join(tables), part)
        else:
            tables.append(part)
            line = _key_line(lines, start, part)
        if line is not None:
            start = found = line
    return None if found is None else found + 1


def _nth_array_table(lines: list[str], start: int, name: str, index: int) -> int | None:
    header = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
    hits = [n for n in range(start, len(lines)) if header.match(lines[n])]
    return hits[index] if index < len(hits) else None


def _key_line(lines: list[str], start: int, key: str) -> int | None:
    quoted = re.escape(key)
    pattern = rf"(?:{quoted}|\"{quoted}\"|'{quoted}')"
    header = re.compile(rf"^\s*\[\[?(?:[^\]]*\.)?\s*{pattern}\s*\]\]?")
    assignment = re.compile(rf"^\s*{pattern}\s*=")
    for number in range(start, len(lines)):
        text = lines[number]
        if header.match(text) or assignment.match(text):
            return number
    return None
