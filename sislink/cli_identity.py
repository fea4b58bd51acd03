"""Identity-resolution commands: review, person split and merge, SSIDs, models, match.

``register`` adds them to the ``sislink`` command line; they use the same
database option, error handling and exit codes as every other command.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import Connection

from sislink.errors import InputError, UsageError
from sislink.link.corrections import (
    CandidateChange,
    CorrectionResult,
    accept_review,
    candidate_changes,
    merge_persons,
    reject_review,
    split_person,
)
from sislink.link.engine import Thresholds
from sislink.link.review import (
    format_probability,
    format_weight,
    organization_names,
    review_detail,
    side_label,
)
from sislink.normalize import is_scientific_notation
from sislink.store.database import MAX_INTEGER, translate_errors
from sislink.store.identity import (
    PENDING,
    SUPERSEDED,
    WITHDRAWN,
    get_decision,
    later_decision,
    list_decisions,
    load_replacements,
    model_versions,
    save_model,
)
from sislink.tables import (
    key_column,
    key_list_column,
    number_column,
    print_table,
)

console = Console()

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object instead of a table.")
]
ActorOption = Annotated[
    str, typer.Option("--actor", help="Who makes the change, for the audit log.")
]
LinkThreshold = Annotated[
    float | None,
    typer.Option(
        "--link-threshold",
        min=0.0,
        max=1.0,
        help="Match probability (0-1) at or above which a student is linked; "
        "default 0.999.",
    ),
]
ReviewThreshold = Annotated[
    float | None,
    typer.Option(
        "--review-threshold",
        min=0.0,
        max=1.0,
        help="Match probability (0-1) at or above which a student waits for "
        "review; default 0.7.",
    ),
]


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


def _engine() -> Any:
    from sislink.cli import State

    return State.engine()


def _thresholds(link: float | None, review: float | None) -> Thresholds:
    defaults = Thresholds()
    try:
        return Thresholds(
            link=defaults.link if link is None else link,
            review=defaults.review if review is None else review,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


review_app = typer.Typer(help="List, show, accept and reject uncertain matches.")
ssid_app = typer.Typer(help="Load the state's retired → replacement SSID pairs.")
link_app = typer.Typer(help="Train and evaluate the matching model.")


def register(app: typer.Typer, person_app: typer.Typer) -> None:
    """Add the identity-resolution commands to ``app`` and ``person_app``."""
    from sislink.cli import GuardedGroup

    for sub_app in (review_app, ssid_app, link_app):
        sub_app.info.cls = GuardedGroup
    app.add_typer(review_app, name="review")
    app.add_typer(ssid_app, name="ssid")
    app.add_typer(link_app, name="link")
    app.command("match")(match_command)
    person_app.command("split")(person_split)
    person_app.command("merge")(person_merge)


def _decision_json(
    connection: Connection, row: Any, names: dict[int, tuple[str, str]] | None = None
) -> dict[str, Any]:
    code, name = (names or {}).get(row.organization_id, (None, None))
    current_candidate, changes = candidate_changes(connection, row)
    closed = row.status in (WITHDRAWN, SUPERSEDED)
    later = later_decision(connection, row) if closed else None
    return {
        "id": row.id,
        "submission_id": row.submission_id,
        "organization_id": row.organization_id,
        "organization_code": code,
        "organization_name": name,
        "local_id": row.record_key,
        "decision": row.decision,
        "status": row.status,
        "candidate_person_id": row.candidate_person_id,
        "match_probability": row.match_probability,
        "match_probability_percent": format_probability(row.match_probability),
        "match_weight": row.match_weight,
        "runner_up_person_id": row.runner_up_person_id,
        "runner_up_probability": row.runner_up_probability,
        "runner_up_probability_percent": format_probability(row.runner_up_probability),
        "person_id": row.person_id,
        "model_id": row.model_id,
        "contributions": row.contributions,
        "decided_at": row.decided_at,
        "resolved_at": row.resolved_at,
        "resolved_by": row.resolved_by,
        "resolved_submission_id": row.resolved_submission_id,
        "reason": row.reason,
        "later_decision_id": None if later is None else later.id,
        "current_candidate_person_id": current_candidate,
        "candidate_changes": [change.to_json() for change in changes],
    }


@review_app.command("list")
def review_list(
    status: Annotated[
        str,
        typer.Option(
            "--status",
            help="pending (the queue), accepted, rejected, decided, split, "
            "withdrawn, superseded or all.",
        ),
    ] = PENDING,
    limit: Annotated[
        int,
        typer.Option(
            "--limit",
            min=1,
            max=MAX_INTEGER,
            help="Maximum number of decisions to list.",
        ),
    ] = 100,
    json_output: JsonOption = False,
) -> None:
    """List match decisions, by default the students waiting for review."""
    engine = _engine()
    with translate_errors(engine), engine.connect() as connection:
        rows = list_decisions(connection, None if status == "all" else status, limit)
        names = organization_names(connection)
        decisions = [_decision_json(connection, r, names) for r in rows]
    if json_output:
        _print_json(decisions)
        return
    # The code and the name share a column that wraps between words, so the
    # list fits 80 columns with a long organization name.
    columns = [number_column("id"), key_list_column("organization")]
    columns += [key_column("local id"), number_column("candidate")]
    columns += [number_column("probability"), number_column("weight")]
    columns += [key_list_column("status")]
    table = [
        (
            str(decision["id"]),
            f"{decision['organization_code']} {decision['organization_name']}",
            decision["local_id"],
            str(decision["candidate_person_id"] or ""),
            decision["match_probability_percent"],
            format_weight(decision["match_weight"]),
            _status_text(decision),
        )
        for decision in decisions
    ]
    print_table(console, columns, table)


def _status_text(decision: dict[str, Any]) -> str:
    """Return the status, and for a pending review what became of its candidate."""
    status = str(decision["status"])
    if status != PENDING:
        return status
    changed = sorted({change["change"] for change in decision["candidate_changes"]})
    if not changed:
        return status
    return f"{status} (candidate {' and '.join(changed)})"


@review_app.command("show")
def review_show(
    decision_id: Annotated[
        int,
        typer.Argument(min=0, max=MAX_INTEGER, help="Decision id from `review list`."),
    ],
    json_output: JsonOption = False,
) -> None:
    """Show one decision: the records side by side, each field's level and weight."""
    engine = _engine()
    with translate_errors(engine), engine.connect() as connection:
        row = get_decision(connection, decision_id)
        if row is None:
            raise UsageError(
                f"no match decision {decision_id}: `sislink review list --status all` "
                "lists the decisions"
            )
        names = organization_names(connection)
        decision = _decision_json(connection, row, names)
        detail = review_detail(connection, row)
    if json_output:
        _print_json({**decision, **detail})
        return
    _print_review(decision, detail)


