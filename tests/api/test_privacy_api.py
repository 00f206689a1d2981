"""POST /v1/privacy/erasure and GET /v1/privacy/export/{user_id} on real parts: the
SQLite store, the SQLite checkpointer with real support threads, and a real knowledge
base (embedded Chroma) holding FAQ entries learned from those threads."""
from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app

ADMIN = {"Authorization": "Bearer admin-key"}
OP = {"Authorization": "Bearer op-key"}
CUST = {"Authorization": "Bearer cust-key"}  # customer:omar_johnson_2562
OMAR, JAMES = "omar_johnson_2562", "james_li_5688"


def raw(path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


@pytest.fixture
def world(make_deps, settings):
    """An app with threads of Omar (customer key) and James (storefront visitor), an
    operator thread that looks Omar up, and one learned FAQ entry from each customer."""
    from vectorstore.kb import KnowledgeBase

    deps = make_deps()
    deps.kb = KnowledgeBase.from_settings(settings)  # its own KB: the session corpus KB is shared
    with TestClient(create_app(deps=deps)) as client:
        def run(text, headers=OP, **body):
            r = client.post("/v1/runs", json={"input": text, **body}, headers=headers)
            assert r.status_code == 200, r.text
            return r.json()["thread_id"]

        threads = {
            "omar": run("Where is my order #W2809253?", CUST),
            "james": run("Hi, I am James Li, zip 10083. Where is my order #W2611340?", channel="customer"),
            "op": run(f"Show me the details of user {OMAR}", ADMIN),
        }
        faqs = {who: deps.kb.add_faq(q, a, source_thread_id=threads[who], approved_by="operator")
                for who, q, a in (("omar", "Can I change the delivery address of a shipped order?",
                                   "No; once shipped, contact the carrier."),
                                  ("james", "Do you ship to Canada?", "Yes, duties are paid on delivery."))}
        yield client, deps, threads, faqs


def test_erasure_removes_one_customer_everywhere_and_nothing_else(world, settings, seed_data):
    client, deps, threads, faqs = world
    runner = client.app.state.runner
    assert runner.thread(threads["omar"])["authenticated_user_id"] == OMAR
    assert runner.thread(threads["james"])["authenticated_user_id"] == JAMES

    r = client.post("/v1/privacy/erasure", json={"user_id": OMAR}, headers=ADMIN)
    assert r.status_code == 200, r.text
    done = r.json()
    parts = done["parts"]
    assert done["status"] == "completed" and done["within_deadline"] and not done["overdue"]
    assert parts["store"]["users"] == 1 and parts["store"]["orders"] == 3 and parts["store"]["payment_methods"] >= 1
    assert parts["threads"]["owned"] >= 1 and parts["threads"]["deleted"] == parts["threads"]["owned"] + \
        parts["threads"]["mentioning"]
    assert parts["knowledge_base"]["faq_entries"] == 1 and parts["knowledge_base"]["chunks_removed"] >= 1
    assert parts["store"]["inbox_tickets"] == 0 and parts["store"]["disputes"] == 0  # he has neither
    assert parts["nothing_held"] is False and "user_id" not in done  # the raw id is gone once completed
    received, deadline = (datetime.fromisoformat(done[k].rstrip("Z")) for k in ("received_at", "deadline_at"))
    assert (deadline - received).days == 30 and done["completed_in_s"] < 60

    # store: Omar and his orders are gone, everything else is exactly the seed
    expected = copy.deepcopy(seed_data)
    for oid in expected["users"].pop(OMAR)["orders"]:
        del expected["orders"][oid]
    assert deps.store.export() == expected
    # threads: his own and the operator's look-up of him are gone, James's is intact
    assert runner.thread(threads["omar"]) is None and runner.thread(threads["op"]) is None
    assert runner.thread(threads["james"])["authenticated_user_id"] == JAMES
    # knowledge base: his thread's FAQ entry (file and chunks) is gone, James's stays
    assert not (settings.data_dir / "kb" / "learned" / f"{faqs['omar'].doc_id}.md").exists()
    assert not deps.kb.col.get(where={"doc_id": faqs["omar"].doc_id})["ids"]
    assert deps.kb.col.get(where={"doc_id": faqs["james"].doc_id})["ids"] == faqs["james"].chunk_ids
    # on disk: no trace of his id in the store or the checkpoint database (+ WALs)
    assert OMAR.encode() not in raw(settings.data_dir / "checkpoints.db")
    assert OMAR.encode() not in raw(Path(deps.store.engine.url.database))
    # (no positive control on the raw checkpoint file: checkpoints are encrypted at rest, so
    # James's intact thread shows only through runner.thread above)

    # asking again is a recorded no-op that points at the first request
    again = client.post("/v1/privacy/erasure", json={"user_id": OMAR}, headers=ADMIN).json()
    assert again["status"] == "completed" and again["parts"]["nothing_held"] is True
    assert again["earlier_requests"] == [done["request_id"]] and again["request_id"] != done["request_id"]
    assert client.get(f"/v1/privacy/export/{OMAR}", headers=ADMIN).status_code == 404
    listed = client.get("/v1/privacy/erasure", headers=ADMIN).json()
    assert [x["request_id"] for x in listed] == [done["request_id"], again["request_id"]]
    assert client.get(f"/v1/privacy/erasure/{done['request_id']}", headers=ADMIN).json()["parts"] == parts
    # the audit trail of the erasure names his pseudonym, never his id
    erasures = [e for e in deps.store.audit.entries(subject_user_id=OMAR) if e["action"] == "privacy.erasure"]
    assert len(erasures) == 2 and all(e["subject"] == deps.store.pseudonyms.user(OMAR) for e in erasures)


def test_export_collects_every_part_and_is_admin_or_self(world):
    client, deps, threads, faqs = world
    r = client.get(f"/v1/privacy/export/{JAMES}", headers=ADMIN)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["store"]["user"]["email"] == "james.li4495@example.com"
    assert out["store"]["inbox_tickets"] == [] and out["store"]["disputes"] == []
    assert sorted(out["store"]["orders"]) == sorted(["#W2611340", "#W3632959", "#W4435622", "#W3638028"])
    assert [t["thread_id"] for t in out["threads"]] == [threads["james"]]
    assert out["threads"][0]["relation"] == "owner" and out["threads"][0]["transcript"]
    assert [k["file"] for k in out["knowledge_base"]] == [f"{faqs['james'].doc_id}.md"]
    assert {e["action"] for e in out["audit_log"]} >= {"tool:find_user_id_by_name_zip", "tool:get_order_details"}
    assert JAMES not in json.dumps(out["audit_log"])
    # a customer key reads its own data only; operators and other customers may not
    mine = client.get(f"/v1/privacy/export/{OMAR}", headers=CUST)
    assert mine.status_code == 200
    assert {t["thread_id"] for t in mine.json()["threads"]} == {threads["omar"], threads["op"]}
    assert client.get(f"/v1/privacy/export/{JAMES}", headers=CUST).status_code == 403
    assert client.get(f"/v1/privacy/export/{JAMES}", headers=OP).status_code == 403
    r = client.get("/v1/privacy/export/nobody_1234", headers=ADMIN)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    exports = [e for e in deps.store.audit.entries() if e["action"] == "privacy.export"]
    assert [e["outcome"] for e in exports] == ["ok", "ok", "not_found"]


def test_erasure_is_admin_only_and_checks_its_input(world):
    client, deps, _, _ = world
    assert client.post("/v1/privacy/erasure", json={"user_id": OMAR}, headers=OP).status_code == 403
    assert client.post("/v1/privacy/erasure", json={"user_id": OMAR}, headers=CUST).status_code == 403
    r = client.post("/v1/privacy/erasure", json={"user_id": "x y; drop"}, headers=ADMIN)
    assert r.status_code == 422 and "user_id" in r.json()["error"]["message"]
    assert deps.store.get_user_details(OMAR)["email"] == "omar.johnson6791@example.com"


def test_a_failing_part_leaves_the_request_open_until_asked_again(world, settings):
    client, deps, threads, faqs = world
    real_kb = deps.kb

    class DownKB:  # the knowledge base is unreachable (a Chroma server down)
        def ingest(self, *a, **k):
            raise ConnectionError("Chroma at kb:8000 refused the connection")

    deps.kb = DownKB()
    r = client.post("/v1/privacy/erasure", json={"user_id": OMAR}, headers=ADMIN)
    assert r.status_code == 503 and r.json()["error"]["code"] == "erasure_incomplete"
    assert "refused the connection" in r.json()["error"]["message"]
    open_ = client.get("/v1/privacy/erasure?status=open", headers=ADMIN).json()
    assert len(open_) == 1 and open_[0]["user_id"] == OMAR and "ConnectionError" in open_[0]["error"]
    assert deps.store.get_user_details(OMAR)  # the store part had not run yet
    deps.kb = real_kb
    done = client.post("/v1/privacy/erasure", json={"user_id": OMAR}, headers=ADMIN).json()
    assert done["request_id"] == open_[0]["request_id"] and done["status"] == "completed"
    assert done["received_at"] == open_[0]["received_at"] and done["error"] is None
    assert not real_kb.col.get(where={"doc_id": faqs["omar"].doc_id})["ids"]  # re-ingested on the retry
    assert client.get("/v1/privacy/erasure?status=open", headers=ADMIN).json() == []


def test_pseudonymized_export_and_store_export_are_audited(world, seed_data):
    client, deps, _, _ = world
    r = client.get("/v1/privacy/pseudonymized-export", headers=ADMIN)
    assert r.status_code == 200 and OMAR not in r.text and "omar.johnson6791@example.com" not in r.text
    assert client.get("/v1/privacy/pseudonymized-export", headers=OP).status_code == 403
    assert client.get("/v1/store/export", headers=ADMIN).json() == seed_data
    actions = [(e["actor"], e["action"]) for e in deps.store.audit.entries()]
    assert ("admin", "store.pseudonymized_export") in actions and ("admin", "store.export") in actions
