"""The held-out support set (evals/datasets/support_blind.jsonl), written blind to the
agent's code and never used to tune it: task success is measured and must not regress
below the figure measured when it was first run (see README)."""
import pytest
from test_support_natural import case_failures, load_cases

HELDOUT = load_cases("support_blind.jsonl")
MIN_SUCCESS = 0.65  # first blind measurement 27/40 = 0.675 (2026-11-23); never lowered to pass


def test_heldout_task_success(make_deps, make_store, settings):
    from fastapi.testclient import TestClient

    from api.main import create_app

    failed = {}
    for case in HELDOUT:
        deps = make_deps()
        with TestClient(create_app(deps=deps)) as client:
            problems = case_failures(client, deps, make_store, case)
        if problems:
            failed[case["id"]] = problems[0][:300]
    success = 1 - len(failed) / len(HELDOUT)
    print(f"\nheld-out support task success: {success:.3f} ({len(HELDOUT) - len(failed)}/{len(HELDOUT)})")
    for cid, why in failed.items():
        print(f"  {cid}: {why.splitlines()[0]}")
    assert success >= MIN_SUCCESS
