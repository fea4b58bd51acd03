"""Ed-Fi XML interchange names, namespaces and safe parser settings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from lxml import etree

from sislink.model import RecordKind

NAMESPACE = "http://ed-fi.org/5.2.0"
"""Namespace of the Ed-Fi Data Standard 5.2 interchange schemas, used when writing."""

NAMESPACE_PREFIX = "http://ed-fi.org/"
"""Start of every Ed-Fi interchange namespace. The reader accepts any version."""

EDUCATION_ORGANIZATION = "InterchangeEducationOrganization"
CONTACT = "InterchangeContact"
STUDENT = "InterchangeStudent"
STUDENT_PROGRAM = "InterchangeStudentProgram"

KIND_OF_INTERCHANGE: dict[str, RecordKind] = {
    EDUCATION_ORGANIZATION: RecordKind.ORGANIZATION,
    STUDENT: RecordKind.STUDENT,
    STUDENT_PROGRAM: RecordKind.SPECIAL_EDUCATION_PROGRAM,
}
"""The interchanges the reader reads, in load order, with the kind each carries."""

CONTACT_INTERCHANGES = (CONTACT, "InterchangeParent")
"""The interchanges of contacts (Data Standard 5.x) and parents (older) with
their student associations. They give no records of their own: the reader adds
the contacts' names to the students. ASSUMPTION: the root names follow the
entity names; no schema file read for this module confirms them."""

LOAD_ORDER = [
    EDUCATION_ORGANIZATION,
    *CONTACT_INTERCHANGES,
    STUDENT,
    STUDENT_PROGRAM,
]
"""Every interchange read, in load order: contacts before the students."""

PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
}
"""lxml parser settings for untrusted files.

No entity is expanded and nothing is fetched, so neither an external entity
(XXE) nor an entity bomb takes effect. An entity reference stays an entity
node, and the element mappings read only the text before it.
"""


@dataclass(frozen=True, slots=True)
class RootElement:
    """The root element of an XML file: its local name, namespace and line."""

    name: str
    namespace: str | None
    line: int | None

    @property
    def is_edfi(self) -> bool:
        return self.namespace is not None and self.namespace.startswith(
            NAMESPACE_PREFIX
        )


def iterparse_end(handle: IO[bytes]) -> Iterator[tuple[str, etree._Element]]:
    """Return an lxml ``iterparse`` of ``handle`` with end events, safe settings."""
    events: Iterator[tuple[str, etree._Element]] = etree.iterparse(
        handle, events=("end",), **PARSER_OPTIONS
    )
    return events


def read_root(path: Path) -> RootElement | None:
    """Read only the start tag of the root element of ``path``.

    Returns None if the file ends without an element. lxml reports an empty
    file as a syntax error instead, so None is not expected in practice.

    Raises:
        etree.XMLSyntaxError: the file breaks before the root start tag ends.
        OSError: the file cannot be opened.
    """
    with path.open("rb") as handle:
        events = etree.iterparse(handle, events=("start",), **PARSER_OPTIONS)
        for _event, element in events:
            name = etree.QName(element)
            return RootElement(name.localname, name.namespace, element.sourceline)
    return None


def sniff_interchange(path: Path) -> str | None:
    """Return the local name of the Ed-Fi root element of ``path``, or None.

    None means the file is unreadable, malformed before its root element, or
    not in an Ed-Fi namespace. ``read`` reports which of these it is.
    """
    try:
        root = read_root(path)
    except (OSError, etree.XMLSyntaxError):
        return None
    return root.name if root is not None and root.is_edfi else None


def load_position(path: Path) -> tuple[int, str]:
    """Return the sort key of ``path``: interchange load order, then file name."""
    interchange = sniff_interchange(path)
    if interchange in LOAD_ORDER:
        return LOAD_ORDER.index(interchange), path.name
    return len(LOAD_ORDER), path.name
