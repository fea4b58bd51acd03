"""The rule engine: runs every registered check on each record of a submission.

A check is a function registered for one rule and the record kinds it
applies to. It receives the normalized record and the submission's
``Context`` and yields findings. Checks run in registration order, each on
its own: a check that raises becomes a ``rule-failed`` finding naming the
rule, and the others still run, so no value a reader can produce stops
validation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from sislink.model import Finding, Record, RecordKind
from sislink.validate import rules
from sislink.validate.rules import Rule

log = logging.getLogger(__name__)


@dataclass
class Context:
    """The facts checks may use beyond the record: the date and the submission so far.

    ``birth_dates`` maps the local id of each student read so far to their
    ISO birth date, so that checks on enrollments and plans can use it.
    """

    as_of: date
    organization_code: str
    birth_dates: dict[str, str] = field(default_factory=dict)


Check = Callable[[Record, Context], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class RegisteredCheck:
    """A check with the rule it applies and the kinds it runs on."""

    rule: Rule
    kinds: frozenset[RecordKind]
    function: Check


CHECKS: list[RegisteredCheck] = []


def check(rule: Rule, *kinds: RecordKind) -> Callable[[Check], Check]:
    """Register the decorated function as the check of ``rule`` on ``kinds``.

    With no kinds the check runs on the rule's own kinds.
    """

    def register(function: Check) -> Check:
        applies = frozenset(kinds or rule.kinds)
        CHECKS.append(RegisteredCheck(rule, applies, function))
        return function

    return register


class Validator:
    """Runs the registered record checks for one submission."""

    def __init__(self, context: Context, checks: Iterable[RegisteredCheck] = ()):
        self.context = context
        chosen = list(checks) or CHECKS
        self._by_kind: dict[RecordKind, list[RegisteredCheck]] = {
            kind: [c for c in chosen if kind in c.kinds] for kind in RecordKind
        }

    def check(self, record: Record) -> list[Finding]:
        """Return the findings of every check that applies to ``record``."""
        found: list[Finding] = []
        for registered in self._by_kind[record.kind]:
            try:
                found.extend(registered.function(record, self.context))
            except Exception as exc:
                log.warning(
                    "check %s failed on a %s record: %s",
                    registered.rule.code,
                    record.kind,
                    type(exc).__name__,
                )
                found.append(_failure(registered.rule, record, exc))
        if record.kind is RecordKind.STUDENT and not any(f.is_error for f in found):
            birth = record.data.get("birth_date")
            local_id = record.data.get("local_student_id")
            if isinstance(birth, str) and local_id:
                self.context.birth_dates[str(local_id)] = birth
        return found


def _failure(rule: Rule, record: Record, exc: Exception) -> Finding:
    return rules.RULE_FAILED.finding(
        kind=record.kind,
        provenance=record.provenance,
        record_key=record.key,
        rule=rule.code,
        error=type(exc).__name__,
    )


def iso_date(value: object) -> date | None:
    """Return a stored ISO date value as a date, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def age_on(birth: date, day: date) -> int:
    """Return the age in whole years on ``day`` of someone born on ``birth``."""
    before_birthday = (day.month, day.day) < (birth.month, birth.day)
    return day.year - birth.year - before_birthday


def findings_of(*found: Finding | None) -> Iterator[Finding]:
    """Yield the findings that are not None."""
    return (f for f in found if f is not None)
