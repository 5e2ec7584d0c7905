"""Shared pieces of the benchmarks: the Result record, timing and percentiles, machine facts."""

from __future__ import annotations

import math
import os
import platform
import sqlite3
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

NS_PER_MS = 1_000_000
REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("peewee", "flask", "flask-socketio", "python-socketio", "python-engineio", "gevent",
            "simple-websocket", "websocket-client")


@dataclass(frozen=True)
class Result:
    """One measured figure, with the baseline measured in the same run and the goal it is held to."""

    name: str
    value: float
    unit: str
    baseline_name: str
    baseline_value: float | None
    goal: str
    goal_met: bool | None
    notes: str = ""

    @property
    def ratio(self) -> float | None:
        """value / baseline_value, when both exist and the baseline is not zero."""
        if self.baseline_value is None or self.baseline_value == 0:
            return None
        return self.value / self.baseline_value


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in (0, 100]) of a non-empty sample: the smallest value with at least
    pct % of the sample at or below it."""
    if not samples:
        raise ValueError("percentile of an empty sample")
    if not 0 < pct <= 100:
        raise ValueError("pct must be in (0, 100]")
    ordered = sorted(samples)
    rank = math.ceil(pct / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def ns_to_ms(samples: Iterable[int]) -> list[float]:
    """Nanosecond durations as milliseconds."""
    return [sample / NS_PER_MS for sample in samples]


class Stopwatch:
    """``with Stopwatch() as sw: ...`` then ``sw.seconds`` (perf_counter_ns based)."""

    def __init__(self) -> None:
        self.start_ns = 0
        self.elapsed_ns = 0

    def __enter__(self) -> Stopwatch:
        self.start_ns = time.perf_counter_ns()
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed_ns = time.perf_counter_ns() - self.start_ns

    @property
    def seconds(self) -> float:
        """Elapsed wall time in seconds."""
        return self.elapsed_ns / 1e9


def _read(path: str) -> str:
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (first core), or platform.processor()."""
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def ram_gib() -> float | None:
    """Total RAM in GiB from /proc/meminfo."""
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return None


def os_name() -> str:
    """PRETTY_NAME from /etc/os-release, or the platform system name."""
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip().strip('"')
    return platform.system()


def package_version(name: str) -> str:
    """Installed version of a distribution, or 'not installed'."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def git_commit() -> str:
    """HEAD commit of the checkout (read-only git call), or 'unknown'."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=10, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine_info() -> dict[str, str]:
    """Facts about the machine and software the figures were measured on."""
    ram = ram_gib()
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    info = {
        "CPU": cpu_model(),
        "Cores": f"{os.cpu_count()} logical ({affinity} usable by this process)",
        "RAM": f"{ram:.1f} GiB" if ram is not None else "unknown",
        "OS / kernel": f"{os_name()} / Linux {platform.release()} ({platform.machine()})",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "SQLite library": sqlite3.sqlite_version,
    }
    info.update({name: package_version(name) for name in PACKAGES})
    info["Commit"] = git_commit()
    return info
