"""A description of the machine a benchmark ran on, read from the system."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
MEMINFO = Path("/proc/meminfo")
OS_RELEASE = Path("/etc/os-release")
UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Machine:
    """The hardware and software that the figures were measured on."""

    cpu_model: str
    cores: int
    memory_gib: float | None
    operating_system: str
    kernel: str
    python: str

    @classmethod
    def current(cls) -> Machine:
        """Describe the machine this process runs on."""
        return cls(
            cpu_model=_cpu_model(),
            cores=os.cpu_count() or 0,
            memory_gib=_memory_gib(),
            operating_system=_operating_system(),
            kernel=f"{platform.system()} {platform.release()}",
            python=f"{platform.python_implementation()} {platform.python_version()}",
        )

    def memory_text(self) -> str:
        """Return the total memory as text, such as ``23.4 GiB``."""
        if self.memory_gib is None:
            return UNKNOWN
        return f"{self.memory_gib:.1f} GiB"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def _cpu_model() -> str:
    for line in _read(CPUINFO).splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return platform.processor() or UNKNOWN


def _memory_gib() -> float | None:
    for line in _read(MEMINFO).splitlines():
        key, _, value = line.partition(":")
        if key == "MemTotal":
            kib = int(value.split()[0])
            return kib / (1024 * 1024)
    return None


def _operating_system() -> str:
    for line in _read(OS_RELEASE).splitlines():
        key, _, value = line.partition("=")
        if key == "PRETTY_NAME":
            return value.strip().strip('"')
    return platform.platform()
