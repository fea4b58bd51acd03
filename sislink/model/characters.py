"""Characters that stored text or a CALPADS file cannot carry, and their names.

Intake removes ``CONTROL_CHARACTERS`` from every value a reader yields,
with a warning. Readers trim values with ``trim``, which keeps those
characters for intake to report. The CALPADS writer rejects
``CALPADS_UNWRITABLE``, and the name-character-invalid rule warns about the
same characters in names when they arrive.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import fields, replace
from typing import Any, TypeVar

from sislink.model.findings import Finding
from sislink.model.provenance import Provenance, Removed

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""The C0 control characters other than tab, line feed and carriage return.

PostgreSQL text and jsonb cannot contain U+0000, XML 1.0 cannot contain any of
them, and a terminal that shows a value acts on them (U+001B starts an
escape sequence). No student-record field has a use for them. Tab, line feed
and carriage return are text in free-text fields. DEL and the C1 controls
(U+007F to U+009F) are kept as well: XML 1.0, JSON and both databases carry
them, and C1 characters are part of UTF-8 text decoded as Latin-1, which
the text-double-encoded check recognizes."""

CALPADS_UNWRITABLE = re.compile(r"[\^\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""Characters that a CALPADS field cannot carry: the caret, control
characters (Unicode category Cc) and the line and paragraph separators."""

LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
"""The characters ``str.splitlines`` splits at."""

TRIMMED = "".join(
    character
    for character in map(chr, range(0x3001))
    if character.isspace() and not CONTROL_CHARACTERS.match(character)
)
"""The characters ``trim`` removes at the edges of a value.

They are the characters ``str.isspace`` accepts, except U+000B, U+000C and
U+001C to U+001F, which are ``CONTROL_CHARACTERS``. U+3000 (ideographic
space) is the highest code point ``str.isspace`` accepts."""

Cleaned = TypeVar("Cleaned", Finding, Provenance, Removed)


def trim(text: str) -> str:
    """Return ``text`` without whitespace at its edges, keeping control characters.

    Readers trim every value with this in place of ``str.strip()``, which also
    removes U+000B, U+000C and U+001C to U+001F at the edges. Normalization
    then removes those with a control-character-removed warning, as it does
    the other ``CONTROL_CHARACTERS``.
    """
    return text.strip(TRIMMED)


def remove_control_characters(text: str) -> str:
    """Return ``text`` without ``CONTROL_CHARACTERS``."""
    return CONTROL_CHARACTERS.sub("", text)


def control_character_names(text: str) -> list[str]:
    """Name each distinct ``CONTROL_CHARACTERS`` character in ``text``, in order."""
    names: list[str] = []
    for character in CONTROL_CHARACTERS.findall(text):
        name = f"U+{ord(character):04X}"
        if name not in names:
            names.append(name)
    return names


def without_control_characters(item: Cleaned) -> Cleaned:
    """Return ``item`` with ``CONTROL_CHARACTERS`` removed from its text.

    Text fields of the item and of its provenance are cleaned. When none
    contains such a character, the item itself is returned.
    """
    changes: dict[str, Any] = {}
    for spec in fields(item):
        value = getattr(item, spec.name)
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            changes[spec.name] = remove_control_characters(value)
        elif isinstance(value, Provenance):
            cleaned = without_control_characters(value)
            if cleaned is not value:
                changes[spec.name] = cleaned
    return replace(item, **changes) if changes else item


def calpads_unwritable_characters(text: str) -> list[str]:
    """Describe each kind of ``CALPADS_UNWRITABLE`` character in ``text``.

    Each kind is named once, in order of appearance.
    """
    found: list[str] = []
    for character in CALPADS_UNWRITABLE.findall(text):
        if character == "^":
            description = "a caret '^'"
        elif character in LINE_BREAKS:
            description = "a line break"
        elif character == "\t":
            description = "a tab"
        else:
            description = f"the control character U+{ord(character):04X}"
        if description not in found:
            found.append(description)
    return found


def in_prose(items: Sequence[str]) -> str:
    """Join ``items`` as a sentence lists them: ``a``, ``a and b``, ``a, b and c``."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
