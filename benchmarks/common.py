"""What the benchmark scripts share: percentiles, when and where a figure was taken, and
writing the results file.

The machine is a busy 2-core box, so every report also carries the load average before
and after the run (a figure taken under load 3 is not comparable with one under load 0),
and the commit plus the tracked files modified in the working tree, since several people
change this tree at once.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def pct(xs: list[float], q: int) -> float:
    """The q-th percentile (1..99), as support_path.py computes it; one sample is its own percentile."""
    if not xs:
        raise ValueError("pct() of no samples")
    if len(xs) == 1:
        return round(float(xs[0]), 3)
    return round(statistics.quantiles(xs, n=100)[q - 1], 3)


def dist(xs: list[float], qs: tuple[int, ...] = (50, 95)) -> dict[str, float]:
    """{"p50": .., "p95": ..} of ``xs`` (plus "n")."""
    return {"n": len(xs), **{f"p{q}": pct(xs, q) for q in qs}}


def header(name: str) -> dict:
    """The fields every results file starts with: benchmark, date (UTC), machine, load."""
    return {"benchmark": name, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "load_avg_1m_before": round(os.getloadavg()[0], 2), "tree": tree()}


def tree() -> dict:
    """The commit and the tracked files modified on top of it (empty when git is unavailable)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=RESULTS.parent.parent, capture_output=True,
                                  text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "modified": git("diff", "--name-only", "HEAD").splitlines()}


def finish(report: dict, out: str | Path) -> None:
    """Add the load average after the run, print the report and write it as JSON."""
    report["load_avg_1m_after"] = round(os.getloadavg()[0], 2)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(text + "\n", encoding="utf-8")
