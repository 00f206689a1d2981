"""`chuhai kb ingest|search` through typer's CliRunner, on a temporary data dir."""
import json

from typer.testing import CliRunner

from chuhai.cli import app


def test_kb_ingest_and_search(tmp_path, monkeypatch, corpus_dir):
    monkeypatch.setenv("CHUHAI_DATA_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    res = runner.invoke(app, ["kb", "ingest", "--path", str(corpus_dir)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout.strip().splitlines()[-1]) == {"added": 13, "updated": 0, "deleted": 0,
                                                              "unchanged": 0, "total": 13}
    assert (tmp_path / "var" / "kb" / "chroma.sqlite3").is_file()
    res = runner.invoke(app, ["kb", "ingest", "--path", str(corpus_dir)])
    assert json.loads(res.stdout.strip().splitlines()[-1])["unchanged"] == 13

    res = runner.invoke(app, ["kb", "search", "Wer zahlt die Rücksendung?", "--market", "DE", "--k", "2", "--json"])
    assert res.exit_code == 0, res.output
    hits = json.loads(res.stdout)
    assert len(hits) == 2 and hits[0]["chunk_id"] == "eu-returns#refund-deadline-and-return-shipping-costs"

    res = runner.invoke(app, ["kb", "search", "IOSS", "--k", "1", "--mode", "keyword"])
    assert res.exit_code == 0 and "(eu-vat-oss#import-one-stop-shop-for-low-value-parcels;" in res.stdout
    assert runner.invoke(app, ["kb", "search", "x", "--mode", "fuzzy"]).exit_code == 2
    assert runner.invoke(app, ["kb", "ingest", "--path", str(tmp_path / "missing")]).exit_code == 2
