"""Service prescriptions: which services a plan lists, how long and how often."""

from __future__ import annotations

import random
from itertools import accumulate
from typing import NamedTuple


class ServiceTemplate(NamedTuple):
    """A prescribed service before it gets an organization's ids and dates."""

    service_code: str
    provider_type: str
    duration_minutes: int
    frequency: int
    frequency_period: str
    location: str
    nonpublic_agency_id: str | None


class ServiceKind(NamedTuple):
    """Typical session lengths, frequencies and places of one service code."""

    durations: tuple[int, ...]
    per_week: tuple[int, int]
    per_month: tuple[int, int]
    weekly_share: float
    locations: tuple[str, ...]


SERVICE_KINDS = {
    "330": ServiceKind(
        (30, 45, 60),
        (2, 5),
        (4, 4),
        1.0,
        ("Resource room", "General education classroom", "Special day class"),
    ),
    "415": ServiceKind(
        (20, 30), (1, 2), (2, 4), 0.7, ("Speech room", "General education classroom")
    ),
    "450": ServiceKind((30,), (1, 1), (1, 4), 0.3, ("Therapy room", "Telehealth")),
    "510": ServiceKind(
        (30, 45), (1, 1), (2, 4), 0.6, ("Counseling office", "Telehealth")
    ),
}

PRIMARY_SERVICE = {
    "240": "415", "281": "415", "260": "510", "270": "450",
}  # fmt: skip
"""The first service by primary disability; every other disability starts with 330."""

EXTRA_SERVICES = ("330", "415", "450", "510")
_EXTRA_CUMULATIVE = tuple(accumulate((3, 3, 2, 2)))

SERVICE_COUNTS = (1, 2, 3, 4)
_COUNT_CUMULATIVE = tuple(accumulate((8, 22, 35, 35)))
"""Services per plan: 2.97 on average."""

PROVIDER_TYPES = ("100", "200", "300", "400", "500")
_PROVIDER_CUMULATIVE = tuple(accumulate((72, 8, 10, 7, 3)))
NONPUBLIC_AGENCY = "400"
"""A nonpublic-agency provider must name the agency in the state's service rules."""


def draw_services(rng: random.Random, primary: str) -> tuple[ServiceTemplate, ...]:
    """Draw one to four services with distinct codes, the first fitting ``primary``."""
    count = rng.choices(SERVICE_COUNTS, cum_weights=_COUNT_CUMULATIVE)[0]
    codes = [PRIMARY_SERVICE.get(primary, "330")]
    while len(codes) < count:
        code = rng.choices(EXTRA_SERVICES, cum_weights=_EXTRA_CUMULATIVE)[0]
        if code not in codes:
            codes.append(code)
    return tuple(_template(rng, code) for code in codes)


def _template(rng: random.Random, code: str) -> ServiceTemplate:
    kind = SERVICE_KINDS[code]
    if rng.random() < kind.weekly_share:
        period, frequency = "week", rng.randint(*kind.per_week)
    else:
        period, frequency = "month", rng.randint(*kind.per_month)
    provider_type = rng.choices(PROVIDER_TYPES, cum_weights=_PROVIDER_CUMULATIVE)[0]
    agency = (
        f"NPA{rng.randint(1000, 9999)}" if provider_type == NONPUBLIC_AGENCY else None
    )
    return ServiceTemplate(
        code,
        provider_type,
        rng.choice(kind.durations),
        frequency,
        period,
        rng.choice(kind.locations),
        agency,
    )
