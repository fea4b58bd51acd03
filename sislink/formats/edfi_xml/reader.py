"""Reader for Ed-Fi XML interchange files."""
# placeholder replaced by the Ed-Fi XML reader implementation

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

from sislink.formats.base import ReadItem, Reader
from sislink.model import RecordKind


class EdFiXmlReader(Reader):
    name: ClassVar[str] = "edfi-xml"
    description: ClassVar[str] = "Ed-Fi XML interchange files"
    kinds: ClassVar[tuple[RecordKind, ...]] = ()

    def collect(self, paths: Sequence[Path]) -> list[Path]:
        raise NotImplementedError

    def covered_kinds(self, files: Sequence[Path]) -> frozenset[RecordKind]:
        raise NotImplementedError

    def read(self, files: Sequence[Path]) -> Iterator[ReadItem]:
        raise NotImplementedError
