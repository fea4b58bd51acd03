"""Tests of mapping files: loading, `sislink mapping check` and its explanations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sislink.cli import app
from sislink.formats.mapped import BUILTIN_FOLDER, check_mapping_text, load_mapping
from sislink.formats.mapped.mapping import MappingInvalid
from sislink.formats.mapped.problems import MappingProblem
from sislink.formats.mapped.reader import reader_class
from sislink.model import Finding, Provenance, RecordKind, SourceRecord

runner = CliRunner()

BAD = """\
name = "My Vendor"
description = "a layout with every kind of problem"
source = "made up for a test"
encoding = "klingon"
delimiter = "ab"
date_formats = ["%m/%d/%Y", "%d/%m", "%H:%M"]
colour = "blue"

[[files]]
name = "kids.csv"

[[files.records]]
kind = "pupil"

[files.records.columns]
ID = "local_student_id"

[[files.records]]
kind = "student"

[files.records.columns]
ID = "local_student_id"
FIRST = "first_name"
GIVEN = "first_name"
SURNAME = "last_name"

[crosswalks.grade_level]
"0" = "K"

[crosswalks.shoe_size]
"9" = "L"
"""


def problems_of(text: str) -> list[MappingProblem]:
    mapping, problems = check_mapping_text(text)
    assert mapping is None
    return problems


def one(problems: list[MappingProblem], code: str, where: str) -> MappingProblem:
    found = [p for p in problems if p.code == code and p.where == where]
    assert len(found) == 1, [(p.code, p.where) for p in problems]
    return found[0]


@pytest.fixture(scope="module")
def bad() -> list[MappingProblem]:
    return problems_of(BAD)


@pytest.mark.parametrize("path", sorted(BUILTIN_FOLDER.glob("*.toml")))
def test_builtin_mappings_valid(path: Path) -> None:
    mapping = load_mapping(path)
    assert mapping.source
    assert mapping.assumptions
    assert all(note.startswith("ASSUMPTION") for note in mapping.assumptions.values())


def test_name_not_kebab_case(bad: list[MappingProblem]) -> None:
    assert one(bad, "value-invalid", "name").line == 1


def test_unknown_key(bad: list[MappingProblem]) -> None:
    problem = one(bad, "key-unknown", "colour")
    assert problem.line == 7


def test_invalid_encoding(bad: list[MappingProblem]) -> None:
    problem = one(bad, "encoding-invalid", "encoding")
    assert "klingon" in problem.message
    assert problem.line == 4


def test_invalid_delimiter(bad: list[MappingProblem]) -> None:
    assert one(bad, "delimiter-invalid", "delimiter").line == 5


def test_date_format_without_year(bad: list[MappingProblem]) -> None:
    problem = one(bad, "date-format-invalid", "date_formats[2]")
    assert "no year" in problem.message


def test_date_format_with_time(bad: list[MappingProblem]) -> None:
    problem = one(bad, "date-format-invalid", "date_formats[3]")
    assert "%H" in problem.message


def test_unknown_record_kind(bad: list[MappingProblem]) -> None:
    problem = one(bad, "kind-unknown", "files[1].records[1].kind")
    assert "pupil" in problem.message
    assert problem.line == 13


def test_unknown_field_suggests_closest(bad: list[MappingProblem]) -> None:
    problem = one(bad, "field-unknown", "files[1].records[2].columns.SURNAME")
    assert "last_surname" in problem.fix
    assert problem.line == 25


def test_required_field_unmapped(bad: list[MappingProblem]) -> None:
    found = [p for p in bad if p.code == "field-required-unmapped"]
    assert ["birth_date" in p.message for p in found] == [False, True]
    assert any("last_surname" in p.message for p in found)


def test_two_columns_one_field(bad: list[MappingProblem]) -> None:
    problem = one(bad, "field-mapped-twice", "files[1].records[2].columns")
    assert "'FIRST'" in problem.message
    assert "'GIVEN'" in problem.message
    assert problem.line == 21


def test_crosswalk_target_not_a_code(bad: list[MappingProblem]) -> None:
    problem = one(bad, "crosswalk-code-invalid", "crosswalks.grade_level.0")
    assert "KN" in problem.fix
    assert problem.line == 28


def test_crosswalk_unknown_code_set(bad: list[MappingProblem]) -> None:
    problem = one(bad, "code-set-unknown", "crosswalks.shoe_size")
    assert problem.line == 30


def test_toml_syntax_error_position() -> None:
    (problem,) = problems_of('name = "x"\ndelimiter = ,\n')
    assert problem.code == "toml-syntax"
    assert problem.line == 2
    assert "column" in problem.message


def test_headerless_needs_order() -> None:
    text = BAD.replace('colour = "blue"', "header = false")
    problem = one(problems_of(text), "key-missing", "files[1].order")
    assert problem.line == 9


def test_load_lists_problems(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(MappingInvalid) as raised:
        load_mapping(path)
    assert raised.value.exit_code == 2
    assert len(raised.value.problems) == len(problems_of(BAD))


def test_cli_check_good_file() -> None:
    path = BUILTIN_FOLDER / "powerschool-csv.toml"
    result = runner.invoke(app, ["mapping", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "valid mapping for format powerschool-csv" in result.output
    assert "students*.csv: student (7 columns), enrollment (7 columns)" in result.output


def test_cli_check_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(BAD, encoding="utf-8")
    result = runner.invoke(app, ["mapping", "check", str(path)])
    assert result.exit_code == 1
    assert "line 13, files[1].records[1].kind: unknown record kind 'pupil'" in (
        result.output
    )
    assert "fix: use one of: organization" in result.output


def test_cli_check_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(BAD, encoding="utf-8")
    result = runner.invoke(app, ["mapping", "check", str(path), "--json"])
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert {p["code"] for p in report["problems"]} >= {"kind-unknown", "key-unknown"}


def test_cli_check_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["mapping", "check", str(tmp_path / "none.toml")])
    assert result.exit_code == 2
    assert "not found" in result.output


HEADERLESS = """\
name = "kids-csv"
description = "a headerless layout"
source = "made up for a test"
header = false

[[files]]
name = "kids.csv"
order = ["ID", "FIRST", "LAST", "BORN"]

[[files.records]]
kind = "student"

[files.records.columns]
ID = "local_student_id"
FIRST = "first_name"
LAST = "last_surname"
BORN = "birth_date"
"""


def test_headerless_invalid_byte_names_column(tmp_path: Path) -> None:
    mapping, problems = check_mapping_text(HEADERLESS)
    assert mapping is not None, problems
    (tmp_path / "kids.csv").write_bytes(
        b"1,Ana,Ruiz,2015-03-02\n2,Jos\xe9,Ortega,2014-01-02\n"
    )
    reader = reader_class(mapping)()

    items = list(reader.read(reader.collect([tmp_path])))

    [error] = [item for item in items if isinstance(item, Finding)]
    assert error.code == "encoding-invalid"
    assert error.kind is RecordKind.STUDENT
    assert error.field == "FIRST"
    assert error.provenance == Provenance("kids.csv", 2)
    assert "Ortega" not in error.message
    assert len([item for item in items if isinstance(item, SourceRecord)]) == 1
