"""Tests of the guardian ids that writers share between students."""

from __future__ import annotations

from typing import Any

from sislink.formats.guardians import GuardianIds, GuardianName, shared_key

ROSA = GuardianName("Rosa", "Ruiz")


def student(postal_code: str | None = "94110", **guardians: str) -> dict[str, Any]:
    """Return a student record at ``postal_code`` that names Rosa Ruiz first."""
    return {
        "local_student_id": "S1",
        "postal_code": postal_code,
        "guardian_1_first_name": "Rosa",
        "guardian_1_last_surname": "Ruiz",
        **guardians,
    }


def test_second_student_gets_first_id() -> None:
    ids = GuardianIds()
    key = shared_key(student(), ROSA)

    first = ids.assign("S1", 2, key)
    second = ids.assign("S2", 1, key)

    assert first == ("S1-guardian-2", True)
    assert second == ("S1-guardian-2", False)


def test_other_key_is_not_shared() -> None:
    ids = GuardianIds()
    ids.assign("S1", 1, shared_key(student(), ROSA))

    other = shared_key(student(), GuardianName("ROSA", "RUIZ"))

    assert ids.assign("S2", 1, other) == ("S2-guardian-1", True)
    assert ids.assign("S3", 1, None) == ("S3-guardian-1", True)


def test_guardian_missing_a_name_is_not_shared() -> None:
    for name in (GuardianName("Mother", None), GuardianName(None, "Ruiz")):
        assert shared_key(student(), name) is None


def test_student_without_postal_code_shares_nothing() -> None:
    assert shared_key(student(postal_code=None), ROSA) is None
    assert shared_key(student(postal_code=" "), ROSA) is None


def test_shared_key_separates_the_names() -> None:
    assert shared_key(student(), ROSA) == shared_key(student(), ROSA)
    assert shared_key(student(), GuardianName("Ro", "saRuiz")) != shared_key(
        student(), ROSA
    )


def test_namesake_in_other_household_is_not_shared() -> None:
    siblings = shared_key(student(), ROSA)

    assert shared_key(student(postal_code="94601"), ROSA) != siblings
    other_father = student(guardian_2_first_name="Omar", guardian_2_last_surname="Ruiz")
    assert shared_key(other_father, ROSA) != siblings


def test_guardian_order_does_not_change_key() -> None:
    first = student(guardian_2_first_name="Omar", guardian_2_last_surname="Ruiz")
    second = {
        "postal_code": "94110",
        "guardian_1_first_name": "Omar",
        "guardian_1_last_surname": "Ruiz",
        "guardian_2_first_name": "Rosa",
        "guardian_2_last_surname": "Ruiz",
    }

    assert shared_key(first, ROSA) == shared_key(second, ROSA)


def test_guardian_without_surname_leaves_household_alone() -> None:
    with_mother = student(guardian_2_first_name="Mother")

    assert shared_key(with_mother, ROSA) == shared_key(student(), ROSA)
