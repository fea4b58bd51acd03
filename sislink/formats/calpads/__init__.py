"""CALPADS state reporting files (caret delimited): reader and writer."""

from sislink.formats.calpads.reader import CalpadsReader

__all__ = ["CalpadsReader"]
