"""The benchmark workload: a generated district and its charters, written once.

The files come from the project's seeded generator and are cached in a
folder named after the generation parameters, so a second benchmark run
with the same parameters reads the same files without generating them.
A folder counts as complete only once its ``manifest.json`` exists, and
it is built under a temporary name and renamed at the end, so an
interrupted run leaves no half-written cache behind.
"""

from __future__ import annotations

import csv
import json
import logging
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from sislink.demo import World, generate_world, write_roster, write_sislink_csv
from sislink.demo.generator import DEFAULT_DELIVERY_WEEKS
from sislink.formats.sislink_csv.layout import FILE_NAMES
from sislink.model import KINDS, RecordKind

log = logging.getLogger(__name__)

# NOTE: the key names the generation parameters, not the generator's code, so
# files cached before a change to sislink.demo are reused until .bench/ is
# deleted or this version is raised.
CACHE_LAYOUT_VERSION = 1
"""Part of every cache key: raise it when the cached files or manifest change."""

DISTRICT_SHARE = 0.8
"""Share of all students that attend the district; the charters have the rest."""

MANIFEST_NAME = "manifest.json"

REFERENCE_CHARTER_STUDENTS = 150_000
REFERENCE_PLAN_STUDENTS = 20_000
REFERENCE_SERVICES = 60_000
"""Students with plans and service prescriptions that the charters should carry
per ``REFERENCE_CHARTER_STUDENTS`` charter students."""


@dataclass(frozen=True, slots=True)
class WorkloadSpec:
    """The parameters of ``generate_world`` that the cached files depend on.

    ``delivery_weeks`` is the service-delivery window in school weeks, and 0
    leaves service deliveries out.
    """

    students: int
    charters: int
    seed: int
    defect_rate: float
    delivery_weeks: int

    def cache_key(self) -> str:
        """Return the name of this workload's cache folder."""
        return (
            f"world-v{CACHE_LAYOUT_VERSION}-students{self.students}"
            f"-charters{self.charters}-seed{self.seed}"
            f"-defects{self.defect_rate:g}-weeks{self.delivery_weeks}"
        )


@dataclass(frozen=True, slots=True)
class Organization:
    """An organization of the workload: its state code and name."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ScopeCounts:
    """Rows per record kind in the files of one scope (the district or all charters).

    ``rows`` maps each kind's value to its row count. ``students_with_plans``
    counts distinct students in the plan files. ``file_bytes`` is the size
    of the files on disk. ``full_window_deliveries`` is the number of service
    deliveries the generator's default window would produce, counted without
    writing them, or None when the workload already uses that window.
    """

    rows: dict[str, int]
    students_with_plans: int
    file_bytes: int
    full_window_deliveries: int | None

    @property
    def total_rows(self) -> int:
        """Return the number of data rows in all files of the scope."""
        return sum(self.rows.values())


@dataclass(frozen=True, slots=True)
class Workload:
    """The cached files of one workload and what they contain.

    ``folder`` contains ``district/`` and ``charters/<code>/``, each in the
    sislink CSV layout. ``generation_seconds`` is the time it took to
    generate and write the files when the cache was filled. ``reused`` is
    true when this run found the files in the cache.
    """

    spec: WorkloadSpec
    folder: Path
    district: Organization
    charters: list[Organization]
    district_counts: ScopeCounts
    charter_counts: ScopeCounts
    generation_seconds: float
    reused: bool = field(default=False, compare=False)

    @property
    def district_folder(self) -> Path:
        """Return the folder of the district's roster files."""
        return self.folder / "district"

    def charter_folder(self, code: str) -> Path:
        """Return the folder of one charter's files."""
        return self.folder / "charters" / code

    def to_json(self) -> dict[str, Any]:
        """Return the manifest stored next to the files."""
        data = asdict(self)
        data.pop("folder")
        data.pop("reused")
        return data

    @classmethod
    def from_manifest(cls, folder: Path, data: dict[str, Any]) -> Workload:
        """Return the workload described by a manifest read from ``folder``."""
        return cls(
            spec=WorkloadSpec(**data["spec"]),
            folder=folder,
            district=Organization(**data["district"]),
            charters=[Organization(**item) for item in data["charters"]],
            district_counts=ScopeCounts(**data["district_counts"]),
            charter_counts=ScopeCounts(**data["charter_counts"]),
            generation_seconds=float(data["generation_seconds"]),
            reused=True,
        )


