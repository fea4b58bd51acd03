"""Normalization: source text to typed canonical values, through declared crosswalks.

Each field is converted by its declared type. A value that cannot be
converted is not guessed at: it becomes a finding, and the record keeps the
source text so the quarantine shows what was sent.

Normalization is where every reader's values enter the hub, so it removes
the control characters that no field may contain
(``sislink.model.characters.CONTROL_CHARACTERS``) before anything else sees
them, with a warning for each field that had any.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

from sislink.model import (
    KINDS,
    FieldSpec,
    FieldType,
    Finding,
    Record,
    SourceRecord,
)
from sislink.model.characters import (
    CONTROL_CHARACTERS,
    control_character_names,
    in_prose,
    remove_control_characters,
    without_control_characters,
)
from sislink.model.codes import CODE_SETS
from sislink.model.crosswalks import code_key, descriptor_code_value
from sislink.model.records import JsonValue
from sislink.validate import rules

TRUE_TEXT = frozenset({"1", "true", "t", "yes", "y"})
FALSE_TEXT = frozenset({"0", "false", "f", "no", "n"})

ISO_DATE = "%Y-%m-%d"
SCIENTIFIC_NOTATION = re.compile(r"^[+-]?\d(?:[.,]\d+)?E[+-]?\d+$", re.IGNORECASE)


def normalize(source: SourceRecord) -> tuple[Record, list[Finding]]:
    """Return the canonical record for ``source`` and the findings on its values.

    The record is returned even when it has error findings, so that it can be
    quarantined with its values as sent. Control characters are the exception:
    they are removed from every value and from the provenance, because a
    PostgreSQL store cannot hold U+0000 and no field has a use for any of them.
    """
    source, findings = clean_control_characters(source)
    spec = KINDS[source.kind]
    data: dict[str, JsonValue] = {}

    for name, text in source.fields.items():
        field_spec = spec.by_name.get(name)
        if field_spec is None:
            continue
        value, finding = _convert(field_spec, text, source)
        if finding is None:
            data[name] = value
            continue

        findings.append(finding)
        if finding.is_error:
            # The record goes to quarantine: keep the value as sent.
            data[name] = text
        elif value is not None:
            # A warning about a value that is stored all the same.
            data[name] = value
        else:
            # An unmapped code is stored empty, with the source text beside it.
            data[name] = None
            data[f"{name}_source"] = text

    key = spec.key_of(data)
    for field_spec in spec.fields:
        if field_spec.required and data.get(field_spec.name) in (None, ""):
            findings.append(
                rules.REQUIRED_MISSING.finding(
                    kind=source.kind,
                    provenance=source.provenance,
                    field=field_spec.column,
                    record_key=key,
                )
            )
    record = Record(source.kind, key, data, source.provenance)
    return record, [_keyed(f, key) for f in findings]


def normalize_fields(
    source: SourceRecord, names: Iterable[str]
) -> dict[str, JsonValue] | None:
    """Return the canonical values of the fields ``names`` that ``source`` has.

    The values are those ``normalize`` gives, for a record with no control
    characters (``clean_control_characters`` removes them). Returns None when
    any of the values would get a finding, so that the caller normalizes the
    whole record instead.
    """
    spec = KINDS[source.kind]
    data: dict[str, JsonValue] = {}
    for name in names:
        text = source.fields.get(name)
        if text is None:
            continue
        value, finding = _convert(spec.by_name[name], text, source)
        if finding is not None:
            return None
        data[name] = value
    return data


def clean_control_characters(
    source: SourceRecord,
) -> tuple[SourceRecord, list[Finding]]:
    """Remove ``CONTROL_CHARACTERS`` from a source record's values and provenance.

    Returns the cleaned record and a warning for each canonical field that
    had any, or ``source`` itself and no warning when it has none. Readers
    trim values and leave out empty ones, so a value that had such characters
    is trimmed too, and left out when nothing else remains.

    The characters are removed rather than replaced: they show as nothing, so
    the value then reads as it did on screen, and an identifier matches the
    same record sent without them.
    """
    provenance = source.provenance
    places = (provenance.file, provenance.element or "", provenance.column or "")
    if not CONTROL_CHARACTERS.search("".join((*source.fields.values(), *places))):
        return source, []

    cleaned = replace(
        source, fields={}, provenance=without_control_characters(provenance)
    )
    spec = KINDS[source.kind]
    findings = []
    for name, text in source.fields.items():
        if not CONTROL_CHARACTERS.search(text):
            cleaned.fields[name] = text
            continue
        field_spec = spec.by_name.get(name)
        if field_spec is not None:
            findings.append(_control_characters_removed(field_spec, text, cleaned))
        value = remove_control_characters(text).strip()
        if value:
            cleaned.fields[name] = value
    return cleaned, findings


def _control_characters_removed(
    spec: FieldSpec, text: str, source: SourceRecord
) -> Finding:
    """Return the warning that ``text`` lost its control characters.

    The value is left out, since the field may be a name, a birth date or an
    identifier.
    """
    names = control_character_names(text)
    single = len(names) == 1
    noun = "control character" if single else "control characters"
    return rules.CONTROL_CHARACTER_REMOVED.finding(
        kind=source.kind,
        provenance=source.provenance,
        field=spec.column,
        characters=f"the {noun} {in_prose(names)}",
        them="it" if single else "them",
    )


def _keyed(finding: Finding, key: str) -> Finding:
    if finding.record_key is not None:
        return finding
    return Finding(
        finding.code,
        finding.severity,
        finding.message,
        finding.fix,
        finding.kind,
        finding.provenance,
        finding.field,
        finding.value,
        key,
    )


def _convert(
    spec: FieldSpec, text: str, source: SourceRecord
) -> tuple[JsonValue, Finding | None]:
    field_type = spec.type
    if field_type is FieldType.TEXT:
        repaired = undo_double_encoding(text)
        if repaired is None:
            return text, None
        return text, _problem(
            rules.TEXT_DOUBLE_ENCODED, spec, text, source, repaired=repaired
        )

    if field_type is FieldType.IDENTIFIER:
        if is_scientific_notation(text):
            return None, _problem(
                rules.IDENTIFIER_SCIENTIFIC_NOTATION, spec, text, source
            )
        return text, None

    if field_type is FieldType.DATE:
        dates = parse_dates(text, source.dialect.date_formats)
        if len(dates) == 1:
            return dates[0], None
        if dates:
            shown = " or ".join(dates)
            return None, _problem(rules.DATE_AMBIGUOUS, spec, text, source, dates=shown)
        formats = " or ".join(
            readable_date_format(f) for f in source.dialect.date_formats
        )
        return None, _problem(
            rules.DATE_INVALID, spec, text, source, date_format=formats
        )

    if field_type is FieldType.CODE:
        return _convert_code(spec, text, source)

    if field_type is FieldType.INTEGER:
        if text.lstrip("-").isdigit():
            return int(text), None
        return None, _problem(
            rules.NUMBER_INVALID, spec, text, source, number_kind="whole number"
        )

    if field_type is FieldType.DECIMAL:
        try:
            return float(Decimal(text)), None
        except InvalidOperation:
            return None, _problem(
                rules.NUMBER_INVALID, spec, text, source, number_kind="number"
            )

    folded = text.casefold()
    if folded in TRUE_TEXT or folded in FALSE_TEXT:
        return folded in TRUE_TEXT, None
    return None, _problem(rules.BOOLEAN_INVALID, spec, text, source)


def _problem(
    rule: rules.Rule, spec: FieldSpec, text: str, source: SourceRecord, **params: str
) -> Finding:
    return rule.finding(
        kind=source.kind,
        provenance=source.provenance,
        field=spec.column,
        value=text,
        **params,
    )


def parse_date(text: str, formats: tuple[str, ...]) -> str | None:
    """Return ``text`` as an ISO date if it is a real date in one of ``formats``.

    Returns None when it is no date, or when two formats read it as
    different dates (``03/04/2015`` under both month-first and day-first).
    """
    dates = parse_dates(text, formats)
    return dates[0] if len(dates) == 1 else None


@lru_cache(maxsize=1 << 16)
def parse_dates(text: str, formats: tuple[str, ...]) -> tuple[str, ...]:
    """Return the distinct ISO dates ``text`` reads as, one per matching format.

    Dates are calendar dates: no time zone is applied, so none can shift.
    """
    found: list[str] = []
    for date_format in formats:
        iso = _parse_one(text, date_format)
        if iso is not None and iso not in found:
            found.append(iso)
    return tuple(found)


_DATE_DIRECTIVES = {
    "%Y": "YYYY",
    "%y": "YY",
    "%m": "MM",
    "%d": "DD",
    "%b": "Mon",
    "%B": "Month",
}


def readable_date_format(date_format: str) -> str:
    """Return a strptime format in the letters a clerk reads: ``MM/DD/YYYY``."""
    for directive, shown in _DATE_DIRECTIVES.items():
        date_format = date_format.replace(directive, shown)
    return date_format


def _parse_one(text: str, date_format: str) -> str | None:
    if date_format == ISO_DATE and len(text) == 10 and text[4] == text[7] == "-":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    if text.isdigit() and len(text) != _digits_width(date_format):
        # strptime reads "2016023" as %Y%m%d; a digits-only date has one width.
        return None
    try:
        return datetime.strptime(text, date_format).date().isoformat()
    except ValueError:
        return None


@cache
def _digits_width(date_format: str) -> int:
    """Return the width of a date written in ``date_format``, or 0 if it varies."""
    sample = date(2000, 10, 10).strftime(date_format)
    return len(sample) if sample.isdigit() else 0


def _convert_code(
    spec: FieldSpec, text: str, source: SourceRecord
) -> tuple[JsonValue, Finding | None]:
    assert spec.code_set is not None
    # A source's own crosswalk comes first: its "TK" or "1" may not mean
    # what the California code of the same spelling means.
    crosswalk = source.dialect.crosswalk(spec.code_set)
    mapped = crosswalk.translate(text) if crosswalk is not None else None
    if mapped is not None:
        return mapped, None
    code = canonical_code(spec.code_set, text)
    if code is not None:
        return code, None

    code_set = CODE_SETS[spec.code_set]
    if crosswalk is not None:
        name = code_set.name.replace("_", " ")
        return None, _problem(rules.CODE_UNMAPPED, spec, text, source, code_set=name)
    known = ", ".join(code_set.codes)
    return None, _problem(
        rules.CODE_UNKNOWN, spec, text, source, code_set=code_set.name, known=known
    )


def canonical_code(code_set_name: str, text: str) -> str | None:
    """Return the code of ``code_set_name`` that ``text`` names, or None.

    Comparison ignores case and surrounding space, and a one-digit grade is
    read as its two-digit code (``1`` is grade ``01``).
    """
    value = descriptor_code_value(text)
    if code_set_name == "grade_level" and value.isdigit() and len(value) == 1:
        value = value.zfill(2)
    return _code_index(code_set_name).get(code_key(value))


@cache
def _code_index(code_set_name: str) -> dict[str, str]:
    return {code.casefold(): code for code in CODE_SETS[code_set_name].codes}


def is_scientific_notation(text: str) -> bool:
    """Return whether ``text`` is a number as a spreadsheet shows it: ``1.23E+09``."""
    return SCIENTIFIC_NOTATION.match(text.strip()) is not None


def undo_double_encoding(text: str) -> str | None:
    """Return ``text`` repaired if it is UTF-8 decoded a second time, else None.

    ``MÃ³nica`` is the UTF-8 bytes of ``Mónica`` read as cp1252 (or Latin-1).
    Text that is not like that, ``José`` included, returns None.
    """
    if text.isascii():
        return None
    for single_byte in ("cp1252", "latin-1"):
        try:
            repaired = text.encode(single_byte).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if repaired != text:
            return repaired
    return None
