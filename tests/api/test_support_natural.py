"""The support agent on the project's natural multilingual message set, through the API,
with the store's end state checked against the reference actions on a fresh copy."""
import json
from pathlib import Path

import pytest

CASES = [json.loads(line) for line in
         (Path(__file__).resolve().parents[2] / "evals/datasets/support_natural.jsonl").read_text().splitlines()
         if line.strip()]


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


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_natural_case(case, api, make_store):
    client, deps = api
    replies, results = _run_case(client, case)
    reference = make_store("reference")
    for action in case["expected_actions"]:
        reference.apply(action["name"], action["kwargs"], acting_user_id=case["user_id"])
    transcript = "\n".join(replies)
    assert deps.store.export() == reference.export(), f"store end state differs; replies:\n{transcript}"
    for fact in case["must_contain"]:
        assert fact.lower() in transcript.lower(), f"missing {fact!r} in:\n{transcript}"
    for fact in case["must_not_contain"]:
        assert fact.lower() not in transcript.lower()
    assert all(r["route"] in (["support"], []) for r in results)
