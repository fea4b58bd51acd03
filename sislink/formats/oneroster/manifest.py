"""The bundle's manifest.csv: the OneRoster version and each file's mode."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sislink.formats.base import file_error
from sislink.formats.oneroster.layout import (
    ABSENT,
    DATA_FILES,
    MANIFEST,
    MODES,
    VERSION,
    manifest_property,
)
from sislink.formats.text import TextFormat, read_delimited
from sislink.model import Finding

MAX_PROPERTIES = 1_000
"""Rows read from a manifest; OneRoster 1.1 defines about twenty."""


@dataclass(frozen=True, slots=True)
class Manifest:
    """The mode of each data file the reader reads: bulk, delta or absent."""

    modes: dict[str, str]

    def mode(self, file_name: str) -> str:
        return self.modes.get(file_name, ABSENT)


def read_manifest(path: Path, encoding: str) -> tuple[Manifest | None, list[Finding]]:
    """Return the manifest of ``path``, or None and the file errors that reject it."""
    properties: dict[str, str] = {}
    for row in read_delimited(path, TextFormat(encoding=encoding)):
        if isinstance(row, Finding):
            if row.code == "file-unreadable":
                return None, [row]
            return None, [row, _unreadable(path)]
        if not any(cell.strip() for cell in row.cells):
            continue
        if row.cells[0].strip().casefold() == "propertyname":
            continue
        if len(row.cells) != 2:
            return None, [_bad_row(path, row.line)]
        properties.setdefault(row.cells[0].strip(), row.cells[1].strip())
        if len(properties) > MAX_PROPERTIES:
            return None, [_bad_row(path, row.line)]

    version = properties.get("oneroster.version")
    if version != VERSION:
        declared = "no oneroster.version" if version is None else repr(version)
        return None, [
            file_error(
                path,
                f"declares {declared}; this format reads OneRoster {VERSION}",
                f"export a OneRoster {VERSION} CSV bundle, whose manifest has "
                f"the row oneroster.version,{VERSION}",
            )
        ]

    modes: dict[str, str] = {}
    for name in DATA_FILES:
        mode = properties.get(manifest_property(name), ABSENT).casefold()
        if mode not in MODES:
            return None, [
                file_error(
                    path,
                    f"gives {manifest_property(name)} the value {mode!r}, which "
                    "is not bulk, delta or absent",
                    "correct the manifest row to bulk, delta or absent",
                )
            ]
        modes[name] = mode
    return Manifest(modes), []


def check_files(
    manifest: Manifest, folder: Path, present: Iterable[str]
) -> list[Finding]:
    """Return one file error for each data file the manifest contradicts."""
    names = set(present)
    problems: list[Finding] = []
    for name in DATA_FILES:
        mode = manifest.mode(name)
        if mode != ABSENT and name not in names:
            problems.append(
                file_error(
                    folder / name,
                    f"is listed as {mode} in {MANIFEST} but is not in the bundle",
                    f"add {name} to the bundle, or list it as absent",
                )
            )
        elif mode == ABSENT and name in names:
            problems.append(
                file_error(
                    folder / name,
                    f"is in the bundle but {MANIFEST} lists it as absent",
                    f"list {manifest_property(name)} as bulk or delta in "
                    f"{MANIFEST}, or leave the file out",
                )
            )
    return problems


def _unreadable(path: Path) -> Finding:
    return file_error(
        path,
        "cannot be read, so the bundle's files cannot be told bulk from delta",
        "export the manifest again as UTF-8 text with the header propertyName,value",
    )


def _bad_row(path: Path, line: int) -> Finding:
    return file_error(
        path,
        "is not a list of propertyName,value rows",
        "export the manifest again with two columns, propertyName and value",
        line=line,
    )
