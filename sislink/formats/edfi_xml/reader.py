"""Reader for Ed-Fi XML interchange files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

from lxml import etree

from sislink.errors import InputError
from sislink.formats.base import Reader, ReadItem, check_readable, file_error
from sislink.formats.edfi_common import Contacts
from sislink.formats.edfi_xml import elements
from sislink.formats.edfi_xml.elements import OrganizationFields
from sislink.formats.edfi_xml.interchange import (
    CONTACT_INTERCHANGES,
    KIND_OF_INTERCHANGE,
    LOAD_ORDER,
    NAMESPACE_PREFIX,
    RootElement,
    iterparse_end,
    load_position,
    read_root,
    sniff_interchange,
)
from sislink.formats.guardians import UnresolvedGuardians
from sislink.model import (
    Finding,
    Provenance,
    RecordKind,
    Severity,
    Skipped,
    SourceDialect,
    SourceRecord,
)

DIALECT = SourceDialect("edfi-xml", ("%Y-%m-%d",), "edfi")

CONTACT_LINKS = "StudentContactAssociation or StudentParentAssociation elements"
CONTACT_ELEMENTS = "the Contact or Parent elements that those associations name"


class EdFiXmlReader(Reader):
    """Reads Ed-Fi XML interchanges (Data Standard 5.2 and compatible versions).

    Each file streams element by element. Interchanges other than the three
    read here, such as StudentProgramEvaluation or Descriptors, are not read.
    Each such file gets one warning finding that names it as not read.
    """

    name: ClassVar[str] = "edfi-xml"
    description: ClassVar[str] = (
        "Ed-Fi XML interchange files (namespace http://ed-fi.org/...): schools "
        "and LEAs from EducationOrganization, students from Student with the "
        "names of their first two contacts from Contact (Parent in older "
        "standards), "
        "special-education program associations from StudentProgram"
    )
    files: ClassVar[tuple[str, ...]] = (
        "EducationOrganization.xml",
        "Contact.xml or Parent.xml",
        "Student.xml",
        "StudentProgram.xml",
        "other *.xml interchanges are reported and not read",
    )
    kinds: ClassVar[tuple[RecordKind, ...]] = (
        RecordKind.ORGANIZATION,
        RecordKind.STUDENT,
        RecordKind.SPECIAL_EDUCATION_PROGRAM,
    )

    def collect(self, paths: Sequence[Path]) -> list[Path]:
        """Return the ``.xml`` files in ``paths``, organizations first.

        A folder contributes the XML files directly inside it, not those in
        subfolders such as Descriptors/.
        """
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                files.extend(
                    child
                    for child in path.iterdir()
                    if child.suffix.lower() == ".xml" and child.is_file()
                )
            else:
                check_readable(path)
                files.append(path)
        return sorted(files, key=load_position)

    def covered_kinds(self, files: Sequence[Path]) -> frozenset[RecordKind]:
        interchanges = {sniff_interchange(path) for path in files}
        return frozenset(
            kind
            for interchange, kind in KIND_OF_INTERCHANGE.items()
            if interchange in interchanges
        )

    def read(self, files: Sequence[Path]) -> Iterator[ReadItem]:
        contacts = Contacts()
        for path in files:
            yield from _read_file(path, contacts)


def _read_file(path: Path, contacts: Contacts) -> Iterator[ReadItem]:
    try:
        root = read_root(path)
    except etree.XMLSyntaxError as exc:
        yield _syntax_error(path, exc)
        return
    except OSError as exc:
        raise InputError(f"cannot open {path}: {exc.strerror}") from exc

    if root is None:
        yield file_error(path, "has no root element", "export the file again")
    elif not root.is_edfi:
        yield file_error(
            path,
            f"root element {root.name} is in namespace "
            f"{root.namespace or '(none)'}, not an Ed-Fi namespace",
            f"send Ed-Fi XML interchange files, whose namespace starts with "
            f"{NAMESPACE_PREFIX}",
            line=root.line,
        )
    elif root.name not in KIND_OF_INTERCHANGE and root.name not in CONTACT_INTERCHANGES:
        yield _not_read(path, root)
    else:
        yield from _stream(path, contacts)


def _stream(path: Path, contacts: Contacts) -> Iterator[ReadItem]:
    """Yield the items of each top-level element, then the file's summaries.

    Each handled element is cleared and its earlier siblings deleted, so the
    tree holds only what lxml has parsed ahead of the current element, however
    large the file is.
    """
    state = _FileState(path, contacts)
    try:
        with path.open("rb") as handle:
            for _event, element in iterparse_end(handle):
                parent = element.getparent()
                if parent is None or parent.getparent() is not None:
                    continue
                yield from state.handle(element)
                element.clear()
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        yield _syntax_error(path, exc)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    yield from state.finish()


class _FileState:
    """Per-file stream state: LEA ids, waiting organizations, and summary counts.

    The counts are of skipped elements and of students that name a contact
    the submission does not contain.
    """

    def __init__(self, path: Path, contacts: Contacts) -> None:
        self.file = path.name
        self.contacts = contacts
        """The contacts read so far, whose names go to the students."""
        self.agency_ids: dict[str, str] = {}
        """LocalEducationAgencyId by the XML ``id`` attribute of its element."""
        self.waiting: list[tuple[OrganizationFields, Provenance]] = []
        """Organizations whose parent ``ref`` points further down the file."""
        self.skipped: Counter[str] = Counter()
        self.first_skipped: dict[str, Provenance] = {}
        self.unresolved = UnresolvedGuardians(CONTACT_LINKS, CONTACT_ELEMENTS)
        """The students whose associations name a contact not read."""

    def handle(self, element: etree._Element) -> Iterator[ReadItem]:
        """Yield the record or skipped item of one top-level element, if any."""
        name = elements.local_name(element)
        provenance = Provenance(self.file, elements.source_line(element), element=name)

        if name == elements.SCHOOL:
            yield from self._organization(elements.school_fields(element), provenance)
        elif name == elements.LOCAL_EDUCATION_AGENCY:
            organization = elements.local_education_agency_fields(element)
            xml_id = element.get("id")
            agency_id = organization.fields.get("education_organization_id")
            if xml_id is not None and agency_id is not None:
                self.agency_ids[xml_id] = agency_id
            yield from self._organization(organization, provenance)
        elif name in elements.CONTACT_ELEMENTS:
            elements.store_contact(element, self.contacts)
        elif name == elements.STUDENT:
            fields = elements.student_fields(element)
            student_id = fields.get("local_student_id")
            fields.update(self.contacts.guardian_fields(student_id))
            if self.contacts.names_unknown_contact(student_id):
                self.unresolved.add(provenance)
            yield SourceRecord(RecordKind.STUDENT, fields, provenance, DIALECT)
        elif name == elements.SPECIAL_EDUCATION_ASSOCIATION:
            fields = elements.special_education_fields(element)
            kind = RecordKind.SPECIAL_EDUCATION_PROGRAM
            yield SourceRecord(kind, fields, provenance, DIALECT)
        elif elements.is_program_association(name):
            self.skipped[name] += 1
            self.first_skipped.setdefault(name, provenance)
            yield Skipped(
                RecordKind.SPECIAL_EDUCATION_PROGRAM,
                provenance,
                f"{name} is not a special-education program association",
            )

    def _organization(
        self, organization: OrganizationFields, provenance: Provenance
    ) -> Iterator[ReadItem]:
        if organization.parent_ref is None or self._resolve(organization):
            yield _organization_record(organization, provenance)
        else:
            self.waiting.append((organization, provenance))

    def _resolve(self, organization: OrganizationFields) -> bool:
        parent_id = self.agency_ids.get(organization.parent_ref or "")
        if parent_id is None:
            return False
        organization.fields["parent_education_organization_id"] = parent_id
        return True

    def finish(self) -> Iterator[ReadItem]:
        """Yield the organizations still waiting for a parent, then the summaries.

        The summaries are one per skipped element name, and one for the
        students that name a contact the submission does not contain.
        """
        for organization, provenance in self.waiting:
            if not self._resolve(organization):
                yield _unresolved_parent(organization, provenance)
            yield _organization_record(organization, provenance)
        for name, count in self.skipped.items():
            yield _skip_summary(name, count, self.first_skipped[name])
        yield from self.unresolved.summary()


def _organization_record(
    organization: OrganizationFields, provenance: Provenance
) -> SourceRecord:
    kind = RecordKind.ORGANIZATION
    return SourceRecord(kind, organization.fields, provenance, DIALECT)


def _unresolved_parent(
    organization: OrganizationFields, provenance: Provenance
) -> Finding:
    return Finding(
        "parent-reference-unresolved",
        Severity.WARNING,
        f"{provenance.element} refers to its local education agency by "
        f"ref={organization.parent_ref!r}, but no LocalEducationAgency in "
        f"{provenance.file} has that id attribute; the parent was left empty",
        "add the LocalEducationAgency element with that id to the file, or put "
        "LocalEducationAgencyIdentity/LocalEducationAgencyId inside the reference",
        kind=RecordKind.ORGANIZATION,
        provenance=provenance,
        field="parentEducationOrganizationId",
        value=organization.parent_ref,
        record_key=organization.fields.get("education_organization_id"),
    )


def _skip_summary(name: str, count: int, first: Provenance) -> Finding:
    return Finding(
        "program-association-skipped",
        Severity.WARNING,
        f"{first.file}: {count} {name} element(s) were skipped (first at line "
        f"{first.line})",
        "none needed unless these are special-education records: the hub "
        "carries only StudentSpecialEducationProgramAssociation elements",
        kind=RecordKind.SPECIAL_EDUCATION_PROGRAM,
        provenance=first,
    )


def _not_read(path: Path, root: RootElement) -> Finding:
    known = ", ".join(LOAD_ORDER)
    return Finding(
        "interchange-not-read",
        Severity.WARNING,
        f"{path.name}: {root.name} is not read; this format reads {known}",
        "leave the file out of the submission: the hub takes no data from it",
        provenance=Provenance(path.name, root.line, element=root.name),
    )


def _syntax_error(path: Path, exc: etree.XMLSyntaxError) -> Finding:
    return file_error(
        path,
        f"is not well-formed XML, so reading stopped: {exc.msg}",
        "export the file again in full; a file cut short or edited by hand "
        "often breaks this way",
        line=exc.lineno or None,
    )
