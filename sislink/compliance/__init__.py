"""Compliance measures computed from stored history as of a date.

``compute_measures`` reads the versions current on the as-of date and
returns the obligations (initial evaluations, annual reviews, triennials,
plans after transfers), service minutes and each feed's data quality.
``due_list`` turns them into case managers' lists, and ``summary`` into
counts per organization and school with small cells suppressed.
"""

from sislink.compliance.due import DueRow, due_list
from sislink.compliance.measures import compute_measures, default_since
from sislink.compliance.model import ComplianceResult, Measure, Obligation, Status

__all__ = [
    "ComplianceResult",
    "DueRow",
    "Measure",
    "Obligation",
    "Status",
    "compute_measures",
    "default_since",
    "due_list",
]
