"""Name pools for generated students, with the spellings real rosters contain.

The pools are invented for the demo and only loosely follow California's
student population: mostly Hispanic names with and without accents, compound
and hyphenated surnames, apostrophes, particles, hyphenated and two-word first
names. Weights fall with the position in each pool, so early names repeat
often, as common names do.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

HISPANIC_SURNAMES = (
    "García", "Hernández", "López", "Martínez", "González", "Rodríguez", "Pérez",
    "Sánchez", "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Cruz",
    "Morales", "Reyes", "Gutiérrez", "Ortiz", "Chávez", "Ramos", "Ruiz", "Mendoza",
    "Vásquez", "Castillo", "Jiménez", "Moreno", "Romero", "Álvarez", "Herrera",
    "Medina", "Aguilar", "Vargas", "Castro", "Muñoz", "Nuñez", "Peña", "Ibáñez",
    "Orozco", "Delgado", "Contreras", "Salazar", "Guerrero", "Estrada", "Figueroa",
    "de la Cruz", "de León", "Del Toro",
)  # fmt: skip

GENERAL_SURNAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
    "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Thompson",
    "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen",
    "King", "Wright", "Scott", "Hill", "Green", "Adams", "Baker", "O'Brien",
    "Nelson", "Carter", "Mitchell", "Campbell", "Roberts", "Washington",
    "O'Connor", "D'Angelo", "McDonald", "O'Neill", "MacKenzie", "D'Souza",
    "St. James", "Van Dyke", "Schäfer", "Brontë", "Ní Bhriain",
)  # fmt: skip

ASIAN_SURNAMES = (
    "Nguyen", "Tran", "Kim", "Lee", "Chen", "Wang", "Le", "Pham", "Park", "Santos",
    "Patel", "Singh", "Li", "Zhang", "Liu", "Huang", "Wong", "Bautista", "dela Cruz",
    "Villanueva", "Kaur", "Shah", "Tanaka", "Yamamoto", "Petrosyan", "Hakobyan",
)  # fmt: skip

HISPANIC_FEMALE = (
    "María", "Sofía", "Valentina", "Camila", "Isabella", "Ximena", "Guadalupe",
    "Daniela", "Mariana", "Fernanda", "Lucía", "Natalia", "Gabriela", "Andrea",
    "Alejandra", "Jimena", "Renata", "Valeria", "Ana Sofía", "María José",
    "Dolores", "Itzel", "Yaretzi", "Citlali", "Nayeli", "Araceli", "Inés",
)  # fmt: skip

HISPANIC_MALE = (
    "José", "Juan", "Luis", "Carlos", "Jesús", "Miguel", "Alejandro", "Santiago",
    "Mateo", "Diego", "Emiliano", "Francisco", "Ángel", "Jorge", "Eduardo",
    "Andrés", "Joaquín", "Sebastián", "Ignacio", "Juan Carlos", "José Luis",
    "Enrique", "Roberto", "Rafael", "Ramón", "Nicolás", "Julián", "Iker",
)  # fmt: skip

GENERAL_FEMALE = (
    "Olivia", "Emma", "Ava", "Mia", "Sophia", "Isabella", "Charlotte", "Amelia",
    "Harper", "Evelyn", "Abigail", "Emily", "Elizabeth", "Samantha", "Katherine",
    "Victoria", "Chloé", "Zoë", "Renée", "Madison", "Aaliyah", "Jasmine", "Imani",
    "La'Niyah", "Mary-Kate", "Anne-Marie", "Grace", "Hannah", "Jacqueline", "Naomi",
)  # fmt: skip

GENERAL_MALE = (
    "Liam", "Noah", "Oliver", "Elijah", "James", "William", "Benjamin", "Lucas",
    "Henry", "Alexander", "Michael", "Daniel", "Matthew", "Jonathan", "Christopher",
    "Nicholas", "Anthony", "Joseph", "Robert", "Samuel", "Ethan", "Jayden",
    "DeShawn", "D'Andre", "Ja'Marcus", "Jean-Luc", "Malik", "Isaiah", "Elias",
)  # fmt: skip

ASIAN_FEMALE = (
    "Linh", "Thao", "Anh", "Seo-yeon", "Ji-woo", "Jia", "Priya", "Ananya",
    "Harpreet", "Mei", "Yuna", "Nairi",
)  # fmt: skip

ASIAN_MALE = (
    "Minh", "Khoa", "Bao", "Min-jun", "Wei", "Arjun", "Aarav", "Gurpreet", "Hiroshi",
    "Jin", "Tigran", "Haruto",
)  # fmt: skip

NICKNAMES: dict[str, tuple[str, ...]] = {
    "Alejandro": ("Alex",), "Alexander": ("Alex", "Xander"),
    "Elizabeth": ("Liz", "Beth", "Eliza"), "William": ("Will", "Billy"),
    "Robert": ("Rob", "Bobby"), "Roberto": ("Beto",), "Jonathan": ("Jon",),
    "Christopher": ("Chris",), "Francisco": ("Paco", "Frank"), "José": ("Pepe",),
    "Guadalupe": ("Lupe",), "Jesús": ("Chuy",), "Ignacio": ("Nacho",),
    "Katherine": ("Kate", "Katie"), "Samantha": ("Sam",), "Nicholas": ("Nick",),
    "Michael": ("Mike",), "Daniel": ("Danny",), "Benjamin": ("Ben",),
    "Isabella": ("Bella",), "Gabriela": ("Gaby",), "Anthony": ("Tony",),
    "Enrique": ("Kike",), "Eduardo": ("Lalo",), "Rafael": ("Rafa",),
    "Joseph": ("Joe",), "Matthew": ("Matt",), "Jacqueline": ("Jackie",),
    "Victoria": ("Tori",), "Abigail": ("Abby",), "Dolores": ("Lola",),
    "Samuel": ("Sam",), "Sebastián": ("Sebas",), "Natalia": ("Naty",),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Pool:
    """Names with cumulative weights, ready for ``Random.choices``."""

    names: tuple[str, ...]
    cumulative: tuple[float, ...]

    def pick(self, rng: random.Random) -> str:
        """Return one name, the early ones more often."""
        return rng.choices(self.names, cum_weights=self.cumulative)[0]


def _pool(names: tuple[str, ...]) -> Pool:
    # Weight 1 / (rank + 4) gives a Zipf-like curve: the first name is about
    # ten times as common as the fortieth.
    weights = [1.0 / (rank + 4) for rank in range(len(names))]
    return Pool(names, tuple(accumulate(weights)))


@dataclass(frozen=True, slots=True)
class Group:
    """Surnames with the first-name pools their bearers draw from."""

    share: float
    surnames: Pool
    female: tuple[tuple[Pool, float], ...]
    male: tuple[tuple[Pool, float], ...]


_GENERAL_F = _pool(GENERAL_FEMALE)
_GENERAL_M = _pool(GENERAL_MALE)

# Shares of the three surname groups and, within a group, of first-name pools.
GROUPS = (
    Group(
        0.55,
        _pool(HISPANIC_SURNAMES),
        ((_pool(HISPANIC_FEMALE), 0.7), (_GENERAL_F, 0.3)),
        ((_pool(HISPANIC_MALE), 0.7), (_GENERAL_M, 0.3)),
    ),
    Group(0.33, _pool(GENERAL_SURNAMES), ((_GENERAL_F, 1.0),), ((_GENERAL_M, 1.0),)),
    Group(
        0.12,
        _pool(ASIAN_SURNAMES),
        ((_pool(ASIAN_FEMALE), 0.4), (_GENERAL_F, 0.6)),
        ((_pool(ASIAN_MALE), 0.4), (_GENERAL_M, 0.6)),
    ),
)
_GROUP_WEIGHTS = tuple(accumulate(group.share for group in GROUPS))
HISPANIC = GROUPS[0]

COMPOUND_SURNAME_SHARE = 0.30
HYPHENATED_SURNAME_SHARE = 0.06
ACCENT_SHARE = 0.5
"""Share of persons whose legal name keeps its accents; the rest are ASCII."""

MIDDLE_NAME_SHARE = 0.55
NICKNAME_SHARE = 0.15
"""Share of persons with a known nickname who use it as preferred first name."""


@lru_cache(maxsize=4096)
def strip_accents(name: str) -> str:
    """Return ``name`` without combining marks: ``Nuñez`` -> ``Nunez``."""
    decomposed = unicodedata.normalize("NFD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def pick_group(rng: random.Random) -> Group:
    """Return a surname group by its share."""
    return rng.choices(GROUPS, cum_weights=_GROUP_WEIGHTS)[0]


def pick_surname(rng: random.Random, group: Group) -> str:
    """Return a surname, for Hispanic names sometimes two, spaced or hyphenated."""
    surname = group.surnames.pick(rng)
    if group is not HISPANIC:
        return surname
    draw = rng.random()
    if draw < COMPOUND_SURNAME_SHARE + HYPHENATED_SURNAME_SHARE:
        second = group.surnames.pick(rng)
        if second != surname:
            separator = " " if draw < COMPOUND_SURNAME_SHARE else "-"
            return surname + separator + second
    return surname


def pick_first_name(rng: random.Random, group: Group, sex: str) -> str:
    """Return a first name for ``sex`` (M, F or X) drawn from the group's pools."""
    if sex == "X":
        sex = rng.choice("MF")
    pools = group.female if sex == "F" else group.male
    draw = rng.random()
    for pool, share in pools:
        if draw < share:
            return pool.pick(rng)
        draw -= share
    return pools[-1][0].pick(rng)


def nicknames_of(first_name: str) -> tuple[str, ...]:
    """Return the common nicknames of ``first_name``, accented or not."""
    return _NICKNAMES_ASCII.get(strip_accents(first_name), ())


def pick_nickname(rng: random.Random, first_name: str) -> str | None:
    """Return a preferred first name for some holders of a name with nicknames."""
    nicknames = nicknames_of(first_name)
    if not nicknames or rng.random() >= NICKNAME_SHARE:
        return None
    return rng.choice(nicknames)


_NICKNAMES_ASCII = {strip_accents(name): short for name, short in NICKNAMES.items()}
