"""Every registered reader, fed arbitrary bytes: findings, never an exception.

The test walks ``READERS``, so a new format is covered as soon as it is
registered. Each expected file name gets random bytes, alone or beside
well-formed neighbors, and every item read must be one of the reader's item
types and survive normalization.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sislink.formats import READERS, get_reader
from sislink.model import Finding, Removed, Skipped, SourceRecord
from sislink.model.provenance import source_digest
from sislink.normalize import normalize

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Bytes that real exports go wrong with, mixed into random ones.
TROUBLE = st.sampled_from(
    [
        b"\xef\xbb\xbf",
        b"\xe9",
        b"\xc3\xa9",
        b"\x00",
        b'"',
        b"\r\n",
        b"\n",
        b",",
        b"^",
        b";",
        b"\t",
        b"<",
        b"{",
        b"1.23457E+09",
        b"0/0/0000",
        b"\x0b",
        b"\x1f",
        b'"\\ud800"',
        b'"\\udc00"',
        b"\\ud800",
    ]
)
CONTENT = st.lists(st.one_of(st.binary(max_size=40), TROUBLE), max_size=30).map(
    b"".join
)


def expected_files(name: str) -> list[str]:
    """Return the concrete file names a reader expects, leaving out descriptions."""
    return [f for f in READERS[name].files if " " not in f and "*" not in f]


CASES = [
    (name, file_name) for name in sorted(READERS) for file_name in expected_files(name)
]


def read_all(format_name: str, folder: Path) -> list[object]:
    reader = get_reader(format_name)
    return list(reader.read(reader.collect([folder])))


@pytest.mark.parametrize(("format_name", "file_name"), CASES)
@SETTINGS
@given(content=CONTENT)
def test_random_bytes_become_findings(
    format_name: str, file_name: str, content: bytes
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / file_name).write_bytes(content)
        items = read_all(format_name, Path(folder))

    for item in items:
        assert isinstance(item, SourceRecord | Removed | Skipped | Finding)
        if isinstance(item, SourceRecord):
            # The pipeline encodes the source text as UTF-8 for this digest.
            source_digest(item)
            normalize(item)


def test_every_reader_is_covered() -> None:
    covered = {name for name, _ in CASES}
    assert covered == set(READERS)
