"""Tests of the synthetic district generator, its defects and its CSV output."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

from sislink.demo import (
    World,
    generate_world,
    next_round,
    write_roster,
    write_sislink_csv,
)
from sislink.demo.dates import AGE_FOR_GRADE, AGE_REFERENCE_DAY, SCHOOL_YEAR_START
from sislink.demo.defects import (
    DUPLICATE_ROW,
    IMPOSSIBLE_DATE,
    MISSING_VALUE,
    ORPHAN_REFERENCE,
    SSID_TYPO,
    UNKNOWN_CODE,
    UNKNOWN_CODES,
)
from sislink.demo.entities import Membership
from sislink.demo.records import Row
from sislink.formats.sislink_csv import SislinkCsvReader
from sislink.model import KINDS, FieldType, Finding, RecordKind, SourceRecord
from sislink.model.codes import CODE_SETS, DISABILITY, GRADE_LEVEL, SERVICE

STUDENTS = 2000
CHARTERS = 5
SEED = 11


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(STUDENTS, CHARTERS, seed=SEED)


@pytest.fixture(scope="module")
def clean_world() -> World:
    return generate_world(STUDENTS, CHARTERS, seed=SEED, defect_rate=0)


@pytest.fixture(scope="module")
def second_round(world: World) -> World:
    return next_round(world, seed=5)


def all_records(world: World) -> dict[tuple[str, RecordKind], list[Row]]:
    return {
        (code, kind): list(world.records(code, kind))
        for code in world.organizations
        for kind in RecordKind
    }


def current(world: World) -> list[Membership]:
    """Return the memberships of the students enrolled on the export day."""
    return [m for m in world.memberships() if m.exit_date is None and m.listed]


def age_on(birth: str, day: date) -> int:
    born = date.fromisoformat(birth)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def is_date(value: object) -> bool:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


# Determinism


def test_same_seed_same_world(world: World) -> None:
    again = generate_world(STUDENTS, CHARTERS, seed=SEED)
    assert all_records(again) == all_records(world)
    assert again.defects == world.defects


def test_other_seed_other_world(world: World) -> None:
    other = generate_world(STUDENTS, CHARTERS, seed=SEED + 1)
    assert all_records(other) != all_records(world)


def test_defects_leave_rest_unchanged(world: World, clean_world: World) -> None:
    defective = {(d.organization_code, d.kind) for d in world.defects}
    for code in world.organizations:
        for kind in (RecordKind.ORGANIZATION, RecordKind.STUDENT):
            if (code, kind) not in defective:
                assert list(world.records(code, kind)) == list(
                    clean_world.records(code, kind)
                )


# Sizes and shares


def test_student_total(world: World) -> None:
    people = {id(m.person) for m in current(world)}
    assert len(current(world)) == STUDENTS
    assert len(people) == STUDENTS


def test_district_share(world: World) -> None:
    in_district = [
        m for m in current(world) if m.organization_code == world.district_code
    ]
    assert len(in_district) == round(STUDENTS * 0.8)


def test_charters_unequal_sizes(world: World) -> None:
    sizes = Counter(
        m.organization_code
        for m in current(world)
        if m.organization_code != world.district_code
    )
    assert len(sizes) == CHARTERS
    assert max(sizes.values()) > 1.5 * min(sizes.values())


def test_disability_share(world: World) -> None:
    with_disability = [
        m
        for m in current(world)
        if m.special_education and m.special_education.primary_disability
    ]
    share = len(with_disability) / STUDENTS
    assert 0.105 <= share <= 0.155


def test_codes_seven_digits_distinct(world: World) -> None:
    codes = list(world.organizations)
    schools = [s.school_id for org in world.organizations.values() for s in org.schools]
    assert len(set(codes + schools)) == len(codes) + len(schools)
    for code in codes + schools:
        assert len(code) == 7
        assert code.isdigit()


# Persons


def test_birth_dates_fit_grades(world: World) -> None:
    for membership in world.memberships():
        age = age_on(membership.person.birth_date, AGE_REFERENCE_DAY)
        assert age - AGE_FOR_GRADE[membership.grade] in (0, 1), membership.grade


def test_some_students_retained(world: World) -> None:
    older = [
        m
        for m in current(world)
        if age_on(m.person.birth_date, AGE_REFERENCE_DAY) > AGE_FOR_GRADE[m.grade]
    ]
    assert 0 < len(older) < 0.1 * STUDENTS


def test_sexes(world: World) -> None:
    sexes = Counter(m.person.sex for m in current(world))
    assert set(sexes) <= {"M", "F", "X"}
    assert sexes["M"] > 0.4 * STUDENTS
    assert sexes["F"] > 0.4 * STUDENTS


def test_ssids_unique_ten_digits(world: World) -> None:
    persons = {id(m.person): m.person for m in world.memberships()}
    ssids = [person.ssid for person in persons.values()]
    assert len(set(ssids)) == len(ssids)
    for ssid in ssids:
        assert len(ssid) == 10
        assert ssid.isdigit()


def test_ssid_leading_zeros_kept(clean_world: World, tmp_path: Path) -> None:
    write_roster(clean_world, tmp_path)
    rows = _read_back(tmp_path)[RecordKind.STUDENT]
    ssids = [row.fields["state_student_id"] for row in rows]
    assert all(len(ssid) == 10 for ssid in ssids)
    assert any(ssid.startswith("0") for ssid in ssids)


def test_twins_present_and_distinct(world: World) -> None:
    groups: dict[tuple[str, str, str, str], set[int]] = defaultdict(set)
    persons = {}
    for m in current(world):
        person = m.person
        key = (m.school_id, person.last_surname, person.birth_date, person.postal_code)
        groups[key].add(id(person))
        persons[id(person)] = person
    twins = [ids for ids in groups.values() if len(ids) >= 2]
    assert len(twins) >= 5
    for ids in twins:
        pair = [persons[i] for i in ids]
        assert len({p.ssid for p in pair}) == len(pair)
        assert len({p.first_name for p in pair}) == len(pair)


def test_shared_name_birth_across_schools(world: World) -> None:
    schools: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for m in current(world):
        person = m.person
        schools[(person.first_name, person.last_surname, person.birth_date)].add(
            m.school_id
        )
    assert any(len(ids) >= 2 for ids in schools.values())


def test_names_have_hard_spellings(world: World) -> None:
    persons = [m.person for m in current(world)]
    surnames = [p.last_surname for p in persons]
    first_names = [p.first_name for p in persons]
    assert any(not name.isascii() for name in surnames + first_names)
    assert any("'" in name for name in surnames + first_names)
    assert any(" " in name for name in surnames)
    assert any("-" in name for name in surnames + first_names)
    assert any(p.preferred_first_name for p in persons)


def test_charters_report_other_spellings(world: World) -> None:
    charter = [m for m in current(world) if m.organization_code != world.district_code]
    assert any(m.reported_first_name or m.reported_last_surname for m in charter)


# Enrollments and transfers


def test_charter_ssid_share(world: World) -> None:
    charter = [m for m in current(world) if m.organization_code != world.district_code]
    share = sum(m.shows_ssid for m in charter) / len(charter)
    assert 0.85 <= share <= 0.95


def test_district_ids(world: World) -> None:
    for m in world.district.memberships:
        assert m.district_id == m.local_id
        assert m.shows_ssid


def test_enrollments_primary_this_year(clean_world: World) -> None:
    for code in clean_world.organizations:
        for row in clean_world.records(code, RecordKind.ENROLLMENT):
            assert row["enrollment_status"] == "10"
            assert row["entry_grade_level"] in GRADE_LEVEL
            assert str(row["entry_date"]) >= SCHOOL_YEAR_START.isoformat()


def test_transfers_end_old_enrollment(world: World) -> None:
    ended = [m for m in world.memberships() if m.exit_date]
    assert ended
    active_by_person = {id(m.person): m for m in current(world)}
    kinds = set()
    for old in ended:
        new = active_by_person[id(old.person)]
        assert new.organization_code != old.organization_code
        assert str(old.exit_date) <= new.entry_date
        assert old.exit_type == "T160"
        kinds.add(
            (
                old.organization_code == world.district_code,
                new.organization_code == world.district_code,
            )
        )
    assert (True, False) in kinds
    assert (False, False) in kinds
    assert (False, True) in kinds


# Special education


def sped_rows(world: World, kind: RecordKind) -> list[Row]:
    return [row for code in world.organizations for row in world.records(code, kind)]


def test_disability_frequencies(clean_world: World) -> None:
    codes = Counter(
        row["primary_disability"]
        for row in sped_rows(clean_world, RecordKind.SPECIAL_EDUCATION_PROGRAM)
    )
    assert set(codes) <= set(DISABILITY.codes)
    top_two = {code for code, _ in codes.most_common(2)}
    assert top_two == {"290", "240"}


def test_established_medical_disability_under_six(clean_world: World) -> None:
    for membership in clean_world.memberships():
        sped = membership.special_education
        if sped is None or sped.primary_disability != "281":
            continue
        start = date.fromisoformat(sped.plans[-1].effective_start_date)
        assert age_on(membership.person.birth_date, start) < 6


def test_plans(clean_world: World) -> None:
    plans = sped_rows(clean_world, RecordKind.PLAN)
    types = Counter(row["plan_type"] for row in plans)
    meetings = Counter(row["meeting_type"] for row in plans)
    assert types.most_common(1)[0][0] == "100"
    assert "150" in types
    assert meetings.most_common(1)[0][0] == "20"
    assert {"10", "40"} <= set(meetings)


def test_late_initial_evaluations(clean_world: World) -> None:
    late = []
    for row in sped_rows(clean_world, RecordKind.EVALUATION):
        if row["meeting_type"] != "10" or not row["meeting_date"]:
            continue
        days = date.fromisoformat(str(row["meeting_date"])) - date.fromisoformat(
            str(row["consent_date"])
        )
        if days.days > 60:
            late.append(row)
        else:
            assert row["meeting_delay_code"] is None
    assert late
    assert any(row["meeting_delay_code"] for row in late)
    assert any(row["meeting_delay_code"] is None for row in late)


def test_services(clean_world: World) -> None:
    services = sped_rows(clean_world, RecordKind.SERVICE)
    programs = sped_rows(clean_world, RecordKind.SPECIAL_EDUCATION_PROGRAM)
    assert 2.5 <= len(services) / len(programs) <= 3.5
    for row in services:
        assert row["service_code"] in SERVICE
        assert int(str(row["duration_minutes"])) >= 10
        assert row["frequency_period"] in ("week", "month")
        if row["provider_type"] == "400":
            assert row["nonpublic_agency_id"]


def test_deliveries(clean_world: World) -> None:
    first_reported = date.fromordinal(clean_world.calendar.first_reported_day)
    deliveries = sped_rows(clean_world, RecordKind.SERVICE_DELIVERY)
    statuses = Counter(row["delivery_status"] for row in deliveries)
    assert statuses.most_common(1)[0][0] == "delivered"
    assert {"student-absent", "provider-absent", "make-up"} <= set(statuses)
    for row in deliveries:
        day = date.fromisoformat(str(row["delivery_date"]))
        assert first_reported <= day <= clean_world.as_of
        assert day.weekday() < 5
        if row["delivery_status"] == "delivered":
            assert int(str(row["minutes"])) >= 10


def test_deliveries_can_be_off() -> None:
    world = generate_world(300, 2, seed=SEED, deliveries=False)
    assert not sped_rows(world, RecordKind.SERVICE_DELIVERY)


# Defects


def test_defect_count_per_kind(world: World, clean_world: World) -> None:
    found = Counter((d.organization_code, d.kind) for d in world.defects)
    for code in clean_world.organizations:
        for kind in RecordKind:
            rows = list(clean_world.records(code, kind))
            if kind is RecordKind.SERVICE_DELIVERY:
                rows = [r for r in rows if r["delivery_status"] != "make-up"]
            expected = 0 if kind is RecordKind.ORGANIZATION else round(0.01 * len(rows))
            assert found[(code, kind)] == expected, (code, kind)


def test_defect_types_all_present(world: World) -> None:
    types = {d.defect_type for d in world.defects}
    assert types == {
        MISSING_VALUE,
        IMPOSSIBLE_DATE,
        UNKNOWN_CODE,
        DUPLICATE_ROW,
        ORPHAN_REFERENCE,
        SSID_TYPO,
    }


def test_defect_ledger_matches_records(world: World) -> None:
    for code, organization in world.organizations.items():
        students = {
            str(r["local_student_id"]) for r in world.records(code, RecordKind.STUDENT)
        }
        ssids = {m.local_id: m.person.ssid for m in organization.memberships}
        for kind in RecordKind:
            rows = list(world.records(code, kind))
            found = _detect(kind, rows, students, ssids)
            expected = Counter(
                (d.key, d.defect_type)
                for d in world.defects
                if d.organization_code == code and d.kind is kind
            )
            assert found == expected, (code, kind)


def _detect(
    kind: RecordKind, rows: list[Row], students: set[str], ssids: dict[str, str]
) -> Counter[tuple[str, str]]:
    """Return every defect visible in ``rows`` by its record key and type."""
    spec = KINDS[kind]
    found: Counter[tuple[str, str]] = Counter()
    keys = Counter(spec.key_of(row) for row in rows)
    found.update((key, DUPLICATE_ROW) for key, count in keys.items() if count > 1)
    for row in rows:
        key = spec.key_of(row)
        for field in spec.fields:
            value = row.get(field.name)
            if value is None:
                if field.required and field.name != "local_student_id":
                    found[(key, MISSING_VALUE)] += 1
            elif field.type is FieldType.DATE and not is_date(value):
                found[(key, IMPOSSIBLE_DATE)] += 1
            elif field.code_set and value not in CODE_SETS[field.code_set]:
                found[(key, UNKNOWN_CODE)] += 1
        if kind is RecordKind.STUDENT:
            ssid = row["state_student_id"]
            if ssid is not None and ssid != ssids[str(row["local_student_id"])]:
                found[(key, SSID_TYPO)] += 1
        elif "local_student_id" in row and row["local_student_id"] not in students:
            found[(key, ORPHAN_REFERENCE)] += 1
    return found


def test_unknown_codes_outside_code_sets() -> None:
    for name, values in UNKNOWN_CODES.items():
        for value in values:
            assert value not in CODE_SETS[name], (name, value)


def test_zero_rate_no_defects(clean_world: World) -> None:
    assert clean_world.defects == []
    assert clean_world.overrides == {}


# CSV output


def _read_back(directory: Path) -> dict[RecordKind, list[SourceRecord]]:
    reader = SislinkCsvReader()
    records: dict[RecordKind, list[SourceRecord]] = defaultdict(list)
    for item in reader.read(reader.collect([directory])):
        assert not isinstance(item, Finding), item
        if isinstance(item, SourceRecord):
            records[item.kind].append(item)
    return records


def test_csv_round_trip(world: World, tmp_path: Path) -> None:
    for code in world.organizations:
        directory = write_sislink_csv(world, code, tmp_path / code)
        read = _read_back(directory)
        for kind in RecordKind:
            expected = sum(1 for _ in world.records(code, kind))
            assert len(read[kind]) == expected, (code, kind)


def test_roster_is_district_export(world: World, tmp_path: Path) -> None:
    write_roster(world, tmp_path)
    students = _read_back(tmp_path)[RecordKind.STUDENT]
    assert len(students) == sum(
        1 for _ in world.records(world.district_code, RecordKind.STUDENT)
    )
    assert all(row.fields.get("district_student_id") for row in students)


def test_unknown_organization_rejected(world: World, tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="0000000"):
        write_sislink_csv(world, "0000000", tmp_path)


# Second round


def test_second_round_deterministic(world: World, second_round: World) -> None:
    again = next_round(world, seed=5)
    assert all_records(again) == all_records(second_round)
    assert again.defects == second_round.defects


def test_second_round_keeps_first(world: World, second_round: World) -> None:
    fresh = generate_world(STUDENTS, CHARTERS, seed=SEED)
    assert all_records(world) == all_records(fresh)


def test_second_round_changes(world: World, second_round: World) -> None:
    charters = set(second_round.charter_codes)
    charter = [m for m in second_round.memberships() if m.organization_code in charters]
    as_of = world.as_of.isoformat()
    assert any(not m.listed for m in charter)
    assert any(m.exit_date and m.exit_date > as_of for m in charter)
    assert any(m.entry_date > as_of for m in charter)
    persons = {id(m.person) for m in second_round.memberships()}
    first_persons = {id(m.person) for m in world.memberships()}
    assert persons - first_persons


def test_second_round_reviews(second_round: World, world: World) -> None:
    as_of = world.as_of.isoformat()
    reviewed = [
        row
        for row in sped_rows(second_round, RecordKind.PLAN)
        if str(row["meeting_date"]) > as_of
    ]
    assert reviewed


def test_second_round_name_corrections(world: World, second_round: World) -> None:
    before = {m.serial: m for m in world.memberships()}
    corrected = [
        m
        for m in second_round.memberships()
        if m.serial in before
        and (
            before[m.serial].reported_last_surname
            or before[m.serial].reported_first_name
        )
        and (m.reported_first_name, m.reported_last_surname)
        != (
            before[m.serial].reported_first_name,
            before[m.serial].reported_last_surname,
        )
    ]
    assert corrected


def test_second_round_ledger(second_round: World) -> None:
    test_defect_ledger_matches_records(second_round)


def test_silent_exits_absent_from_file(second_round: World) -> None:
    for code in second_round.charter_codes:
        ids = {
            r["local_student_id"]
            for r in second_round.records(code, RecordKind.STUDENT)
        }
        for m in second_round.organizations[code].memberships:
            if not m.listed:
                assert m.local_id not in ids


# Arguments


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"students": -1}, "must not be negative"),
        ({"charters": -1}, "must not be negative"),
        ({"district_share": 1.5}, "district_share"),
        ({"defect_rate": -0.1}, "defect_rate"),
        ({"charters": 0}, "charters must be at least 1"),
    ],
)
def test_invalid_arguments(arguments: dict[str, float], message: str) -> None:
    values: dict[str, float] = {"students": 100, "charters": 2, "seed": 1, **arguments}
    with pytest.raises(ValueError, match=message):
        generate_world(
            int(values["students"]),
            int(values["charters"]),
            seed=int(values["seed"]),
            district_share=values.get("district_share", 0.8),
            defect_rate=values.get("defect_rate", 0.01),
        )


def test_next_round_rejects_earlier_day(world: World) -> None:
    with pytest.raises(ValueError, match="must be after"):
        next_round(world, seed=1, as_of=world.as_of)
