"""Small helpers that format numbers and tables for the benchmark page."""

from __future__ import annotations

from collections.abc import Sequence

KIB_PER_MIB = 1024


def table(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, numeric: bool = True
) -> str:
    """Return a Markdown table.

    With ``numeric``, the columns after the first are right-aligned for numbers.
    """
    other = "---:" if numeric else "---"
    align = ["---"] + [other] * (len(header) - 1)
    lines = [_row(header), _row(align)]
    lines += [_row(row) for row in rows]
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def count(value: int | float) -> str:
    """Return a count or rate with thousands separators and no decimals."""
    return f"{value:,.0f}"


def seconds(value: float) -> str:
    """Return a duration in seconds with two decimals."""
    return f"{value:,.2f}"


def mebibytes(kib: int | float) -> str:
    """Return a size given in KiB as whole MiB."""
    return f"{kib / KIB_PER_MIB:,.0f}"


def ratio(value: float) -> str:
    """Return a ratio such as ``12.3x``."""
    return f"{value:,.1f}x"


def share(value: float) -> str:
    """Return a fraction as a percentage with one decimal."""
    return f"{value:.1%}"
