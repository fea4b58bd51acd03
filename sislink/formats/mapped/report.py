"""The output of ``sislink mapping check``: problems with fixes, or a summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from sislink.formats.mapped.mapping import VendorMapping
from sislink.formats.mapped.problems import MappingProblem


def summary_json(mapping: VendorMapping) -> dict[str, Any]:
    """Return what a valid mapping reads: files, kinds, columns and crosswalks."""
    return {
        "name": mapping.name,
        "description": mapping.description,
        "source": mapping.source,
        "encoding": mapping.encoding,
        "delimiter": mapping.delimiter,
        "date_formats": list(mapping.date_formats),
        "files": [
            {
                "name": file_map.name,
                "required": file_map.required,
                "records": [
                    {"kind": record.kind.value, "columns": dict(record.columns)}
                    for record in file_map.records
                ],
            }
            for file_map in mapping.files
        ],
        "crosswalks": {c.code_set: len(c.mapping) for c in mapping.crosswalks},
        "assumptions": dict(mapping.assumptions),
    }


def check_json(
    path: Path, mapping: VendorMapping | None, problems: list[MappingProblem]
) -> dict[str, Any]:
    """Return the check's outcome as one JSON object."""
    return {
        "file": str(path),
        "valid": not problems,
        "problems": [problem.to_json() for problem in problems],
        "summary": summary_json(mapping) if mapping is not None else None,
    }


def print_check(
    console: Console,
    path: Path,
    mapping: VendorMapping | None,
    problems: list[MappingProblem],
) -> None:
    """Print each problem with its place and fix, or a summary of a valid mapping."""
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        console.print(
            f"{escape(str(path))}: {len(problems)} {noun}",
            highlight=False,
            soft_wrap=True,
        )
        for problem in problems:
            console.print(
                f"  {escape(problem.describe())}", highlight=False, soft_wrap=True
            )
            console.print(
                f"    fix: {escape(problem.fix)}", highlight=False, soft_wrap=True
            )
        return
    assert mapping is not None
    console.print(
        f"{escape(str(path))} is a valid mapping for format {mapping.name}",
        highlight=False,
        soft_wrap=True,
    )
    for file_map in mapping.files:
        kinds = ", ".join(
            f"{record.kind} ({len(record.columns)} columns)"
            for record in file_map.records
        )
        console.print(
            f"  {escape(file_map.name)}: {kinds}", highlight=False, soft_wrap=True
        )
    for crosswalk in mapping.crosswalks:
        console.print(
            f"  crosswalk {crosswalk.code_set}: {len(crosswalk.mapping)} codes",
            highlight=False,
            soft_wrap=True,
        )
    for subject in mapping.assumptions:
        console.print(
            f"  assumption about {escape(subject)}", highlight=False, soft_wrap=True
        )