def _print_review(decision: dict[str, Any], detail: dict[str, Any]) -> None:
    console.print(
        f"decision {decision['id']}: {decision['decision']} ({decision['status']}); "
        f"local id {decision['local_id']} of {decision['organization_code']} "
        f"{decision['organization_name']}",
        highlight=False,
    )
    if decision["reason"]:
        later = decision["later_decision_id"]
        after = f"; the later decision is {later}" if later is not None else ""
        console.print(
            f"{decision['status']}: {decision['reason']}{after}", highlight=False
        )
    console.print(
        f"candidate person {decision['candidate_person_id'] or 'none'}: match "
        f"probability {decision['match_probability_percent'] or 'none'}, match weight "
        f"{format_weight(decision['match_weight']) or 'none'}",
        highlight=False,
    )
    for change in decision["candidate_changes"]:
        console.print(CandidateChange(**change).sentence(), highlight=False)
    runner_up = detail["runner_up"] is not None
    if runner_up:
        console.print(
            f"runner-up person {decision['runner_up_person_id']}: match probability "
            f"{decision['runner_up_probability_percent']}",
            highlight=False,
        )
    console.print(side_label(detail["incoming"], "incoming"), highlight=False)
    console.print(side_label(detail["candidate"], "candidate"), highlight=False)
    if runner_up:
        console.print(side_label(detail["runner_up"], "runner-up"), highlight=False)
    # Values mix names with dates and ids, so they wrap only between words.
    sides = ["incoming", "candidate"] + (["runner-up"] if runner_up else [])
    columns = [key_list_column("field"), *(key_list_column(side) for side in sides)]
    columns += [key_list_column("comparison level"), number_column("weight (bits)")]
    table = []
    for field in detail["fields"]:
        values = [field["incoming"], field["candidate"]]
        values += [field["runner_up"]] if runner_up else []
        weight = field["weight"]
        table.append(
            (
                field["field"],
                *(value or "" for value in values),
                field["level"]
                or ("not compared" if field["comparison"] is None else ""),
                "" if weight is None else f"{weight:+.2f}",
            )
        )
    print_table(console, columns, table)


