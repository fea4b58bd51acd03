"""The identity commands through the CLI runner: match, SSIDs, review, train."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sislink.cli import app
from sislink.link.synthetic import build_linkage_set

runner = CliRunner()

HEADER = "id,ssid,first_name,middle_name,last_name,birth_date,gender,zip,notes\n"


def sislink(*args: str) -> Any:
    return runner.invoke(app, list(args))


def write_roster(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def rosters(tmp_path: Path) -> tuple[Path, Path]:
    linkage = build_linkage_set(400, 0, seed=3)
    lines = [
        ",".join(
            (
                p.unique_id,
                p.ssid or "",
                p.first_name or "",
                p.middle_name or "",
                f'"{p.last_name}"',
                p.birth_date or "",
                p.gender or "",
                p.postal_code or "",
                "",
            )
        )
        for p in linkage.district
    ]
    lines.append("D-1,0012345678,María,José,García López,2014-03-05,F,90210,x")
    district = write_roster(tmp_path / "district.csv", lines)
    incoming = write_roster(
        tmp_path / "incoming.csv",
        [
            "C-1,,Maria,Jose,Garcia-Lopez,2014-05-03,F,90210,",
            "C-2,,Zyxwv,,Qwerty,2009-12-31,M,,",
        ],
    )
    return district, incoming


def test_match_writes_one_row_each(rosters: tuple[Path, Path], tmp_path: Path) -> None:
    district, incoming = rosters
    out = tmp_path / "pairs.csv"
    result = sislink("match", str(district), str(incoming), "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["incoming"] == 2
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "incoming_id",
        "district_id",
        "match_probability",
        "decision",
    ]
    assert (rows[0]["incoming_id"], rows[0]["district_id"]) == ("C-1", "D-1")
    assert rows[0]["decision"] == "link"
    assert rows[1]["decision"] == "new"
    assert rows[1]["district_id"] == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,first_name\n1,Ana\n", "line 1: missing column"),
        (HEADER + "1,,Ana,,Ruiz,2015-02-30,F,,\n", "line 2, field birth_date"),
        (HEADER + "1,,Ana,,Ruiz,2015-02-03,F\n", "line 2: 7 fields"),
        (HEADER + "1,,Ana,,Ruiz,,F,,\n1,,Eva,,Ruiz,,F,,\n", "line 3, field id"),
    ],
)
def test_match_rejects_malformed_input(
    rosters: tuple[Path, Path], tmp_path: Path, content: str, message: str
) -> None:
    district, _incoming = rosters
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    result = sislink("match", str(district), str(bad), "--out", str(tmp_path / "o.csv"))
    assert result.exit_code == 1
    assert "bad.csv" in result.stderr
    assert message in result.stderr
    assert "Ruiz" not in result.stderr


def test_ssid_pairs_load(database_url: str, tmp_path: Path) -> None:
    assert sislink("--db", database_url, "init").exit_code == 0
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("retired_ssid,replacement_ssid\n0011,0022\n", encoding="utf-8")
    result = sislink(
        "--db", database_url, "ssid", "load-replacements", str(pairs), "--json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["pairs"] == 1
    pairs.write_text("retired_ssid,replacement_ssid\n0011,0011\n", encoding="utf-8")
    refused = sislink("--db", database_url, "ssid", "load-replacements", str(pairs))
    assert refused.exit_code == 1
    assert "line 2" in refused.stderr


def test_ssid_pairs_scientific_notation_rejected(
    database_url: str, tmp_path: Path
) -> None:
    assert sislink("--db", database_url, "init").exit_code == 0
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        "retired_ssid,replacement_ssid\n1234567890,1234567891\n1.23457E+09,0022\n",
        encoding="utf-8",
    )

    rejected = sislink("--db", database_url, "ssid", "load-replacements", str(pairs))

    assert rejected.exit_code == 1
    assert "line 3" in rejected.stderr
    assert "retired SSID is written in scientific notation" in rejected.stderr
    assert "1.23457E+09" not in rejected.stderr


def test_review_commands_on_empty_queue(database_url: str) -> None:
    assert sislink("--db", database_url, "init").exit_code == 0
    listed = sislink("--db", database_url, "review", "list", "--json")
    assert listed.exit_code == 0
    assert json.loads(listed.stdout) == []
    missing = sislink("--db", database_url, "review", "accept", "7")
    assert missing.exit_code == 2
    assert "no match decision 7" in missing.stderr


def test_train_refuses_empty_index(database_url: str) -> None:
    assert sislink("--db", database_url, "init").exit_code == 0
    result = sislink("--db", database_url, "link", "train")
    assert result.exit_code == 1
    assert "at least" in result.stderr


@pytest.mark.slow
def test_demo_index_trains_and_evaluates(tmp_path: Path) -> None:
    from rich.console import Console

    from sislink.demo.generator import generate_world
    from sislink.demo.rounds import next_round
    from sislink.demo.run import run_demo
    from sislink.link.evaluation import write_demo_truth

    run_demo(tmp_path, students=1500, charters=3, seed=4, console=Console(), quiet=True)
    url = f"sqlite:///{tmp_path / 'sislink.db'}"
    later = next_round(generate_world(1500, 3, 4), 5)
    truth = tmp_path / "truth.csv"
    assert write_demo_truth(later, truth) > 1500

    trained = sislink("--db", url, "link", "train", "--json")
    assert trained.exit_code == 0, trained.output
    assert json.loads(trained.stdout)["trained_records"] > 1000
    evaluated = sislink(
        "--db", url, "link", "evaluate", "--truth", str(truth), "--json"
    )
    assert evaluated.exit_code == 0, evaluated.output
    report = json.loads(evaluated.stdout)
    assert report["precision"] > 0.99
    assert report["recall"] > 0.9
    assert isinstance(report["false_merges"], list)


REVIEW_DISTRICT = "1964733"
REVIEW_CHARTER = "2000000"
REVIEW_SCHOOL = "1000001"


def _review_student(local_id: str, first: str, **extra: str) -> dict[str, Any]:
    return {
        "local_student_id": local_id,
        "first_name": first,
        "last_surname": "García López",
        "birth_date": "2015-03-02",
        "sex": "F",
        "postal_code": "90210",
        **extra,
    }


def _submit(engine: Any, organization: str, folder: Path, rows: list[Any]) -> Any:
    from sislink.formats.sislink_csv import write_kind
    from sislink.link.engine import Thresholds
    from sislink.link.matcher import IndexMatcher
    from sislink.model import RecordKind
    from sislink.pipeline import SubmissionRequest, submit

    write_kind(folder, RecordKind.STUDENT, rows)
    enrollments = [
        {
            "local_student_id": row["local_student_id"],
            "school_id": REVIEW_SCHOOL,
            "entry_date": "2026-08-19",
            "entry_grade_level": "05",
            "enrollment_status": "10",
        }
        for row in rows
    ]
    write_kind(folder, RecordKind.ENROLLMENT, enrollments)
    hold_all = IndexMatcher(Thresholds(link=0.999999999, review=0.01))
    return submit(
        engine,
        SubmissionRequest(organization, "sislink-csv", [folder], matcher=hold_all),
    )


@pytest.fixture
def review_queue(database_url: str, tmp_path: Path) -> str:
    """Return a database with one pending decision that has a runner-up."""
    from sislink.store.database import create_store_engine, migrate
    from sislink.store.organizations import add_organization

    engine = create_store_engine(database_url)
    migrate(engine)
    with engine.begin() as connection:
        add_organization(connection, REVIEW_DISTRICT, "Unified", "district")
        add_organization(
            connection, REVIEW_CHARTER, "Alpha Charter", "charter", REVIEW_DISTRICT
        )
        add_organization(
            connection, REVIEW_SCHOOL, "Alpha Elementary", "school", REVIEW_CHARTER
        )
    twins = [
        _review_student("90001", "Maria", state_student_id="0012345678"),
        _review_student(
            "90002", "Maria", state_student_id="0023456789", middle_name="Luz"
        ),
    ]
    _submit(engine, REVIEW_DISTRICT, tmp_path / "district", twins)
    _submit(
        engine,
        REVIEW_CHARTER,
        tmp_path / "charter",
        [_review_student("C1", "María", postal_code="90001")],
    )
    engine.dispose()
    return database_url


def test_review_list_readable(review_queue: str) -> None:
    result = runner.invoke(
        app, ["--db", review_queue, "review", "list"], env={"COLUMNS": "160"}
    )
    assert result.exit_code == 0, result.output
    assert REVIEW_CHARTER in result.stdout
    assert "Alpha Charter" in result.stdout
    assert "%" in result.stdout
    assert "bits" in result.stdout

    listed = json.loads(
        sislink("--db", review_queue, "review", "list", "--json").stdout
    )
    (decision,) = listed
    assert decision["organization_code"] == REVIEW_CHARTER
    assert decision["organization_name"] == "Alpha Charter"
    assert isinstance(decision["organization_id"], int)
    assert isinstance(decision["match_probability"], float)
    assert decision["match_probability_percent"].endswith("%")


def test_review_show_side_by_side(review_queue: str) -> None:
    listed = json.loads(
        sislink("--db", review_queue, "review", "list", "--json").stdout
    )
    decision_id = str(listed[0]["id"])
    shown = runner.invoke(
        app,
        ["--db", review_queue, "review", "show", decision_id],
        env={"COLUMNS": "160"},
    )
    assert shown.exit_code == 0, shown.output
    text = shown.stdout
    for label in ("first name", "middle name", "last name", "birth date", "gender"):
        assert label in text
    for label in ("postal code", "state student id", "local id", "school"):
        assert label in text
    assert "runner-up" in text
    assert "María" in text
    assert "1000001 Alpha Elementary" in text
    assert "not compared" in text
    assert "Alpha Charter" in text

    narrow = runner.invoke(
        app,
        ["--db", review_queue, "review", "show", decision_id],
        env={"COLUMNS": "80"},
    )
    assert "…" not in narrow.stdout
    assert "2015-03-02" in narrow.stdout.split()
    assert "0012345678" in narrow.stdout.split()

    detail = json.loads(
        sislink("--db", review_queue, "review", "show", decision_id, "--json").stdout
    )
    assert detail["contributions"]
    assert detail["incoming"]["local_id"] == "C1"
    assert detail["candidate"]["organization_code"] == REVIEW_DISTRICT
    assert detail["runner_up"]["organization_code"] == REVIEW_DISTRICT
    by_field = {field["field"]: field for field in detail["fields"]}
    assert by_field["first name"]["incoming"] == "María"
    assert by_field["first name"]["level"]
    assert isinstance(by_field["birth date"]["weight"], float)
    assert by_field["local id"]["comparison"] is None
    assert by_field["school"]["incoming"] == "1000001 Alpha Elementary"
    assert by_field["middle name"]["runner_up"] == "Luz"
    assert by_field["local id"]["candidate"] == "90001"
    assert by_field["local id"]["runner_up"] == "90002"


def test_review_show_unknown_id(review_queue: str) -> None:
    result = sislink("--db", review_queue, "review", "show", "999")
    assert result.exit_code == 2
    assert "no match decision 999" in result.stderr


def _leave_out_held(database_url: str, tmp_path: Path) -> int:
    """Submit the charter again without C1; return that submission's id."""
    from sislink.store.database import create_store_engine

    engine = create_store_engine(database_url)
    try:
        result = _submit(
            engine,
            REVIEW_CHARTER,
            tmp_path / "later",
            [_review_student("C2", "Zoe", last_surname="Adams")],
        )
    finally:
        engine.dispose()
    assert result.status == "committed"
    assert result.submission_id is not None
    return int(result.submission_id)


