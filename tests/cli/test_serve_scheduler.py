"""`chuhai serve` for real (a subprocess on a free loopback port): without Slack settings
the API and the scheduler run, the scheduler in the parent process only (two API workers
still give one run per scheduled time), and Ctrl-C stops everything cleanly."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # first start seeds the store with the full sales history


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, key: str | None = None):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def _wait(check, timeout: float):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except OSError as e:  # not listening yet
            last = e
        time.sleep(0.25)
    raise AssertionError(f"not reached in {timeout} s ({last})")


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_runs_the_api_and_one_scheduler(tmp_path, shared_data, models_dir, workers):
    data = tmp_path / "var"
    shutil.copytree(models_dir, data / "models")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHUHAI_")}
    env.update({"CHUHAI_DATA_DIR": str(data), "CHUHAI_SHARED_DATA_DIR": str(shared_data),
                "CHUHAI_LLM_BACKEND": "none", "CHUHAI_API_KEYS": json.dumps({"op": "operator"}),
                "CHUHAI_SCHEDULE_SUPPORT_INBOX": "every 1s", "CHUHAI_LOG_JSON": "false"})
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "chuhai.cli", "serve", "--port", str(port), "--workers",
                             str(workers)], env=env, cwd=Path(__file__).resolve().parents[2],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait(lambda: _get(f"{base}/healthz"), 600)
        jobs = {s["job_id"]: s for s in _get(f"{base}/v1/schedules", "op")["schedules"]}
        assert all(s["enabled"] and s["next_run_at"] for s in jobs.values())  # the scheduler filled its store
        runs = _wait(lambda: [r for r in _get(f"{base}/v1/schedule-runs?job_id=support_inbox&limit=100", "op")["runs"]
                              if r["status"] == "completed"][2:], 60)
        all_runs = _get(f"{base}/v1/schedule-runs?limit=100", "op")["runs"]
        # one scheduler: each scheduled time ran once and nothing was skipped as already run
        keys = [r["run_key"] for r in all_runs if r["trigger"] != "manual"]
        assert len(keys) == len(set(keys)) and runs
        assert not [r for r in all_runs if r["status"] == "skipped"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-3000:]
    assert err.count("Scheduler: on (") == 1, err[-3000:]
    assert "scheduler_stopped" in out + err
