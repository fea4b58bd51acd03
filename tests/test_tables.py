"""Command-line tables: keys and dates stay whole, descriptive text wraps."""

from __future__ import annotations

import pytest
from rich.console import Console

from sislink.tables import (
    build_table,
    key_column,
    key_list_column,
    minimum_width,
    number_column,
    print_table,
    text_column,
)

CODE = "calpads-transaction-type-not-applied"
DATE = "2026-08-19"
TEXT = "a description long enough to wrap over several lines of a narrow column " * 3
COLUMNS = [
    key_column("code"),
    number_column("count"),
    key_list_column("kinds"),
    text_column("description"),
]
ROWS = [
    [CODE, "1,234", "student, enrollment", TEXT],
    [DATE, "7", "enrollment", "short"],
]


def render(width: int, columns: list, rows: list) -> str:
    console = Console(width=width, force_terminal=False, color_system=None)
    with console.capture() as capture:
        print_table(console, columns, rows)
    return capture.get()


@pytest.mark.parametrize("width", [200, 100, 80, 60, 40])
def test_keys_never_cut(width: int) -> None:
    output = render(width, COLUMNS, ROWS)
    assert "…" not in output
    lines = output.splitlines()
    for value in (CODE, DATE, "1,234", "student,", "enrollment"):
        assert any(value in line for line in lines), value


@pytest.mark.parametrize("width", [100, 80, 70])
def test_table_fits_width(width: int) -> None:
    output = render(width, COLUMNS, ROWS)
    assert max(len(line.rstrip()) for line in output.splitlines()) <= width


def test_text_wraps_at_80() -> None:
    output = render(80, COLUMNS, ROWS)
    assert output.splitlines()[0].split() == ["code", "count", "kinds", "description"]
    assert len(output.splitlines()) > 4


def test_narrow_width_prints_blocks() -> None:
    output = render(50, COLUMNS, ROWS)
    lines = output.splitlines()
    assert lines[0].split() == ["code", CODE]
    assert any(line.split()[:2] == ["code", DATE] for line in lines)


def test_minimum_width_matches_render() -> None:
    table = build_table(COLUMNS, ROWS)
    width = minimum_width(table)
    output = render(width, COLUMNS, ROWS)
    assert output.splitlines()[0].split()[0] == "code"
    assert max(len(line.rstrip()) for line in output.splitlines()) <= width


def test_values_are_not_markup() -> None:
    output = render(80, [key_column("value")], [["[bold]x[/bold]"]])
    assert "[bold]x[/bold]" in output


def test_row_length_checked() -> None:
    with pytest.raises(ValueError, match="2 cells for 1 columns"):
        build_table([key_column("value")], [["a", "b"]])
