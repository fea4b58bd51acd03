"""Control characters and lone surrogates in submitted files, on both databases.

PostgreSQL text and JSON cannot contain U+0000, so on that backend these
submissions fail with a store error if a NUL reaches the store. On both,
every stored text is searched for it. Neither backend can store a lone
UTF-16 surrogate, because it has no UTF-8 encoding, so the JSON submissions
with one are searched for it too.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from sislink.formats import READERS, get_writer
from sislink.formats.sislink_csv import write_kind
from sislink.formats.surrogates import LONE_SURROGATE
from sislink.model import RecordKind
from sislink.pipeline import SubmissionRequest, submit
from sislink.store.organizations import add_organization
from sislink.store.schema import findings, record_versions, rejected_records

DISTRICT, CHARTER = "1964733", "2000000"
SAMPLES = Path(__file__).parent / "formats" / "samples"
STUDENT = RecordKind.STUDENT

SENT: dict[RecordKind, list[dict[str, Any]]] = {
    RecordKind.ORGANIZATION: [
        {
            "education_organization_id": "0100001",
            "name_of_institution": "Alpha Elementary",
            "organization_kind": "school",
        }
    ],
    STUDENT: [
        {
            "local_student_id": "S1",
            "first_name": "Ana",
            "last_surname": "Ruiz",
            "birth_date": "2015-03-02",
            "sex": "F",
        }
    ],
    RecordKind.ENROLLMENT: [
        {
            "local_student_id": "S1",
            "school_id": "0100001",
            "entry_date": "2024-08-15",
            "entry_grade_level": "04",
            "enrollment_status": "10",
        }
    ],
}

# Ed-Fi XML is left out: XML 1.0 cannot contain U+0000, so such a file is
# not XML at all (see test_nul_in_edfi_xml_rejects_the_file).
FORMATS = sorted(set(READERS) - {"edfi-xml"})


@pytest.fixture
def hub(engine: Engine) -> Engine:
    with engine.begin() as connection:
        add_organization(connection, DISTRICT, "Unified District", "district")
        add_organization(connection, CHARTER, "Alpha Charter", "charter", DISTRICT)
    return engine


def write_with_surname(folder: Path, file_format: str, surname: str) -> set[str]:
    """Write ``SENT`` in ``file_format`` with ``surname`` in place of Ruiz.

    JSON files get the surname's control characters as ``\\u`` escapes,
    other files as bytes. Returns the names of the files that carry the
    surname.
    """
    paths = get_writer(file_format)(folder, lambda kind: iter(SENT.get(kind, [])))
    changed = set()
    for path in paths:
        content = path.read_bytes()
        if b"Ruiz" in content:
            if path.suffix == ".json":
                written = json.dumps(surname)[1:-1].encode()
            else:
                written = surname.encode()
            path.write_bytes(content.replace(b"Ruiz", written))
            changed.add(path.name)
    assert changed, f"{file_format} wrote no surname"
    return changed


def write_with_nul(folder: Path, file_format: str) -> set[str]:
    """Write ``SENT`` in ``file_format`` with a NUL inside the surname Ruiz."""
    return write_with_surname(folder, file_format, "Ru\x00iz")


def texts(value: object) -> Iterator[str]:
    """Yield every text in a stored value, JSON documents included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from texts(item)


def stored_texts(engine: Engine) -> list[str]:
    """Return every text of the stored findings, records and quarantined records."""
    with engine.connect() as connection:
        rows = [
            tuple(row)
            for table in (findings, record_versions, rejected_records)
            for row in connection.execute(select(table))
        ]
    return list(texts(rows))


def assert_no_nul_stored(engine: Engine) -> None:
    stored = stored_texts(engine)
    assert stored, "nothing was stored"
    assert not [text for text in stored if "\x00" in text]


