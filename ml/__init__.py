"""Classical models. One registry: name -> module with train(out_dir, shared_data) and load(out_dir).

Model files live under CHUHAI_DATA_DIR/models, are rebuilt by `chuhai models train`
and are never committed; each training run writes a model card next to its model.
"""
from __future__ import annotations

import importlib
import json
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

MODELS = {"router": "ml.router", "intents": "ml.intents", "injection": "ml.injection",
          "forecast": "ml.forecast", "elasticity": "ml.elasticity",
          "reviews": "ml.reviews", "categories": "ml.categories", "fraud": "ml.fraud"}
ARTIFACT = {"router": "router.joblib", "intents": "intents.joblib", "injection": "injection.joblib",
            "forecast": "forecast.joblib", "elasticity": "elasticity.joblib",
            "reviews": "reviews.joblib", "categories": "categories.joblib", "fraud": "fraud.joblib"}
# What the request path (router, input guard, support agent) loads at start-up; the
# sales and text models are loaded by the specialists that use them.
REQUEST_PATH = ("router", "intents", "injection")


def module(name: str):
    return importlib.import_module(MODELS[name])


def is_trained(name: str, models_dir: Path) -> bool:
    return (models_dir / ARTIFACT[name]).exists()


def train(name: str, models_dir: Path, shared_data: Path) -> dict:
    return module(name).train(models_dir, shared_data)


def load(name: str, models_dir: Path, shared_data: Path, *, train_if_missing: bool = True):
    if not is_trained(name, models_dir):
        if not train_if_missing:
            raise FileNotFoundError(f"Model '{name}' is not trained: run `chuhai models train {name}`.")
        train(name, models_dir, shared_data)
    return module(name).load(models_dir)


class NotTrained(LookupError):
    """A specialist asked for a model that has not been trained under models_dir."""


def trained(deps, name: str):
    """The model `name` for a request: the deps' own (tests inject fakes as `deps.<name>`),
    else the trained file under settings.models_dir, loaded once per file version.
    Never trains: a missing model is `NotTrained` with the command that builds it."""
    model = getattr(deps, name, None)
    if model is not None:
        return model
    models_dir = getattr(getattr(deps, "settings", None), "models_dir", None)
    if models_dir is None or not is_trained(name, Path(models_dir)):
        training = training_now(Path(models_dir)) if models_dir is not None else None
        if training and name in training.get("models", []):
            raise NotTrained(f"The {name} model is being trained right now (started {training['started']}); "
                             "ask again in a few minutes.")
        raise NotTrained(f"The {name} model is not trained: run `chuhai models train {name}`.")
    artifact = Path(models_dir) / ARTIFACT[name]
    return _load_file_version(name, str(models_dir), artifact.stat().st_mtime)


@lru_cache(maxsize=16)
def _load_file_version(name: str, models_dir: str, mtime: float):
    return module(name).load(Path(models_dir))


TRAINING_MARKER = "TRAINING.json"


@contextmanager
def training_marker(models_dir: Path, names: list[str]):
    """While a training run works, `models_dir/TRAINING.json` names its models and process,
    so a request for one of them can say "being trained" instead of "not trained"."""
    path = Path(models_dir) / TRAINING_MARKER
    path.write_text(json.dumps({"pid": os.getpid(), "models": names,
                                "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}))
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def training_now(models_dir: Path) -> dict | None:
    """The running training's marker, or None (no marker, or its process has died)."""
    try:
        marker = json.loads((Path(models_dir) / TRAINING_MARKER).read_text())
        os.kill(int(marker["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return marker