def load_workload(folder: Path) -> Workload:
    """Read the workload cached in ``folder``.

    Raises ``FileNotFoundError`` when the folder has no manifest.
    """
    data = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    return Workload.from_manifest(folder, data)


def prepare_workload(spec: WorkloadSpec, cache: Path) -> Workload:
    """Return the workload of ``spec``, generating and writing its files if needed."""
    folder = cache / spec.cache_key()
    if (folder / MANIFEST_NAME).is_file():
        log.info("reusing the cached workload in %s", folder)
        return load_workload(folder)

    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    log.info("generating the workload into %s", folder)
    started = time.perf_counter()
    world = generate_world(
        spec.students,
        spec.charters,
        spec.seed,
        DISTRICT_SHARE,
        defect_rate=spec.defect_rate,
        deliveries=spec.delivery_weeks > 0,
        delivery_weeks=max(spec.delivery_weeks, 1),
    )
    write_roster(world, partial / "district")
    for code in world.charter_codes:
        write_sislink_csv(world, code, partial / "charters" / code)
    generation_seconds = time.perf_counter() - started

    log.info("counting the rows of the workload files")
    full_window = _full_window_world(world, spec)
    district = world.district
    workload = Workload(
        spec=spec,
        folder=folder,
        district=Organization(district.code, district.name),
        charters=[
            Organization(code, world.organizations[code].name)
            for code in world.charter_codes
        ],
        district_counts=_count_scope(
            [partial / "district"], full_window, [district.code]
        ),
        charter_counts=_count_scope(
            [partial / "charters" / code for code in world.charter_codes],
            full_window,
            world.charter_codes,
        ),
        generation_seconds=generation_seconds,
    )
    manifest = json.dumps(workload.to_json(), indent=2)
    (partial / MANIFEST_NAME).write_text(manifest + "\n", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    log.info("workload written in %.1f s", generation_seconds)
    return workload


def _full_window_world(world: World, spec: WorkloadSpec) -> World | None:
    """Return ``world`` with the generator's default delivery window, if it differs.

    The copy shares the generated students and only rebuilds the delivery
    calendar, so counting its deliveries costs no second generation.
    """
    if spec.delivery_weeks == DEFAULT_DELIVERY_WEEKS:
        return None
    return replace(world, deliveries=True, delivery_weeks=DEFAULT_DELIVERY_WEEKS)


def _count_scope(
    folders: list[Path], full_window: World | None, codes: list[str]
) -> ScopeCounts:
    """Count the rows per kind, students with plans and bytes in ``folders``."""
    rows: Counter[str] = Counter()
    students_with_plans = 0
    file_bytes = 0
    for folder in folders:
        for kind in RecordKind:
            path = folder / FILE_NAMES[kind]
            if not path.is_file():
                continue
            file_bytes += path.stat().st_size
            if kind is RecordKind.PLAN:
                students = _distinct_students(path)
                rows[kind.value] += students.total()
                students_with_plans += len(students)
            else:
                rows[kind.value] += sum(1 for _ in _data_rows(path))

    full_window_deliveries = None
    if full_window is not None:
        full_window_deliveries = sum(
            1
            for code in codes
            for _ in full_window.records(code, RecordKind.SERVICE_DELIVERY)
        )
    ordered = {kind.value: rows[kind.value] for kind in RecordKind if kind in rows}
    return ScopeCounts(ordered, students_with_plans, file_bytes, full_window_deliveries)


def _data_rows(path: Path) -> Iterator[list[str]]:
    """Yield the rows of a CSV file after its header."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        yield from reader


def _distinct_students(path: Path) -> Counter[str]:
    """Return the number of plan rows per student in one organization's plan file."""
    spec = KINDS[RecordKind.PLAN]
    assert spec.student_field is not None
    student_column = spec.by_name[spec.student_field].column
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return Counter(row[student_column] for row in reader)
