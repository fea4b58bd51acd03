"""Writer of Ed-Fi XML interchange files from stored records.

The files use the Ed-Fi Data Standard 5.2 namespace and element order, but
carry only the elements that hold a canonical field (see ``builders``), so a
validating Ed-Fi consumer may reject them. The hub's own reader reads them
back.

A student's guardians are written to the Contact interchange as Contact and
StudentContactAssociation elements, the elements the reader takes guardians
from. Students of one household that name a guardian with the same first
name and surname share one Contact (see ``shared_key``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from lxml import etree

from sislink.formats.base import RecordSource
from sislink.formats.edfi_json.writer import POSTAL_CODE_LOSS, STATUS_LOSS
from sislink.formats.edfi_xml.builders import (
    Node,
    StoredRecord,
    contact_association_node,
    contact_node,
    organization_node,
    program_node,
    student_node,
    xml_text,
)
from sislink.formats.edfi_xml.interchange import (
    CONTACT,
    EDUCATION_ORGANIZATION,
    NAMESPACE,
    STUDENT,
    STUDENT_PROGRAM,
)
from sislink.formats.guardians import GuardianIds, record_guardians, shared_key
from sislink.model import RecordKind

FILE_NAMES = {
    EDUCATION_ORGANIZATION: "EducationOrganization.xml",
    CONTACT: "Contact.xml",
    STUDENT: "Student.xml",
    STUDENT_PROGRAM: "StudentProgram.xml",
}
"""File name of each written interchange, in load order."""

AddNode = Callable[[Node], None]

FIELD_LOSSES = (POSTAL_CODE_LOSS, STATUS_LOSS)
"""The fields of the written kinds that the interchanges do not carry, the
same as in Ed-Fi JSON."""


def write_interchanges(
    directory: Path,
    organizations: Iterable[StoredRecord],
    students: Iterable[StoredRecord],
    programs: Iterable[StoredRecord],
) -> list[Path]:
    """Write EducationOrganization.xml, Contact.xml, Student.xml and StudentProgram.xml.

    Args:
        directory: folder for the files, created if missing. Existing files
            of these names are replaced.
        organizations: organization records. Kind ``school`` becomes a
            School, and ``district`` and ``charter`` a LocalEducationAgency.
        students: student records, one Student element each, and a
            StudentContactAssociation for each guardian.
        programs: special-education program records, one
            StudentSpecialEducationProgramAssociation each.

    Every record is a mapping of canonical field names (``sislink.model.records``)
    to stored values: text, numbers, booleans or None, with codes as
    California codes or Ed-Fi descriptor text. Elements are written one at a
    time, so the iterables may be generators of any length.

    Returns:
        The four paths, in load order.

    Raises:
        ValueError: an organization's kind is not school, district or charter,
            or a value contains a character XML 1.0 cannot carry. A student's
            message names the file, the local id and the element.
        OSError: a file cannot be written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    paths = {name: directory / file_name for name, file_name in FILE_NAMES.items()}
    with _interchange(paths[EDUCATION_ORGANIZATION], EDUCATION_ORGANIZATION) as add:
        for record in organizations:
            add(organization_node(record))
    with ExitStack() as stack:
        add_contact = stack.enter_context(_interchange(paths[CONTACT], CONTACT))
        add_student = stack.enter_context(_interchange(paths[STUDENT], STUDENT))
        ids = GuardianIds()
        for record in students:
            local_id = xml_text(record.get("local_student_id"))
            with _naming_student(FILE_NAMES[STUDENT], local_id):
                add_student(student_node(record))
            with _naming_student(FILE_NAMES[CONTACT], local_id):
                _add_guardians(add_contact, record, ids)
    with _interchange(paths[STUDENT_PROGRAM], STUDENT_PROGRAM) as add:
        for record in programs:
            add(program_node(record))
    return list(paths.values())


def _add_guardians(add: AddNode, record: StoredRecord, ids: GuardianIds) -> None:
    """Add a student's new guardians as Contacts and each guardian's association."""
    student_id = xml_text(record.get("local_student_id"))
    for number, guardian in record_guardians(record):
        key = shared_key(record, guardian)
        contact_id, first = ids.assign(student_id, number, key)
        if first:
            add(contact_node(contact_id, guardian))
        add(contact_association_node(student_id, contact_id, number))


@contextmanager
def _naming_student(file_name: str, local_id: str | None) -> Iterator[None]:
    """Prefix a ValueError raised while writing a student with its file and id."""
    try:
        yield
    except ValueError as exc:
        raise ValueError(
            f"{file_name}, student with local id {local_id or 'none'}: {exc}"
        ) from exc


@contextmanager
def _interchange(path: Path, interchange: str) -> Iterator[AddNode]:
    """Open an interchange file and yield the function that adds a top-level node."""
    with etree.xmlfile(str(path), encoding="UTF-8") as xml:
        xml.write_declaration()
        with xml.element(_tag(interchange), nsmap={None: NAMESPACE}):
            yield lambda node: _write_node(xml, node, depth=1)
            xml.write("\n")


def _write_node(xml: etree.xmlfile, node: Node, depth: int) -> None:
    """Write ``node`` on its own line, indented by one tab per level."""
    xml.write("\n" + "\t" * depth)
    with xml.element(_tag(node.name)):
        if node.text is not None:
            try:
                xml.write(node.text)
            except ValueError as exc:
                # lxml rejects NUL, the C0 control characters other than tab,
                # line feed and carriage return, U+FFFE and U+FFFF, and cannot
                # encode a lone surrogate. The value is left out of the
                # message because it may be a name.
                raise ValueError(
                    f"element {node.name} contains a character that XML 1.0 "
                    "cannot carry, such as a control character; remove it "
                    "from the value"
                ) from exc
            return
        for child in node.children:
            _write_node(xml, child, depth + 1)
        xml.write("\n" + "\t" * depth)


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def write(directory: Path, records: RecordSource) -> list[Path]:
    """Write the organizations, students with their guardians, and programs."""
    return write_interchanges(
        directory,
        records(RecordKind.ORGANIZATION),
        records(RecordKind.STUDENT),
        records(RecordKind.SPECIAL_EDUCATION_PROGRAM),
    )