def test_review_withdrawn_in_list_and_show(review_queue: str, tmp_path: Path) -> None:
    (pending,) = json.loads(
        sislink("--db", review_queue, "review", "list", "--json").stdout
    )
    later = _leave_out_held(review_queue, tmp_path)
    queue = sislink("--db", review_queue, "review", "list", "--json")
    assert json.loads(queue.stdout) == []

    listed = sislink(
        "--db", review_queue, "review", "list", "--status", "withdrawn", "--json"
    )
    (decision,) = json.loads(listed.stdout)
    assert decision["id"] == pending["id"]
    assert decision["status"] == "withdrawn"
    assert decision["resolved_submission_id"] == later
    assert decision["reason"].startswith(f"submission {later} left the student out")

    detail = json.loads(
        sislink(
            "--db", review_queue, "review", "show", str(decision["id"]), "--json"
        ).stdout
    )
    assert detail["incoming"]["local_id"] == "C1"
    assert detail["incoming"]["ended_by_submission_id"] == later
    assert detail["fields"][0]["incoming"] == "María"
    shown = runner.invoke(
        app,
        ["--db", review_queue, "review", "show", str(decision["id"])],
        env={"COLUMNS": "160"},
    )
    assert shown.exit_code == 0, shown.output
    assert f"withdrawn: submission {later} left the student out" in shown.stdout
    assert f"as held until submission {later}" in shown.stdout


