"""The probabilistic matcher of the pipeline: Splink against the person index.

The index is every current student record that belongs to a person, from
any organization, read once per submission when the first student with no
known identifier arrives. Each incoming student is scored against it with
the newest stored model (``sislink link train``), or with the model that
ships with sislink before any training.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from sislink.link.engine import (
    LINK,
    NEW,
    REVIEW,
    Candidate,
    Engine,
    IndexRows,
    Thresholds,
)
from sislink.link.features import Person, person_from_student
from sislink.link.model import default_model
from sislink.link.trusted import MatchOutcome
from sislink.model import Record, RecordKind
from sislink.store.identity import newest_model, replacements_for
from sislink.store.organizations import Organization
from sislink.store.schema import record_versions

log = logging.getLogger(__name__)


class IndexMatcher:
    """Scores one submission's unknown students against the person index."""

    def __init__(
        self,
        thresholds: Thresholds | None = None,
        model: dict[str, Any] | None = None,
    ) -> None:
        self._thresholds = thresholds
        self._model = model
        self._model_id: int | None = None
        self._index: IndexRows | None = None
        self._replacements: dict[str, str] = {}

    @property
    def model_id(self) -> int | None:
        """Return the id of the stored model used, or None for the packaged one."""
        return self._model_id

    def match(
        self,
        connection: Connection,
        organization: Organization,
        records: Sequence[Record],
    ) -> list[MatchOutcome]:
        """Return link, review or new, with the evidence, for each record."""
        if self._index is None:
            self._prepare(connection)
        assert self._index is not None
        if not records or not self._index.people:
            return [MatchOutcome(NEW)] * len(records)

        ssids = [
            str(r.data["state_student_id"])
            for r in records
            if r.data.get("state_student_id")
        ]
        self._replacements.update(replacements_for(connection, ssids))
        incoming = [
            self._person(str(position), record.data)
            for position, record in enumerate(records)
        ]
        engine = Engine(self._model or default_model(), self._effective_thresholds())
        decisions = engine.run(self._index, incoming)
        outcomes = [_outcome(d.decision, d.candidate, d.runner_up) for d in decisions]
        log.info(
            "matched %d students of organization %s: %d linked, %d for review",
            len(records),
            organization.code,
            sum(o.decision == LINK for o in outcomes),
            sum(o.decision == REVIEW for o in outcomes),
        )
        return outcomes

    def _effective_thresholds(self) -> Thresholds:
        return self._thresholds or Thresholds()

    def _prepare(self, connection: Connection) -> None:
        """Load the model and the index of current student records."""
        if self._model is None:
            stored = newest_model(connection)
            if stored is not None:
                self._model = stored.model
                self._model_id = stored.id
                if self._thresholds is None:
                    self._thresholds = Thresholds(
                        link=stored.link_threshold, review=stored.review_threshold
                    )
        rows = _current_students(connection)
        ssids = [
            str(r.data.get("state_student_id"))
            for r in rows
            if r.data.get("state_student_id")
        ]
        self._replacements.update(replacements_for(connection, ssids))
        index = IndexRows()
        for version_id, person_id, data in rows:
            index.add(self._person(str(version_id), data), str(person_id))
        self._index = index
        log.info("person index loaded: %d current student records", len(rows))

    def _person(self, unique_id: str, data: dict[str, Any]) -> Person:
        person = person_from_student(unique_id, data)
        if person.ssid and person.ssid in self._replacements:
            return Person(
                person.unique_id,
                person.first_name,
                person.middle_name,
                person.last_name,
                person.birth_date,
                person.gender,
                person.postal_code,
                self._replacements[person.ssid],
            )
        return person


def _outcome(
    decision: str, candidate: Candidate | None, runner_up: Candidate | None
) -> MatchOutcome:
    if candidate is None:
        return MatchOutcome(NEW)
    return MatchOutcome(
        decision,
        int(candidate.entity),
        candidate.probability,
        candidate.weight,
        tuple(candidate.contributions_json()),
        int(runner_up.entity) if runner_up else None,
        runner_up.probability if runner_up else None,
    )


def _current_students(connection: Connection) -> list[Any]:
    """Return the id, person and data of every current student record of a person."""
    columns = record_versions.c
    query = select(columns.id, columns.person_id, columns.data).where(
        columns.kind == RecordKind.STUDENT.value,
        columns.valid_to_submission_id.is_(None),
        columns.person_id.is_not(None),
    )
    return list(connection.execute(query.execution_options(yield_per=10_000)))


def load_index_people(connection: Connection) -> list[Person]:
    """Return the person index's current student records as matching input."""
    return [
        person_from_student(str(version_id), data)
        for version_id, _person_id, data in _current_students(connection)
    ]
