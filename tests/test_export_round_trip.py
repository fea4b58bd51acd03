"""Every written format, exported and read back, field by field.

The stored records fill every field of every kind. Each format must return
each field of the kinds it writes unchanged, except the fields its writer
declares lost (``sislink.formats.FIELD_LOSSES``), and each declared loss
must be real, so a declaration cannot outlive the gap it describes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from sislink.cli import app
from sislink.export import ExportResult, export
from sislink.formats import FIELD_LOSSES, WRITERS, get_reader
from sislink.formats.carried import FieldLoss
from sislink.formats.sislink_csv import write_kind
from sislink.model import KINDS, Finding, RecordKind, SourceRecord
from sislink.model.records import JsonValue
from sislink.normalize import normalize
from sislink.pipeline import SubmissionRequest, submit
from sislink.store.database import create_store_engine, migrate
from sislink.store.organizations import add_organization

DISTRICT = "1964733"
CHARTER = "2000000"

STUDENT = {
    "local_student_id": "A1",
    "state_student_id": "1234567890",
    "district_student_id": "D77",
    "first_name": "Eva",
    "middle_name": "Rosa",
    "last_surname": "García",
    "preferred_first_name": "Evi",
    "preferred_last_surname": "Gar",
    "birth_date": "2015-03-02",
    "sex": "F",
    "postal_code": "94110",
    "guardian_1_first_name": "Rosa",
    "guardian_1_last_surname": "García",
    "guardian_2_first_name": "Luis",
    "guardian_2_last_surname": "Ortiz",
}

RECORDS: dict[RecordKind, list[dict[str, JsonValue]]] = {
    RecordKind.ORGANIZATION: [
        {
            "education_organization_id": "2000001",
            "name_of_institution": "Alpha Elementary",
            "organization_kind": "school",
            "parent_education_organization_id": CHARTER,
        },
        {
            "education_organization_id": "2000002",
            "name_of_institution": "Alpha Academy",
            "organization_kind": "charter",
            "parent_education_organization_id": DISTRICT,
        },
    ],
    RecordKind.STUDENT: [STUDENT],
    RecordKind.ENROLLMENT: [
        {
            "local_student_id": "A1",
            "school_id": "2000001",
            "entry_date": "2026-08-19",
            "exit_withdraw_date": "2027-06-10",
            "entry_type": "E1",
            "exit_withdraw_type": "T160",
            "entry_grade_level": "05",
            "enrollment_status": "10",
        }
    ],
    RecordKind.SPECIAL_EDUCATION_PROGRAM: [
        {
            "local_student_id": "A1",
            "program_education_organization_id": CHARTER,
            "begin_date": "2026-08-19",
            "end_date": "2027-06-10",
            "special_education_status": "1",
            "idea_eligibility": True,
            "special_education_setting": "400",
            "special_education_hours_per_week": 7.5,
            "iep_begin_date": "2026-09-01",
            "iep_end_date": "2027-08-31",
            "iep_review_date": "2027-08-15",
            "last_evaluation_date": "2026-03-01",
            "primary_disability": "240",
            "secondary_disability": "250",
            "other_disabilities": "290;281",
            "special_education_exit_date": "2027-06-10",
            "special_education_exit_reason": "71",
            "services": "330;415",
        }
    ],
    RecordKind.PLAN: [
        {
            "local_student_id": "A1",
            "plan_id": "P1",
            "plan_type": "100",
            "effective_start_date": "2026-09-01",
            "effective_end_date": "2027-08-31",
            "meeting_date": "2026-08-25",
            "meeting_type": "20",
            "primary_disability": "240",
            "secondary_disability": "250",
            "special_education_setting": "400",
            "general_education_participation": "80",
            "amendment_date": "2026-10-01",
        }
    ],
    RecordKind.EVALUATION: [
        {
            "local_student_id": "A1",
            "evaluation_id": "E1",
            "referral_date": "2026-01-10",
            "consent_date": "2026-01-15",
            "evaluation_date": "2026-02-20",
            "meeting_date": "2026-03-01",
            "meeting_type": "10",
            "meeting_delay_code": "11",
            "delay_reason": "parent request",
            "eligible": True,
        }
    ],
    RecordKind.SERVICE: [
        {
            "local_student_id": "A1",
            "service_id": "V1",
            "plan_id": "P1",
            "service_code": "330",
            "provider_type": "100",
            "duration_minutes": 30,
            "frequency": 2,
            "frequency_period": "week",
            "location": "Room 5",
            "start_date": "2026-09-01",
            "end_date": "2027-08-31",
            "nonpublic_agency_id": "NPA9",
        }
    ],
    RecordKind.SERVICE_DELIVERY: [
        {
            "local_student_id": "A1",
            "delivery_id": "DL1",
            "service_id": "V1",
            "service_code": "330",
            "delivery_date": "2026-09-02",
            "minutes": 30,
            "provider_id": "PR1",
            "delivery_status": "delivered",
        }
    ],
}

FORMATS = sorted(WRITERS)


def test_records_fill_every_field() -> None:
    for kind, spec in KINDS.items():
        for record in RECORDS[kind]:
            missing = [f.name for f in spec.fields if record.get(f.name) is None]
            assert missing == [], kind


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """Yield a SQLite hub whose charter stores ``RECORDS``."""
    folder = tmp_path_factory.mktemp("round-trip")
    engine = create_store_engine(f"sqlite:///{folder / 'sislink.db'}")
    migrate(engine)
    with engine.begin() as connection:
        add_organization(connection, DISTRICT, "Unified District", "district")
        add_organization(connection, CHARTER, "Alpha Charter", "charter", DISTRICT)
    sent = folder / "sent"
    for kind, records in RECORDS.items():
        write_kind(sent, kind, records)
    result = submit(engine, SubmissionRequest(CHARTER, "sislink-csv", [sent]))
    assert result.status == "committed", result.findings
    yield engine
    engine.dispose()


def export_and_read(
    engine: Engine, file_format: str, out: Path
) -> tuple[ExportResult, dict[RecordKind, dict[str, dict[str, Any]]]]:
    """Export the charter in ``file_format``; read the files back by kind and key."""
    result = export(engine, file_format, out, CHARTER)
    reader = get_reader(file_format)
    found: dict[RecordKind, dict[str, dict[str, Any]]] = {}
    for item in reader.read(reader.collect([out / CHARTER])):
        assert not (isinstance(item, Finding) and item.is_error), item
        if isinstance(item, SourceRecord):
            record, findings = normalize(item)
            assert [f for f in findings if f.is_error] == [], findings
            found.setdefault(item.kind, {})[record.key] = record.data
    return result, found


def loss_of(file_format: str, kind: RecordKind, field: str) -> FieldLoss | None:
    for loss in FIELD_LOSSES[file_format]:
        if loss.kind is kind and loss.field == field:
            return loss
    return None


def compare(
    file_format: str,
    kind: RecordKind,
    original: dict[str, JsonValue],
    back: dict[str, Any],
) -> tuple[list[str], list[str]]:
    """Return the undeclared changes and the declared losses that did not happen."""
    changed, kept = [], []
    for field, value in original.items():
        loss = loss_of(file_format, kind, field)
        lost = back.get(field) != value
        if lost and (loss is None or not loss.applies(value)):
            changed.append(f"{kind.value}.{field}: {value!r} -> {back.get(field)!r}")
        if not lost and loss is not None and loss.applies(value):
            kept.append(f"{kind.value}.{field}")
    return changed, kept


@pytest.mark.parametrize("file_format", FORMATS)
def test_round_trip_keeps_every_undeclared_field(
    stored: Engine, tmp_path: Path, file_format: str
) -> None:
    result, found = export_and_read(stored, file_format, tmp_path / "out")

    written = [RecordKind(kind) for kind in result.records[CHARTER]]
    assert set(found) == set(written)
    changed: list[str] = []
    for kind in written:
        for original in RECORDS[kind]:
            key = KINDS[kind].key_of(original)
            assert key in found[kind], f"{kind.value} {key} was not read back"
            changed += compare(file_format, kind, original, found[kind][key])[0]
    assert changed == []


@pytest.mark.parametrize("file_format", FORMATS)
def test_declared_losses_are_real(
    stored: Engine, tmp_path: Path, file_format: str
) -> None:
    result, found = export_and_read(stored, file_format, tmp_path / "out")

    kept: list[str] = []
    for loss in FIELD_LOSSES[file_format]:
        assert loss.kind.value in result.records[CHARTER], loss
        for original in RECORDS[loss.kind]:
            key = KINDS[loss.kind].key_of(original)
            back = found[loss.kind].get(key, {})
            kept += compare(file_format, loss.kind, original, back)[1]
    assert sorted(set(kept)) == []


@pytest.mark.parametrize("file_format", FORMATS)
def test_export_counts_each_declared_loss(
    stored: Engine, tmp_path: Path, file_format: str
) -> None:
    result = export(stored, file_format, tmp_path / "out", CHARTER)

    expected: dict[str, dict[str, int]] = {}
    for loss in FIELD_LOSSES[file_format]:
        count = sum(loss.applies(r.get(loss.field)) for r in RECORDS[loss.kind])
        if count:
            expected.setdefault(loss.kind.value, {})[loss.field] = count
    assert result.fields_left_out.get(CHARTER, {}) == expected


def test_oneroster_counts_only_charter_kinds(stored: Engine, tmp_path: Path) -> None:
    result = export(stored, "oneroster-csv", tmp_path / "out", CHARTER)

    assert result.fields_left_out[CHARTER]["organization"] == {"organization_kind": 1}


def test_sislink_csv_leaves_no_field_out(stored: Engine, tmp_path: Path) -> None:
    result = export(stored, "csv", tmp_path / "out", CHARTER)

    assert result.fields_left_out == {}
    assert result.to_json()["fields_left_out"] == {}


def test_calpads_keeps_preferred_names(stored: Engine, tmp_path: Path) -> None:
    _result, found = export_and_read(stored, "calpads", tmp_path / "out")

    student = found[RecordKind.STUDENT]["A1"]
    assert student["preferred_first_name"] == "Evi"
    assert student["preferred_last_surname"] == "Gar"


def test_edfi_json_reads_descriptors_back_as_codes(
    stored: Engine, tmp_path: Path
) -> None:
    _result, found = export_and_read(stored, "edfi-json", tmp_path / "out")

    program = found[RecordKind.SPECIAL_EDUCATION_PROGRAM][f"A1|{CHARTER}|2026-08-19"]
    assert program["other_disabilities"] == "290;281"
    assert program["special_education_setting"] == "400"
    assert program["services"] == "330;415"
    enrollment = found[RecordKind.ENROLLMENT]["A1|2000001|2026-08-19"]
    assert enrollment["entry_type"] == "E1"
    assert enrollment["exit_withdraw_type"] == "T160"


def test_cli_export_reports_fields_left_out(stored: Engine, tmp_path: Path) -> None:
    url = str(stored.url)
    command = ["--db", url, "export", "-f", "edfi-json", "--org", CHARTER]
    runner = CliRunner()

    # A wide terminal keeps the table in rows instead of one block per row.
    wide = {"COLUMNS": "150"}
    shown = runner.invoke(app, [*command, "--out", str(tmp_path / "text")], env=wide)

    assert shown.exit_code == 0, shown.output
    assert "edfi-json has no place for some fields" in shown.stdout
    assert "3 stored values were left out" in shown.stdout
    rows = [line.split() for line in shown.stdout.splitlines()]
    assert [CHARTER, "student", "postal_code", "1"] in rows
    assert [CHARTER, "enrollment", "enrollment_status", "1"] in rows

    data = runner.invoke(app, [*command, "--out", str(tmp_path / "json"), "--json"])

    assert data.exit_code == 0, data.output
    assert json.loads(data.stdout)["fields_left_out"] == {
        CHARTER: {
            "enrollment": {"enrollment_status": 1},
            "special_education_program": {"special_education_status": 1},
            "student": {"postal_code": 1},
        }
    }


DOC = Path(__file__).resolve().parents[1] / "docs" / "export.md"


def documented_losses(file_format: str) -> set[tuple[str, str]]:
    """Return the (kind, field) pairs the table of ``file_format`` lists."""
    text = DOC.read_text(encoding="utf-8")
    heading = f"### `{file_format}`\n"
    assert heading in text, file_format
    section = text.split(heading, 1)[1].split("\n### ", 1)[0]
    pairs = set()
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            kind = cells[0].strip("`")
            pairs |= {(kind, name.strip(" `")) for name in cells[1].split(",")}
    return pairs


@pytest.mark.parametrize("file_format", FORMATS)
def test_doc_lists_each_format_losses(file_format: str) -> None:
    declared = {(loss.kind.value, loss.field) for loss in FIELD_LOSSES[file_format]}

    assert documented_losses(file_format) == declared