def test_review_accept_withdrawn_explains(review_queue: str, tmp_path: Path) -> None:
    (pending,) = json.loads(
        sislink("--db", review_queue, "review", "list", "--json").stdout
    )
    later = _leave_out_held(review_queue, tmp_path)
    for command in ("accept", "reject"):
        result = sislink("--db", review_queue, "review", command, str(pending["id"]))
        assert result.exit_code == 2
        assert result.stdout == ""
        assert f"match decision {pending['id']} (local id C1 of" in result.stderr
        assert "was withdrawn" in result.stderr
        assert f"submission {later} left the student out" in result.stderr
        assert "Traceback" not in result.stderr
        assert "internal error" not in result.stderr


def test_review_list_names_merged_candidate(review_queue: str) -> None:
    (pending,) = json.loads(
        sislink("--db", review_queue, "review", "list", "--json").stdout
    )
    candidate = pending["candidate_person_id"]
    keep = pending["runner_up_person_id"]
    merged = sislink("--db", review_queue, "person", "merge", str(keep), str(candidate))
    assert merged.exit_code == 0, merged.output

    (decision,) = json.loads(
        sislink("--db", review_queue, "review", "list", "--json").stdout
    )
    assert decision["candidate_person_id"] == candidate
    assert decision["current_candidate_person_id"] == keep
    assert decision["candidate_changes"] == [
        {
            "change": "merged",
            "person_id": candidate,
            "other_person_id": keep,
            "organization_code": None,
            "local_id": None,
            "submission_id": None,
        }
    ]
    listed = runner.invoke(
        app, ["--db", review_queue, "review", "list"], env={"COLUMNS": "160"}
    )
    assert "pending (candidate merged)" in listed.stdout
    detail = json.loads(
        sislink(
            "--db", review_queue, "review", "show", str(decision["id"]), "--json"
        ).stdout
    )
    assert detail["candidate"]["person_id"] == keep

    accepted = sislink(
        "--db", review_queue, "review", "accept", str(decision["id"]), "--json"
    )
    assert accepted.exit_code == 0, accepted.output
    result = json.loads(accepted.stdout)
    assert result["person_id"] == keep
    assert result["records_moved"] == 2
    assert result["notes"] == [
        f"candidate person {candidate} was merged into person {keep} after the decision"
    ]


