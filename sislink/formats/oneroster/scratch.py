"""A temporary SQLite file that joins a bundle's files in bounded memory.

OneRoster spreads one student over users.csv, demographics.csv and
enrollments.csv, joined on the user's sourcedId, in no promised order. The
join runs in a SQLite file in the temporary directory, so memory holds
SQLite's page cache (``CACHE_KIB``), not one entry per student. The file is
deleted when the read ends. It is scratch space of one read, never the
hub's store.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from types import TracebackType

from sislink.formats.guardians import GuardianName, guardian_id

CACHE_KIB = 4_096

SCHEMA = """
CREATE TABLE demographics (
    user TEXT PRIMARY KEY, birth_date TEXT, sex TEXT
);
CREATE TABLE users (user TEXT PRIMARY KEY, grade TEXT);
CREATE TABLE agents (user TEXT PRIMARY KEY, first_name TEXT, last_name TEXT);
CREATE TABLE memberships (
    user TEXT, school TEXT, file TEXT, line INTEGER, deleted INTEGER,
    PRIMARY KEY (user, school)
);
CREATE TABLE spans (
    user TEXT, school TEXT, file TEXT, line INTEGER,
    begin_date TEXT, end_date TEXT, open_count INTEGER,
    active_count INTEGER,
    PRIMARY KEY (user, school)
);
"""

ADD_SPAN = """
INSERT INTO spans VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (user, school) DO UPDATE SET
    begin_date = CASE
        WHEN excluded.begin_date IS NULL THEN begin_date
        WHEN begin_date IS NULL THEN excluded.begin_date
        ELSE min(begin_date, excluded.begin_date) END,
    end_date = CASE
        WHEN excluded.end_date IS NULL THEN end_date
        WHEN end_date IS NULL THEN excluded.end_date
        ELSE max(end_date, excluded.end_date) END,
    open_count = open_count + excluded.open_count,
    active_count = active_count + excluded.active_count
"""


@dataclass(frozen=True, slots=True)
class Span:
    """One student's classes at one school, merged into one date range.

    ``begin_date`` is the earliest begin date, ``end_date`` the latest end
    date, ``open_count`` the classes without an end date and ``active_count``
    the rows that are not deletions. ``grade`` comes from users.csv.
    """

    user: str
    school: str
    file: str
    line: int
    begin_date: str | None
    end_date: str | None
    open_count: int
    active_count: int
    grade: str | None


class Scratch:
    """The join tables of one read, in a temporary SQLite file."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="sislink-oneroster-")
        path = Path(self._folder.name) / "join.sqlite3"
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self._db.executescript(SCHEMA)

    def __enter__(self) -> Scratch:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close and delete the file."""
        self._db.close()
        self._folder.cleanup()

    def add_demographics(
        self, user: str, birth_date: str | None, sex: str | None
    ) -> bool:
        """Store a user's birth date and sex; return False if the user has some."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO demographics VALUES (?, ?, ?)",
            (user, birth_date, sex),
        )
        return cursor.rowcount == 1

    def demographics(self, user: str) -> tuple[str | None, str | None]:
        """Return the birth date and sex of ``user``, each None when not sent."""
        row = self._db.execute(
            "SELECT birth_date, sex FROM demographics WHERE user = ?", (user,)
        ).fetchone()
        return (None, None) if row is None else (row[0], row[1])

    def add_user(self, user: str, grade: str | None) -> None:
        """Store a student's grade level; the last row of a user wins."""
        self._db.execute("INSERT OR REPLACE INTO users VALUES (?, ?)", (user, grade))

    def grade(self, user: str) -> str | None:
        row = self._db.execute(
            "SELECT grade FROM users WHERE user = ?", (user,)
        ).fetchone()
        return None if row is None else row[0]

    def add_agent(self, user: str, guardian: GuardianName) -> None:
        """Store a parent's, guardian's or relative's names; the last row wins."""
        self._db.execute(
            "INSERT OR REPLACE INTO agents VALUES (?, ?, ?)",
            (user, guardian.first_name, guardian.last_surname),
        )

    def agent(self, user: str) -> GuardianName | None:
        """Return the names of agent ``user``, or None if no guardian has that id."""
        row = self._db.execute(
            "SELECT first_name, last_name FROM agents WHERE user = ?", (user,)
        ).fetchone()
        return None if row is None else GuardianName(row[0], row[1])

    def add_membership(
        self, user: str, school: str, file: str, line: int, deleted: bool
    ) -> None:
        """Store that a student belongs to a school, or no longer does."""
        self._db.execute(
            "INSERT OR REPLACE INTO memberships VALUES (?, ?, ?, ?, ?)",
            (user, school, file, line, int(deleted)),
        )

    def memberships(self) -> Iterator[tuple[str, str, str, int, bool, str | None]]:
        """Yield (user, school, file, line, deleted, grade) in file order."""
        rows = self._db.execute(
            "SELECT m.user, m.school, m.file, m.line, m.deleted, u.grade "
            "FROM memberships m LEFT JOIN users u ON u.user = m.user "
            "ORDER BY m.line, m.school"
        )
        for user, school, file, line, deleted, grade in rows:
            yield user, school, file, line, bool(deleted), grade

    def add_class_enrollment(
        self,
        user: str,
        school: str,
        where: tuple[str, int],
        dates: tuple[str | None, str | None],
        deleted: bool,
    ) -> None:
        """Merge one class enrollment of a student into their span at the school.

        ``where`` is the file and line, kept from the first row of the span.
        ``dates`` are the ISO begin and end dates, each None when empty.
        """
        begin, end = dates
        self._db.execute(
            ADD_SPAN,
            (
                *(user, school),
                *where,
                begin,
                end,
                int(end is None and not deleted),
                int(not deleted),
            ),
        )

    def spans(self) -> Iterator[Span]:
        """Yield every student's span at each school, in the order first seen."""
        rows = self._db.execute(
            "SELECT s.user, s.school, s.file, s.line, s.begin_date, s.end_date, "
            "s.open_count, s.active_count, u.grade "
            "FROM spans s LEFT JOIN users u ON u.user = s.user "
            "ORDER BY s.line, s.school"
        )
        for row in rows:
            yield Span(*row)


