"""The validation rules: each a stable code, a severity, a message and a fix.

A rule is data. Code that detects a problem asks the rule for a finding, so
the wording, severity and fix of every finding come from this one table and
``sislink rules`` can list them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sislink.model import Finding, Provenance, RecordKind, Severity

HUB = "sislink hub policy: keeps the store sound"
ED_FI = "Ed-Fi Data Standard 5.2"


@dataclass(frozen=True, slots=True)
class Rule:
    """One check, and the text of the finding it produces."""

    code: str
    severity: Severity
    message: str
    fix: str
    source: str
    kinds: tuple[RecordKind, ...] = ()
    """The record kinds the rule checks; empty for files and all kinds."""

    def finding(
        self,
        *,
        kind: RecordKind | None = None,
        provenance: Provenance | None = None,
        field: str | None = None,
        value: object = None,
        record_key: str | None = None,
        **params: Any,
    ) -> Finding:
        """Return a finding of this rule; ``params`` fill the message and fix."""
        values = {"field": field, "value": value, "kind": kind, **params}
        return Finding(
            code=self.code,
            severity=self.severity,
            message=self.message.format(**values),
            fix=self.fix.format(**values),
            kind=kind,
            provenance=provenance,
            field=field,
            value=None if value is None else str(value),
            record_key=record_key,
        )


RULES: dict[str, Rule] = {}


def _rule(*args: Any, **kwargs: Any) -> Rule:
    rule = Rule(*args, **kwargs)
    assert rule.code not in RULES, f"rule code {rule.code} is declared twice"
    RULES[rule.code] = rule
    return rule


E, W = Severity.ERROR, Severity.WARNING

FILE_UNREADABLE = _rule(
    "file-unreadable",
    E,
    "a file of the submission cannot be read",
    "fix or re-export the file and submit again",
    HUB + "; the whole submission is rejected so no record is ended by mistake",
)
ROW_WIDTH_MISMATCH = _rule(
    "row-width-mismatch",
    E,
    "a row's number of values differs from the header's",
    "check the row for an unquoted delimiter or a missing value",
    "RFC 4180 (CSV)",
)
ROW_UNPARSABLE = _rule(
    "row-unparsable",
    E,
    "the row cannot be parsed as delimited text: {reason}",
    "check the row for an unclosed quote or a stray control character",
    "RFC 4180 (CSV)",
)
ENCODING_INVALID = _rule(
    "encoding-invalid",
    E,
    "the line is not valid {encoding}: byte {byte} at byte offset {offset} of "
    "the file; the line was not read",
    "re-export the file as {encoding}, or declare the encoding the system "
    "really writes (Windows tools often write cp1252)",
    HUB + "; no byte is replaced or dropped silently",
)
TEXT_DOUBLE_ENCODED = _rule(
    "text-double-encoded",
    W,
    "{field} value {value!r} looks like UTF-8 text decoded twice; it reads "
    "{repaired!r} when decoded once. It is stored as sent",
    "correct the encoding setting of the export in the source system",
    HUB,
)
IDENTIFIER_SCIENTIFIC_NOTATION = _rule(
    "identifier-scientific-notation",
    E,
    "{field} value {value!r} is an identifier written in scientific notation, "
    "so its digits are lost",
    "re-export the column as text (in a spreadsheet, format the column as Text "
    "before pasting or saving)",
    HUB + "; identifiers are kept as text, digit for digit",
)
COLUMN_UNKNOWN = _rule(
    "column-unknown",
    W,
    "a column is not part of the layout and was ignored",
    "remove the column or rename it to a documented column name",
    HUB,
)
PROGRAM_ASSOCIATION_SKIPPED = _rule(
    "program-association-skipped",
    W,
    "program associations other than special education were skipped",
    "nothing to fix: only special-education program associations are carried",
    ED_FI,
    (RecordKind.SPECIAL_EDUCATION_PROGRAM,),
)
REQUIRED_MISSING = _rule(
    "required-missing",
    E,
    "{field} is required for every {kind} record but is empty",
    "fill in {field} in the source system and export again",
    HUB,
)
DATE_INVALID = _rule(
    "date-invalid",
    E,
    "{field} value {value!r} is not a valid date in the format {date_format}",
    "correct the date in the source system; impossible dates such as "
    "February 30 are rejected",
    HUB,
)
DATE_AMBIGUOUS = _rule(
    "date-ambiguous",
    E,
    "{field} value {value!r} reads as different dates in the source's "
    "declared formats ({dates})",
    "export dates in one format, preferably YYYY-MM-DD",
    HUB + "; a date is never guessed",
)
CODE_UNKNOWN = _rule(
    "code-unknown",
    E,
    "{field} value {value!r} is not a code of the {code_set} code set",
    "use one of: {known}",
    HUB,
)
CODE_UNMAPPED = _rule(
    "code-unmapped",
    W,
    "{field} value {value!r} has no equivalent in the California {code_set} "
    "code set; it is stored as sent",
    "map the value to a California code in the source system if one applies",
    HUB,
)
NUMBER_INVALID = _rule(
    "number-invalid",
    E,
    "{field} value {value!r} is not a {number_kind}",
    "write {field} as a plain {number_kind} without units or separators",
    HUB,
)
BOOLEAN_INVALID = _rule(
    "boolean-invalid",
    E,
    "{field} value {value!r} is not a yes/no value",
    "write {field} as 1 or 0 (true or false)",
    HUB,
)
KEY_DUPLICATE = _rule(
    "key-duplicate",
    E,
    "another {kind} record in this submission has the same key {value!r}; "
    "the first one was kept",
    "remove the repeated row or give each record its own id",
    HUB,
)
STUDENT_REFERENCE_UNRESOLVED = _rule(
    "student-reference-unresolved",
    E,
    "{kind} record refers to local student id {value!r}, which is neither in "
    "this submission nor known from an earlier one",
    "send the student's record with this file, or correct the student id",
    HUB,
)
SCHOOL_REFERENCE_UNRESOLVED = _rule(
    "school-reference-unresolved",
    E,
    "{field} value {value!r} is not a known school or organization",
    "send the school in the organizations file, or correct the school id",
    HUB,
    (RecordKind.ENROLLMENT,),
)
IDENTIFIER_CONFLICT = _rule(
    "identifier-conflict",
    E,
    "the student's identifiers point at different persons: {detail}",
    "check the state student id and local id of this student; if one was "
    "mistyped, correct it in the source system",
    HUB + "; two children's records are never joined on a guess",
    (RecordKind.STUDENT,),
)
STATE_ID_ADDED = _rule(
    "state-student-id-changed",
    W,
    "the student's state student id differs from the one sent before; both "
    "are kept for this person",
    "check that the new state student id is right",
    HUB,
    (RecordKind.STUDENT,),
)
INTERCHANGE_NOT_READ = _rule(
    "interchange-not-read",
    W,
    "an Ed-Fi interchange file of a type this format does not carry was not read",
    "nothing to fix unless the file was meant to be one of the types listed",
    ED_FI,
)
PARENT_REFERENCE_UNRESOLVED = _rule(
    "parent-reference-unresolved",
    W,
    "a school's parent organization reference points at no organization in the file",
    "send the parent organization in the same file, or correct the reference",
    ED_FI,
    (RecordKind.ORGANIZATION,),
)
REMOVAL_UNKNOWN = _rule(
    "removal-unknown",
    W,
    "the source removes {kind} record {value!r}, which the hub does not hold "
    "for this organization; nothing was ended",
    "nothing to fix if the record was never sent; otherwise check its id",
    HUB,
)


# --- CALPADS caret files (sislink/formats/calpads) --------------------------

CALPADS_SOURCE = "CALPADS File Specifications (California Department of Education)"

CALPADS_RECORD_TYPE_UNKNOWN = _rule(
    "calpads-record-type-unknown",
    E,
    "the line's record type {value!r} is not one of {known}; the line was not read",
    "check that the file is a CALPADS extract and that the first field of "
    "every line is its record type code",
    CALPADS_SOURCE + ": the first field of every line is its record type code",
)
CALPADS_FIELD_COUNT_MISMATCH = _rule(
    "calpads-field-count-mismatch",
    E,
    "the {record_type} line has {found} fields but the {record_type} layout has "
    "{expected}; the line was not read",
    "export the file in the CALPADS layout again, and check that no value "
    "contains a caret '^'",
    CALPADS_SOURCE,
)
CALPADS_TRANSACTION_TYPE_NOT_APPLIED = _rule(
    "calpads-transaction-type-not-applied",
    W,
    "{count} line(s) carry a transaction type code ({codes}, first at line "
    "{line}); sislink does not apply transaction types, so they were read as "
    "current records",
    "leave the transaction type empty in extracts for sislink, and send a "
    "full file so that records left out are ended",
    HUB + "; the CALPADS code for a deletion is not confirmed by a public source",
)
CALPADS_FILE_EMPTY = _rule(
    "calpads-file-empty",
    W,
    "the file has no records",
    "nothing to fix if the extract is empty on purpose; otherwise export it again",
    HUB,
)
ONEROSTER_FILE_NOT_READ = _rule(
    "oneroster-file-not-read",
    W,
    "the file is not one the OneRoster reader reads ({known}); it was ignored",
    "nothing to fix unless the file was meant to be one of those listed",
    ONEROSTER,
)

# --- vendor mappings and PowerSchool JSON -----------------------------------

COLUMNS_UNMAPPED = _rule(
    "columns-unmapped",
    W,
    "columns {value} are not in the {mapping} mapping and were ignored",
    "nothing to fix if they are not needed; otherwise map them to canonical "
    "fields, or list them under ignore in the mapping to leave them out quietly",
    HUB + "; a misspelt column name would otherwise drop its values unseen",
)
JSON_STUDENT_INVALID = _rule(
    "json-student-invalid",
    E,
    "a student entry is not a JSON object but {value!r}",
    "send each student as an object, as the PowerSchool /ws/v1 API returns it",
    "PowerSchool /ws/v1 students.student payload",
    (RecordKind.STUDENT,),
)
