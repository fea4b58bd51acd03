"""Matching features: the normalized forms of a student's names, birth date and ids.

Every feature is computed here, in Python, so that the comparisons and
blocking rules of the model are plain equality and the string functions
Splink translates for each backend: the model runs unchanged on DuckDB
and on Spark. Names lose case, accents, apostrophes, hyphens and other
punctuation; a first name also gets its nickname group, and a surname its
parts without particles (``de la Cruz`` has the one part ``cruz``).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from importlib import resources

NICKNAMES_FILE = "nicknames.csv"

SURNAME_PARTICLES = frozenset(
    {"de", "del", "la", "las", "los", "y", "e", "da", "das", "do", "dos", "di"}
    | {"dela", "van", "von", "der", "den", "st", "saint", "san", "mac", "ni", "bin"}
)
"""Words that join a surname but do not identify it on their own."""

FEATURE_COLUMNS = (
    "unique_id",
    "first_name",
    "first_name_group",
    "first_name_stem",
    "middle_name",
    "surname",
    "surname_sorted",
    "surname_parts",
    "surname_first_part",
    "surname_last_part",
    "birth_date",
    "birth_date_swapped",
    "birth_year",
    "gender",
    "postal_code",
    "ssid",
    "ssid_head",
    "ssid_tail",
    "ssid_ends",
    "guardian_names",
    "guardian_first_names",
)
"""The columns of a feature row, in the order tables are built."""

LIST_COLUMNS = frozenset({"surname_parts", "guardian_names", "guardian_first_names"})
"""Feature columns whose values are lists of text."""

_NOT_LETTER = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Person:
    """One source's values for one student, as text; empty text means missing."""

    unique_id: str
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    birth_date: str | None
    gender: str | None = None
    postal_code: str | None = None
    ssid: str | None = None
    guardians: tuple[tuple[str | None, str | None], ...] = ()
    """First name and surname of each parent or guardian the source names."""


