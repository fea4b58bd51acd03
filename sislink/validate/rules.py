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
    fields: tuple[str, ...] = ()
    """The canonical fields the rule checks; empty when it is not about fields."""

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
    "the file, {place}. The line was not read, and its text is left out of "
    "this message",
    "re-export the file as {encoding}, or declare the encoding the system "
    "really writes (Windows tools often write cp1252)",
    HUB + "; no byte is replaced or dropped silently, and a line's text may "
    "contain a student's name, birth date and identifiers",
)
TEXT_DOUBLE_ENCODED = _rule(
    "text-double-encoded",
    W,
    "{field} value {value!r} looks like UTF-8 text decoded twice; it reads "
    "{repaired!r} when decoded once. It is stored as sent",
    "correct the encoding setting of the export in the source system",
    HUB,
)
CONTROL_CHARACTER_REMOVED = _rule(
    "control-character-removed",
    W,
    "{field} contained {characters}; the value is stored without {them} and "
    "left out of this message",
    "fix the export so that it writes no control characters into {field}, "
    "then export again; the value may also need correcting in the source system",
    HUB + "; PostgreSQL cannot store U+0000, XML 1.0 cannot carry the other C0 "
    "control characters, and a terminal that shows a value acts on them. Tab, "
    "line feed and carriage return are kept",
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
REVIEW_WITHDRAWN = _rule(
    "review-withdrawn",
    W,
    "the student waited for review as match decision {decision}, and this "
    "submission {how}, so the review is closed as withdrawn and its records "
    "were never linked to a person",
    "nothing to fix if the student left. Otherwise send the student again, "
    "and it is linked like a new student",
    HUB + "; a review never links a student record that was ended",
    (RecordKind.STUDENT,),
)
REVIEW_SUPERSEDED = _rule(
    "review-superseded",
    W,
    "the student waited for review as match decision {decision} and this "
    "submission sent its record changed, so the review is closed as "
    "superseded. The changed record was {outcome}",
    "nothing to fix. Check the new link with `sislink person show`, or the "
    "new review with `sislink review list`",
    HUB + "; a review is decided on the values it shows",
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

GUARDIAN_REFERENCE_UNRESOLVED = _rule(
    "guardian-reference-unresolved",
    W,
    "{count} student record(s) name guardians in {links} that the submission "
    "does not contain, so those guardians were left out ({places})",
    "send {guardians}, or remove the links to guardians that the source "
    "system does not export",
    HUB + "; one finding per file, because some sources link guardians they "
    "never export",
    (RecordKind.STUDENT,),
)

# Field rules: one value at a time.

STATE_ID_INVALID = _rule(
    "state-student-id-invalid",
    E,
    "{field} value {value!r} is not a state student id: it must be digits only, "
    "at most 10",
    "correct the SSID in the source system, or leave it empty if unknown",
    "CALPADS: the SSID is a state-issued identifier of up to 10 characters",
    (RecordKind.STUDENT,),
    ("state_student_id",),
)
STATE_ID_SHORT = _rule(
    "state-student-id-short",
    W,
    "{field} value {value!r} has fewer than 10 digits; leading zeros may have "
    "been lost in a spreadsheet",
    "re-export the column as text so that leading zeros are kept",
    "CALPADS: SSIDs are issued as 10-digit numbers",
    (RecordKind.STUDENT,),
    ("state_student_id",),
)
NAME_CHARACTER_INVALID = _rule(
    "name-character-invalid",
    W,
    "{field} contains {characters}, which a CALPADS file cannot carry. The "
    "name is stored as sent and left out of this message",
    "remove the character from the name in the source system and export again",
    HUB + "; CALPADS files separate fields with a caret and records with a line "
    "break, and a name has no use for other control characters",
    (RecordKind.STUDENT,),
    (
        "first_name",
        "middle_name",
        "last_surname",
        "preferred_first_name",
        "preferred_last_surname",
        "guardian_1_first_name",
        "guardian_1_last_surname",
        "guardian_2_first_name",
        "guardian_2_last_surname",
    ),
)
NAME_WITHOUT_LETTERS = _rule(
    "name-without-letters",
    W,
    "{field} contains no letter, so matching reads the name as missing. The "
    "name is stored as sent and left out of this message",
    "enter the student's name in {field} in the source system and export "
    "again. If the student has no such name and the source system requires "
    "a placeholder such as '-', nothing needs fixing, but matching cannot use it",
    HUB + "; a name of punctuation, digits or symbols alone is a placeholder "
    "or a typo, and matching compares letters only. It is a warning because "
    "some students have a single name",
    (RecordKind.STUDENT,),
    ("first_name", "last_surname"),
)
DATE_IN_FUTURE = _rule(
    "date-in-future",
    E,
    "{field} value {value!r} is more than {years} years after the submission date",
    "correct the date in the source system; a mistyped year is the usual cause",
    HUB + "; such dates are typos, never planned events",
)
BIRTH_DATE_IMPLAUSIBLE = _rule(
    "birth-date-implausible",
    W,
    "birth date {value!r} makes the student {age} years old on the submission "
    "date, outside the ages the district serves (0 to 22)",
    "check the birth date in the source system",
    "IDEA serves children from birth to age 22 (34 CFR 300.101, 303.21)",
    (RecordKind.STUDENT,),
    ("birth_date",),
)
GRADE_AGE_MISMATCH = _rule(
    "grade-age-mismatch",
    W,
    "grade {value!r} does not fit the student's age: {age} years old on "
    "September 1 of the school year, where the grade's usual age is {expected}",
    "check the grade level and the birth date in the source system",
    "California age of school entry (Ed. Code 48000): kindergarten at 5, "
    "transitional kindergarten at 4; a difference of up to 2 years is accepted",
    (RecordKind.ENROLLMENT,),
    ("entry_grade_level",),
)

# Rules within one record.

EXIT_BEFORE_ENTRY = _rule(
    "exit-before-entry",
    E,
    "exit date {value!r} is before the entry date {entry}",
    "correct the entry or exit date in the source system",
    HUB,
    (RecordKind.ENROLLMENT,),
    ("exit_withdraw_date", "entry_date"),
)
PLAN_END_BEFORE_START = _rule(
    "plan-end-before-start",
    E,
    "plan end date {value!r} is before its start date {start}",
    "correct the plan dates in the special-education system",
    HUB,
    (RecordKind.PLAN,),
    ("effective_end_date", "effective_start_date"),
)
MEETING_BEFORE_CONSENT = _rule(
    "meeting-before-consent",
    E,
    "eligibility meeting date {value!r} is before the parental consent date {consent}",
    "correct the meeting or consent date; an initial evaluation needs consent first",
    "IDEA, 34 CFR 300.300(a): informed parental consent before the initial evaluation",
    (RecordKind.EVALUATION,),
    ("meeting_date", "consent_date"),
)
DISABILITY_281_AGE = _rule(
    "disability-281-age",
    E,
    "disability 281 (established medical disability) is given for a child aged "
    "{age} on {on}, outside its band of 2 years 9 months to under 6 years",
    "use the disability category that applies at this age",
    "CALPADS disability code 281: ages 2 years 9 months to under 6 (Cal. Code "
    "Regs. tit. 5, 3030(b)(13))",
    (RecordKind.PLAN, RecordKind.SPECIAL_EDUCATION_PROGRAM),
    ("primary_disability", "secondary_disability"),
)
FREQUENCY_WITHOUT_DURATION = _rule(
    "frequency-without-duration",
    E,
    "the service has a frequency ({value}) but no duration in minutes",
    "add the minutes of each session to the service",
    "CALPADS service validation: a frequency needs a duration",
    (RecordKind.SERVICE,),
    ("frequency", "duration_minutes"),
)
DURATION_TOO_SHORT = _rule(
    "duration-too-short",
    E,
    "the service duration of {value} minutes is under the minimum of 10",
    "record the session length in minutes (10 or more)",
    "CALPADS service validation: a duration is at least 10 minutes",
    (RecordKind.SERVICE,),
    ("duration_minutes",),
)
AGENCY_ID_MISSING = _rule(
    "agency-id-missing",
    E,
    "the provider is a nonpublic agency (400) but the agency's id is missing",
    "add the nonpublic agency's id to the service",
    "CALPADS service validation: a nonpublic-agency provider needs the agency's id",
    (RecordKind.SERVICE,),
    ("provider_type", "nonpublic_agency_id"),
)

# Rules across one submission.

LOCAL_ID_TWO_CHILDREN = _rule(
    "local-id-two-children",
    E,
    "local student id {value!r} is used for two different children in this "
    "submission ({detail}); the first was kept",
    "give each child their own local id in the source system",
    HUB + "; two children's records are never joined on a guess",
    (RecordKind.STUDENT,),
    ("local_student_id",),
)
LOCAL_IDS_ONE_CHILD = _rule(
    "local-ids-one-child",
    W,
    "local student ids {value!r} and {other!r} have the same name and birth "
    "date, so they are probably one child entered twice",
    "merge the two student records in the source system",
    HUB,
    (RecordKind.STUDENT,),
    ("local_student_id",),
)
RECORD_ID_REUSED = _rule(
    "record-id-reused",
    E,
    "{field} {value!r} is used for students {first!r} and {second!r}",
    "give each record its own id in the source system",
    HUB + "; one record id for two students mixes their records",
    (RecordKind.PLAN, RecordKind.EVALUATION, RecordKind.SERVICE),
)
EVALUATION_CONSENT_REPEATED = _rule(
    "evaluation-consent-repeated",
    W,
    "initial evaluations {other!r} and {evaluation!r} of the same student have "
    "the same consent date {value}; the compliance measures count them as one "
    "evaluation, using the later of their meeting dates",
    "keep one initial evaluation record per consent in the special-education "
    "system, carrying the eligibility meeting date",
    "IDEA, 34 CFR 300.301(c)(1): one parental consent starts one 60-day "
    "initial evaluation",
    (RecordKind.EVALUATION,),
    ("consent_date",),
)
PRIMARY_ENROLLMENT_TWICE = _rule(
    "primary-enrollment-twice",
    W,
    "the student has two open primary enrollments in this submission, at "
    "{value} and {other}",
    "exit the student from the school they left",
    "CALPADS: a student has one primary enrollment (status 10) at a time",
    (RecordKind.ENROLLMENT,),
    ("enrollment_status",),
)
ENDING_WITHHELD = _rule(
    "ending-withheld",
    W,
    "{count} {kind} row(s) could not be read, so no {kind} record left out of "
    "this file was ended: the unread rows may be some of them",
    "fix the rows named by the other findings and send the file again; the "
    "next complete file ends the records that are really gone",
    HUB + "; a row that cannot be read must never withdraw a student",
)
RULE_FAILED = _rule(
    "rule-failed",
    W,
    "the check {rule} could not run on this record ({error}); the other checks ran",
    "report this to the hub's maintainers with the submission id",
    HUB + "; one failing check never stops the others",
)

# Rules against what is stored.

PRIMARY_ENROLLMENT_OVERLAP = _rule(
    "primary-enrollment-overlap",
    W,
    "the primary enrollment at {value} from {entry} overlaps an open primary "
    "enrollment at {other} ({other_organization}) from {other_entry}; "
    "{exiting} must exit the student",
    "the school the student left exits them in its system; the next "
    "submission of that organization then closes the enrollment",
    "CALPADS: a student has one primary enrollment (status 10) at a time",
    (RecordKind.ENROLLMENT,),
    ("enrollment_status", "school_id"),
)
SPECIAL_EDUCATION_DISAPPEARED = _rule(
    "special-education-disappeared",
    W,
    "the student's {kind} record {value!r} was in the last submission but not "
    "in this one, while the student still is",
    "if the plan or program ended, send it with its end or exit date instead "
    "of leaving it out",
    HUB + "; a lost special-education flag hides a student with a disability",
    (RecordKind.PLAN, RecordKind.SPECIAL_EDUCATION_PROGRAM),
)
SUBMISSION_GAP = _rule(
    "submission-gap",
    W,
    "the organization's last submission was on {last}, {days} days before "
    "this one; records may have changed unseen in between",
    "send submissions at least every {limit} days",
    HUB,
)
MASS_CHANGE_HELD = _rule(
    "mass-change-held",
    E,
    "the submission would end {ended} and reject {rejected} of the "
    "organization's {active} active {kind} records ({share}), more than the "
    "limit of {limit}; it is held and nothing was applied",
    "check the file (a mistyped code or a filter in the export is the usual "
    "cause), then run `sislink submission confirm {submission}` to apply it "
    "or `sislink submission discard {submission}`",
    HUB + "; one mistyped value must never withdraw hundreds of students",
)
REMOVAL_UNKNOWN = _rule(
    "removal-unknown",
    W,
    "the source removes {kind} record {value!r}, which the hub does not hold "
    "for this organization; nothing was ended",
    "nothing to fix if the record was never sent; otherwise check its id",
    HUB,
)

# --- OneRoster CSV and Ed-Fi JSON readers -----------------------------------

ONEROSTER = "IMS Global OneRoster 1.1 CSV Tables"
ED_FI_API = "Ed-Fi ODS/API resources (Data Standard 5.x JSON)"

ONEROSTER_STATUS_INVALID = _rule(
    "oneroster-status-invalid",
    E,
    "status value {value!r} is not valid in a {mode} file; allowed: {allowed}",
    "in a delta file write active or tobedeleted; in a bulk file leave status empty",
    ONEROSTER,
)
ONEROSTER_GRADE_POSTSECONDARY = _rule(
    "oneroster-grade-postsecondary",
    E,
    "grade {value!r} is the CEDS code for postsecondary, which has no "
    "California grade level, so the enrollment was not read",
    "correct the student's grade in the source system; preschool is PR or PK "
    "in OneRoster",
    ONEROSTER + "; CEDS Entry Grade Level",
    (RecordKind.ENROLLMENT,),
)
ONEROSTER_USER_IDS_INVALID = _rule(
    "oneroster-user-ids-invalid",
    W,
    "userIds value {value!r} is not a list of {{type:identifier}} entries, so "
    "no state or district id was read from it",
    "write each id as {{type:identifier}}, for example {{SSID:1234567890}}, "
    "separated by commas",
    ONEROSTER,
    (RecordKind.STUDENT,),
)
ONEROSTER_DEMOGRAPHICS_DUPLICATE = _rule(
    "oneroster-demographics-duplicate",
    W,
    "demographics.csv has another row for user {value!r}; the first row was used",
    "send one demographics row per user",
    ONEROSTER,
    (RecordKind.STUDENT,),
)
JSON_ELEMENT_INVALID = _rule(
    "json-element-invalid",
    E,
    "{detail}, so the element was not read",
    "send each element of the array as an Ed-Fi resource object, with text, "
    "number or boolean values where the resource has them",
    ED_FI_API,
)
JSON_SURROGATE_INVALID = _rule(
    "json-surrogate-invalid",
    E,
    "{strings} {escapes}. {outcome}. The text is left out of this message",
    "fix the export so that it writes each character outside the Basic "
    "Multilingual Plane, such as an emoji, as a complete surrogate pair or as "
    "UTF-8, then export again. If the value is broken in the source system "
    "too, correct it there",
    "RFC 8259 (JSON), section 8.2: a lone surrogate escape encodes no Unicode "
    "character; " + HUB + ", and no character is guessed in its place",
)
EDFI_DELETE_KEY_MISSING = _rule(
    "edfi-delete-key-missing",
    W,
    "the delete of resource id {value!r} has no key values ({needed}), so the "
    "hub cannot tell which record it ends; nothing was ended",
    "export deletes from an ODS/API version that includes keyValues, or send a "
    "full snapshot instead",
    ED_FI_API,
)
EDFI_CONTACT_DELETE_UNKNOWN = _rule(
    "edfi-contact-delete-unknown",
    W,
    "the {resource} delete of {target} matches no {resource} resource this "
    "submission sends, so no student's guardians changed",
    "nothing to fix if it was never sent; to take the guardian off students "
    "the hub holds, send those students with their remaining contacts and "
    "student-contact associations in one submission",
    ED_FI_API + "; the hub keeps guardians' names on students, not contact ids",
    (RecordKind.STUDENT,),
)


# --- CALPADS caret files (sislink/formats/calpads) --------------------------

CALPADS_SOURCE = "CALPADS File Specifications (California Department of Education)"

CALPADS_RECORD_TYPE_UNKNOWN = _rule(
    "calpads-record-type-unknown",
    E,
    "{detail}. Every line starts with one of the record type codes {known}. "
    "The line was not read, and its text is left out of this message",
    "check that the file is a CALPADS extract, caret (^) delimited, and that "
    "the first field of every line is its record type code",
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
FILE_IGNORED = _rule(
    "file-ignored",
    W,
    "the file is not one this format reads ({known}); it was ignored",
    "nothing to fix unless the file was meant to be one of those listed",
    HUB,
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
    "a student entry is a JSON {json_type}, not an object, so it was not read. "
    "Its value is left out of this message",
    "send each student as an object, as the PowerSchool /ws/v1 API returns it",
    "PowerSchool /ws/v1 students.student payload",
    (RecordKind.STUDENT,),
)
