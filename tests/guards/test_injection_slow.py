"""The real injection figures: trained on the full train split, measured on the test split,
Giskard's jailbreaks and the project's own benign customer messages (floors = measured
figures rounded down)."""
from __future__ import annotations

import pytest


@pytest.mark.slow
def test_full_training_meets_floors(tmp_path, shared_data):
    from ml import injection

    r = injection.train(tmp_path, shared_data)
    test = r["test"]["combined"]
    assert test["detection_rate"] >= 0.89 and test["fpr"] <= 0.01
    assert r["giskard"]["combined"]["detection_rate"] >= 0.97
    assert r["support_benign"]["fpr"] <= 0.04
    assert r["validation"]["validation_fpr"] <= 0.02
    assert (tmp_path / "injection.card.md").exists()
