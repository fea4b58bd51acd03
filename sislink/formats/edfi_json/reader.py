"""Reader for Ed-Fi API resource files in JSON."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import ClassVar

from sislink.formats.base import Reader, ReadItem, check_readable
from sislink.formats.edfi_common import Contacts
from sislink.formats.edfi_json.fields import (
    Extractor,
    resource_fields,
    store_contact,
)
from sislink.formats.edfi_json.resources import (
    CONTACT_ID,
    RESOURCES,
    STUDENTS,
    Resource,
    ResourceFile,
    load_position,
    resource_file,
)
from sislink.formats.edfi_json.stream import Element, read_elements
from sislink.formats.guardians import UnresolvedGuardians
from sislink.formats.surrogates import surrogate_finding
from sislink.model import (
    KINDS,
    Finding,
    Provenance,
    RecordKind,
    Removed,
    SourceDialect,
    SourceRecord,
)
from sislink.validate import rules

DIALECT = SourceDialect("edfi-json", ("%Y-%m-%d",), "edfi")

CONTACT_LINKS = "studentContactAssociations or studentParentAssociations"
CONTACT_RESOURCES = "the contacts or parents that those associations name"


class EdFiJsonReader(Reader):
    """Reads Ed-Fi ODS/API responses saved as files: JSON arrays of resources.

    Each file streams one object at a time. JSON is UTF-8 by definition
    (RFC 8259), so a declared encoding is ignored.
    """

    name: ClassVar[str] = "edfi-json"
    description: ClassVar[str] = (
        "Ed-Fi ODS/API resources as JSON arrays (Data Standard 5.x): LEAs and "
        "schools, students with the names of their first two contacts (contacts "
        "and studentContactAssociations, or parents and "
        "studentParentAssociations), studentSchoolAssociations (enrollments) and "
        "studentSpecialEducationProgramAssociations; pages as students-1.json, "
        "students-2.json, and deletes as students-deletes.json. Deletes of "
        "contacts and their associations take guardians off the students sent "
        "with them"
    )
    files: ClassVar[tuple[str, ...]] = (
        *(f"{name}.json" for name in RESOURCES),
        "pages such as students-1.json, deletes such as students-deletes.json",
    )
    kinds: ClassVar[tuple[RecordKind, ...]] = (
        RecordKind.ORGANIZATION,
        RecordKind.STUDENT,
        RecordKind.ENROLLMENT,
        RecordKind.SPECIAL_EDUCATION_PROGRAM,
    )

    def collect(self, paths: Sequence[Path]) -> list[Path]:
        """Return the resource files in ``paths``, in load order.

        A folder contributes the ``.json`` files directly inside it whose
        names are resource files; files given by name are always taken.
        """
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                files.extend(
                    child
                    for child in path.iterdir()
                    if child.is_file() and resource_file(child.name) is not None
                )
            else:
                check_readable(path)
                files.append(path)
        return sorted(files, key=lambda path: load_position(path.name))

    def covered_kinds(self, files: Sequence[Path]) -> frozenset[RecordKind]:
        """Return the kinds of the resource files, except deletes and joined files."""
        found = (resource_file(path.name) for path in files)
        return frozenset(
            f.resource.kind
            for f in found
            if f and not f.deletes and not f.resource.joined
        )

    def read(self, files: Sequence[Path]) -> Iterator[ReadItem]:
        contacts = Contacts()
        for path in files:
            found = resource_file(path.name)
            if found is None:
                known = ", ".join(f"{name}.json" for name in RESOURCES)
                yield rules.FILE_IGNORED.finding(
                    provenance=Provenance(path.name), known=known
                )
                continue
            yield from _read_file(path, found, contacts)


def _read_file(
    path: Path, found: ResourceFile, contacts: Contacts
) -> Iterator[ReadItem]:
    """Yield the file's records, or apply a joined resource's values to ``contacts``.

    Contacts and their associations load before students, so their deletes
    take guardians off the students this submission sends. NOTE: a student
    the submission does not send keeps its stored guardians, because the hub
    stores guardians' names, not contact ids.
    """
    kind = found.resource.kind
    unresolved = UnresolvedGuardians(CONTACT_LINKS, CONTACT_RESOURCES)
    for item in read_elements(path):
        if isinstance(item, Finding):
            yield item
            continue
        provenance = Provenance(path.name, element=f"[{item.index}]")
        if not isinstance(item.value, Mapping):
            yield _invalid(kind, provenance, "the array element is not an object")
        elif found.resource.joined and found.deletes:
            yield from _remove_contact(found.resource, item, provenance, contacts)
        elif found.resource.joined:
            yield from _store(found.resource, item.value, provenance, contacts)
        elif found.deletes:
            yield _removal(found.resource, item, provenance)
        else:
            yield _record(found.resource, item.value, provenance, contacts, unresolved)
    yield from unresolved.summary()


def _store(
    resource: Resource,
    value: Mapping[str, object],
    provenance: Provenance,
    contacts: Contacts,
) -> Iterator[ReadItem]:
    extractor = Extractor(value)
    store_contact(extractor, resource.name, contacts)
    if extractor.problems:
        yield _invalid(resource.kind, provenance, "; ".join(extractor.problems))
    elif extractor.surrogates:
        them = "it" if len(extractor.surrogates) == 1 else "them"
        outcome = f"The {resource.name} element was read without {them}"
        yield surrogate_finding(
            resource.kind, provenance, extractor.surrogates, outcome
        )


def _record(
    resource: Resource,
    value: Mapping[str, object],
    provenance: Provenance,
    contacts: Contacts,
    unresolved: UnresolvedGuardians,
) -> ReadItem:
    extractor = Extractor(value)
    fields = resource_fields(extractor, resource.name)
    if extractor.problems:
        return _invalid(resource.kind, provenance, "; ".join(extractor.problems))
    if extractor.surrogates:
        return surrogate_finding(resource.kind, provenance, extractor.surrogates)
    if resource.name == STUDENTS:
        student_id = fields.get("local_student_id")
        fields.update(contacts.guardian_fields(student_id))
        if contacts.names_unknown_contact(student_id):
            unresolved.add(provenance)
    return SourceRecord(resource.kind, fields, provenance, DIALECT)


def _removal(resource: Resource, item: Element, provenance: Provenance) -> ReadItem:
    """Return the removal a delete names, or the finding that stops it."""
    values = _delete_keys(resource, item, provenance)
    if isinstance(values, Finding):
        return values
    return Removed(resource.kind, KINDS[resource.kind].key_of(values), provenance)


def _remove_contact(
    resource: Resource, item: Element, provenance: Provenance, contacts: Contacts
) -> Iterator[ReadItem]:
    """Remove the contact or student-contact association a delete names.

    A deleted contact leaves every student that names it, and a deleted
    association leaves its student.
    """
    values = _delete_keys(resource, item, provenance)
    if isinstance(values, Finding):
        yield values
        return
    contact_id = values[CONTACT_ID]
    student_id = values.get("local_student_id")
    if student_id is None:
        removed = contacts.remove_contact(contact_id)
    else:
        removed = contacts.remove_association(student_id, contact_id)
    if not removed:
        target = ", ".join(
            f"{name} {values[field]!r}" for name, field in resource.delete_keys
        )
        yield rules.EDFI_CONTACT_DELETE_UNKNOWN.finding(
            kind=resource.kind,
            provenance=provenance,
            value=contact_id,
            record_key=student_id,
            resource=resource.name,
            target=target,
        )


def _delete_keys(
    resource: Resource, item: Element, provenance: Provenance
) -> dict[str, str] | Finding:
    """Return a delete's key values by field, from its keyValues or top-level keys."""
    assert isinstance(item.value, Mapping)
    extractor = Extractor(item.value)
    key_values = item.value.get("keyValues")
    within = key_values if isinstance(key_values, Mapping) else item.value
    values = {
        field: extractor.text((name,), within) for name, field in resource.delete_keys
    }
    if extractor.problems:
        return _invalid(resource.kind, provenance, "; ".join(extractor.problems))
    if extractor.surrogates:
        return surrogate_finding(resource.kind, provenance, extractor.surrogates)
    found = {field: value for field, value in values.items() if value is not None}
    if len(found) < len(values):
        needed = ", ".join(name for name, _field in resource.delete_keys)
        return rules.EDFI_DELETE_KEY_MISSING.finding(
            kind=resource.kind,
            provenance=provenance,
            value=extractor.text(("id",)),
            needed=needed,
        )
    return found


def _invalid(kind: RecordKind, provenance: Provenance, detail: str) -> Finding:
    return rules.JSON_ELEMENT_INVALID.finding(
        kind=kind, provenance=provenance, detail=detail
    )
