"""The mass-change guard: a snapshot that would withdraw too much is held.

One mistyped value in an export (a school code, a status filter) can make
every row of a kind look new, invalid or absent. Applied, such a file would
end or leave unapplied a large share of an organization's active records.
For each kind, the guard adds the records the submission would end to the
records it rejects, and compares the sum with the records active before it.
Above the limit the submission is held, and it applies nothing until someone
confirms or discards it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sislink.model import Finding, RecordKind
from sislink.model.summary import SubmissionResult
from sislink.validate import rules

DEFAULT_SHARE = 0.10
DEFAULT_MINIMUM = 10
"""Fewer records at stake than this never hold a submission, whatever the share:
a charter of 30 students losing 4 is ordinary turnover."""


@dataclass(frozen=True, slots=True)
class GuardLimits:
    """The largest share of active records one submission may end or reject."""

    share: float = DEFAULT_SHARE
    minimum: int = DEFAULT_MINIMUM

    def __post_init__(self) -> None:
        if not 0 < self.share <= 1:
            raise ValueError(
                f"the share must be above 0 and at most 1, not {self.share}"
            )


def check_mass_change(
    result: SubmissionResult,
    active_before: dict[RecordKind, int],
    limits: GuardLimits,
    submission: str,
) -> list[Finding]:
    """Return a held finding for each kind whose losses exceed the limits.

    ``submission`` is the id that the findings' fix names for confirmation.
    """
    found = []
    for kind, counts in result.kinds.items():
        active = active_before.get(kind, 0)
        at_stake = counts.ended + counts.rejected
        if active == 0 or at_stake < limits.minimum:
            continue
        if at_stake / active <= limits.share:
            continue
        found.append(
            rules.MASS_CHANGE_HELD.finding(
                kind=kind,
                ended=counts.ended,
                rejected=counts.rejected,
                active=active,
                share=f"{at_stake / active:.0%}",
                limit=f"{limits.share:.0%}",
                submission=submission,
            )
        )
    return found
