"""Characters that a CALPADS file cannot carry, and their names.

The CALPADS writer rejects ``CALPADS_UNWRITABLE``, and the
name-character-invalid rule warns about the same characters in names when
they arrive.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

CALPADS_UNWRITABLE = re.compile(r"[\^\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""Characters that a CALPADS field cannot carry: the caret, control
characters (Unicode category Cc) and the line and paragraph separators."""

LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
"""The characters ``str.splitlines`` splits at."""


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
