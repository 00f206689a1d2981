"""The knowledge base over HTTP: search with citations, and a resolved ticket turned into
a FAQ entry that the next customer's question is answered from."""
import pytest

OP = {"Authorization": "Bearer op-key"}
CUST = {"Authorization": "Bearer cust-key"}


def test_search_returns_citations_and_needs_a_staff_key(api):
    client, _ = api
    r = client.get("/v1/kb/search", params={"q": "lithium batteries by air", "k": 3}, headers=OP)
    assert r.status_code == 200
    cites = r.json()["citations"]
    assert len(cites) == 3 and cites[0]["doc_id"] == "safety-batteries"
    assert client.get("/v1/kb/search", params={"q": "batteries"}, headers=CUST).status_code == 403
    assert client.get("/v1/kb/search", params={"q": "x"}, headers=OP).status_code == 422


@pytest.fixture
def learning_api(make_deps, tmp_path):
    """The API on a KB of its own (this test writes to it)."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from vectorstore.faq import learned_dir
    from vectorstore.kb import corpus_kb

    deps = make_deps()
    deps.kb = corpus_kb(tmp_path / "kb")
    deps.kb.learned_dir = learned_dir(deps.settings)
    with TestClient(create_app(deps=deps)) as client:
        yield client, deps


def test_an_approved_answer_becomes_a_faq_entry(learning_api):
    client, deps = learning_api
    ticket = client.post("/v1/runs", json={"input": "Do you ship to Iceland?", "channel": "customer"},
                         headers=OP).json()
    answer = "Yes: we ship to Iceland; import VAT is collected by the carrier on delivery."
    r = client.post("/v1/kb/faq", json={"thread_id": ticket["thread_id"], "run_id": ticket["run_id"],
                                        "answer": answer, "topics": ["shipping"]}, headers=OP)
    assert r.status_code == 201, r.text
    learned = r.json()
    assert learned["doc_id"].startswith("faq-") and learned["chunk_ids"]
    nxt = client.post("/v1/runs", json={"input": "Does the store ship orders to Iceland?", "channel": "customer"},
                      headers=OP).json()
    assert nxt["citations"] and nxt["citations"][0]["doc_id"] == learned["doc_id"]
    assert "Iceland" in nxt["output"]["text"]


def test_learning_refuses_unknown_threads_runs_and_customers(learning_api):
    client, _ = learning_api
    body = {"thread_id": "t_nope", "run_id": "run_nope"}
    assert client.post("/v1/kb/faq", json=body, headers=OP).status_code == 404
    t = client.post("/v1/runs", json={"input": "hello", "channel": "customer"}, headers=OP).json()
    r = client.post("/v1/kb/faq", json={"thread_id": t["thread_id"], "run_id": "run_other"}, headers=OP)
    assert r.status_code == 404 and "no question" in r.json()["error"]["message"]
    assert client.post("/v1/kb/faq", json=body, headers=CUST).status_code == 403
