"""Eval harness. Datasets live in evals/datasets/ (documented there); the runner and
reports arrive with the eval-harness issue."""
