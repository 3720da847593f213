"""Helpers shared by the benchmarks: timing of whole processes, statistics, log-log fits, reports.

Every benchmark measures its baseline in the same run, interleaving the commands run by run, so that the
ratios survive a noisy shared host better than the absolute times do.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sco_kg.atomic import atomic_write_text

REPO = Path(__file__).resolve().parents[1]
# Where reports go by default; SCO_KG_BENCH_OUT moves them (the smoke tests write only to their tmp_path).
OUT = Path(os.environ.get("SCO_KG_BENCH_OUT") or REPO / "bench" / "out")


@dataclass(frozen=True)
class Stats:
    """Median, minimum and maximum of repeated measurements (seconds)."""

    median: float
    min: float
    max: float
    runs: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        """Return the statistics of ``values`` (at least one)."""
        return cls(statistics.median(values), min(values), max(values), len(values))

    def ms(self) -> str:
        """Return ``median (min–max) ms`` for a table."""
        return f"{self.median * 1e3:.1f} ({self.min * 1e3:.1f}–{self.max * 1e3:.1f}) ms"


def time_commands(
    commands: Mapping[str, Sequence[str]], runs: int, env: Mapping[str, str] | None = None, warmup: int = 1
) -> dict[str, Stats]:
    """Return the wall-clock statistics of each whole-process command, run ``runs`` times interleaved.

    A command that exits non-zero aborts the benchmark with its stderr (a broken command is not a figure).
    ``PYTHONDONTWRITEBYTECODE`` is dropped so that, as in a normal install, modules load from their cached
    bytecode (the warm-up run writes it); compiling every module from source on every run is not what a
    user of an installed package pays.
    """
    samples: dict[str, list[float]] = {name: [] for name in commands}
    full_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | dict(env or {})
    for i in range(warmup + runs):
        for name, argv in commands.items():
            start = time.perf_counter()
            proc = subprocess.run(list(argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=full_env)
            elapsed = time.perf_counter() - start
            if proc.returncode != 0:
                raise SystemExit(f"{name}: {' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
            if i >= warmup:
                samples[name].append(elapsed)
    return {name: Stats.of(values) for name, values in samples.items()}


def fit_exponent(sizes: Sequence[float], times: Sequence[float]) -> float | None:
    """Return k of the least-squares fit ``log t = k log size + c`` (None with fewer than two usable points)."""
    pts = [(math.log(s), math.log(t)) for s, t in zip(sizes, times, strict=True) if s > 0 and t > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in pts) / sxx


def environment() -> dict[str, Any]:
    """Return what the figures depend on: versions, CPU count, date."""
    from importlib import metadata

    versions: dict[str, str | None] = {}
    for pkg in ("pyoxigraph", "rdflib", "owlrl", "reasonable", "sco-kg"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "versions": versions,
    }


def sco_kg_command() -> list[str]:
    """Return the argv prefix that runs the ``sco-kg`` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("sco-kg")
    if script.exists():
        return [str(script)]
    found = shutil.which("sco-kg")
    return [found] if found else [sys.executable, "-m", "sco_kg.cli"]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Return a GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def to_jsonable(obj: Any) -> Any:
    """Return ``obj`` with dataclasses and paths turned into JSON values."""
    if isinstance(obj, Stats):
        return asdict(obj)
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, dict):
        return {k: to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    return obj


def write_report(path: Path, report: Mapping[str, Any]) -> None:
    """Write ``report`` as indented JSON to ``path`` atomically."""
    atomic_write_text(path, json.dumps(to_jsonable(dict(report)), indent=2, ensure_ascii=False) + "\n")


def run_timed(argv: Sequence[str]) -> dict[str, Any]:
    """Run ``argv`` from the repository root (its output discarded); return its wall and CPU seconds and its own
    peak RSS in MiB (``os.wait4``); exit with the end of its stderr when it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} exited {code}: {err.decode(errors='replace')[-800:]}")
    return {
        "wall_seconds": round(wall, 4),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
    }
