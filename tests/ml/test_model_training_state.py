"""Model files on disk: atomic saves, the training marker, and the message a specialist
gets for a model that is missing or being trained."""
import os
from types import SimpleNamespace

import pytest

import ml
from ml.model_files import load_model, save_model


class Thing:
    def __init__(self, value):
        self.value = value


def test_save_is_atomic_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "m.joblib"
    save_model(Thing(1), path, 3)
    save_model(Thing(2), path, 3)
    assert load_model(Thing, path, 3, "thing").value == 2
    assert [p.name for p in tmp_path.iterdir()] == ["m.joblib"]
    with pytest.raises(ValueError, match="is not a thing of format 4"):
        load_model(Thing, path, 4, "thing")


def test_missing_model_names_the_training_command(tmp_path):
    deps = SimpleNamespace(settings=SimpleNamespace(models_dir=tmp_path))
    with pytest.raises(ml.NotTrained, match="chuhai models train forecast"):
        ml.trained(deps, "forecast")


def test_model_being_trained_says_so_until_the_marker_goes(tmp_path):
    deps = SimpleNamespace(settings=SimpleNamespace(models_dir=tmp_path))
    with ml.training_marker(tmp_path, ["forecast"]):
        assert ml.training_now(tmp_path)["pid"] == os.getpid()
        with pytest.raises(ml.NotTrained, match="being trained right now"):
            ml.trained(deps, "forecast")
        with pytest.raises(ml.NotTrained, match="not trained"):
            ml.trained(deps, "elasticity")
    assert ml.training_now(tmp_path) is None


def test_a_dead_trainers_marker_is_ignored(tmp_path):
    (tmp_path / ml.TRAINING_MARKER).write_text('{"pid": 999999999, "models": ["forecast"], "started": "x"}')
    assert ml.training_now(tmp_path) is None


def test_injected_model_wins_over_files(tmp_path):
    fake = object()
    deps = SimpleNamespace(forecast=fake, settings=SimpleNamespace(models_dir=tmp_path))
    assert ml.trained(deps, "forecast") is fake
