"""The CSV layout page documents every column of the model."""

from __future__ import annotations

from pathlib import Path

from sislink.formats.sislink_csv.layout import FILE_NAMES
from sislink.model import KINDS

DOC = Path(__file__).resolve().parents[1] / "docs" / "sislink-csv.md"


def test_layout_page_lists_every_column() -> None:
    text = DOC.read_text(encoding="utf-8")
    for kind, spec in KINDS.items():
        assert f"`{FILE_NAMES[kind]}`" in text
        for field in spec.fields:
            assert f"| `{field.column}` |" in text, field.column
