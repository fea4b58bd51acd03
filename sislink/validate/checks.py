"""Checks on one record: its values one at a time, then its values together.

Each check is registered with the rule it applies; ``sislink.validate.rules``
contains each rule's wording, severity and source. Values arrive normalized: dates as
ISO text, codes as California codes, numbers as numbers. A value that failed
normalization is left for the finding that normalization already made.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sislink.model import KINDS, Finding, Record, RecordKind
from sislink.model.characters import calpads_unwritable_characters, in_prose
from sislink.model.records import FieldType
from sislink.validate import rules
from sislink.validate.engine import Context, age_on, check, iso_date
from sislink.validate.rules import Rule

FUTURE_YEARS = 2
"""Dates more than this many years after the submission date are typos."""

PLANNED_FUTURE_YEARS = 4
PLANNED_DATES = frozenset(
    {"effective_end_date", "iep_end_date", "iep_review_date", "end_date"}
)
"""Dates that look ahead: plan ends and reviews may lie a few years out."""

SERVED_AGES = range(0, 23)

# The usual age on September 1 for each grade code (Ed. Code 48000 sets
# kindergarten at 5 and transitional kindergarten at 4).
GRADE_AGES = {
    "IN": 1,
    "TD": 2,
    "PS": 3,
    "TK": 4,
    "KN": 5,
    **{f"{grade:02d}": 5 + grade for grade in range(1, 13)},
}
GRADE_AGE_TOLERANCE = 2

# Disability 281 applies from 2 years 9 months to under 6 years.
BAND_281_MONTHS = (33, 72)

NONPUBLIC_AGENCY = "400"
MINIMUM_DURATION = 10


def finding(
    rule: Rule, record: Record, name: str, show_value: bool = True, **params: object
) -> Finding:
    """Return ``rule``'s finding about field ``name`` of ``record``.

    With ``show_value`` false the finding carries no value, for names.
    """
    return rule.finding(
        kind=record.kind,
        provenance=record.provenance,
        field=KINDS[record.kind].by_name[name].column,
        value=record.data.get(name) if show_value else None,
        record_key=record.key,
        **params,
    )


# Field rules.


@check(rules.STATE_ID_INVALID)
def state_id_shape(record: Record, context: Context) -> Iterator[Finding]:
    ssid = record.data.get("state_student_id")
    if not isinstance(ssid, str) or not ssid:
        return
    if not ssid.isdigit() or len(ssid) > 10:
        yield finding(rules.STATE_ID_INVALID, record, "state_student_id")
    elif len(ssid) < 10:
        yield finding(rules.STATE_ID_SHORT, record, "state_student_id")


@check(rules.NAME_CHARACTER_INVALID)
def names_fit_calpads(record: Record, context: Context) -> Iterator[Finding]:
    rule = rules.NAME_CHARACTER_INVALID
    for name in rule.fields:
        value = record.data.get(name)
        if not isinstance(value, str):
            continue
        characters = calpads_unwritable_characters(value)
        if characters:
            listed = in_prose(characters)
            yield finding(rule, record, name, show_value=False, characters=listed)


@check(rules.NAME_WITHOUT_LETTERS)
def names_have_letters(record: Record, context: Context) -> Iterator[Finding]:
    # NOTE: matching keeps only the letters a to z after removing accents, so
    # it also reads a name written only in another script, such as "李", as
    # missing. This rule counts letters of every script and does not flag it.
    rule = rules.NAME_WITHOUT_LETTERS
    for name in rule.fields:
        value = record.data.get(name)
        if not isinstance(value, str) or not value:
            continue
        if not any(character.isalpha() for character in value):
            yield finding(rule, record, name, show_value=False)


@check(rules.DATE_IN_FUTURE, *RecordKind)
def dates_not_far_ahead(record: Record, context: Context) -> Iterator[Finding]:
    for spec in KINDS[record.kind].fields:
        if spec.type is not FieldType.DATE:
            continue
        day = iso_date(record.data.get(spec.name))
        if day is None:
            continue
        years = PLANNED_FUTURE_YEARS if spec.name in PLANNED_DATES else FUTURE_YEARS
        if day > _years_after(context.as_of, years):
            yield finding(rules.DATE_IN_FUTURE, record, spec.name, years=years)


@check(rules.BIRTH_DATE_IMPLAUSIBLE)
def birth_date_in_served_ages(record: Record, context: Context) -> Iterator[Finding]:
    birth = iso_date(record.data.get("birth_date"))
    if birth is None or birth > context.as_of:
        return
    age = age_on(birth, context.as_of)
    if age not in SERVED_AGES:
        yield finding(rules.BIRTH_DATE_IMPLAUSIBLE, record, "birth_date", age=age)


@check(rules.GRADE_AGE_MISMATCH)
def grade_fits_age(record: Record, context: Context) -> Iterator[Finding]:
    grade = record.data.get("entry_grade_level")
    expected = GRADE_AGES.get(grade) if isinstance(grade, str) else None
    entry = iso_date(record.data.get("entry_date"))
    birth = iso_date(context.birth_dates.get(str(record.data.get("local_student_id"))))
    if expected is None or entry is None or birth is None:
        return
    year_start = date(entry.year if entry.month >= 7 else entry.year - 1, 9, 1)
    age = age_on(birth, year_start)
    if abs(age - expected) > GRADE_AGE_TOLERANCE:
        yield finding(
            rules.GRADE_AGE_MISMATCH,
            record,
            "entry_grade_level",
            age=age,
            expected=expected,
        )


# Rules within one record.


@check(rules.EXIT_BEFORE_ENTRY)
def exit_after_entry(record: Record, context: Context) -> Iterator[Finding]:
    entry = iso_date(record.data.get("entry_date"))
    exit_day = iso_date(record.data.get("exit_withdraw_date"))
    if entry and exit_day and exit_day < entry:
        yield finding(
            rules.EXIT_BEFORE_ENTRY, record, "exit_withdraw_date", entry=entry
        )


@check(rules.PLAN_END_BEFORE_START)
def plan_ends_after_start(record: Record, context: Context) -> Iterator[Finding]:
    start = iso_date(record.data.get("effective_start_date"))
    end = iso_date(record.data.get("effective_end_date"))
    if start and end and end < start:
        yield finding(
            rules.PLAN_END_BEFORE_START, record, "effective_end_date", start=start
        )


@check(rules.MEETING_BEFORE_CONSENT)
def meeting_after_consent(record: Record, context: Context) -> Iterator[Finding]:
    consent = iso_date(record.data.get("consent_date"))
    meeting = iso_date(record.data.get("meeting_date"))
    if consent and meeting and meeting < consent:
        yield finding(
            rules.MEETING_BEFORE_CONSENT, record, "meeting_date", consent=consent
        )


@check(rules.DISABILITY_281_AGE)
def disability_281_in_age_band(record: Record, context: Context) -> Iterator[Finding]:
    on_field = (
        "effective_start_date" if record.kind is RecordKind.PLAN else "begin_date"
    )
    on = iso_date(record.data.get(on_field))
    birth = iso_date(context.birth_dates.get(str(record.data.get("local_student_id"))))
    if on is None or birth is None:
        return
    months = (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)
    low, high = BAND_281_MONTHS
    if low <= months < high:
        return
    for name in ("primary_disability", "secondary_disability"):
        if record.data.get(name) == "281":
            yield finding(
                rules.DISABILITY_281_AGE,
                record,
                name,
                age=f"{months // 12} years {months % 12} months",
                on=on,
            )


@check(rules.FREQUENCY_WITHOUT_DURATION)
def frequency_has_duration(record: Record, context: Context) -> Iterator[Finding]:
    if record.data.get("frequency") is not None and (
        record.data.get("duration_minutes") is None
    ):
        yield finding(rules.FREQUENCY_WITHOUT_DURATION, record, "frequency")


@check(rules.DURATION_TOO_SHORT)
def duration_at_least_minimum(record: Record, context: Context) -> Iterator[Finding]:
    duration = record.data.get("duration_minutes")
    if isinstance(duration, int) and duration < MINIMUM_DURATION:
        yield finding(rules.DURATION_TOO_SHORT, record, "duration_minutes")


@check(rules.AGENCY_ID_MISSING)
def agency_has_id(record: Record, context: Context) -> Iterator[Finding]:
    if record.data.get("provider_type") == NONPUBLIC_AGENCY and not record.data.get(
        "nonpublic_agency_id"
    ):
        yield finding(rules.AGENCY_ID_MISSING, record, "nonpublic_agency_id")


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
