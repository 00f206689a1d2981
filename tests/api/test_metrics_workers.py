"""/metrics with several API processes: each writes its own files, any of them adds all up."""
import os
import subprocess
import sys
from pathlib import Path

from api.metrics import MULTIPROCESS_ENV
from chuhai.cli import _multiprocess_metrics

ROOT = Path(__file__).resolve().parents[2]
RECORD = "from api.metrics import Metrics; Metrics().llm_runs.inc()"
RENDER = "from api.metrics import Metrics; print(Metrics().render()[0].decode())"


def _python(code: str, env: dict) -> str:
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


def test_metrics_of_worker_processes_add_up(tmp_path, monkeypatch):
    monkeypatch.setenv(MULTIPROCESS_ENV, "")  # restored after the test
    (tmp_path / "prometheus").mkdir()
    (tmp_path / "prometheus" / "counter_1.db").write_bytes(b"stale")  # an earlier server's file
    _multiprocess_metrics(tmp_path / "prometheus")
    assert os.environ[MULTIPROCESS_ENV] == str(tmp_path / "prometheus")
    assert not list((tmp_path / "prometheus").iterdir())
    env = {**os.environ}
    _python(RECORD, env)
    _python(RECORD, env)
    assert "chuhai_runs_with_llm_total 2.0" in _python(RENDER, env)
