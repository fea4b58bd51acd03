"""The probabilistic matcher of the pipeline: Splink against the person index.

The index is every current student record that belongs to a person, from
any organization, as it was when the submission first needed the matcher.
Students written by the submission itself are not in it, and the versions
it has closed since then drop out. Splink scores only pairs that share a
blocking key, so for each batch of incoming students the matcher reads
just the index records that share a stored key with one of them
(``sislink.store.match_keys``). It scores those with the newest stored
model (``sislink link train``), or with the model that ships with sislink
before any training. The prior probability of a match still comes from
the size of the whole index.
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
from sislink.link.features import STUDENT_FIELDS, Person, person_from_student
from sislink.link.keys import person_keys, student_ssid, with_replacement
from sislink.link.model import default_model
from sislink.link.trusted import MatchOutcome
from sislink.model import Record, RecordKind
from sislink.store.identity import newest_model, replacements_for
from sislink.store.match_keys import (
    candidate_versions,
    ensure_current_keys,
    index_size,
    newest_version_id,
)
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
        self._prepared = False
        self._newest_version = 0
        self._index_size = 0
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
        if not self._prepared:
            self._prepare(connection)
        size = self._index_size
        if not records or size == 0:
            return [MatchOutcome(NEW)] * len(records)

        ssids = [ssid for r in records if (ssid := student_ssid(r.data))]
        self._replacements.update(replacements_for(connection, ssids))
        incoming = [
            self._person(str(position), record.data)
            for position, record in enumerate(records)
        ]
        index = self._candidates(connection, incoming)
        engine = Engine(self._model or default_model(), self._effective_thresholds())
        decisions = engine.run(index, incoming, index_size=size)
        outcomes = [_outcome(d.decision, d.candidate, d.runner_up) for d in decisions]
        log.info(
            "matched %d students of organization %s against %d of %d index "
            "records: %d linked, %d for review",
            len(records),
            organization.code,
            len(index.people),
            size,
            sum(o.decision == LINK for o in outcomes),
            sum(o.decision == REVIEW for o in outcomes),
        )
        return outcomes

    def _effective_thresholds(self) -> Thresholds:
        return self._thresholds or Thresholds()

    def _prepare(self, connection: Connection) -> None:
        """Load the model, rebuild stale keys, and fix the extent of the index."""
        if self._model is None:
            stored = newest_model(connection)
            if stored is not None:
                self._model = stored.model
                self._model_id = stored.id
                if self._thresholds is None:
                    self._thresholds = Thresholds(
                        link=stored.link_threshold, review=stored.review_threshold
                    )
        ensure_current_keys(connection)
        # Versions are numbered in insertion order, so the newest id now
        # marks where the index ends for the rest of this submission.
        self._newest_version = newest_version_id(connection)
        self._index_size = index_size(connection, self._newest_version)
        self._prepared = True

    def _candidates(
        self, connection: Connection, incoming: Sequence[Person]
    ) -> IndexRows:
        """Return the index records that share a blocking key with ``incoming``."""
        keys = {key for person in incoming for key in person_keys(person, "incoming")}
        rows = candidate_versions(
            connection, keys, self._newest_version, STUDENT_FIELDS
        )
        ssids = [ssid for _id, _person, data in rows if (ssid := student_ssid(data))]
        self._replacements.update(replacements_for(connection, ssids))
        index = IndexRows()
        for version_id, person_id, data in rows:
            index.add(self._person(str(version_id), data), str(person_id))
        return index

    def _person(self, unique_id: str, data: dict[str, Any]) -> Person:
        return with_replacement(
            person_from_student(unique_id, data), self._replacements
        )


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
