"""The support agent on the project's natural multilingual message set, through the API,
with the store's end state checked against the reference actions on a fresh copy."""
import json
from pathlib import Path

import pytest

DATASETS = Path(__file__).resolve().parents[2] / "evals" / "datasets"


def load_cases(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATASETS / name).read_text().splitlines() if line.strip()]


# Development sets: every case must pass. support_natural2 was written blind and first
# measured as held-out (0.775 on 2026-11-23); its failures were then fixed, so it is a
# development set now. support_blind.jsonl (test_support_heldout.py) is the held-out one.
CASES = load_cases("support_natural.jsonl") + load_cases("support_natural2.jsonl")


def _run_case(client, case):
    thread, replies, results = None, [], []
    for turn in case["turns"]:
        body = {"input": turn, "channel": case["channel"]}
        if thread:
            body["thread_id"] = thread
        r = client.post("/v1/runs", json=body, headers={"Authorization": "Bearer op-key"})
        assert r.status_code == 200, r.text
        res = r.json()
        thread = res["thread_id"]
        replies.append(res["output"]["text"])
        results.append(res)
    return replies, results


def case_failures(client, deps, make_store, case) -> list[str]:
    """Run one case through the API; return what went wrong (empty = success)."""
    replies, results = _run_case(client, case)
    reference = make_store("reference")
    for action in case["expected_actions"]:
        reference.apply(action["name"], action["kwargs"], acting_user_id=case["user_id"])
    transcript = "\n".join(replies)
    problems = []
    if deps.store.export() != reference.export():
        problems.append("store end state differs")
    problems += [f"missing {f!r}" for f in case["must_contain"] if f.lower() not in transcript.lower()]
    problems += [f"contains {f!r}" for f in case["must_not_contain"] if f.lower() in transcript.lower()]
    if not all(r["route"] in (["support"], []) for r in results):
        problems.append("routed outside support")
    return [f"{p}; replies:\n{transcript}" for p in problems]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_natural_case(case, api, make_store):
    """The development set: every case must pass."""
    client, deps = api
    assert not case_failures(client, deps, make_store, case)
