"""`chuhai eval` end to end in-process (reports, history, --compare last, errors), and
the HTTP system against a real server on loopback (reset between writing cases)."""
import json
import socket
import threading
import time

import pytest
from typer.testing import CliRunner

from chuhai.cli import app


@pytest.fixture
def env(tmp_path, shared_data, models_dir, monkeypatch):
    import shutil

    data = tmp_path / "var"
    shutil.copytree(models_dir, data / "models")
    monkeypatch.setenv("CHUHAI_DATA_DIR", str(data))
    monkeypatch.setenv("CHUHAI_SHARED_DATA_DIR", str(shared_data))
    monkeypatch.setenv("CHUHAI_LOG_LEVEL", "WARNING")
    return data


def test_eval_writes_reports_and_compares(env):
    runner = CliRunner()
    first = runner.invoke(app, ["eval", "routing", "--limit", "12", "--model", "none"])
    assert first.exit_code == 0, first.output
    assert "| routing | yes | 12 |" in first.output
    second = runner.invoke(app, ["eval", "routing", "--limit", "12", "--model", "none", "--compare", "last"])
    assert second.exit_code == 0, second.output
    assert "Compared with run 1" in second.output
    reports = sorted((env / "evals").glob("*/report.html"))
    assert reports and json.loads(reports[-1].with_name("results.json").read_text())["info"]["run"] == 2


def test_eval_errors_are_clear(env):
    r = CliRunner().invoke(app, ["eval", "nosuch"])
    assert r.exit_code == 2 and "unknown suite 'nosuch'" in r.output
    r = CliRunner().invoke(app, ["eval", "routing", "--model", "/nope/x.gguf"])
    assert r.exit_code == 2 and "no GGUF file" in r.output


def test_list_suites():
    r = CliRunner().invoke(app, ["eval", "--list"])
    assert r.exit_code == 0 and "support_heldout" in r.output and "fast" in r.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_http_system_resets_between_writing_cases(make_deps, shared_data):
    import uvicorn

    from api.main import create_app
    from evals.runner import run_suite
    from evals.suites import SUITES, Suite
    from evals.systems import HTTPSystem

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(deps=make_deps()), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        heldout = SUITES["support_heldout"].load(shared_data)
        writing = next(c for c in heldout if c.expected_actions)
        reading = next(c for c in heldout if c.expected_outcome == "info")
        system = HTTPSystem(f"http://127.0.0.1:{port}", "admin-key", shared_data)
        # k=2: the second trial of the writing case passes only if the store was reset
        result = run_suite(Suite("mini", "", lambda s: [writing, reading]), system, shared_data, k=2)
        system.close()
    finally:
        server.should_exit = True
        thread.join(10)
    assert result.metrics["pass^2"] == 1.0, [t.failed_checks for c in result.cases for t in c.trials]