@pytest.mark.parametrize(
    ("probability", "shown"),
    [
        (0.9997, "99.97%"),
        (0.99999, "99.999%"),
        (1.0, "100%"),
        (0.5, "50.00%"),
        (0.00004, "0.004%"),
        (0.0, "0%"),
        (None, ""),
    ],
)
def test_probability_as_percent(probability: float | None, shown: str) -> None:
    from sislink.link.review import format_probability

    assert format_probability(probability) == shown


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"comparisons": [{"x": 1}]}', "comparison 1 has no output_column_name"),
        ('{"comparisons": []}', "not a non-empty list"),
        (
            '{"comparisons": [{"output_column_name": "a", "comparison_levels": [{}]}]}',
            "has no sql_condition",
        ),
    ],
)
def test_match_rejects_malformed_model(
    rosters: tuple[Path, Path], tmp_path: Path, content: str, problem: str
) -> None:
    district, incoming = rosters
    model = tmp_path / "model.json"
    model.write_text(content, encoding="utf-8")

    result = sislink(
        "match", str(district), str(incoming), "--out", str(tmp_path / "o.csv"),
        "--model", str(model),
    )  # fmt: skip

    assert result.exit_code == 1
    assert problem in result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("command", [("link", "train"), ("match",)])
def test_threshold_help_states_default(command: tuple[str, ...]) -> None:
    result = sislink(*command, "--help")

    text = " ".join(result.stdout.replace("│", " ").split())
    assert result.exit_code == 0
    assert "linked; default 0.999." in text
    assert "review; default 0.7." in text
    assert "stored model's" not in text
