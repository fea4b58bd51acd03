"""Tests of the guardian ids that writers share between students."""

from __future__ import annotations

from sislink.formats.guardians import GuardianIds, GuardianName, shared_key

ROSA = GuardianName("Rosa", "Ruiz")


def test_second_student_gets_first_id() -> None:
    ids = GuardianIds()

    first = ids.assign("S1", 2, ROSA)
    second = ids.assign("S2", 1, GuardianName("Rosa", "Ruiz"))

    assert first == ("S1-guardian-2", True)
    assert second == ("S1-guardian-2", False)


def test_other_spelling_is_not_shared() -> None:
    ids = GuardianIds()
    ids.assign("S1", 1, ROSA)

    assert ids.assign("S2", 1, GuardianName("ROSA", "RUIZ")) == ("S2-guardian-1", True)
    assert ids.assign("S3", 1, GuardianName("Rosa", "Ruiz-Ortiz")) == (
        "S3-guardian-1",
        True,
    )


def test_guardian_missing_a_name_is_not_shared() -> None:
    ids = GuardianIds()

    for name in (GuardianName("Mother", None), GuardianName(None, "Ruiz")):
        assert shared_key(name) is None
        assert ids.assign("S1", 1, name) == ("S1-guardian-1", True)
        assert ids.assign("S2", 1, name) == ("S2-guardian-1", True)


def test_shared_key_separates_the_names() -> None:
    assert shared_key(ROSA) == shared_key(GuardianName("Rosa", "Ruiz"))
    assert shared_key(GuardianName("Ro", "saRuiz")) != shared_key(ROSA)