def _print_correction(result: CorrectionResult, json_output: bool) -> None:
    if json_output:
        _print_json(result.to_json())
        return
    other = f" and person {result.other_person_id}" if result.other_person_id else ""
    console.print(
        f"{result.action}: person {result.person_id}{other}, "
        f"{result.records_moved} records moved",
        highlight=False,
    )
    for note in result.notes:
        console.print(note, highlight=False)


@review_app.command("accept")
def review_accept(
    decision_id: Annotated[
        int,
        typer.Argument(min=0, max=MAX_INTEGER, help="Decision id from `review list`."),
    ],
    actor: ActorOption = "cli",
    json_output: JsonOption = False,
) -> None:
    """Link a held student to its candidate person and apply its records."""
    engine = _engine()
    with translate_errors(engine), engine.begin() as connection:
        result = accept_review(connection, decision_id, actor)
    _print_correction(result, json_output)


@review_app.command("reject")
def review_reject(
    decision_id: Annotated[
        int,
        typer.Argument(min=0, max=MAX_INTEGER, help="Decision id from `review list`."),
    ],
    actor: ActorOption = "cli",
    json_output: JsonOption = False,
) -> None:
    """Make a held student a new person and apply its records."""
    engine = _engine()
    with translate_errors(engine), engine.begin() as connection:
        result = reject_review(connection, decision_id, actor)
    _print_correction(result, json_output)


def person_split(
    person_id: Annotated[
        int,
        typer.Argument(min=0, max=MAX_INTEGER, help="Person that wrongly joins two."),
    ],
    org: Annotated[str, typer.Option("--org", help="Code of the organization.")],
    local_id: Annotated[
        str, typer.Option("--local-id", help="That organization's student id to move.")
    ],
    actor: ActorOption = "cli",
    json_output: JsonOption = False,
) -> None:
    """Undo a false merge: move one organization's student to a new person."""
    engine = _engine()
    with translate_errors(engine), engine.begin() as connection:
        result = split_person(connection, person_id, org, local_id, actor)
    _print_correction(result, json_output)


def person_merge(
    keep: Annotated[
        int, typer.Argument(min=0, max=MAX_INTEGER, help="Person to keep.")
    ],
    other: Annotated[
        int,
        typer.Argument(
            min=0, max=MAX_INTEGER, help="Person found to be the same child."
        ),
    ],
    actor: ActorOption = "cli",
    json_output: JsonOption = False,
) -> None:
    """Join two persons found to be one child; the second is marked merged."""
    engine = _engine()
    with translate_errors(engine), engine.begin() as connection:
        result = merge_persons(connection, keep, other, actor)
    _print_correction(result, json_output)


