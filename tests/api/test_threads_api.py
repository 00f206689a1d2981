"""Thread listing, history and pending approvals (GET /v1/threads, /v1/threads/{id}/history,
/v1/approvals) on the real graph, store and SQLite checkpointer."""
import sqlite3

from fastapi.testclient import TestClient

from api.auth import key_digest
from api.main import create_app
from graphs.runner import Runner

OP = {"Authorization": "Bearer op-key"}
ADMIN = {"Authorization": "Bearer admin-key"}
SCHED = {"Authorization": "Bearer sched-key"}
CUST = {"Authorization": "Bearer cust-key"}  # customer:omar_johnson_2562
CUST2 = {"Authorization": "Bearer cust2-key"}  # customer:james_li_5688, added per test
OMAR_PENDING = "#W8797321"
OMAR_DELIVERED = "#W2809253"
EMAIL = "omar.johnson6791@example.com"


def run(client, text, headers=OP, **body):
    r = client.post("/v1/runs", json={"input": text, **body}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def second_customer(client):
    client.app.state.api_keys[key_digest("cust2-key")] = "customer:james_li_5688"


def ids(page) -> list[str]:
    return [t["thread_id"] for t in page["threads"]]


def test_customers_see_only_their_own_threads(api):
    client, _ = api
    second_customer(client)
    mine = [run(client, f"where is {OMAR_DELIVERED}?", CUST)["thread_id"] for _ in range(2)]
    ops = run(client, f"where is order {OMAR_DELIVERED}?")["thread_id"]
    sched = run(client, "what's the weather like in Paris tomorrow?", SCHED, channel="schedule")["thread_id"]
    assert set(ids(client.get("/v1/threads", headers=CUST).json())) == set(mine)
    assert ids(client.get("/v1/threads", headers=CUST2).json()) == []
    assert ids(client.get("/v1/threads", headers=SCHED).json()) == [sched]
    for key in (OP, ADMIN):
        assert set(ids(client.get("/v1/threads", headers=key).json())) == {*mine, ops, sched}
    assert client.get("/v1/threads").status_code == 401
    row = next(t for t in client.get("/v1/threads", headers=OP).json()["threads"] if t["thread_id"] == ops)
    assert row["owner"] == "operator" and row["status"] == "completed" and row["route"] == ["support"]
    assert row["runs"] == 1 and row["pending_count"] == 0 and OMAR_DELIVERED in row["title"]


def test_listing_is_newest_first_and_pages_with_a_cursor(api):
    client, _ = api
    made = [run(client, f"where is order {OMAR_DELIVERED}? ({i})")["thread_id"] for i in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        page = client.get("/v1/threads", params={"limit": 2, **({"cursor": cursor} if cursor else {})},
                          headers=OP).json()
        seen += ids(page)
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made[::-1] and pages == 3
    # a thread that gets a new message keeps its place: the order is by start, stable while paging
    run(client, f"and {OMAR_PENDING}?", thread_id=made[0])
    assert ids(client.get("/v1/threads", headers=OP).json()) == made[::-1]
    r = client.get("/v1/threads", params={"cursor": "not-a-cursor"}, headers=OP)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_cursor"
    assert client.get("/v1/threads", params={"limit": 0}, headers=OP).status_code == 422


def test_history_survives_a_restart(api, make_deps):
    client, deps = api
    first = run(client, f"Hi, {EMAIL} here. Where is {OMAR_DELIVERED}?", channel="customer")
    thread = first["thread_id"]
    proposal = run(client, f"cancel {OMAR_PENDING}, I ordered it by mistake", channel="customer", thread_id=thread)
    assert proposal["status"] == "awaiting_approval"
    done = run(client, "yes", channel="customer", thread_id=thread)
    assert done["status"] == "completed"
    # restart: a new app and Runner over the same data dir
    with TestClient(create_app(deps=make_deps(store=deps.store), runner=Runner(make_deps(store=deps.store)))) as c2:
        history = c2.get(f"/v1/threads/{thread}/history", headers=OP).json()
    assert [r["run_id"] for r in history["runs"]] == [first["run_id"], proposal["run_id"], done["run_id"]]
    assert [r["status"] for r in history["runs"]] == ["completed", "awaiting_approval", "completed"]
    assert history["runs"][1]["pending_actions"] == proposal["pending_actions"]
    assert history["runs"][2]["output"]["text"] == done["output"]["text"]
    assert [t["role"] for t in history["transcript"]] == ["user", "assistant", "user", "assistant", "assistant"]
    assert EMAIL not in history["transcript"][0]["content"]  # the transcript is the redacted one
    assert history["thread"]["runs"] == 3 and history["thread"]["status"] == "completed"
    assert history["pending_actions"] == [] and history["next_cursor"] is None


def test_history_pages_and_hides_other_customers_threads(api):
    client, _ = api
    second_customer(client)
    thread = run(client, f"where is {OMAR_DELIVERED}?", CUST)["thread_id"]
    for i in range(2):
        run(client, f"and {OMAR_PENDING}? ({i})", CUST, thread_id=thread)
    page = client.get(f"/v1/threads/{thread}/history", params={"limit": 2}, headers=CUST).json()
    rest = client.get(f"/v1/threads/{thread}/history", params={"cursor": page["next_cursor"]}, headers=CUST).json()
    assert len(page["runs"]) == 2 and len(rest["runs"]) == 1 and rest["next_cursor"] is None
    assert len({r["run_id"] for r in page["runs"] + rest["runs"]}) == 3
    assert client.get(f"/v1/threads/{thread}/history", headers=CUST2).status_code == 404
    assert client.get("/v1/threads/t_nosuchthread/history", headers=OP).status_code == 404


def test_a_customer_cannot_post_into_another_customers_thread(api):
    client, _ = api
    second_customer(client)
    thread = run(client, f"where is {OMAR_DELIVERED}?", CUST)["thread_id"]
    r = client.post("/v1/runs", json={"input": "and my other orders?", "thread_id": thread}, headers=CUST2)
    assert r.status_code == 403
    transcript = client.get(f"/v1/threads/{thread}", headers=CUST).json()["transcript"]
    assert len(transcript) == 2  # nothing was added
    assert client.get(f"/v1/threads/{thread}", headers=CUST2).status_code == 404


def test_approvals_list_pending_actions_then_empties_after_approval(api):
    client, deps = api
    second_customer(client)
    op = run(client, f"Cancel order {OMAR_PENDING}, the customer ordered it by mistake")
    cust = run(client, f"return the vacuum cleaner from {OMAR_DELIVERED}, refund to my original card", CUST)
    assert op["status"] == cust["status"] == "awaiting_approval"
    listed = client.get("/v1/approvals", headers=OP).json()["approvals"]
    assert [(a["thread_id"], a["action_id"]) for a in listed] == [
        (cust["thread_id"], cust["pending_actions"][0]["action_id"]),  # newest first
        (op["thread_id"], op["pending_actions"][0]["action_id"])]
    item = listed[1]
    assert item["tool"] == "cancel_pending_order" and item["agent"] == "support"
    assert item["summary"] == op["pending_actions"][0]["summary"] and item["args"]["order_id"] == OMAR_PENDING
    assert item["age_s"] >= 0 and item["owner"] == "operator" and item["proposed_at"].endswith("Z")
    # filters and paging
    assert [a["tool"] for a in client.get("/v1/approvals", params={"tool": "cancel_pending_order"},
                                          headers=OP).json()["approvals"]] == ["cancel_pending_order"]
    assert client.get("/v1/approvals", params={"agent": "pricing"}, headers=OP).json()["approvals"] == []
    page = client.get("/v1/approvals", params={"limit": 1}, headers=ADMIN).json()
    rest = client.get("/v1/approvals", params={"cursor": page["next_cursor"]}, headers=ADMIN).json()
    assert [a["action_id"] for a in page["approvals"] + rest["approvals"]] == [a["action_id"] for a in listed]
    # customers see their own, schedulers none
    assert [a["thread_id"] for a in client.get("/v1/approvals", headers=CUST).json()["approvals"]] == \
        [cust["thread_id"]]
    assert client.get("/v1/approvals", headers=CUST2).json()["approvals"] == []
    assert client.get("/v1/approvals", headers=SCHED).status_code == 403
    # approve one, reject the other: the list empties
    r = client.post(f"/v1/threads/{op['thread_id']}/approvals/{item['action_id']}", json={"decision": "approve"},
                    headers=OP)
    assert r.status_code == 200
    assert [a["thread_id"] for a in client.get("/v1/approvals", headers=OP).json()["approvals"]] == \
        [cust["thread_id"]]
    run(client, "no", CUST, thread_id=cust["thread_id"])
    assert client.get("/v1/approvals", headers=OP).json()["approvals"] == []
    assert deps.store.get_order_details(OMAR_PENDING)["status"] == "cancelled"
    rows = {t["thread_id"]: t for t in client.get("/v1/threads", headers=OP).json()["threads"]}
    assert rows[op["thread_id"]]["pending_count"] == 0 and rows[op["thread_id"]]["status"] == "completed"


def test_a_new_runner_indexes_threads_the_index_missed(api, make_deps, settings):
    """Threads saved before the index existed, or by a process that died before writing
    its row, are indexed by the next Runner from their checkpoints."""
    client, deps = api
    done = run(client, f"where is order {OMAR_DELIVERED}?")
    waiting = run(client, f"Cancel order {OMAR_PENDING}, no longer needed")
    with sqlite3.connect(settings.checkpoint_path) as db:
        db.execute("DELETE FROM chuhai_threads")
    assert client.get("/v1/threads", headers=OP).json()["threads"] == []
    runner = Runner(make_deps(store=deps.store))
    rows = {t["thread_id"]: t for t in runner.threads.threads("operator", 10)[0]}
    assert rows[done["thread_id"]]["status"] == "completed"
    assert rows[waiting["thread_id"]]["status"] == "awaiting_approval"
    assert [a["action_id"] for a in runner.threads.pending("operator", 10)[0]] == \
        [waiting["pending_actions"][0]["action_id"]]
    assert runner.threads.stale_threads() == []


def test_an_older_state_never_overwrites_a_newer_one(api):
    """Two API processes may finish runs of one thread out of order: a row only moves to a
    later checkpoint, so the approval that came last stays the thread's state."""
    client, _ = api
    index = client.app.state.runner.threads
    first = run(client, f"where is order {OMAR_DELIVERED}?")
    waiting = run(client, f"Cancel order {OMAR_PENDING}, no longer needed", thread_id=first["thread_id"])
    older = index.runs(first["thread_id"], 10)[0][0]
    with index.saver.cursor() as cur:
        (first_checkpoint,) = cur.execute("SELECT checkpoint_id FROM chuhai_runs WHERE run_id = ?",
                                          (older["run_id"],)).fetchone()
    index.record(first["thread_id"], {"run_id": older["run_id"], "route": ["support"]}, "completed", [], None,
                 checkpoint_id=first_checkpoint)
    row = index.thread(first["thread_id"])
    assert row["status"] == "awaiting_approval" and row["last_run_id"] == waiting["run_id"]
    assert row["pending_count"] == 1


def test_deleting_a_thread_deletes_its_index_rows(api):
    """A privacy erasure deletes threads through the checkpointer: titles and RunResults go too."""
    client, _ = api
    gone = run(client, f"where is order {OMAR_DELIVERED}?")["thread_id"]
    kept = run(client, f"Cancel order {OMAR_PENDING}, no longer needed")["thread_id"]
    runner = client.app.state.runner
    runner.checkpointer.delete_thread(gone)
    assert ids(client.get("/v1/threads", headers=OP).json()) == [kept]
    assert client.get(f"/v1/threads/{gone}/history", headers=OP).status_code == 404
    assert runner.threads.runs(gone, 10)[0] == [] and len(runner.threads.runs(kept, 10)[0]) == 1
    runner.checkpointer.delete_thread(kept)
    assert client.get("/v1/approvals", headers=OP).json()["approvals"] == []
