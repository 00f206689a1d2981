from typer.testing import CliRunner

import ml
from chuhai.cli import app


def test_train_missing_trains_only_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("CHUHAI_DATA_DIR", str(tmp_path))
    models = tmp_path / "models"
    models.mkdir()
    for name in ml.MODELS:
        if name != "fraud":
            (models / ml.ARTIFACT[name]).write_bytes(b"x")
    trained = []
    monkeypatch.setattr(ml, "train", lambda name, models_dir, shared: trained.append(name) or {"ok": 1})
    res = CliRunner().invoke(app, ["models", "train", "--missing"])
    assert res.exit_code == 0, res.output
    assert trained == ["fraud"]
    assert not (models / ml.TRAINING_MARKER).exists()
