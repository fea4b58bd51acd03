"""Command-line tables that never cut a key or a date: only descriptive text wraps.

Every column declares its content. A key (a code, id, date, count or file
name) keeps its whole value on one line. A list of keys wraps between them.
Free text wraps at spaces and folds a word wider than its column. When the
keys alone are wider than the terminal, each row is printed as a block of
``header  value`` lines instead, as ``psql`` does in expanded display.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from rich import box
from rich.cells import cell_len
from rich.console import Console, JustifyMethod
from rich.table import Table
from rich.text import Text

Cell = str | Text

SEPARATOR_WIDTH = 2
"""Cells between two columns of a ``build_table`` table: padding and divider."""

TEXT_MIN_WIDTH = 20
"""Narrowest width of a free-text column whose text is longer. A table that
cannot give it this width is printed one block per row."""


class Content(Enum):
    """What a column contains, which decides how its values may break."""

    KEY = "key"
    """One unbroken value per line: codes, ids, dates, counts, file names."""
    KEYS = "keys"
    """Keys separated by spaces, such as ``student, enrollment``: wraps only
    at the spaces."""
    TEXT = "text"
    """Free text: wraps at spaces and folds a word wider than the column."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table: its header, content and alignment."""

    header: str
    content: Content = Content.KEY
    justify: JustifyMethod = "left"


def key_column(header: str, justify: JustifyMethod = "left") -> Column:
    """Return a column of keys, each kept whole on one line."""
    return Column(header, Content.KEY, justify)


def key_list_column(header: str) -> Column:
    """Return a column of key lists that wrap only between the keys."""
    return Column(header, Content.KEYS)


def text_column(header: str) -> Column:
    """Return a column of free text that wraps."""
    return Column(header, Content.TEXT)


def number_column(header: str) -> Column:
    """Return a column of counts or measures, right-aligned and kept whole."""
    return Column(header, Content.KEY, "right")


def build_table(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Cell]],
    title: str | None = None,
    width: int | None = None,
) -> Table:
    """Return a Rich table whose key columns are at least as wide as their values.

    With ``width``, the wrapping columns are narrowed to fit in that many
    cells where the keys allow it. Values are taken as plain text, so a value
    such as ``[red]`` is printed as it is and not read as Rich markup.
    """
    cells = [[_as_text(value) for value in row] for row in rows]
    for row in cells:
        if len(row) != len(columns):
            raise ValueError(f"a row has {len(row)} cells for {len(columns)} columns")
    values = [[row[index] for row in cells] for index in range(len(columns))]
    minimums = [_min_width(c, v) for c, v in zip(columns, values, strict=True)]
    fixed = None
    if width is not None:
        naturals = [
            max(m, _natural_width(c, v))
            for c, v, m in zip(columns, values, minimums, strict=True)
        ]
        fixed = _fit(columns, minimums, naturals, width)
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        title_justify="left",
    )
    for index, column in enumerate(columns):
        table.add_column(
            column.header,
            justify=column.justify,
            no_wrap=column.content is Content.KEY,
            overflow="ellipsis" if column.content is Content.KEY else "fold",
            min_width=minimums[index],
            width=None if fixed is None else fixed[index],
        )
    for row in cells:
        table.add_row(*row)
    return table


def print_table(
    console: Console,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Cell]],
    title: str | None = None,
) -> None:
    """Print rows as a table, or as one block per row when the keys do not fit.

    Nothing is cropped: a key wider than the terminal runs past its edge and
    the terminal wraps the line.
    """
    cells = [[_as_text(value) for value in row] for row in rows]
    table = build_table(columns, cells, title, console.width)
    if minimum_width(table) <= console.width or not cells:
        console.print(table, crop=False)
        return
    if title:
        console.print(title, highlight=False, crop=False)
    for position, row in enumerate(cells):
        if position:
            console.print()
        console.print(_expanded(columns, row), crop=False)


def minimum_width(table: Table) -> int:
    """Return the narrowest width at which ``table`` breaks no key."""
    widths = [column.min_width or 1 for column in table.columns]
    return sum(widths) + SEPARATOR_WIDTH * (len(widths) - 1)


def _fit(
    columns: Sequence[Column], minimums: list[int], naturals: list[int], width: int
) -> list[int] | None:
    """Return column widths that fit ``width``, or None when no narrowing is needed.

    Key columns keep their natural width. The widest wrapping column is
    narrowed one cell at a time, never below its minimum. Rich's own
    narrowing ignores ``min_width`` and so can push a table past the width.
    """
    available = width - SEPARATOR_WIDTH * (len(columns) - 1)
    widths = list(naturals)
    if sum(widths) <= available:
        return None
    flexible = [i for i, c in enumerate(columns) if c.content is not Content.KEY]
    while sum(widths) > available:
        narrowable = [i for i in flexible if widths[i] > minimums[i]]
        if not narrowable:
            break
        widest = max(narrowable, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def _expanded(columns: Sequence[Column], row: Sequence[Text]) -> Table:
    """Return one row as a two-column grid: each header beside its value."""
    keys_in_row = [
        value
        for column, value in zip(columns, row, strict=True)
        if column.content is Content.KEY
    ]
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(
        overflow="fold",
        min_width=max((_natural_width(key_column(""), keys_in_row), 1)),
    )
    for column, value in zip(columns, row, strict=True):
        if column.content is Content.KEY:
            value = value.copy()
            value.no_wrap = True
        grid.add_row(column.header, value)
    return grid


def _as_text(value: Cell) -> Text:
    return value if isinstance(value, Text) else Text(value)


def _natural_width(column: Column, values: Sequence[Text]) -> int:
    """Return the width the column takes when nothing wraps."""
    lines = [column.header, *(line for v in values for line in v.plain.split("\n"))]
    return max(cell_len(line) for line in lines)


def _min_width(column: Column, values: Sequence[Text]) -> int:
    """Return the narrowest width that breaks no value the column must keep whole.

    A key column is as wide as its widest line, header included, because
    neither wraps. A list of keys is as wide as its widest key or header
    word, so neither is folded. Free text gets ``TEXT_MIN_WIDTH`` or its
    natural width, whichever is smaller, and at least its widest header word.
    """
    header_words = [cell_len(word) for word in column.header.split()]
    if column.content is Content.KEY:
        return _natural_width(column, values)
    if column.content is Content.KEYS:
        words = [word for value in values for word in value.plain.split()]
        return max([*header_words, *(cell_len(word) for word in words)])
    readable = min(TEXT_MIN_WIDTH, _natural_width(column, values))
    return max([*header_words, readable])
