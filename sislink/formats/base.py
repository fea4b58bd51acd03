"""The reader interface every source format implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import ClassVar, Protocol

from sislink.errors import InputError
from sislink.model import (
    Finding,
    Provenance,
    RecordKind,
    Removed,
    Severity,
    Skipped,
    SourceRecord,
)
from sislink.model.records import JsonValue

ReadItem = SourceRecord | Removed | Skipped | Finding
"""An item a reader yields: a record, a removal, a skipped element or a finding."""

StoredRecord = Mapping[str, JsonValue]
"""A canonical record's values by field name (``sislink.model.records``)."""

RecordSource = Callable[[RecordKind], Iterable[StoredRecord]]
"""Returns one organization's records of a kind; called once per kind written."""


class Writer(Protocol):
    """Writes one organization's canonical records as a format's files."""

    def __call__(self, directory: Path, records: RecordSource) -> list[Path]:
        """Write the files into ``directory`` (created if missing); return them.

        A writer calls ``records`` once for each kind it carries, and writes
        those records one at a time, so the iterables may be generators of any size.
        """
        ...


class Reader(ABC):
    """Turns one format's files into source records with provenance.

    A reader streams: it keeps one record at a time, never a whole file. It
    never touches the database and never raises on bad content: malformed
    input becomes a ``Finding`` with the file and line. It raises
    ``InputError`` only when a file cannot be opened at all.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    files: ClassVar[tuple[str, ...]]
    """The file names (or patterns) the format expects, as ``sislink formats`` shows."""
    kinds: ClassVar[tuple[RecordKind, ...]]
    default_encoding: ClassVar[str] = "utf-8"
    """The text encoding of the format's files unless the source declares another."""

    def __init__(self, encoding: str | None = None) -> None:
        self.encoding = encoding or self.default_encoding

    @abstractmethod
    def collect(self, paths: Sequence[Path]) -> list[Path]:
        """Return the files this format reads from ``paths``, in load order.

        Folders are searched for the files the format expects; files given by
        name are always taken.
        """

    @abstractmethod
    def covered_kinds(self, files: Sequence[Path]) -> frozenset[RecordKind]:
        """Return the kinds of which ``files`` carry a full snapshot."""

    @abstractmethod
    def read(self, files: Sequence[Path]) -> Iterator[ReadItem]:
        """Yield every record, skipped element and finding in ``files``."""


def file_error(path: Path, message: str, fix: str, line: int | None = None) -> Finding:
    """Return an error finding about a whole file, which rejects the submission.

    ``message`` describes what is wrong with the file without naming it,
    because the finding's provenance names the file and every view shows it
    first.
    """
    return Finding(
        code="file-unreadable",
        severity=Severity.ERROR,
        message=message,
        fix=fix,
        provenance=Provenance(path.name, line),
    )


def check_readable(path: Path) -> None:
    """Raise ``InputError`` when ``path`` is not a file that can be opened."""
    if not path.exists():
        raise InputError(f"file not found: {path}. Check the path and try again")
    if not path.is_file():
        raise InputError(f"not a file: {path}")
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise InputError(f"cannot open {path}: {exc.strerror}") from exc
