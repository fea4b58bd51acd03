"""Ed-Fi mapping rules shared by the XML and JSON readers.

Both readers see the same Ed-Fi entities, once as interchange elements and
once as API resources, so the rules that turn them into canonical fields
live here, free of either syntax.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sislink.formats.edfi_descriptors import descriptor_value, disability_code
from sislink.formats.guardians import GuardianName, guardian_fields
from sislink.model.crosswalks import code_key

NOT_A_CHARTER = "not a charter school"
"""CharterStatusDescriptor code value (casefolded) of a non-charter organization."""

CHARTER_CATEGORIES = frozenset({"independent charter district", "charter"})
"""LocalEducationAgencyCategoryDescriptor code values (casefolded) of a charter LEA."""

IDENTIFICATION_FIELDS = {"state": "state_student_id", "district": "district_student_id"}
"""Student id fields by assigning organization or identification system (casefolded)."""

DISABILITY_SLOTS = ("primary_disability", "secondary_disability")

TEXT_DESCRIPTORS = {
    "entry_type": "EntryTypeDescriptor",
    "exit_withdraw_type": "ExitWithdrawTypeDescriptor",
    "special_education_setting": "SpecialEducationSettingDescriptor",
    "special_education_exit_reason": "SpecialEducationExitReasonDescriptor",
    "services": "SpecialEducationProgramServiceDescriptor",
}
"""The descriptor of each text field the writers write as descriptor URIs.

Code fields (sex, grade, disabilities) go through crosswalks in
normalization instead."""


def agency_kind(status: str | None, category: str | None) -> str:
    """Return ``charter`` or ``district`` for an LEA's charter status and category.

    The kind is ``charter`` when the CharterStatus descriptor names a charter
    status or the LocalEducationAgencyCategory is a charter category.
    """
    is_charter = (status is not None and code_key(status) != NOT_A_CHARTER) or (
        category is not None and code_key(category) in CHARTER_CATEGORIES
    )
    return "charter" if is_charter else "district"


def identification_field(candidates: Iterable[str | None]) -> str | None:
    """Return the id field named by the first candidate that names one.

    The candidates are an identification code's assigning organization code
    and identification system descriptor, in that order.
    """
    for text in candidates:
        if text is not None and code_key(text) in IDENTIFICATION_FIELDS:
            return IDENTIFICATION_FIELDS[code_key(text)]
    return None


def order_disabilities(entries: Iterable[tuple[str | None, str | None]]) -> list[str]:
    """Return disability descriptors sorted by their OrderOfDisability text.

    ``entries`` are (descriptor, order) pairs in document order. Entries
    without a descriptor are dropped. Entries without a whole-number order
    follow the ordered ones, in document order.
    """
    ranked: list[tuple[bool, int, int, str]] = []
    for position, (descriptor, order_text) in enumerate(entries):
        if descriptor is None:
            continue
        text = (order_text or "").strip()
        order = int(text) if text.isdecimal() else None
        ranked.append((order is None, order or 0, position, descriptor))
    return [entry[3] for entry in sorted(ranked)]


def disability_fields(disabilities: list[str]) -> dict[str, str]:
    """Return the primary, secondary and other disability fields of a list.

    Further disabilities are text, so each is turned into its CALPADS code
    here (``disability_code``); one without a code keeps its URI.
    """
    fields = dict(zip(DISABILITY_SLOTS, disabilities, strict=False))
    others = [disability_code(text) for text in disabilities[len(DISABILITY_SLOTS) :]]
    if others:
        fields["other_disabilities"] = ";".join(others)
    return fields


def descriptor_values(fields: dict[str, str]) -> dict[str, str]:
    """Return ``fields`` with the writers' descriptor URIs read back as values.

    Each field of ``TEXT_DESCRIPTORS`` that contains a URI of its Ed-Fi
    descriptor gets the code value after ``#``, the value sislink's writers
    put there; services are a ``;`` list, each item read alone. Other URIs
    are kept as sent.
    """
    values = dict(fields)
    for name, descriptor in TEXT_DESCRIPTORS.items():
        text = values.get(name)
        if text is not None:
            items = text.split(";") if name == "services" else [text]
            values[name] = ";".join(descriptor_value(descriptor, i) for i in items)
    return values


@dataclass
class Contacts:
    """Contacts (Data Standard 5.x) or parents (older) and their students.

    Ed-Fi keeps a student's parents and guardians apart from the student, so
    the readers store them first and add their names to each student read.
    NOTE: both maps stay in memory, one entry per contact and association.
    """

    names: dict[str, GuardianName] = field(default_factory=dict)
    """Each contact's names by contactUniqueId (parentUniqueId)."""
    links: dict[str, list[tuple[tuple[bool, bool, int, int], str]]] = field(
        default_factory=dict
    )
    """Each student's contacts as (rank, contact id), by studentUniqueId."""
    associations: int = 0
    """The associations stored so far, which keeps document order in ranks."""
    deleted: set[str] = field(default_factory=set)
    """Contacts the submission deletes, which its students may still name."""

    def add_contact(self, contact_id: str, name: GuardianName) -> None:
        self.names[contact_id] = name

    def add_association(
        self,
        student_id: str,
        contact_id: str,
        primary: str | None,
        priority: str | None,
    ) -> None:
        """Store that a contact belongs to a student, ranked for the guardian slots.

        Primary contacts (``primary`` is true) come first, then contacts by
        whole-number ``priority``, then the rest, each in document order.
        """
        order = (priority or "").strip()
        rank = (
            (primary or "").strip().casefold() not in ("true", "1"),
            not order.isdecimal(),
            int(order) if order.isdecimal() else 0,
            self.associations,
        )
        self.associations += 1
        self.links.setdefault(student_id, []).append((rank, contact_id))

    def remove_contact(self, contact_id: str) -> bool:
        """Forget a contact's names, or return False if the contact is unknown."""
        self.deleted.add(contact_id)
        return self.names.pop(contact_id, None) is not None

    def remove_association(self, student_id: str, contact_id: str) -> bool:
        """Unlink a contact from a student, or return False if they are not linked."""
        links = self.links.get(student_id, [])
        remaining = [link for link in links if link[1] != contact_id]
        if len(remaining) == len(links):
            return False
        self.links[student_id] = remaining
        return True

    def guardian_fields(self, student_id: str | None) -> dict[str, str]:
        """Return the guardian fields of a student's first two known contacts."""
        ranked = sorted(self.links.get(student_id or "", []))
        names = (self.names.get(contact_id) for _rank, contact_id in ranked)
        return guardian_fields(name for name in names if name is not None)

    def names_unknown_contact(self, student_id: str | None) -> bool:
        """Return whether a student's associations name a contact neither
        stored nor deleted by the submission."""
        links = self.links.get(student_id or "", [])
        return any(
            contact_id not in self.names and contact_id not in self.deleted
            for _rank, contact_id in links
        )
