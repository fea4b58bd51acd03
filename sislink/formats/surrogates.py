"""Lone UTF-16 surrogate escapes in JSON strings, shared by the JSON readers.

JSON writes a character outside the Basic Multilingual Plane, such as an
emoji, as two ``\\u`` escapes: a high surrogate (D800 to DBFF) followed by a
low one (DC00 to DFFF). Either half alone encodes no character (RFC 8259,
section 8.2), and neither UTF-8 nor the store can hold it.

ijson's default backend, yajl2_c, loses such an escape: in ijson 3.6 it
decodes a lone high surrogate as "?", joins a high surrogate with whatever
``\\u`` escape follows into another character, and fails with
``UnicodeDecodeError`` on a lone low surrogate. The pure-Python backend
keeps each lone escape as the surrogate it names. So ``json_backend`` picks
that backend for a file with any surrogate escape, and the readers find
the lone surrogates in the values they read with ``lone_surrogates``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ijson

from sislink.model import Finding, Provenance, RecordKind
from sislink.model.characters import in_prose
from sislink.validate import rules

SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
"""The start of a ``\\u`` escape of a surrogate, paired or not.

An escaped backslash followed by such text matches too. That only costs
speed, because the pure-Python backend reads every file correctly."""

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""A surrogate in a decoded string. The pure-Python backend joins every
valid pair into one character, so any surrogate left is a lone one."""

BLOCK_SIZE = 1 << 20

JSON_ERRORS = (ijson.JSONError, json.JSONDecodeError, UnicodeDecodeError)
"""The exceptions that parsing a malformed file raises. Besides ijson's own,
the pure-Python backend raises ``json.JSONDecodeError`` for a raw control
character in a string, and yajl2_c raises ``UnicodeDecodeError`` for a lone
low surrogate escape."""


def json_backend(path: Path) -> Any:
    """Return the ijson backend that reads ``path`` without losing a surrogate.

    The file is read once more to look for surrogate escapes. Files without
    one keep the faster default backend.
    """
    if _has_surrogate_escape(path):
        return ijson.get_backend("python")
    return ijson.get_backend(ijson.backend)


def _has_surrogate_escape(path: Path) -> bool:
    # An escape is 6 bytes and the pattern matches its first 4, so the last
    # 3 bytes of a block are searched again with the next one.
    carried = b""
    with path.open("rb") as handle:
        while block := handle.read(BLOCK_SIZE):
            if SURROGATE_ESCAPE.search(carried + block):
                return True
            carried = block[-3:]
    return False


def lone_surrogates(text: str) -> list[str]:
    """Return the ``\\u`` escape of each lone surrogate in ``text``, each once."""
    escapes = (f"\\u{ord(s):04x}" for s in LONE_SURROGATE.findall(text))
    return list(dict.fromkeys(escapes))


def replace_lone_surrogates(text: str) -> str:
    """Return ``text`` with each lone surrogate replaced by U+FFFD."""
    return LONE_SURROGATE.sub("\ufffd", text)


def surrogate_finding(
    kind: RecordKind,
    provenance: Provenance,
    values: Sequence[tuple[str, str]],
    outcome: str | None = None,
) -> Finding:
    """Return the error about values with lone surrogates, counted against ``kind``.

    ``values`` are the affected (JSON property path, text) pairs, at least
    one. The finding names the first path as its field, lists every path
    and escape, and leaves the text out, since it may be a student's name
    or identifier. ``outcome`` is the sentence about what became of the
    element. By default it states that the record of ``kind`` was not read.
    """
    paths = [path for path, _text in values]
    escapes: list[str] = []
    for _path, text in values:
        escapes += [e for e in lone_surrogates(text) if e not in escapes]
    if len(paths) == 1:
        strings = f"the JSON string in {paths[0]} contains"
    else:
        strings = f"the JSON strings in {in_prose(paths)} contain"
    if len(escapes) == 1:
        described = (
            f"the escape {escapes[0]} of a lone UTF-16 surrogate, which encodes "
            "no character"
        )
    else:
        described = (
            f"the escapes {in_prose(escapes)} of lone UTF-16 surrogates, which "
            "encode no character"
        )
    return rules.JSON_SURROGATE_INVALID.finding(
        kind=kind,
        provenance=provenance,
        field=paths[0],
        strings=strings,
        escapes=described,
        outcome=outcome or f"The {kind} record was not read",
    )
