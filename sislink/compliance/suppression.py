"""Small-cell suppression of count tables for the monitor role.

A count under ``THRESHOLD`` is shown as ``<11``. Row and column totals are
shown, so a single hidden cell in a row or column could be worked out by
subtraction: complementary suppression then hides the next smallest cell of
that row or column as well (shown as ``*``). It repeats until no row or
column, totals included, has exactly one hidden cell or hidden cells that
sum to less than the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 11
PRIMARY_MARK = f"<{THRESHOLD}"
COMPLEMENT_MARK = "*"

Cell = int | str


@dataclass(frozen=True)
class CountTable:
    """A table of counts with its row totals, column totals and grand total."""

    rows: list[str]
    columns: list[str]
    cells: list[list[int]]

    @property
    def row_totals(self) -> list[int]:
        """The sum of each row."""
        return [sum(row) for row in self.cells]

    @property
    def column_totals(self) -> list[int]:
        """The sum of each column."""
        return [sum(column) for column in zip(*self.cells, strict=True)] or [
            0 for _ in self.columns
        ]


@dataclass(frozen=True)
class ShownTable:
    """A count table as shown: numbers, or marks where a count is hidden.

    The last row contains the column totals and the last column the row totals.
    """

    rows: list[str]
    columns: list[str]
    cells: list[list[Cell]]


def show(table: CountTable, suppress: bool) -> ShownTable:
    """Return ``table`` with totals, hiding small cells when ``suppress`` is set."""
    full = _with_totals(table)
    hidden = _suppressed(full) if suppress else {}
    shown: list[list[Cell]] = [
        [hidden.get((r, c), value) for c, value in enumerate(row)]
        for r, row in enumerate(full)
    ]
    return ShownTable([*table.rows, "total"], [*table.columns, "total"], shown)


def _with_totals(table: CountTable) -> list[list[int]]:
    rows = [[*row, sum(row)] for row in table.cells]
    totals = table.column_totals
    rows.append([*totals, sum(totals)])
    return rows


def _suppressed(full: list[list[int]]) -> dict[tuple[int, int], str]:
    """Return the hidden cells of a table with totals, and the mark of each."""
    hidden: dict[tuple[int, int], str] = {}
    for r, row in enumerate(full):
        for c, value in enumerate(row):
            if value < THRESHOLD:
                hidden[(r, c)] = PRIMARY_MARK
    lines = _lines(len(full), len(full[0]))
    changed = True
    while changed:
        changed = False
        for line in lines:
            if not _gives_away(full, line, hidden):
                continue
            if all(cell in hidden for cell in line):
                continue
            complement = _next_smallest(full, line, hidden)
            hidden[complement] = COMPLEMENT_MARK
            changed = True
    return hidden


def _gives_away(
    full: Sequence[Sequence[int]],
    line: list[tuple[int, int]],
    hidden: dict[tuple[int, int], str],
) -> bool:
    """Return whether the shown cells of a line reveal what its hidden cells hold.

    The hidden cells of a line sum to what its shown cells leave over. One
    hidden cell is therefore known exactly, and several hidden cells that
    sum to less than the threshold are known to be small all together.
    """
    values = [full[r][c] for r, c in line if (r, c) in hidden]
    return len(values) == 1 or (len(values) > 1 and sum(values) < THRESHOLD)


def _lines(height: int, width: int) -> list[list[tuple[int, int]]]:
    """Return every row and column as its cells, totals included.

    In each line the cells sum to its last cell, so a line with exactly one
    hidden cell gives that cell away.
    """
    rows = [[(r, c) for c in range(width)] for r in range(height)]
    columns = [[(r, c) for r in range(height)] for c in range(width)]
    return rows + columns


def _next_smallest(
    full: Sequence[Sequence[int]],
    line: list[tuple[int, int]],
    hidden: dict[tuple[int, int], str],
) -> tuple[int, int]:
    """Return the smallest shown cell of a line, preferring cells over the total."""
    shown = [cell for cell in line if cell not in hidden]
    inner = shown[:-1] if shown and shown[-1] == line[-1] else shown
    candidates = inner or shown
    return min(candidates, key=lambda cell: (full[cell[0]][cell[1]], cell))
