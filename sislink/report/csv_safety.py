"""Neutralizing spreadsheet formula text in CSV output.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) is run as a formula when a spreadsheet opens the file (OWASP, "CSV
Injection"). Output cells get a leading apostrophe; stored values stay as sent.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(cell: object) -> str:
    """Return ``cell`` as CSV text that no spreadsheet runs as a formula."""
    text = "" if cell is None else str(cell)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
