"""The chargeback specialist end to end on real parts: the tools over the seeded disputes,
evidence bundles checked against the store's own records, the letter's facts, the HTML
export, requests in six languages through the graph, submitting through approval, the
customer's support thread as evidence, and clear answers to bad input."""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

import ml
from agents import chargeback
from agents.base import AgentRequest
from agents.chargeback_parse import parse
from store import disputes as store_disputes
from tools import REGISTRY, call_tool
from tools.base import ToolContext

DELIVERED = ("delivered", "return requested", "exchange requested")


@pytest.fixture(scope="module")
def fraud_dir(shared_data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fraud")
    ml.module("fraud").train(out, shared_data, candidates=("logreg_amount",), bootstrap=0)
    return out


@pytest.fixture
def deps(make_deps, fraud_dir, shared_data):
    d = make_deps()
    d.fraud = ml.load("fraud", fraud_dir, shared_data, train_if_missing=False)
    return d


def _call(deps, name, **args):
    return call_tool(name, ToolContext(deps=deps, role="operator"), args)


def _bundle(deps, dispute_id: str, **kw) -> dict:
    out = _call(deps, "build_dispute_bundle", dispute_id=dispute_id, **kw)
    assert out.ok, out
    return out.result


def _by_family(deps) -> dict[str, dict]:
    """One open-or-not dispute per evidence family (the seed has all six)."""
    out = {}
    for d in _call(deps, "list_disputes", limit=500).result["disputes"]:
        out.setdefault(d["family"], d)
    return out


def _item(bundle: dict, name: str) -> dict:
    return next(i for i in bundle["evidence"] if i["item"] == name)


def _agent(deps, text: str, language: str = "en", session: dict | None = None):
    return chargeback.run(AgentRequest(text=text, redacted_text=text, channel="operator", language=language,
                                       role="operator", deps=deps, session=session or {}))


# ------------------------------------------------------------------ tools
def test_tools_are_registered_for_the_chargeback_agent():
    for name in ("list_disputes", "get_dispute", "build_dispute_bundle", "submit_dispute"):
        assert REGISTRY[name].agents == ("chargeback",)
    assert REGISTRY["submit_dispute"].write and not REGISTRY["build_dispute_bundle"].write


def test_due_within_lists_open_disputes_by_deadline(deps):
    today = datetime.now(timezone.utc).date()
    out = _call(deps, "list_disputes", due_within_days=7).result
    assert out["total"] == len(out["disputes"]) > 0
    days = [d["days_left"] for d in out["disputes"]]
    assert days == sorted(days) and all(0 <= n <= 7 for n in days)
    assert all(d["status"] == "open" for d in out["disputes"])
    every_open = store_disputes.list_disputes(deps.store, status="open")
    expected = {d["id"] for d in every_open if 0 <= (date.fromisoformat(d["due_at"][:10]) - today).days <= 7}
    assert {d["id"] for d in out["disputes"]} == expected
    overdue = _call(deps, "list_disputes", overdue=True).result["disputes"]
    assert overdue and all(d["days_left"] < 0 and d["status"] == "open" for d in overdue)


def test_bad_input_is_a_typed_failure(deps):
    missing = _call(deps, "get_dispute", dispute_id="DSP-9999")
    assert not missing.ok and missing.code == "not_found" and "DSP-9999" in missing.error
    assert _call(deps, "build_dispute_bundle", dispute_id="12").code == "invalid"
    assert _call(deps, "list_disputes", order_id="#W0000000").code == "not_found"
    assert _call(deps, "list_disputes", due_within_days=-1).code == "invalid"


def test_bundles_hold_what_the_store_holds(deps):
    export = deps.store.export()
    for family, d in _by_family(deps).items():
        b = _bundle(deps, d["id"])["bundle"]
        order, user = export["orders"][d["order_id"]], export["users"][d["user_id"]]
        assert b["family"] == family and b["dispute"]["id"] == d["id"]
        assert [i["item_id"] for i in _item(b, "order_record")["facts"]["items"]] == \
            [i["item_id"] for i in order["items"]]
        names = {i["item"] for i in b["evidence"]}
        if "fulfillment_tracking" in names:
            tracking = {t for f in order["fulfillments"] for t in f["tracking_id"]}
            item = _item(b, "fulfillment_tracking")
            assert item["status"] == ("held" if tracking else "not_held")
            assert {t for p in item["facts"].get("parcels", []) for t in p["tracking_ids"]} == tracking
        if "delivery_confirmation" in names:
            assert (_item(b, "delivery_confirmation")["status"] == "held") == (order["status"] in DELIVERED)
        if "prior_orders" in names:
            others = {o for o in user["orders"] if o != d["order_id"]}
            got = {o["order_id"] for o in _item(b, "prior_orders")["facts"].get("orders", [])}
            assert got == others
        if "refund_record" in names:
            refunds = [p["amount"] for p in order["payment_history"] if p["transaction_type"] == "refund"]
            item = _item(b, "refund_record")
            assert item["status"] == ("held" if refunds else "not_held")
            if refunds:
                assert item["facts"]["refunded_total"] == pytest.approx(sum(refunds))
        missing = b["completeness"]["missing"]
        assert missing == [i["item"] for i in b["evidence"] if i["status"] == "not_held" and i["weight"] > 0]
        assert 0 < b["completeness"]["score"] < 1
        assert b["citations"] and all(c["doc_id"].startswith(("chargeback-", "policy-")) for c in b["citations"])
        assert b["citations"][0]["doc_id"] == b["kb_doc"]


def test_fraud_disputes_carry_a_score_with_provenance(deps):
    d = _by_family(deps)["fraud"]
    b = _bundle(deps, d["id"])["bundle"]
    risk = b["fraud_risk"]
    assert 0 <= risk["probability"] <= 1 and risk["band"] in ("low", "elevated", "high")
    assert [f["name"] for f in risk["features"]] == ["log_amount"]
    assert risk["features"][0]["provenance"].startswith("available")
    assert "fraud risk" not in b["letter"].lower()  # internal only
    other = _bundle(deps, _by_family(deps)["not_received"]["id"])["bundle"]
    assert other["fraud_risk"] is None


def test_without_a_trained_model_the_score_says_why(make_deps):
    d = make_deps()  # settings.models_dir has no fraud model
    fraud = next(x for x in _call(d, "list_disputes", limit=500).result["disputes"] if x["family"] == "fraud")
    item = _item(_bundle(d, fraud["id"])["bundle"], "fraud_risk")
    assert item["status"] == "not_held" and "chuhai models train fraud" in item["note"]


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


def _counts(value) -> set[str]:
    """The sizes of every list inside value (the letter may count parcels or messages)."""
    if isinstance(value, dict):
        return set().union(*(_counts(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return {str(len(value))}.union(*(_counts(v) for v in value))
    return set()


def test_letter_states_only_facts_from_the_bundle(deps):
    for d in _by_family(deps).values():
        b = _bundle(deps, d["id"])["bundle"]
        facts = [b["dispute"], [i["facts"] for i in b["evidence"]]]
        known = _numbers(json.dumps(facts)) | _counts(facts) | set(b["generated_at"][:10].split("-"))
        for n in _numbers(b["letter"]):
            assert n in known or n.rstrip("0").rstrip(".") in known, (d["id"], n)
        assert "[Merchant name" in b["letter"]  # left for the operator, never invented
        for item in b["letter_uses"]:
            assert _item(b, item)["status"] != "not_held"


def test_html_export_is_self_contained(deps):
    d = _by_family(deps)["not_as_described"]
    out = _bundle(deps, d["id"], include_html=True)
    html = out["html"]
    assert html.startswith("<!doctype html>") and d["id"] in html and d["order_id"] in html
    assert "<script" not in html and "http://" not in html and "https://" not in html
    for label in out["bundle"]["completeness"]["missing"]:
        assert label  # every missing item is rendered by its label
    assert "Missing evidence" in html and "Rebuttal letter" in html


# ------------------------------------------------------------------ the agent
@pytest.mark.parametrize("text,lang", [
    ("draft a rebuttal for dispute DSP-0012", "en"),
    ("为争议 DSP-0012 起草申诉信", "zh"),
    ("Redacta la réplica para la disputa DSP-0012", "es"),
    ("Entwirf den Widerspruch für die Rückbuchung DSP-0012", "de"),
    ("Rédige la contestation du litige DSP-0012", "fr"),
    ("DSP-0012 の反論書を作成して", "ja"),
])
def test_bundle_requests_in_six_languages(deps, text, lang):
    out = _agent(deps, text, lang)
    data = chargeback.ChargebackResult.model_validate(out.data)
    assert data.kind == "bundle" and data.dispute_id == "DSP-0012"
    assert "DSP-0012" in out.text and out.citations
    assert data.missing and all(m in data.bundle["completeness"]["missing"] for m in data.missing)
    english = chargeback.Replies("en")
    if lang != "en":
        assert english.label("items", data.missing[0]) not in out.text  # labels are translated
    assert out.session["dispute_id"] == "DSP-0012"


@pytest.mark.parametrize("text,lang", [
    ("which disputes are due this week?", "en"), ("本周有哪些争议到期？", "zh"),
    ("¿Qué disputas vencen esta semana?", "es"), ("Welche Rückbuchungen sind diese Woche fällig?", "de"),
    ("Quels litiges arrivent à échéance cette semaine ?", "fr"),
    ("今週期限のチャージバックはどれ？", "ja"),
])
def test_due_this_week_in_six_languages(deps, text, lang):
    out = _agent(deps, text, lang)
    data = out.data
    assert data["kind"] == "list" and data["window_days"] == 7
    expected = _call(deps, "list_disputes", due_within_days=7).result["disputes"]
    assert [d["id"] for d in data["disputes"]] == [d["id"] for d in expected]
    assert expected[0]["id"] in out.text


def test_order_named_request_finds_its_dispute(deps):
    d = _by_family(deps)["not_received"]
    out = _agent(deps, f"build the evidence for the chargeback on order {d['order_id']}")
    assert out.data["kind"] == "bundle" and out.data["dispute_id"] == d["id"]
    assert [c["tool"] for c in out.tool_calls] == ["list_disputes", "build_dispute_bundle"]


def test_bad_input_gets_a_clear_answer(deps):
    unknown = _agent(deps, "draft a rebuttal for dispute DSP-9999")
    assert unknown.data["kind"] == "not_found" and "DSP-9999" in unknown.text
    no_order = _agent(deps, "build the chargeback evidence for order #W0000000")
    assert no_order.data["kind"] == "not_found" and "#W0000000" in no_order.text
    undisputed = next(o for o in deps.store.list_orders(status="pending"))
    none = _agent(deps, f"chargeback evidence for order {undisputed}")
    assert none.data["kind"] == "not_found" and "no dispute" in none.text.lower()
    amex = _agent(deps, "write the Amex chargeback response for DSP-0012", "en")
    assert amex.data["kind"] == "unsupported" and "American Express" in amex.text
    market = _agent(deps, "welche Rückbuchungen gibt es für Deutschland?", "de")
    assert market.data["kind"] == "unsupported" and "USD" in market.text
    assert not unknown.pending_actions and not amex.pending_actions


def test_general_question_answers_from_the_knowledge_base(deps):
    out = _agent(deps, "what evidence wins a Visa 13.1 merchandise not received dispute?")
    assert out.data["kind"] == "question"
    assert out.citations and out.citations[0]["doc_id"].startswith("chargeback-")


def test_parser_reads_ids_windows_and_intents():
    assert parse("submit dsp 7").kind == "submit" and parse("submit dsp 7").dispute_ids == ["DSP-0007"]
    assert parse("disputes due in 3 days").window_days == 3
    assert parse("which disputes are overdue?").overdue
    assert parse("export DSP-0003 as pdf").html
    assert parse("注文#W1166549のチャージバックの証拠をまとめて").order_ids == ["#W1166549"]
    assert parse("the machine broke").unsupported_market is None  # "chine" inside a word is not China


# ------------------------------------------------------------------ through the graph
def _runner(deps):
    from graphs.runner import Runner

    return Runner(deps)


def _run(runner, text, thread_id=None, role="operator", channel="operator", **kw):
    from graphs.result import RunRequest

    return runner.run(RunRequest(input=text, channel=channel, thread_id=thread_id, **kw), role)


@pytest.mark.parametrize("text,lang", [
    ("draft a rebuttal for dispute DSP-0012", "en"),
    ("¿Qué disputas vencen esta semana?", "es"),
    ("Welche Rückbuchungen sind diese Woche fällig?", "de"),
    ("Rédige la contestation du litige DSP-0012", "fr"),
    ("本周有哪些争议到期？", "zh"),
])
def test_routed_to_chargeback_and_answered_in_the_language(deps, text, lang):
    result = _run(_runner(deps), text)
    assert result.route == ["chargeback"] and result.status == "completed"
    assert result.output.language == lang
    assert result.output.data["chargeback"]["kind"] in ("bundle", "list")


def _open_dispute(deps) -> dict:
    return _call(deps, "list_disputes", due_within_days=30).result["disputes"][0]


def test_submit_is_a_pending_action_executed_on_approval(deps):
    runner, d = _runner(deps), _open_dispute(deps)
    first = _run(runner, f"submit dispute {d['id']}")
    assert first.status == "awaiting_approval" and first.route == ["chargeback"]
    (action,) = first.pending_actions
    assert action.tool == "submit_dispute" and action.args == {"dispute_id": d["id"]}
    assert store_disputes.get_dispute(deps.store, d["id"])["status"] == "open"  # nothing written yet
    done = _run(runner, "yes", thread_id=first.thread_id)
    assert done.status == "completed" and d["id"] in done.output.text
    stored = store_disputes.get_dispute(deps.store, d["id"])
    assert stored["status"] == "submitted" and stored["bundle_ref"].startswith("sha256:")
    kept = store_disputes.submitted_bundle(deps.store, d["id"])
    assert kept["bundle_ref"] == stored["bundle_ref"] and kept["dispute"]["id"] == d["id"]
    again = _run(runner, f"submit dispute {d['id']}")
    assert again.status == "completed" and not again.pending_actions
    assert again.output.data["chargeback"]["kind"] == "submit_refused"


def test_rejected_submission_writes_nothing(api):
    client, deps = api
    d = _open_dispute(deps)
    headers = {"Authorization": "Bearer op-key"}
    first = client.post("/v1/runs", json={"input": f"submit dispute {d['id']}", "channel": "operator"},
                        headers=headers).json()
    action = first["pending_actions"][0]
    out = client.post(f"/v1/threads/{first['thread_id']}/approvals/{action['action_id']}",
                      json={"decision": "reject"}, headers=headers).json()
    assert "not submitted" in out["output"]["text"]
    assert store_disputes.get_dispute(deps.store, d["id"])["status"] == "open"


def test_past_deadline_is_refused_before_proposing(deps):
    late = _call(deps, "list_disputes", overdue=True).result["disputes"][0]
    out = _agent(deps, f"submit dispute {late['id']}")
    assert out.data["kind"] == "submit_refused" and not out.pending_actions


def test_customer_support_thread_becomes_evidence(deps):
    runner = _runner(deps)
    d = next(x for x in _call(deps, "list_disputes", limit=500).result["disputes"] if x["family"] == "not_received")
    before = _bundle(deps, d["id"])["bundle"]
    assert _item(before, "customer_messages")["status"] == "not_held"
    said = f"hello, where is my order {d['order_id']}? it has not arrived"
    _run(runner, said, role=f"customer:{d['user_id']}", channel="customer")
    after = _bundle(deps, d["id"])["bundle"]
    msgs = _item(after, "customer_messages")
    assert msgs["status"] == "held"
    assert any(said in m for t in msgs["facts"]["threads"] for m in t["messages"])
    assert _item(after, "support_thread")["status"] == "held"
    assert after["completeness"]["score"] > before["completeness"]["score"]


def test_api_tool_access(api):
    client, deps = api
    op = {"Authorization": "Bearer op-key"}
    names = {t["name"] for t in client.get("/v1/tools", headers=op).json()}
    assert {"list_disputes", "get_dispute", "build_dispute_bundle", "submit_dispute"} <= names
    r = client.post("/v1/tools/build_dispute_bundle", json={"dispute_id": "DSP-0001", "include_html": True},
                    headers=op)
    assert r.status_code == 200 and r.json()["html"].startswith("<!doctype html>")
    assert client.post("/v1/tools/get_dispute", json={"dispute_id": "DSP-9999"}, headers=op).status_code == 404
    assert client.post("/v1/tools/submit_dispute", json={"dispute_id": "DSP-0001"}, headers=op).status_code == 403
    cust = {"Authorization": "Bearer cust-key"}
    assert client.post("/v1/tools/list_disputes", json={}, headers=cust).status_code == 403
