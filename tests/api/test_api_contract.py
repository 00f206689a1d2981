"""API contract: auth and roles, bad input, approvals, resume after a restart."""
import json

from fastapi.testclient import TestClient

from api.auth import key_digest
from api.main import create_app
from graphs.runner import Runner

OP = {"Authorization": "Bearer op-key"}
ADMIN = {"Authorization": "Bearer admin-key"}
CUST = {"Authorization": "Bearer cust-key"}  # customer:omar_johnson_2562
OMAR_PENDING = "#W8797321"
OMAR_DELIVERED = "#W2809253"
OTHER_ORDER = "#W2611340"  # james_li_5688's


def run(client, body, headers=OP):
    return client.post("/v1/runs", json=body, headers=headers)


def test_missing_and_unknown_keys_are_401(api):
    client, _ = api
    assert run(client, {"input": "hi"}, headers={}).status_code == 401
    r = run(client, {"input": "hi"}, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


def test_bad_input_gets_clear_4xx_and_changes_nothing(api):
    client, deps = api
    before = deps.store.export()
    r = client.post("/v1/runs", content=b"{not json", headers={**OP, "content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_json"
    r = run(client, {"input": "x" * 5000})
    assert r.status_code == 413 and "limit" in r.json()["error"]["message"]
    r = run(client, {"input": "hi", "channel": "martian"})
    assert r.status_code == 422 and "channel" in r.json()["error"]["message"]
    r = client.post("/v1/tools/cancel_pending_order", json={"order_id": "#W0000000", "reason": "no longer needed"},
                    headers=ADMIN)
    assert r.status_code == 404 and "not found" in r.json()["error"]["message"].lower()
    r = client.post("/v1/tools/get_order_details", json={"order_id": "W12"}, headers=OP)
    assert r.status_code == 422
    assert deps.store.export() == before


def test_customer_key_only_reaches_support_and_own_data(api):
    client, deps = api
    before = deps.store.export()
    r = run(client, {"input": "research what to sell in Germany", "channel": "operator"}, headers=CUST)
    assert r.status_code == 200 and r.json()["route"] in (["support"], [])
    r = run(client, {"input": f"cancel order {OTHER_ORDER}, I don't need it"}, headers=CUST)
    body = r.json()
    assert body["status"] == "completed" and not body["pending_actions"]
    assert "not on your account" in body["output"]["text"]
    assert client.get("/v1/tools", headers=CUST).status_code == 403
    assert client.get("/v1/store/export", headers=CUST).status_code == 403
    assert client.post("/v1/store/reset", headers=OP).status_code == 403
    assert deps.store.export() == before


def test_operator_cannot_call_write_tools_directly(api):
    client, _ = api
    r = client.post("/v1/tools/cancel_pending_order", json={"order_id": OMAR_PENDING, "reason": "no longer needed"},
                    headers=OP)
    assert r.status_code == 403


def test_tools_listing_and_read_call(api):
    client, _ = api
    tools = client.get("/v1/tools", headers=OP).json()
    assert {"get_order_details", "cancel_pending_order"} <= {t["name"] for t in tools}
    r = client.post("/v1/tools/get_order_details", json={"order_id": OMAR_DELIVERED}, headers=OP)
    assert r.status_code == 200 and r.json()["status"] == "delivered"


def test_out_of_scope_gets_empty_route(api):
    client, _ = api
    body = run(client, {"input": "what's the weather like in Paris tomorrow?"}).json()
    assert body["route"] == [] and "Chuhai" in body["output"]["text"]


def test_selection_without_sales_history_says_how_to_load_it(api):
    client, _ = api
    body = run(client, {"input": "Which products should I stock for the French market next quarter?"}).json()
    assert body["route"] == ["selection"]
    assert body["output"]["data"]["selection"]["kind"] == "no_sales_history"
    assert "chuhai store reset" in body["output"]["text"]


def test_operator_write_waits_for_api_approval_and_survives_restart(api, make_deps, settings):
    client, deps = api
    body = run(client, {"input": f"Cancel order {OMAR_PENDING}, the customer ordered it by mistake"}).json()
    assert body["status"] == "awaiting_approval", body
    action = body["pending_actions"][0]
    assert action["tool"] == "cancel_pending_order" and action["args"]["reason"] == "ordered by mistake"
    assert deps.store.get_order_details(OMAR_PENDING)["status"] == "pending"
    # restart: a new app and runner over the same checkpoint and store files
    app2 = create_app(deps=make_deps(store=deps.store), runner=Runner(make_deps(store=deps.store)))
    with TestClient(app2) as client2:
        thread = client2.get(f"/v1/threads/{body['thread_id']}", headers=OP).json()
        assert [a["action_id"] for a in thread["pending_actions"]] == [action["action_id"]]
        r = client2.post(f"/v1/threads/{body['thread_id']}/approvals/{action['action_id']}",
                         json={"decision": "approve"}, headers=OP)
        assert r.status_code == 200 and r.json()["status"] == "completed", r.text
        again = client2.post(f"/v1/threads/{body['thread_id']}/approvals/{action['action_id']}",
                             json={"decision": "approve"}, headers=OP)
        assert again.status_code in (404, 409)
    order = deps.store.get_order_details(OMAR_PENDING)
    assert order["status"] == "cancelled" and order["cancel_reason"] == "ordered by mistake"


def test_rejected_action_changes_nothing(api):
    client, deps = api
    before = deps.store.export()
    body = run(client, {"input": f"Cancel order {OMAR_PENDING}, no longer needed"}).json()
    aid = body["pending_actions"][0]["action_id"]
    r = client.post(f"/v1/threads/{body['thread_id']}/approvals/{aid}", json={"decision": "reject"}, headers=OP)
    assert r.status_code == 200 and not r.json()["pending_actions"]
    assert deps.store.export() == before


def test_auto_approve_for_operator_runs_only(api):
    client, deps = api
    r = run(client, {"input": f"Cancel order {OMAR_PENDING}, no longer needed", "auto_approve": True,
                     "channel": "customer"})
    assert r.status_code == 403
    small = "#W5694685"  # paid 98.25; Omar's 2,583.18 refund is above the auto-approval limit
    body = run(client, {"input": f"Cancel order {small}, no longer needed", "auto_approve": True}).json()
    assert body["status"] == "completed"
    assert deps.store.get_order_details(small)["status"] == "cancelled"


def test_customer_yes_in_following_message(api):
    client, deps = api
    first = run(client, {"input": f"Please cancel {OMAR_PENDING}, I don't need it anymore"}, headers=CUST).json()
    assert first["status"] == "awaiting_approval"
    assert deps.store.get_order_details(OMAR_PENDING)["status"] == "pending"
    done = run(client, {"input": "yes", "thread_id": first["thread_id"]}, headers=CUST).json()
    assert done["status"] == "completed"
    assert deps.store.get_order_details(OMAR_PENDING)["status"] == "cancelled"


def test_other_customer_cannot_touch_thread(api, settings):
    client, _ = api
    first = run(client, {"input": f"Please cancel {OMAR_PENDING}, I don't need it anymore"}, headers=CUST).json()
    client.app.state.api_keys[key_digest("cust2-key")] = "customer:james_li_5688"
    other = {"Authorization": "Bearer cust2-key"}
    assert client.get(f"/v1/threads/{first['thread_id']}", headers=other).status_code == 404
    aid = first["pending_actions"][0]["action_id"]
    r = client.post(f"/v1/threads/{first['thread_id']}/approvals/{aid}", json={"decision": "approve"}, headers=other)
    assert r.status_code == 403
    r = run(client, {"input": "yes", "thread_id": first["thread_id"]}, headers=other)
    assert r.status_code == 403


def test_health_and_metrics(api):
    client, _ = api
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/readyz").status_code == 200
    run(client, {"input": f"where is order {OMAR_DELIVERED}?"})
    text = client.get("/metrics").text
    assert "chuhai_runs_total" in text and "chuhai_http_requests_total" in text


def test_multi_agent_plan_in_order(api):
    client, _ = api
    body = run(client, {"input": "Research what I should sell in Germany next quarter, and then write the "
                                 "German listing for it"}).json()
    assert body["route"] == ["selection", "copywriter"]
    assert "chuhai store reset" in body["output"]["text"]  # selection: the test store has no sales history
    assert body["output"]["data"]["copywriter"]["problem"]["code"] == "unknown_product"


def test_angry_customer_is_flagged_and_handed_to_a_person(api):
    client, deps = api
    before = len(deps.store.list_handoffs())
    body = run(client, {"input": f"This is the THIRD time I ask!!! Where is my order {OMAR_DELIVERED}? "
                                 "You are scammers and I will sue you."}, headers=CUST).json()
    support = body["output"]["data"]["support"]
    assert support["escalation"]["angry"] or support["escalation"]["threat"]
    assert support["intent"]["intent"]  # every message gets a Bitext intent
    assert len(deps.store.list_handoffs()) == before + 1
    assert OMAR_DELIVERED in body["output"]["text"]  # the question is still answered


def test_checkpoints_hold_no_raw_email(api, settings):
    client, _ = api
    email = "omar.johnson6791@example.com"
    body = run(client, {"input": f"Hi, {email} here. Cancel {OMAR_PENDING}, I don't need it", "channel": "customer"}).json()
    assert body["status"] == "awaiting_approval"
    raw = (settings.data_dir / "checkpoints.db").read_bytes()
    wal = settings.data_dir / "checkpoints.db-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert email.encode() not in raw
    thread = client.get(f"/v1/threads/{body['thread_id']}", headers=OP).json()
    assert email not in json.dumps(thread)


def test_the_issue_example_message(api):
    """The message quoted in the foundation issue, verbatim, on the storefront channel."""
    client, deps = api
    text = ("the vacuum cleaner from order #W2809253 isn't what I expected, refund to my original card; "
            "I'm Omar Johnson, zip 32228")
    first = run(client, {"input": text, "channel": "customer"}).json()
    assert first["status"] == "awaiting_approval", first["output"]["text"]
    action = first["pending_actions"][0]
    order = deps.store.get_order_details(OMAR_DELIVERED)
    vacuum = [it["item_id"] for it in order["items"] if it["name"] == "Vacuum Cleaner"]
    assert action["tool"] == "return_delivered_order_items" and action["args"]["item_ids"] == vacuum
    assert action["args"]["payment_method_id"] == order["payment_history"][0]["payment_method_id"]
    done = run(client, {"input": "yes", "thread_id": first["thread_id"], "channel": "customer"}).json()
    assert done["status"] == "completed"
    assert deps.store.get_order_details(OMAR_DELIVERED)["status"] == "return requested"