@ssid_app.command("load-replacements")
def ssid_load(
    path: Annotated[
        Path,
        typer.Argument(
            help="CSV with a header retired_ssid,replacement_ssid, one pair a line."
        ),
    ],
    json_output: JsonOption = False,
) -> None:
    """Load retired → replacement SSID pairs; a repeated retired SSID is updated."""
    pairs = _read_pairs(path)
    engine = _engine()
    with translate_errors(engine), engine.begin() as connection:
        count = load_replacements(connection, pairs, path.name)
    if json_output:
        _print_json({"file": str(path), "pairs": count})
    else:
        console.print(f"loaded {count} SSID replacements from {path}", highlight=False)


def _read_pairs(path: Path) -> list[tuple[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = [c.strip().casefold() for c in next(reader, [])]
            if header[:2] != ["retired_ssid", "replacement_ssid"]:
                raise InputError(
                    f"{path}, line 1: the header must start with "
                    "retired_ssid,replacement_ssid"
                )
            pairs = []
            for line, row in enumerate(reader, start=2):
                if len(row) < 2 or not row[0].strip() or not row[1].strip():
                    raise InputError(
                        f"{path}, line {line}: needs a retired and a replacement SSID"
                    )
                for column, value in zip(("retired", "replacement"), row, strict=False):
                    if is_scientific_notation(value.strip()):
                        raise InputError(
                            f"{path}, line {line}: the {column} SSID is written in "
                            "scientific notation, so its digits are lost; "
                            "re-export the column as text"
                        )
                if row[0].strip() == row[1].strip():
                    raise InputError(
                        f"{path}, line {line}: an SSID cannot replace itself"
                    )
                pairs.append((row[0].strip(), row[1].strip()))
            return pairs
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc


@link_app.command("train")
def link_train(
    link_threshold: LinkThreshold = None,
    review_threshold: ReviewThreshold = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the u sampling.")] = 1,
    json_output: JsonOption = False,
) -> None:
    """Estimate the model on the current person index and store it as a new version.

    Submissions match with the newest version and the thresholds stored with
    it. The thresholds are the options given here or their defaults, not the
    previous version's.
    """
    from sislink.link.matcher import load_index_people
    from sislink.link.training import TrainingError, train

    thresholds = _thresholds(link_threshold, review_threshold)
    engine = _engine()
    with translate_errors(engine), engine.connect() as connection:
        people = load_index_people(connection)
    try:
        model = train(people, seed=seed)
    except TrainingError as exc:
        raise InputError(
            f"{exc}; train once the roster and the charters' submissions are loaded"
        ) from exc
    with translate_errors(engine), engine.begin() as connection:
        model_id = save_model(
            connection,
            model,
            trained_records=len(people),
            link_threshold=thresholds.link,
            review_threshold=thresholds.review,
            actor="cli",
        )
    summary = {
        "model_id": model_id,
        "trained_records": len(people),
        "link_threshold": thresholds.link,
        "review_threshold": thresholds.review,
    }
    if json_output:
        _print_json(summary)
    else:
        console.print(
            f"stored model {model_id}, trained on {len(people):,} student records",
            highlight=False,
        )


@link_app.command("models")
def link_models(json_output: JsonOption = False) -> None:
    """List the stored model versions, newest first."""
    engine = _engine()
    with translate_errors(engine), engine.connect() as connection:
        rows = model_versions(connection)
    items = [dict(row._mapping) for row in rows]
    if json_output:
        _print_json(items)
        return
    columns = [number_column("id"), key_column("created")]
    columns += [number_column(name) for name in ("records", "link", "review")]
    table = [
        (
            str(item["id"]),
            str(item["created_at"]),
            f"{item['trained_records']:,}",
            str(item["link_threshold"]),
            str(item["review_threshold"]),
        )
        for item in items
    ]
    print_table(console, columns, table)


@link_app.command("evaluate")
def link_evaluate(
    truth: Annotated[
        Path,
        typer.Option(
            "--truth", help="CSV with organization,local_id,true_id for each student."
        ),
    ],
    json_output: JsonOption = False,
) -> None:
    """Report pairwise precision, recall and F1 of the index, and false merges."""
    from sislink.link.evaluation import evaluate, read_truth

    rows = read_truth(truth)
    engine = _engine()
    with translate_errors(engine), engine.connect() as connection:
        result = evaluate(connection, rows)
    if json_output:
        _print_json(result.to_json())
        return
    console.print(
        f"records {result.records:,}; precision {result.precision:.6f}, recall "
        f"{result.recall:.6f}, F1 {result.f1:.6f}; false merges "
        f"{len(result.false_merges)}",
        highlight=False,
    )
    for merge in result.false_merges:
        shown = ", ".join(
            f"{r['organization']}/{r['local_id']}" for r in merge["records"]
        )
        console.print(f"person {merge['person_id']}: {shown}", highlight=False)


def match_command(
    district: Annotated[Path, typer.Argument(help="District roster CSV.")],
    incoming: Annotated[Path, typer.Argument(help="Incoming roster CSV to match.")],
    out: Annotated[Path, typer.Option("--out", help="CSV file for the pairs.")],
    model_file: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="Splink model JSON to use; default: the model shipped with sislink.",
        ),
    ] = None,
    train_first: Annotated[
        bool,
        typer.Option("--train", help="Estimate the model on these two files first."),
    ] = False,
    link_threshold: LinkThreshold = None,
    review_threshold: ReviewThreshold = None,
    json_output: JsonOption = False,
) -> None:
    """Match two roster CSV files without a database; one output row per incoming."""
    from sislink.link.model import default_model
    from sislink.link.standalone import (
        decision_counts,
        match_rosters,
        read_roster,
        write_pairs,
    )
    from sislink.link.training import TrainingError, train

    thresholds = _thresholds(link_threshold, review_threshold)
    district_people = read_roster(district)
    incoming_people = read_roster(incoming)
    model = default_model() if model_file is None else _read_model(model_file)
    if train_first:
        try:
            model = train(district_people, incoming_people)
        except TrainingError as exc:
            raise InputError(str(exc)) from exc
    rows = match_rosters(district_people, incoming_people, model, thresholds)
    write_pairs(out, rows)
    summary = {"out": str(out), "incoming": len(rows), **decision_counts(rows)}
    if json_output:
        _print_json(summary)
    else:
        counts = decision_counts(rows)
        console.print(
            f"wrote {len(rows):,} rows to {out}: {counts['link']:,} link, "
            f"{counts['review']:,} review, {counts['new']:,} new",
            highlight=False,
        )


def _read_model(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}, line {exc.lineno}: not valid JSON") from exc
    if not isinstance(loaded, dict) or "comparisons" not in loaded:
        raise InputError(f"{path} is not a Splink model: it has no comparisons")
    problem = _model_problem(loaded)
    if problem is not None:
        raise InputError(
            f"{path} is not a Splink model sislink can use: {problem}. Leave "
            "out --model to use the packaged model, or add --train to estimate "
            "one on the two files"
        )
    return loaded


def _model_problem(model: dict[str, Any]) -> str | None:
    """Return what keeps ``model`` from being scored, or None."""
    comparisons = model["comparisons"]
    if not isinstance(comparisons, list) or not comparisons:
        return "its comparisons are not a non-empty list"
    for number, comparison in enumerate(comparisons, start=1):
        if not isinstance(comparison, dict):
            return f"comparison {number} is not an object"
        if not isinstance(comparison.get("output_column_name"), str):
            return f"comparison {number} has no output_column_name"
        levels = comparison.get("comparison_levels")
        if not isinstance(levels, list) or not levels:
            return f"comparison {number} has no comparison_levels"
        for level in levels:
            if not isinstance(level, dict) or "sql_condition" not in level:
                return f"a level of comparison {number} has no sql_condition"
    return None
