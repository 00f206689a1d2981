"""Task success over whole support sets, measured and held to a floor.

- support_natural3.jsonl was written blind and first measured as held-out at 0.675
  (27/40, 2026-11-23); its failures were then fixed, so it is a development set now.
- support_blind3.jsonl was written blind to the agent's code and to every other set,
  and has never been used to tune the agent: it is the honest generalisation figure.
Floors are the measured values (minus at most one case); they are never lowered to pass.
"""
import pytest
from test_support_natural import case_failures, load_cases

FLOORS = {
    "support_natural3.jsonl": 0.95,  # 39/40 after fixing; bl-034 (German compounds) still fails
    "support_blind3.jsonl": 0.975,   # first (blind) measurement 40/40 = 1.000 on 2026-11-23
}


@pytest.mark.parametrize("dataset", sorted(FLOORS))
def test_task_success(dataset, make_deps, make_store):
    from fastapi.testclient import TestClient

    from api.main import create_app

    cases = load_cases(dataset)
    failed = {}
    for case in cases:
        deps = make_deps()
        with TestClient(create_app(deps=deps)) as client:
            problems = case_failures(client, deps, make_store, case)
        if problems:
            failed[case["id"]] = problems[0][:300]
    success = 1 - len(failed) / len(cases)
    print(f"\n{dataset}: support task success {success:.3f} ({len(cases) - len(failed)}/{len(cases)})")
    for cid, why in failed.items():
        print(f"  {cid}: {why.splitlines()[0]}")
    assert success >= FLOORS[dataset]