@lru_cache(maxsize=1 << 16)
def simplify(name: str) -> str:
    """Return ``name`` in lower case, without accents or punctuation.

    Apostrophes vanish (``O'Brien`` -> ``obrien``), hyphens and dots become
    spaces, and runs of spaces become one: ``Núñez-Peña`` -> ``nunez pena``.
    """
    decomposed = unicodedata.normalize("NFKD", name.replace("\u2019", "'"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    lowered = plain.casefold().replace("'", "").replace("`", "")
    lowered = lowered.replace("-", " ").replace(".", " ").replace(",", " ")
    return _SPACES.sub(" ", _NOT_LETTER.sub("", lowered)).strip()


@cache
def nickname_groups() -> dict[str, str]:
    """Return each known given name or nickname, simplified, with its group key.

    Names joined by a nickname share a group (union-find over the table);
    the key is the group's alphabetically first name. A nickname of names
    in different groups joins none of them: ``Sam`` is short for Samuel
    and for Samantha, and joining them would let one twin link to the other.
    """
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    def join(name: str, other: str) -> None:
        first, second = root(name), root(other)
        if first != second:
            low, high = sorted((first, second))
            parent[high] = low

    names_by_nickname: dict[str, set[str]] = {}
    for name, nickname in _nickname_pairs():
        root(name)
        root(nickname)
        names_by_nickname.setdefault(nickname, set()).add(name)
    for nickname, names in names_by_nickname.items():
        if len(names) == 1:
            join(nickname, next(iter(names)))
    for nickname, names in names_by_nickname.items():
        if len({root(name) for name in names}) == 1:
            join(nickname, next(iter(names)))
    return {name: root(name) for name in parent}


def _nickname_pairs() -> Iterable[tuple[str, str]]:
    table = resources.files("sislink.link") / "data" / NICKNAMES_FILE
    lines = table.read_text(encoding="utf-8").splitlines()
    for row in csv.DictReader(lines):
        yield simplify(row["name"]), simplify(row["nickname"])


@lru_cache(maxsize=1 << 16)
def first_name_group(first_name: str) -> str:
    """Return the nickname group of a simplified first name's first word."""
    word = first_name.split(" ", 1)[0]
    return nickname_groups().get(word, word)


GENDERED_ENDINGS = ("a", "o")
"""Final letters that often make one given name of another gender
(Fernando and Fernanda, Daniel and Daniela)."""


@lru_cache(maxsize=1 << 16)
def first_name_stem(first_name: str) -> str:
    """Return a simplified first name's first word without a final a or o.

    Words longer than three letters lose that ending, so Fernando and
    Fernanda, or Daniel and Daniela, share a stem. Names a nickname joins
    are compared before stems, so María and Mari stay a nickname pair.
    """
    word = first_name.split(" ", 1)[0]
    if len(word) > 3 and word.endswith(GENDERED_ENDINGS):
        return word[:-1]
    return word


@lru_cache(maxsize=1 << 16)
def surname_parts(surname: str) -> tuple[str, ...]:
    """Return the parts of a simplified surname, particles left out."""
    words = surname.split(" ")
    parts = tuple(w for w in words if w and w not in SURNAME_PARTICLES)
    return parts or tuple(w for w in words if w)


def swapped_birth_date(birth_date: str) -> str | None:
    """Return the ISO date with day and month exchanged, if that is another date."""
    try:
        parsed = date.fromisoformat(birth_date)
    except ValueError:
        return None
    if parsed.day > 12 or parsed.day == parsed.month:
        return None
    return f"{parsed.year:04d}-{parsed.day:02d}-{parsed.month:02d}"


def _blank(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def feature_row(person: Person) -> dict[str, object]:
    """Return the feature row of ``person``; missing values are None."""
    first = _simplified(person.first_name)
    middle = _simplified(person.middle_name)
    last = _simplified(person.last_name)
    parts = surname_parts(last) if last else ()
    birth = _blank(person.birth_date)
    ssid = _blank(person.ssid)
    postal = _blank(person.postal_code)
    gender = _blank(person.gender)
    return {
        "unique_id": person.unique_id,
        "first_name": first.replace(" ", "") if first else None,
        "first_name_group": first_name_group(first) if first else None,
        "first_name_stem": first_name_stem(first) if first else None,
        "middle_name": middle.replace(" ", "") if middle else None,
        "surname": last.replace(" ", "") if last else None,
        "surname_sorted": " ".join(sorted(parts)) if parts else None,
        "surname_parts": list(parts) if parts else None,
        "surname_first_part": parts[0] if parts else None,
        "surname_last_part": parts[-1] if parts else None,
        "birth_date": birth,
        "birth_date_swapped": swapped_birth_date(birth) if birth else None,
        "birth_year": birth[:4] if birth else None,
        "gender": gender.upper()[:1] if gender else None,
        "postal_code": postal[:5] if postal else None,
        "ssid": ssid,
        "ssid_head": ssid[:5] if ssid and len(ssid) >= 8 else None,
        "ssid_tail": ssid[-5:] if ssid and len(ssid) >= 8 else None,
        "ssid_ends": ssid[:4] + ssid[-4:] if ssid and len(ssid) >= 8 else None,
        **guardian_features(person.guardians, own_name=(first, last)),
    }


def guardian_features(
    guardians: Iterable[tuple[str | None, str | None]],
    own_name: tuple[str | None, str | None] = (None, None),
) -> dict[str, list[str] | None]:
    """Return the guardians' first-name groups, and group and surname together.

    Only a guardian with both names counts. One known by surname alone adds
    nothing, because guardians' surnames mostly repeat the child's. One
    known by first name alone would meet the level of a guardian with
    another surname, which the records do not show. A guardian named
    as the child (``own_name``, simplified) is left out too: a system that
    fills the field with the student would make two namesakes share a
    guardian.
    """
    names: list[str] = []
    firsts: list[str] = []
    for first, last in guardians:
        guardian_first = _guardian_name(first, GUARDIAN_FIRST_NAME_PLACEHOLDERS)
        surname = _guardian_name(last, GUARDIAN_NAME_PLACEHOLDERS)
        if guardian_first is None or surname is None:
            continue
        if (guardian_first, surname) == own_name:
            continue
        group = first_name_group(guardian_first)
        firsts.append(group)
        names.append(f"{group} {surname.replace(' ', '')}")
    return {
        "guardian_names": sorted(set(names)) or None,
        "guardian_first_names": sorted(set(firsts)) or None,
    }


def _simplified(value: str | None) -> str | None:
    text = _blank(value)
    if text is None:
        return None
    return simplify(text) or None


NOT_APPLICABLE = frozenset({"n/a", "n.a.", "n.a", "#n/a"})
"""Spellings of "not applicable", checked before punctuation is dropped, as
the simplified form ``na`` is also a surname."""

GUARDIAN_NAME_PLACEHOLDERS = frozenset(
    {"unknown", "unk", "none", "null", "tbd", "test", "xx", "xxx"}
    | {"notgiven", "notprovided", "notavailable", "notapplicable", "noname"}
    | {"refused", "declined"}
)
"""Simplified guardian names, without spaces, that mean the name is missing."""

GUARDIAN_FIRST_NAME_PLACEHOLDERS = GUARDIAN_NAME_PLACEHOLDERS | frozenset(
    {"parent", "guardian", "parentguardian", "mother", "father", "mom", "dad"}
)
"""Placeholders in a guardian's first name. Parent is also a surname, so
these words do not count as placeholders in a guardian's surname."""


def _guardian_name(value: str | None, placeholders: frozenset[str]) -> str | None:
    """Return a guardian's simplified name, None when missing or a placeholder.

    Two records of different children that both read "Unknown" or "N/A"
    would otherwise share a guardian.
    """
    text = _blank(value)
    if text is None or text.casefold() in NOT_APPLICABLE:
        return None
    simplified = simplify(text)
    if not simplified or simplified.replace(" ", "") in placeholders:
        return None
    return simplified


def feature_columns(people: Iterable[Person]) -> dict[str, list[object]]:
    """Return the feature rows of ``people`` as columns, ready for an Arrow table."""
    columns: dict[str, list[object]] = {name: [] for name in FEATURE_COLUMNS}
    for person in people:
        row = feature_row(person)
        for name in FEATURE_COLUMNS:
            columns[name].append(row[name])
    return columns


PERSON_FIELDS = (
    "first_name",
    "middle_name",
    "last_surname",
    "birth_date",
    "sex",
    "postal_code",
    "state_student_id",
)
"""The canonical student record fields of a ``Person``, in its order."""

GUARDIAN_FIELDS = (
    ("guardian_1_first_name", "guardian_1_last_surname"),
    ("guardian_2_first_name", "guardian_2_last_surname"),
)

STUDENT_FIELDS = PERSON_FIELDS + tuple(
    name for pair in GUARDIAN_FIELDS for name in pair
)
"""Every canonical student record field that the matcher reads."""


def person_from_student(unique_id: str, data: Mapping[str, object]) -> Person:
    """Return the matching view of a canonical student record's data."""

    def text(name: str) -> str | None:
        value = data.get(name)
        return None if value is None else str(value)

    guardians = tuple(
        (text(first), text(last))
        for first, last in GUARDIAN_FIELDS
        if text(first) or text(last)
    )
    return Person(
        unique_id,
        first_name=text("first_name"),
        middle_name=text("middle_name"),
        last_name=text("last_surname"),
        birth_date=text("birth_date"),
        gender=text("sex"),
        postal_code=text("postal_code"),
        ssid=text("state_student_id"),
        guardians=guardians,
    )
