"""Classical models. One registry: name -> module with train(out_dir, shared_data) and load(out_dir).

Model files live under CHUHAI_DATA_DIR/models, are rebuilt by `chuhai models train`
and are never committed; each training run writes a model card next to its model.
"""
from __future__ import annotations

import importlib
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
