"""``sislink demo`` end to end on a small generated district."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from sislink.cli import app
from sislink.demo.run import GRAND_BEND_CODE, charter_format, run_demo
from sislink.formats import READERS

SMALL = {"students": 1_500, "charters": 3, "seed": 11}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo")
    console = Console(file=open(out / "console.txt", "w"), width=120)  # noqa: SIM115
    summary = run_demo(out / "run", console=console, **SMALL)
    console.file.close()
    return out, summary


def test_every_submission_commits_in_both_rounds(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    _, summary = demo
    submissions = summary["submissions"]
    rounds = [s["round"] for s in submissions]
    # The district, Grand Bend, then each charter's SIS export and its
    # special-education export; the second round without Grand Bend.
    assert rounds == [1] * 8 + [2] * 7
    assert {s["status"] for s in submissions} == {"committed"}
    formats = {s["format"] for s in submissions}
    assert formats == {
        "sislink-csv",
        "edfi-xml",
        "powerschool-csv",
        "illuminate-csv",
        "calpads",
    }


def test_default_demo_reads_every_format() -> None:
    default_charters = 8
    used = {charter_format(position) for position in range(default_charters)}
    assert used == set(READERS)
    assert charter_format(default_charters) in ("powerschool-csv", "illuminate-csv")


def test_counts_balance_for_every_kind(demo: tuple[Path, dict[str, Any]]) -> None:
    _, summary = demo
    for submission in summary["submissions"]:
        for kind, counts in submission["records"].items():
            total = sum(counts[n] for n in ("accepted", "rejected", "skipped", "held"))
            assert counts["read"] == total, (submission["organization"], kind)


def test_grand_bend_is_one_charter(demo: tuple[Path, dict[str, Any]]) -> None:
    _, summary = demo
    (grand_bend,) = [
        s for s in summary["submissions"] if s["organization"] == GRAND_BEND_CODE
    ]
    assert grand_bend["records"]["student"]["accepted"] == 960
    assert grand_bend["records"]["special_education_program"]["accepted"] == 97


def test_second_round_brings_changes_and_links_known_students(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    _, summary = demo
    second = [s for s in summary["submissions"] if s["round"] == 2]
    enrollments = [s["changes"].get("enrollment") for s in second]
    csv_enrollments = [c for c in enrollments if c is not None]
    assert sum(c["inserted"] for c in csv_enrollments) > 0
    assert sum(c["updated"] + c["ended"] for c in csv_enrollments) > 0
    with_students = [s for s in second if s["records"].get("student")]
    assert all(s["persons"]["linked"] > 0 for s in with_students)


def test_injected_defects_are_found(demo: tuple[Path, dict[str, Any]]) -> None:
    _, summary = demo
    errors = sum(s["issues"]["error"] for s in summary["submissions"])
    assert summary["defects_injected"] > 0
    assert errors > 0


def test_report_folder_holds_summary_and_findings(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    _, summary = demo
    index = Path(summary["report"])
    page = index.read_text(encoding="utf-8")
    assert "Grand Bend" in page
    findings = sorted((index.parent / "findings").glob("submission-*.csv"))
    assert len(findings) == len(summary["submissions"])
    with findings[0].open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header[:2] == ["file", "line"]


def test_console_shows_both_rounds(demo: tuple[Path, dict[str, Any]]) -> None:
    out, _ = demo
    text = (out / "console.txt").read_text(encoding="utf-8")
    assert "round 1: records" in text
    assert "round 1: students linked to persons" in text
    assert "round 2: records" in text
    assert "report:" in text


def test_running_again_starts_from_a_fresh_database(tmp_path: Path) -> None:
    quiet = Console(file=open(tmp_path / "console.txt", "w"))  # noqa: SIM115
    keep = tmp_path / "run" / "notes.txt"
    keep.parent.mkdir()
    keep.write_text("not the demo's\n", encoding="utf-8")
    first = run_demo(tmp_path / "run", console=quiet, quiet=True, **SMALL)
    second = run_demo(tmp_path / "run", console=quiet, quiet=True, **SMALL)
    quiet.file.close()

    def counts(summary: dict[str, Any]) -> list[Any]:
        return [(s["records"], s["changes"]) for s in summary["submissions"]]

    assert counts(first) == counts(second)
    assert keep.read_text(encoding="utf-8") == "not the demo's\n"


def test_cli_demo_prints_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "--students",
            "600",
            "--charters",
            "2",
            "--out",
            str(tmp_path),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["charters"] == 2
    assert Path(summary["report"]).is_file()


def test_summary_keeps_codes_at_80_columns(tmp_path: Path) -> None:
    console_file = tmp_path / "console.txt"
    with console_file.open("w") as output:
        console = Console(file=output, width=80)
        summary = run_demo(
            tmp_path / "run", console=console, students=300, charters=1, seed=3
        )
    text = console_file.read_text()
    assert "…" not in text
    words = {word for line in text.splitlines() for word in line.split()}
    for submission in summary["submissions"]:
        assert submission["organization"] in words, submission["organization"]
    for header in ("review", "errors", "warnings"):
        assert header in words, header
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80
    assert "round 1: students linked to persons" in text
