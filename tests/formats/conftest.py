"""Fixtures shared by the format tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def siblings() -> list[dict[str, Any]]:
    """Return three stored students whose guardians a writer shares or not.

    S1 and S2 name Rosa Ruiz and no other guardian with both names, at one
    postal code, so they share her. S1 and S3 each name a guardian "Mother"
    without a surname, and S2 one "Omar", who are not shared.
    """
    return [
        {
            "local_student_id": "S1",
            "first_name": "Ana",
            "last_surname": "Ruiz",
            "birth_date": "2015-03-14",
            "postal_code": "94110",
            "guardian_1_first_name": "Rosa",
            "guardian_1_last_surname": "Ruiz",
            "guardian_2_first_name": "Mother",
        },
        {
            "local_student_id": "S2",
            "first_name": "Eva",
            "last_surname": "Ruiz",
            "birth_date": "2017-09-02",
            "postal_code": "94110",
            "guardian_1_first_name": "Omar",
            "guardian_2_first_name": "Rosa",
            "guardian_2_last_surname": "Ruiz",
        },
        {
            "local_student_id": "S3",
            "first_name": "Luz",
            "last_surname": "Ortiz",
            "birth_date": "2016-01-20",
            "guardian_1_first_name": "Mother",
        },
    ]


@pytest.fixture
def siblings_read_back(siblings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return ``siblings`` as a format without a student postal code reads them."""
    return [
        {name: value for name, value in record.items() if name != "postal_code"}
        for record in siblings
    ]
