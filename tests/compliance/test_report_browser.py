"""The demo's compliance report rendered in headless Chromium: the charts draw."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from rich.console import Console

from sislink.demo.run import run_demo

MEASURE_SCRIPT = """
<script>
const sizes = [...document.querySelectorAll("svg.chart")].map((svg) => {
  const box = svg.getBoundingClientRect();
  return {
    id: svg.parentElement.id,
    width: box.width,
    height: box.height,
    shapes: svg.querySelectorAll("rect.bar, polyline.line, circle").length,
  };
});
const out = document.createElement("pre");
out.id = "measured";
out.textContent = JSON.stringify(sizes);
document.body.appendChild(out);
</script>
"""


def chromium() -> str:
    """Return the Chromium binary; fail under CI, else skip, when it is missing."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    reason = "chromium is not installed (Debian package: chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser test", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out, students=15_000, charters=8, seed=1, console=Console(), quiet=True)
    return out / "report" / "compliance.html"


@pytest.mark.slow
def test_charts_render_in_chromium(demo_report: Path, tmp_path: Path) -> None:
    binary = chromium()
    page = demo_report.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']https?:""", page)
    measured_page = tmp_path / "measured.html"
    measured_page.write_text(page.replace("</body>", MEASURE_SCRIPT + "</body>"))
    completed = subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            measured_page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    found = re.search(r'<pre id="measured">(.*?)</pre>', completed.stdout, re.S)
    assert found is not None, completed.stdout[-2000:]
    charts = {chart["id"]: chart for chart in json.loads(found.group(1))}
    assert set(charts) == {"timeliness-chart", "trend-chart"}
    for chart in charts.values():
        assert chart["width"] > 100, chart
        assert chart["height"] > 50, chart
        assert chart["shapes"] > 0, chart
