"""OneRoster 1.1 CSV bundles: reader and writer."""

from sislink.formats.oneroster.reader import OneRosterCsvReader

__all__ = ["OneRosterCsvReader"]