class StudentSchools:
    """The grade and schools of each written student, and their guardians.

    The writer learns the schools from the enrollments, which it writes
    first, and each guardian from the students that name it. It keeps them
    in a temporary SQLite file like ``Scratch``, so memory holds SQLite's
    page cache, not one entry per student or guardian.
    """

    def __init__(self) -> None:
        self._scratch = Scratch()
        self._db = self._scratch._db
        self._db.executescript(
            """
            CREATE TABLE written (user TEXT, school TEXT, entry TEXT, grade TEXT);
            CREATE INDEX written_user ON written (user);
            CREATE TABLE guardians (
                id TEXT PRIMARY KEY, shared_key BLOB UNIQUE,
                first_name TEXT, last_name TEXT
            );
            CREATE TABLE guardian_students (guardian TEXT, user TEXT);
            CREATE INDEX guardian_students_guardian ON guardian_students (guardian);
            """
        )

    def close(self) -> None:
        self._scratch.close()

    def add(self, user: str, school: str, entry: str, grade: str | None) -> None:
        self._db.execute(
            "INSERT INTO written VALUES (?, ?, ?, ?)", (user, school, entry, grade)
        )

    def of(self, user: str) -> tuple[str | None, list[str]]:
        """Return the grade of the latest enrollment and every school, in order."""
        rows = self._db.execute(
            "SELECT school, grade FROM written WHERE user = ? ORDER BY entry",
            (user,),
        ).fetchall()
        schools = list(dict.fromkeys(school for school, _grade in rows))
        grades = [grade for _school, grade in rows if grade]
        return (grades[-1] if grades else None), schools

    def add_guardian(
        self, user: str, number: int, guardian: GuardianName, key: bytes | None
    ) -> str:
        """Store guardian ``number`` of student ``user`` and return its id.

        ``key`` is the guardian's ``shared_key``. A guardian that an earlier
        student stored under the same key keeps that student's id, as
        ``GuardianIds`` assigns it, and with None the guardian is this
        student's alone.
        """
        own_id = guardian_id(user, number)
        self._db.execute(
            "INSERT INTO guardians VALUES (?, ?, ?, ?) "
            "ON CONFLICT (shared_key) DO NOTHING",
            (own_id, key, guardian.first_name, guardian.last_surname),
        )
        found = own_id
        if key is not None:
            (found,) = self._db.execute(
                "SELECT id FROM guardians WHERE shared_key = ?", (key,)
            ).fetchone()
        self._db.execute("INSERT INTO guardian_students VALUES (?, ?)", (found, user))
        return found

    def guardians(self) -> Iterator[tuple[str, GuardianName, list[str]]]:
        """Yield each guardian's id, names and its students' schools, in order.

        Guardians come in the order first stored, and the schools in the
        order of their students, then of enrollment.
        """
        rows = self._db.execute(
            "SELECT g.id, g.first_name, g.last_name, w.school "
            "FROM guardians g "
            "JOIN guardian_students s ON s.guardian = g.id "
            "LEFT JOIN written w ON w.user = s.user "
            "ORDER BY g.rowid, s.rowid, w.entry"
        )
        for (agent_id, first, last), group in groupby(rows, key=lambda row: row[:3]):
            schools = dict.fromkeys(row[3] for row in group if row[3] is not None)
            yield agent_id, GuardianName(first, last), list(schools)
