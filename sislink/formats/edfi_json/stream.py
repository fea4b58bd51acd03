"""Streaming of a JSON array file, element by element, with ijson.

Memory contains one element at a time. A file that is not a JSON array, or
breaks off, yields a file error naming the element and byte range where
parsing stopped; the elements before it are still yielded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sislink.errors import InputError
from sislink.formats.base import file_error
from sislink.formats.surrogates import JSON_ERRORS, json_backend
from sislink.model import Finding

BOM = b"\xef\xbb\xbf"
WHITESPACE = b" \t\r\n"


@dataclass(frozen=True, slots=True)
class Element:
    """One element of the top-level array and its index (0-based)."""

    index: int
    value: object


class _CountingReader:
    """A binary file that counts the bytes ijson has read, for error positions."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.start = 0
        self.end = 0

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.start, self.end = self.end, self.end + len(data)
        return data


def read_elements(path: Path) -> Iterator[Element | Finding]:
    """Yield the elements of the JSON array in ``path``, or the file error.

    Raises:
        InputError: the file cannot be read at all.
    """
    try:
        with path.open("rb") as handle:
            offset = _array_start(handle)
            if isinstance(offset, str):
                yield file_error(
                    path,
                    offset,
                    "send the API response body as it was returned: a JSON "
                    "array of resource objects, UTF-8 encoded",
                )
                return
            handle.seek(offset)
            backend = json_backend(path)
            yield from _parse(path, _CountingReader(handle), offset, backend)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc


def _array_start(handle: BinaryIO) -> int | str:
    """Return the offset after the byte-order mark, or why the file is no array."""
    offset = len(BOM) if handle.read(len(BOM)) == BOM else 0
    handle.seek(offset)
    while True:
        byte = handle.read(1)
        if not byte:
            return "is empty; a resource file holds a JSON array, [] when empty"
        if byte not in WHITESPACE:
            break
    if byte != b"[":
        return (
            f"starts with {byte.decode('latin-1')!r}, not '['; a resource "
            "file holds a JSON array of resource objects"
        )
    return offset


def _parse(
    path: Path, reader: _CountingReader, offset: int, backend: Any
) -> Iterator[Element | Finding]:
    index = 0
    try:
        for value in backend.items(reader, "item", use_float=False):
            yield Element(index, value)
            index += 1
    except JSON_ERRORS as exc:
        yield file_error(
            path,
            f"is not valid JSON: {_first_line(exc)}. Reading stopped in or "
            f"after element [{index}], between bytes {offset + reader.start} "
            f"and {offset + reader.end}",
            "export the file again in full; a response cut short or edited "
            "by hand often breaks this way",
        )


def _first_line(exc: Exception) -> str:
    """Return the first line of an ijson error, whose text may be bytes."""
    if isinstance(exc, UnicodeDecodeError):
        return str(exc)
    message = exc.args[0] if exc.args else ""
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    return str(message).strip().splitlines()[0] if str(message).strip() else "error"
