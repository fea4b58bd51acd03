"""Writer of Ed-Fi XML interchange files from stored records.

The files use the Ed-Fi Data Standard 5.2 namespace and element order, but
carry only the elements that hold a canonical field (see ``builders``), so a
validating Ed-Fi consumer may reject them. The hub's own reader reads them
back.

NOTE: guardian names are not written. Student has no element for them, and
the Contact interchange that the reader reads them from is not written.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from sislink.formats.base import RecordSource
from sislink.formats.edfi_xml.builders import (
    Node,
    StoredRecord,
    organization_node,
    program_node,
    student_node,
)
from sislink.formats.edfi_xml.interchange import (
    EDUCATION_ORGANIZATION,
    NAMESPACE,
    STUDENT,
    STUDENT_PROGRAM,
)
from sislink.model import RecordKind

FILE_NAMES = {
    EDUCATION_ORGANIZATION: "EducationOrganization.xml",
    STUDENT: "Student.xml",
    STUDENT_PROGRAM: "StudentProgram.xml",
}
"""File name of each written interchange, in load order."""


def write_interchanges(
    directory: Path,
    organizations: Iterable[StoredRecord],
    students: Iterable[StoredRecord],
    programs: Iterable[StoredRecord],
) -> list[Path]:
    """Write EducationOrganization.xml, Student.xml and StudentProgram.xml.

    Args:
        directory: folder for the files, created if missing. Existing files
            of these names are replaced.
        organizations: organization records. Kind ``school`` becomes a
            School, and ``district`` and ``charter`` a LocalEducationAgency.
        students: student records, one Student element each.
        programs: special-education program records, one
            StudentSpecialEducationProgramAssociation each.

    Every record is a mapping of canonical field names (``sislink.model.records``)
    to stored values: text, numbers, booleans or None, with codes as
    California codes or Ed-Fi descriptor text. Elements are written one at a
    time, so the iterables may be generators of any length.

    Returns:
        The three paths, in load order.

    Raises:
        ValueError: an organization's kind is not school, district or charter.
        OSError: a file cannot be written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    nodes = {
        EDUCATION_ORGANIZATION: (organization_node(r) for r in organizations),
        STUDENT: (student_node(r) for r in students),
        STUDENT_PROGRAM: (program_node(r) for r in programs),
    }
    paths: list[Path] = []
    for interchange, elements in nodes.items():
        path = directory / FILE_NAMES[interchange]
        _write_file(path, interchange, elements)
        paths.append(path)
    return paths


def _write_file(path: Path, interchange: str, nodes: Iterable[Node]) -> None:
    with etree.xmlfile(str(path), encoding="UTF-8") as xml:
        xml.write_declaration()
        with xml.element(_tag(interchange), nsmap={None: NAMESPACE}):
            for node in nodes:
                _write_node(xml, node, depth=1)
            xml.write("\n")


def _write_node(xml: etree.xmlfile, node: Node, depth: int) -> None:
    """Write ``node`` on its own line, indented by one tab per level."""
    xml.write("\n" + "\t" * depth)
    with xml.element(_tag(node.name)):
        if node.text is not None:
            xml.write(node.text)
            return
        for child in node.children:
            _write_node(xml, child, depth + 1)
        xml.write("\n" + "\t" * depth)


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def write(directory: Path, records: RecordSource) -> list[Path]:
    """Write the organizations, students and special-education programs."""
    return write_interchanges(
        directory,
        records(RecordKind.ORGANIZATION),
        records(RecordKind.STUDENT),
        records(RecordKind.SPECIAL_EDUCATION_PROGRAM),
    )
