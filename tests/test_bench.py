"""``python -m bench.run`` end to end: the load suite on a tiny workload.

The benchmark's figures are not checked against any limit here. These tests
only check that the entry point runs every phase on both backends and writes
a complete page.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "SISLINK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PHASES = (
    "District roster load",
    "Charter load, one charter after another",
    "Unchanged re-submission of all charters",
)
FLOORS = ("Floor: district files", "Floor: charter files")
NUMBER = r"[\d,]+(?:\.\d+)?"


def run_bench(
    tmp_path: Path, out: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    """Run the benchmark on 2,000 students with one run, caching in ``tmp_path``."""
    command = [
        sys.executable,
        "-m",
        "bench.run",
        "--students",
        "2000",
        "--runs",
        "1",
        "--out",
        str(out),
        "--cache",
        str(tmp_path / "cache"),
        "--postgres-url",
        POSTGRES_URL,
        "--suites",
        "load",
        *options,
    ]
    return subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def bench_run(
    tmp_path_factory: pytest.TempPathFactory, postgres_problem: str | None
) -> tuple[Path, str]:
    """Run the benchmark once on both backends; return its folder and page."""
    if postgres_problem:
        pytest.skip(postgres_problem)
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "benchmarks.md"
    completed = run_bench(folder, out, "--backends", "sqlite,postgresql")
    assert completed.returncode == 0, completed.stderr
    return folder, out.read_text(encoding="utf-8")


def backend_section(page: str, label: str) -> str:
    """Return the part of the page from ``### label`` to the next heading."""
    match = re.search(rf"^### {label}\n(.*?)(?=^#|\Z)", page, re.M | re.S)
    assert match, f"no section for {label}"
    return match.group(1)


def test_page_has_every_section(bench_run: tuple[Path, str]) -> None:
    _, page = bench_run
    for heading in (
        "# Benchmarks",
        "## Workload",
        "## Roster load, charter load and unchanged re-submission",
        "### SQLite",
        "### PostgreSQL",
    ):
        assert re.search(rf"^{re.escape(heading)}$", page, re.M), heading
    assert "How these figures were measured:" in page
    assert "python -m bench.run --students 2000 --runs 1" in page
    assert "--suites load" in page
    assert "shared with other work and noisy" in page


def test_page_describes_machine(bench_run: tuple[Path, str]) -> None:
    _, page = bench_run
    for row in ("CPU", "cores", "memory", "operating system", "Python"):
        assert re.search(rf"^\| {row} \| \S", page, re.M), row
    assert re.search(r"^\| SQLite \| \d+\.\d+", page, re.M)
    assert re.search(r"^\| PostgreSQL \| \d+", page, re.M)


def test_workload_counts_every_kind(bench_run: tuple[Path, str]) -> None:
    _, page = bench_run
    for kind in ("student", "enrollment", "plan", "service", "service_delivery"):
        match = re.search(rf"^\| {kind} \| ({NUMBER}) \| ({NUMBER}) \|$", page, re.M)
        assert match, kind
        assert int(match.group(1).replace(",", "")) > 0, f"district {kind}"
        assert int(match.group(2).replace(",", "")) > 0, f"charter {kind}"
    assert re.search(
        rf"^\| students with plans \| {NUMBER} \| {NUMBER} \|$", page, re.M
    )


@pytest.mark.parametrize("label", ["SQLite", "PostgreSQL"])
def test_backend_table_has_numbers(bench_run: tuple[Path, str], label: str) -> None:
    _, page = bench_run
    section = backend_section(page, label)
    timing = rf"(?: {NUMBER} \|){{6}}"
    for phase in PHASES:
        pattern = rf"^\| {re.escape(phase)} \|{timing} {NUMBER} \| {NUMBER}x \|$"
        assert re.search(pattern, section, re.M), phase
    for floor in FLOORS:
        pattern = rf"^\| {re.escape(floor)} \|{timing}  \|  \|$"
        assert re.search(pattern, section, re.M), floor


@pytest.mark.parametrize("label", ["SQLite", "PostgreSQL"])
def test_backend_states_aims(bench_run: tuple[Path, str], label: str) -> None:
    section = backend_section(bench_run[1], label)
    results = re.findall(r"\| (met|not met) \|$", section, re.M)
    assert len(results) == 3


@pytest.mark.parametrize("label", ["SQLite", "PostgreSQL"])
def test_backend_reports_outcomes(bench_run: tuple[Path, str], label: str) -> None:
    section = backend_section(bench_run[1], label)
    for phase in PHASES:
        pattern = (
            rf"^- {re.escape(phase)}: submissions over 1 run\(s\): \d+ committed; "
            rf"records rejected per run: {NUMBER}; "
            rf"changes written per run: {NUMBER}"
        )
        assert re.search(pattern, section, re.M), phase


def test_second_run_reuses_workload(bench_run: tuple[Path, str]) -> None:
    folder, first_page = bench_run
    assert "generated by this run" in first_page
    out = folder / "again.md"
    completed = run_bench(folder, out, "--backends", "sqlite")
    assert completed.returncode == 0, completed.stderr
    assert "reusing the cached workload" in completed.stderr
    page = out.read_text(encoding="utf-8")
    assert "reused from the cache" in page
    assert "### PostgreSQL" not in page


def test_unknown_backend_is_rejected(tmp_path: Path) -> None:
    completed = run_bench(tmp_path, tmp_path / "page.md", "--backends", "oracle")
    assert completed.returncode == 1
    assert "unknown backend 'oracle'" in completed.stderr
    assert not (tmp_path / "page.md").exists()


def test_help_lists_options() -> None:
    command = [sys.executable, "-m", "bench.run", "--help"]

    done = subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr
    assert "--students" in done.stdout
    assert "80% of them" in done.stdout
