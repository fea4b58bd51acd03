"""Vendor formats end to end through the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sislink.cli import app
from sislink.formats.mapped import BUILTIN_FOLDER

runner = CliRunner()
SAMPLES = Path(__file__).parent / "formats" / "samples"
CHARTER = "255901"


def sislink(url: str, *args: str) -> Any:
    return runner.invoke(app, ["--db", url, *args])


@pytest.fixture
def url(database_url: str) -> str:
    assert sislink(database_url, "init").exit_code == 0
    added = sislink(
        url := database_url,
        "org",
        "add",
        CHARTER,
        "--name",
        "Test Charter",
        "--kind",
        "charter",
    )
    assert added.exit_code == 0, added.output
    school = sislink(
        url,
        "org",
        "add",
        "100",
        "--name",
        "Test School",
        "--kind",
        "school",
        "--parent",
        CHARTER,
    )
    assert school.exit_code == 0, school.output
    return url


def stored(url: str) -> dict[tuple[str, str], dict[str, Any]]:
    feed = json.loads(sislink(url, "changes", "--since", "0", "--json").stdout)
    return {(c["kind"], c["key"]): c["data"] for c in feed["changes"]}


@pytest.mark.parametrize(
    ("options", "folder", "students", "skipped"),
    [
        (["--format", "powerschool-csv"], "powerschool-csv", 3, 1),
        (["--format", "illuminate-csv"], "illuminate-csv", 2, 0),
        (["--format", "powerschool-json"], "powerschool-json", 2, 1),
        (["--format", "powerschool-json"], "powerschool-json/paged", 2, 0),
        (
            ["--mapping", str(BUILTIN_FOLDER / "illuminate-csv.toml")],
            "illuminate-csv",
            2,
            0,
        ),
    ],
)
def test_submit_sample(
    url: str, options: list[str], folder: str, students: int, skipped: int
) -> None:
    result = sislink(
        url, "submit", "--org", CHARTER, *options, str(SAMPLES / folder), "--json"
    )
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "committed"
    for counts in outcome["records"].values():
        assert counts["read"] == (
            counts["accepted"] + counts["rejected"] + counts["skipped"]
        )
    assert outcome["records"]["student"]["accepted"] == students
    assert outcome["records"]["student"]["skipped"] == skipped
    records = stored(url)
    assert records[("student", "000123")]["last_surname"] == "Quintero"
    assert records[("enrollment", "000123|100|2023-08-15")]["entry_grade_level"] == "KN"


def test_user_mapping_renamed_column(url: str, tmp_path: Path) -> None:
    text = (BUILTIN_FOLDER / "powerschool-csv.toml").read_text(encoding="utf-8")
    mapping = tmp_path / "our-powerschool.toml"
    mapping.write_text(
        text.replace('name = "powerschool-csv"', 'name = "our-powerschool"')
        .replace("LAST_NAME = ", "SURNAME = ")
        .replace('"LAST_NAME"', '"SURNAME"'),
        encoding="utf-8",
    )
    data = tmp_path / "students.csv"
    data.write_text(
        (SAMPLES / "powerschool-csv" / "students.csv")
        .read_text(encoding="utf-8")
        .replace("LAST_NAME", "SURNAME"),
        encoding="utf-8",
    )
    result = sislink(
        url, "submit", "--org", CHARTER, "--mapping", str(mapping), str(data), "--json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["records"]["student"]["accepted"] == 3
    assert stored(url)[("student", "200456")]["last_surname"] == "Okafor"


def test_invalid_mapping_is_usage_error(url: str, tmp_path: Path) -> None:
    mapping = tmp_path / "bad.toml"
    mapping.write_text('name = "bad"\n[[files]]\nname = 3\n', encoding="utf-8")
    result = sislink(
        url, "submit", "--org", CHARTER, "--mapping", str(mapping), str(tmp_path)
    )
    assert result.exit_code == 2
    assert "is invalid" in result.output
    assert "Traceback" not in result.output


def test_submit_needs_format_or_mapping(url: str) -> None:
    result = sislink(url, "submit", "--org", CHARTER, str(SAMPLES))
    assert result.exit_code == 2
    assert "--format is required" in result.output


def test_malformed_json_rejects_submission(url: str, tmp_path: Path) -> None:
    (tmp_path / "students.json").write_text('[{"local_id": "1",,}]', encoding="utf-8")
    result = sislink(
        url,
        "submit",
        "--org",
        CHARTER,
        "-f",
        "powerschool-json",
        str(tmp_path),
        "--json",
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["status"] == "rejected"
