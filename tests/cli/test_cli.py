"""The `chuhai` CLI on real parts in a temporary data dir (first use seeds and trains)."""
import json

from typer.testing import CliRunner

from chuhai.cli import app


def test_ask_and_store_commands(tmp_path, monkeypatch, shared_data):
    monkeypatch.setenv("CHUHAI_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CHUHAI_SHARED_DATA_DIR", str(shared_data))
    monkeypatch.setenv("CHUHAI_LLM_BACKEND", "none")
    runner = CliRunner()
    res = runner.invoke(app, ["ask", "Where is order #W2611340?", "--json"])
    assert res.exit_code == 0, res.output
    result = json.loads(res.stdout)
    assert result["route"] == ["support"] and "357962501027" in result["output"]["text"]

    res = runner.invoke(app, ["ask", "Cancel order #W5694685, the customer ordered it by mistake",
                              "--auto-approve"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "export.json"
    assert runner.invoke(app, ["store", "export", "--out", str(out)]).exit_code == 0
    exported = json.loads(out.read_text())
    assert exported["orders"]["#W5694685"]["status"] == "cancelled"  # 98.25: under the auto-approval limit

    assert runner.invoke(app, ["store", "reset", "--no-with-sales"]).exit_code == 0
    assert runner.invoke(app, ["store", "export", "--out", str(out)]).exit_code == 0
    assert json.loads(out.read_text()) == {k: json.loads((shared_data / "retail" / f"{k}.json").read_text())
                                          for k in ("users", "orders", "products")}
    report = runner.invoke(app, ["models", "report"])
    assert "router" in report.stdout and "intents" in report.stdout
