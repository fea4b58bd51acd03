"""Problems found in mapping files, and the check of a date format."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

DATE_DIRECTIVES = frozenset("YymdbB%")
"""strptime directives a date format may use: year, month, day, literal %."""


@dataclass(frozen=True, slots=True)
class MappingProblem:
    """One problem in a mapping file."""

    code: str
    message: str
    fix: str
    where: str
    """The TOML path of the value, such as ``files[1].records[2].columns``."""
    line: int | None = None

    def describe(self) -> str:
        """Return the problem as one line with its place."""
        place = f"line {self.line}, " if self.line else ""
        return f"{place}{self.where or 'file'}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "fix": self.fix,
            "where": self.where,
            "line": self.line,
        }


def date_format_problem(date_format: str) -> str | None:
    """Return why ``date_format`` cannot read calendar dates, or None."""
    directives = set(re.findall(r"%(.)", date_format))
    other = sorted(directives - DATE_DIRECTIVES)
    if other:
        shown = ", ".join(f"%{d}" for d in other)
        return f"it uses {shown}, which are not year, month or day parts"
    if not directives & {"Y", "y"}:
        return "it has no year (%Y)"
    if not directives & {"m", "b", "B"}:
        return "it has no month (%m)"
    if "d" not in directives:
        return "it has no day (%d)"
    sample = date(2001, 11, 23)
    try:
        parsed = datetime.strptime(sample.strftime(date_format), date_format).date()
    except ValueError:
        return "a date written in it cannot be read back"
    if parsed != sample:
        return "a date written in it reads back as another date"
    return None
