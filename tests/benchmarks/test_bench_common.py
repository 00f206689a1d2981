"""benchmarks/common.py: the percentile helper and the results file (no timing here)."""
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.common import dist, finish, header, pct  # noqa: E402


def test_pct_matches_statistics_quantiles_and_handles_one_sample():
    xs = list(range(1, 101))
    assert pct(xs, 50) == 50.5
    assert pct(xs, 95) == 95.95
    assert pct([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        pct([], 50)


def test_dist_and_results_file(tmp_path):
    assert dist([1.0, 2.0, 3.0], (50,)) == {"n": 3, "p50": 2.0}
    report = header("demo")
    assert report["benchmark"] == "demo" and "cores" in report["machine"]
    out = tmp_path / "sub" / "demo.json"
    finish(report, out)
    saved = json.loads(out.read_text())
    assert saved["date"] == report["date"] and "load_avg_1m_after" in saved
