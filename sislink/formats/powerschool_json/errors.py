"""Findings about malformed JSON, with the line and column of the fault.

The fast ijson backend (yajl2_c) reports what is wrong but not where, so
the file is parsed again with ijson's pure-Python backend, which names the
character offset; that second pass runs only for a file that failed.
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

import ijson

from sislink.formats.base import file_error
from sislink.model import Finding

CHARACTER_OFFSET = re.compile(r" at (\d+)$")
ESCAPED = frozenset('"\\/bfnrtu')
"""The characters that may follow a backslash in a JSON string (RFC 8259)."""
BLOCK_SIZE = 1 << 16


def json_error(path: Path, exc: Exception, students_read: int) -> Finding:
    """Return the error finding for ``path``, malformed where ``exc`` says.

    The finding rejects the submission: students after the fault were not
    read, and a snapshot must not end their records.
    """
    reason = _reason(exc)
    line, column = locate_fault(path)
    where = (
        f"line {line}, column {column}" if line else "a position ijson does not give"
    )
    return file_error(
        path,
        f"is not valid JSON at {where}: {reason}. Students read before the "
        f"fault: {students_read}; they were checked, and nothing was stored",
        "fix the JSON at that place, or fetch the file from the API again",
        line=line,
    )


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return str(exc)
    detail = exc.args[0] if exc.args else exc
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", errors="backslashreplace")
    return str(detail).splitlines()[0] if str(detail) else type(exc).__name__


def locate_fault(path: Path) -> tuple[int | None, int | None]:
    """Return the 1-based line and column where ``path`` stops being JSON."""
    python_backend = ijson.get_backend("python")
    try:
        with path.open("rb") as handle:
            for _ in python_backend.parse(handle):
                pass
    except ijson.JSONError as exc:
        detail = exc.args[0] if exc.args else None
        if isinstance(detail, UnicodeDecodeError):
            return _byte_position(path)
        match = CHARACTER_OFFSET.search(str(detail))
        if match:
            return _character_position(path, int(match.group(1)))
        if "Incomplete" in str(detail):
            return _character_position(path, None)
    except json.JSONDecodeError:
        # ijson 3.6's pure-Python backend reads each string with
        # json.scanstring, whose error gives an offset within that string only.
        offset = _string_fault(path)
        if offset is not None:
            return _character_position(path, offset)
    return None, None


def _string_fault(path: Path) -> int | None:
    """Return the character offset of the first fault inside a JSON string.

    A fault is a raw control character (U+0000 to U+001F), which JSON strings
    carry only as escapes, or the character after a backslash that starts no
    escape. A bad ``\\u`` escape is not found.
    """
    in_string = escaped = False
    seen = 0
    with path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
        while block := handle.read(BLOCK_SIZE):
            for character in block:
                if not in_string:
                    in_string = character == '"'
                elif escaped:
                    if character not in ESCAPED:
                        return seen
                    escaped = False
                elif character == "\\":
                    escaped = True
                elif character == '"':
                    in_string = False
                elif character < " ":
                    return seen
                seen += 1
    return None


def _character_position(path: Path, offset: int | None) -> tuple[int, int]:
    """Return the line and column of character ``offset`` (None: the end)."""
    line, column, seen = 1, 1, 0
    with path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
        while block := handle.read(BLOCK_SIZE):
            for character in block:
                if offset is not None and seen == offset:
                    return line, column
                seen += 1
                if character == "\n":
                    line, column = line + 1, 1
                else:
                    column += 1
    return line, column


def _byte_position(path: Path) -> tuple[int | None, int | None]:
    """Return the line and byte column of the first byte that is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, line_start, offset = 1, 0, 0
    with path.open("rb") as handle:
        while block := handle.read(BLOCK_SIZE):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                # The decoder may hold up to 3 bytes of the previous block.
                bad = offset + exc.start - len(exc.object) + len(block)
                head = block[: max(bad - offset, 0)]
                line += head.count(b"\n")
                if b"\n" in head:
                    line_start = offset + head.rindex(b"\n") + 1
                return line, bad - line_start + 1
            line += block.count(b"\n")
            if b"\n" in block:
                line_start = offset + block.rindex(b"\n") + 1
            offset += len(block)
    return None, None
