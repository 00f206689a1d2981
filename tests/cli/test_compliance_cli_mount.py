"""`chuhai compliance audit|scan-pii` through the `chuhai` command (agents/compliance_cli.py
mounted in chuhai/cli.py): listed, bad input refused before anything is opened, and on a
fresh data dir a real audit and PII scan whose stdout is the JSON alone (logs: stderr)."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from chuhai.cli import app


@pytest.fixture
def fresh_env(tmp_path, monkeypatch, shared_data):
    monkeypatch.setenv("CHUHAI_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CHUHAI_SHARED_DATA_DIR", str(shared_data))
    monkeypatch.setenv("CHUHAI_LLM_BACKEND", "none")
    return tmp_path / "var"


def test_compliance_is_a_chuhai_command_and_refuses_unknown_markets(fresh_env):
    runner = CliRunner()
    listed = runner.invoke(app, ["--help"])
    assert listed.exit_code == 0 and "compliance" in listed.stdout
    sub = runner.invoke(app, ["compliance", "--help"])
    assert sub.exit_code == 0 and "audit" in sub.stdout and "scan-pii" in sub.stdout
    bad = runner.invoke(app, ["compliance", "audit", "--market", "BR"])
    assert bad.exit_code == 2 and "supported" in bad.stderr
    assert not (fresh_env / "store.db").exists()  # refused before the store was opened or seeded


@pytest.mark.slow  # seeds a fresh store with the sales history (~25 s)
def test_compliance_audit_and_scan_through_chuhai(fresh_env):
    runner = CliRunner()
    res = runner.invoke(app, ["compliance", "audit", "--market", "UK", "--product", "Kettle", "--json"])
    assert res.exit_code == 0, res.output
    result = json.loads(res.stdout)  # nothing but the JSON: the store's warnings went to stderr
    assert result["products"] == 2 and result["markets"] == ["UK"] and result["findings"] > 0
    assert "store_keys_generated" in res.stderr
    scan = runner.invoke(app, ["compliance", "scan-pii", "--no-include-sales", "--limit", "5"])
    assert scan.exit_code == 0, scan.output
    found = json.loads(scan.stdout)
    assert found["fields_scanned"] > 0 and len(found["findings"]) <= 5