def current_students(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        data = connection.execute(
            select(record_versions.c.data).where(
                record_versions.c.kind == STUDENT.value,
                record_versions.c.valid_to_submission_id.is_(None),
            )
        ).scalars()
        return [json.loads(d) if isinstance(d, str) else d for d in data]


@pytest.mark.parametrize("file_format", FORMATS)
def test_nul_in_every_format_is_removed(
    hub: Engine, tmp_path: Path, file_format: str
) -> None:
    changed = write_with_nul(tmp_path / "sent", file_format)

    result = submit(hub, SubmissionRequest(CHARTER, file_format, [tmp_path / "sent"]))

    assert result.status == "committed"
    assert result.kinds[STUDENT].inserted == 1
    removed = [f for f in result.findings if f.code == "control-character-removed"]
    assert removed
    for found in removed:
        assert found.field == "lastSurname"
        assert found.record_key == "S1"
        assert found.provenance is not None
        assert found.provenance.file in changed
        assert "U+0000" in found.message
    assert [s["last_surname"] for s in current_students(hub)] == ["Ruiz"]
    assert_no_nul_stored(hub)


# The C0 control characters that str.strip() takes for whitespace.
EDGE_CONTROL_CHARACTERS = "\x0b\x0c\x1c\x1d\x1e\x1f"


@pytest.mark.parametrize("file_format", FORMATS)
def test_edge_control_characters_reported(
    hub: Engine, tmp_path: Path, file_format: str
) -> None:
    surname = f"{EDGE_CONTROL_CHARACTERS} Ruiz {EDGE_CONTROL_CHARACTERS[::-1]}"
    changed = write_with_surname(tmp_path / "sent", file_format, surname)

    result = submit(hub, SubmissionRequest(CHARTER, file_format, [tmp_path / "sent"]))

    assert result.status == "committed"
    removed = [f for f in result.findings if f.code == "control-character-removed"]
    assert removed
    for found in removed:
        assert found.field == "lastSurname"
        assert found.provenance is not None
        assert found.provenance.file in changed
        assert found.message.startswith(
            "lastSurname contained the control characters U+000B, U+000C, "
            "U+001C, U+001D, U+001E and U+001F; the value is stored without them"
        )
    assert [s["last_surname"] for s in current_students(hub)] == ["Ruiz"]


@pytest.mark.parametrize("file_format", ["powerschool-json", "edfi-json"])
def test_lone_surrogate_in_json_held(
    hub: Engine, tmp_path: Path, file_format: str
) -> None:
    changed = write_with_surname(tmp_path / "sent", file_format, "Ru\udc00iz")

    result = submit(hub, SubmissionRequest(CHARTER, file_format, [tmp_path / "sent"]))

    assert result.status == "committed"
    assert result.kinds[STUDENT].rejected == 1
    assert result.kinds[STUDENT].inserted == 0
    [error] = [f for f in result.findings if f.code == "json-surrogate-invalid"]
    assert error.provenance is not None
    assert error.provenance.file in changed
    assert "\\udc00" in error.message
    stored = stored_texts(hub)
    assert [text for text in stored if LONE_SURROGATE.search(text)] == []
    assert [text for text in stored if "Ru" in text and "iz" in text] == []


def test_nul_in_edfi_xml_rejects_the_file(hub: Engine, tmp_path: Path) -> None:
    changed = write_with_nul(tmp_path / "sent", "edfi-xml")

    result = submit(hub, SubmissionRequest(CHARTER, "edfi-xml", [tmp_path / "sent"]))

    assert result.status == "rejected"
    [unreadable] = [f for f in result.findings if f.code == "file-unreadable"]
    assert unreadable.provenance is not None
    assert unreadable.provenance.file in changed
    assert unreadable.provenance.line is not None
    assert "not well-formed XML" in unreadable.message
    assert current_students(hub) == []
    assert_no_nul_stored(hub)


def test_fixed_file_resolves_the_warning(hub: Engine, tmp_path: Path) -> None:
    student = SENT[STUDENT][0]
    write_kind(tmp_path / "first", STUDENT, [{**student, "first_name": "A\x07na"}])
    write_kind(tmp_path / "fixed", STUDENT, [student])

    first = submit(hub, SubmissionRequest(CHARTER, "sislink-csv", [tmp_path / "first"]))
    fixed = submit(hub, SubmissionRequest(CHARTER, "sislink-csv", [tmp_path / "fixed"]))

    assert [(f.code, f.field) for f in first.findings] == [
        ("control-character-removed", "firstName")
    ]
    # The fixed file differs from the first one only by the removed character,
    # so its student is unchanged, and the warning is resolved all the same.
    assert fixed.findings == []
    assert fixed.kinds[STUDENT].unchanged == 1
    with hub.connect() as connection:
        statuses = connection.execute(select(findings.c.status)).scalars().all()
    assert statuses == ["resolved"]


def test_warning_comes_back_with_the_character(hub: Engine, tmp_path: Path) -> None:
    student = SENT[STUDENT][0]
    write_kind(tmp_path / "first", STUDENT, [{**student, "first_name": "A\x07na"}])
    write_kind(tmp_path / "fixed", STUDENT, [student])
    write_kind(tmp_path / "again", STUDENT, [{**student, "first_name": "A\x07na"}])

    for folder in ("first", "fixed"):
        submit(hub, SubmissionRequest(CHARTER, "sislink-csv", [tmp_path / folder]))
    # The stored version was made from the first file's fields, so the row
    # matches it, but the fixed file resolved that file's warning.
    again = submit(hub, SubmissionRequest(CHARTER, "sislink-csv", [tmp_path / "again"]))

    assert [(f.code, f.field) for f in again.findings] == [
        ("control-character-removed", "firstName")
    ]
    assert again.kinds[STUDENT].unchanged == 1
    with hub.connect() as connection:
        statuses = connection.execute(
            select(findings.c.status).order_by(findings.c.id)
        ).scalars()
        assert list(statuses) == ["resolved", "open"]


def test_unchanged_student_birth_date_checks(hub: Engine, tmp_path: Path) -> None:
    student = {**SENT[STUDENT][0], "local_student_id": "S\x001"}
    # Twelfth grade at 11 years old: a grade-age-mismatch warning.
    enrollment = {**SENT[RecordKind.ENROLLMENT][0], "entry_grade_level": "12"}
    write_kind(tmp_path / "first", STUDENT, [student])
    write_kind(tmp_path / "second", STUDENT, [student])
    write_kind(tmp_path / "second", RecordKind.ENROLLMENT, [enrollment])

    submit(hub, SubmissionRequest(CHARTER, "sislink-csv", [tmp_path / "first"]))
    second = submit(
        hub, SubmissionRequest(CHARTER, "sislink-csv", [tmp_path / "second"])
    )

    assert second.kinds[STUDENT].unchanged == 1
    assert second.persons.linked == 1
    assert "grade-age-mismatch" in {f.code for f in second.findings}


def test_oneroster_removal_key_loses_nul(hub: Engine, tmp_path: Path) -> None:
    delta = tmp_path / "delta"
    shutil.copytree(SAMPLES / "oneroster-csv" / "delta", delta)
    users = delta / "users.csv"
    users.write_bytes(users.read_bytes().replace(b"stu-002,", b"stu-0\x0002,"))

    bulk = submit(
        hub,
        SubmissionRequest(
            CHARTER, "oneroster-csv", [SAMPLES / "oneroster-csv" / "bulk"]
        ),
    )
    result = submit(hub, SubmissionRequest(CHARTER, "oneroster-csv", [delta]))

    assert bulk.status == result.status == "committed"
    assert result.kinds[STUDENT].ended == 1
    assert "removal-unknown" not in {f.code for f in result.findings}
    assert_no_nul_stored(hub)


def test_reader_finding_loses_nul(hub: Engine, tmp_path: Path) -> None:
    delta = tmp_path / "delta"
    shutil.copytree(SAMPLES / "oneroster-csv" / "delta", delta)
    users = delta / "users.csv"
    users.write_bytes(users.read_bytes().replace(b"tobedeleted", b"tobe\x00deleted"))

    result = submit(hub, SubmissionRequest(CHARTER, "oneroster-csv", [delta]))

    assert result.status == "committed"
    [invalid] = [f for f in result.findings if f.code == "oneroster-status-invalid"]
    assert invalid.value == "tobedeleted"
    assert "'tobe\\x00deleted'" in invalid.message
    assert_no_nul_stored(hub)


def test_provenance_element_loses_nul(hub: Engine, tmp_path: Path) -> None:
    sent = json.loads((SAMPLES / "powerschool-json" / "students.json").read_text())
    sent["students"]["student"][0]["id"] = "50\x0001"
    (tmp_path / "students.json").write_text(json.dumps(sent), encoding="utf-8")

    result = submit(hub, SubmissionRequest(CHARTER, "powerschool-json", [tmp_path]))

    assert result.status == "committed"
    with hub.connect() as connection:
        elements = connection.execute(
            select(record_versions.c.source_element).where(
                record_versions.c.kind == STUDENT.value
            )
        ).scalars()
        assert "student 1 (id 5001)" in set(elements)
    assert_no_nul_stored(hub)
