"""The sislink CSV layout: reader and writer."""

from sislink.formats.sislink_csv.reader import SislinkCsvReader
from sislink.formats.sislink_csv.writer import write_kind

__all__ = ["SislinkCsvReader", "write_kind"]
