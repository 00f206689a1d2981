"""An erasure an admin approves on a thread (the compliance agent's pending action): the
thread's own write-back after the erasure must not bring the customer back. Real parts:
the API, the graph, the SQLite checkpointer (encrypted) and its thread index."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from store.privacy_parts import ThreadsPart, forget_thread_if_erased

ADMIN = {"Authorization": "Bearer admin-key"}
OP = {"Authorization": "Bearer op-key"}
OMAR, OMAR_EMAIL = "omar_johnson_2562", "omar.johnson6791@example.com"


def raw(path) -> bytes:
    path = Path(path)
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def index_rows(path, thread_id: str) -> int:
    with sqlite3.connect(path) as db:
        return sum(db.execute(f"SELECT COUNT(*) FROM {t} WHERE thread_id = ?", (thread_id,)).fetchone()[0]
                   for t in ("chuhai_threads", "chuhai_runs", "checkpoints", "writes"))


def test_the_thread_that_approved_an_erasure_keeps_no_trace_of_the_customer(api, settings):
    client, deps = api
    james = client.post("/v1/runs", json={"input": "Hi, I am James Li, zip 10083. Where is my order #W2611340?",
                                          "channel": "customer"}, headers=OP).json()["thread_id"]
    body = client.post("/v1/runs", json={"input": f"erase customer {OMAR}'s personal data", "channel": "operator"},
                       headers=ADMIN).json()
    tid, action = body["thread_id"], body["pending_actions"][0]
    assert action["tool"] == "erase_customer_data"
    runner = client.app.state.runner
    assert index_rows(settings.checkpoint_path, tid) > 0

    r = client.post(f"/v1/threads/{tid}/approvals/{action['action_id']}", json={"decision": "approve"},
                    headers=ADMIN)
    assert r.status_code == 200, r.text
    done = r.json()
    # the admin gets the run's result, naming whom they erased ...
    assert done["status"] == "completed" and OMAR in done["output"]["text"]
    assert deps.store.subject_record(OMAR) is None
    # ... but the thread is not written back: no checkpoint, no index row, no RunResult
    assert runner.thread(tid) is None and runner.threads.thread(tid) is None
    assert client.get(f"/v1/threads/{tid}", headers=ADMIN).status_code == 404
    assert index_rows(settings.checkpoint_path, tid) == 0
    assert ThreadsPart(runner.checkpointer).find(OMAR, [OMAR, OMAR_EMAIL]) == {}  # every checkpoint, opened
    assert OMAR.encode() not in raw(settings.checkpoint_path)  # the index's title was in clear
    # the erasure request is the record, and another customer's thread is untouched
    erasures = [e for e in deps.store.audit.entries(subject_user_id=OMAR) if e["action"] == "privacy.erasure"]
    assert [e["outcome"] for e in erasures] == ["ok"]
    assert runner.thread(james)["authenticated_user_id"] == "james_li_5688"


def test_only_an_executed_erasure_forgets_the_thread(api):
    client, _ = api
    tid = client.post("/v1/runs", json={"input": "Where is my order #W2611340?"}, headers=ADMIN).json()["thread_id"]
    saver = client.app.state.runner.checkpointer
    assert not forget_thread_if_erased(saver, tid, [{"tool": "cancel_pending_order", "ok": True}])
    assert not forget_thread_if_erased(saver, tid, [{"tool": "erase_customer_data", "ok": False}])
    assert not forget_thread_if_erased(saver, tid, None)
    assert client.app.state.runner.thread(tid) is not None
    assert forget_thread_if_erased(saver, tid, [{"tool": "erase_customer_data", "ok": True}])
    assert client.app.state.runner.thread(tid) is None
