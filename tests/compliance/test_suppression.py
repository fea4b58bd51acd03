"""Small-cell suppression and its complements on hand-built tables."""

from __future__ import annotations

import pytest

from sislink.compliance.suppression import CountTable, show

# Each case: cells, then the expected table with totals, "<" marking a
# count under 11 and "*" a complement.
CASES = [
    (
        "no small cell",
        [[20, 30], [40, 50]],
        [[20, 30, 50], [40, 50, 90], [60, 80, 140]],
    ),
    (
        "one small cell and its complements",
        # 5 is hidden; row 0 then hides 20, column 0 hides 40, and row 1
        # and column 1 each have one hidden cell, so 50 is hidden too.
        [[5, 20, 30], [40, 50, 60]],
        [["<", "*", 30, 55], ["*", "*", 60, 150], [45, 70, 90, 205]],
    ),
    (
        "two small cells in one row",
        # 3 + 4 would be known from 37 - 30, so 30 is hidden as well, and
        # each column then needs a second hidden cell.
        [[3, 4, 30], [40, 50, 60]],
        [["<", "<", "*", 37], ["*", "*", "*", 150], [43, 54, 90, 187]],
    ),
    (
        "small total hides the row",
        # Column totals then expose each hidden cell of row 0 unless row 1
        # hides its cells, its total (5 = 95 - 90) included.
        [[2, 3], [40, 50]],
        [["<", "<", "<"], ["*", "*", "*"], [42, 53, 95]],
    ),
    (
        "zero counts are under 11",
        [[0, 25], [30, 40]],
        [["<", "*", 25], ["*", "*", 70], [30, 65, 95]],
    ),
]


@pytest.mark.parametrize(("name", "cells", "expected"), CASES)
def test_suppression_cases(
    name: str, cells: list[list[int]], expected: list[list[object]]
) -> None:
    table = CountTable(
        [f"r{i}" for i in range(len(cells))], ["a", "b", "c"][: len(cells[0])], cells
    )
    shown = show(table, suppress=True)
    marks = {"<11": "<", "*": "*"}
    got = [
        [marks.get(c, c) if isinstance(c, str) else c for c in row]
        for row in shown.cells
    ]
    assert got == expected, name


@pytest.mark.parametrize(("name", "cells", "expected"), CASES)
def test_no_line_with_one_hidden_cell(
    name: str, cells: list[list[int]], expected: list[list[object]]
) -> None:
    shown = show(
        CountTable(["x"] * len(cells), ["y"] * len(cells[0]), cells), True
    ).cells
    lines = [*shown, *zip(*shown, strict=True)]
    for line in lines:
        assert sum(isinstance(cell, str) for cell in line) != 1, name


def test_district_role_shows_every_count() -> None:
    shown = show(CountTable(["r"], ["a", "b"], [[3, 20]]), suppress=False)
    assert shown.cells == [[3, 20, 23], [3, 20, 23]]


def test_hidden_sum_reaches_threshold() -> None:
    # A school with 16 due, 15 on time: late and overdue together would be 1.
    table = CountTable(["school"], ["on time", "late", "overdue"], [[15, 0, 1]])
    shown = show(table, suppress=True).cells
    row = shown[0]
    hidden = [
        full
        for full, cell in zip([15, 0, 1, 16], row, strict=True)
        if isinstance(cell, str)
    ]
    assert len(hidden) != 1
    assert sum(hidden) >= 11
