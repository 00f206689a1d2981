"""The policy guard in the approval step: checked right before a tool runs, on the real
store and graph, whatever the proposal said."""
from agents.base import PendingAction
from graphs.nodes import make_nodes
from graphs.reply_guard import guard_reply

OP = {"Authorization": "Bearer op-key"}
SMALL_PENDING = "#W5694685"   # evelyn_kovacs_6742's, paid 98.25
BIG_PENDING = "#W8797321"     # omar_johnson_2562's, paid 2,583.18: above the 500 auto-approval limit
OTHERS_PENDING = "#W2974929"  # fatima_anderson_2157's


def run(client, body):
    r = client.post("/v1/runs", json=body, headers=OP)
    assert r.status_code == 200, r.text
    return r.json()


def test_auto_approve_runs_a_refund_under_the_limit(api):
    client, deps = api
    res = run(client, {"input": f"Cancel order {SMALL_PENDING}, no longer needed", "auto_approve": True})
    assert res["status"] == "completed"
    assert deps.store.get_order_details(SMALL_PENDING)["status"] == "cancelled"
    assert {"name": "tool_policy", "action": "pass", "detail": ""} in res["guardrails"]


def test_a_refund_over_the_limit_waits_for_a_person_despite_auto_approve(api):
    client, deps = api
    res = run(client, {"input": f"Cancel order {BIG_PENDING}, no longer needed", "auto_approve": True})
    assert res["status"] == "awaiting_approval"
    assert deps.store.get_order_details(BIG_PENDING)["status"] == "pending"
    action = res["pending_actions"][0]["action_id"]
    done = client.post(f"/v1/threads/{res['thread_id']}/approvals/{action}", json={"decision": "approve"},
                       headers=OP).json()
    assert done["status"] == "completed"
    assert deps.store.get_order_details(BIG_PENDING)["status"] == "cancelled"


def _approve_directly(deps, action: PendingAction) -> dict:
    """The approval node on a state holding `action`, auto-approved by an operator: what a
    forged or corrupted proposal would reach."""
    approval = make_nodes(deps)["approval"]
    state = {"run_id": "run_x", "text": "go ahead", "redacted": "go ahead", "channel": "operator",
             "role": "operator", "language": "en", "auto_approve": True, "pending": [action.model_dump()],
             "guardrails": [], "tool_calls": [], "timings": {}}
    return approval(state)


def test_a_proposal_on_another_customers_order_is_stopped_before_the_tool_runs(make_deps):
    deps = make_deps()
    before = deps.store.export()
    action = PendingAction(tool="cancel_pending_order", args={"order_id": OTHERS_PENDING,
                                                              "reason": "no longer needed"},
                           summary="cancel", agent="support", acting_user_id="omar_johnson_2562")
    out = _approve_directly(deps, action)
    assert out["executed"][0]["ok"] is False and out["executed"][0]["blocked_by_policy"] == "not_own_data"
    assert not [c for c in out["tool_calls"] if c["tool"] == "cancel_pending_order"]
    assert any(g["name"] == "tool_policy" and g["action"] == "blocked" for g in out["guardrails"])
    assert deps.store.export() == before


def test_a_tool_outside_the_agents_own_is_stopped(make_deps):
    deps = make_deps()
    before = deps.store.export()
    action = PendingAction(tool="cancel_pending_order", args={"order_id": SMALL_PENDING,
                                                              "reason": "no longer needed"},
                           summary="cancel", agent="pricing")
    out = _approve_directly(deps, action)
    assert out["executed"][0]["blocked_by_policy"] == "tool_not_for_agent"
    assert deps.store.export() == before


def test_reply_promising_what_the_policy_forbids_is_replaced():
    text, guard = guard_reply("Good news: we will refund you twice and you can keep the item.", "en")
    assert guard["action"] == "blocked" and "refund you twice" not in text
    text, guard = guard_reply("Your order #W1234567 is delivered.", "en")
    assert guard == {"name": "reply_policy", "action": "pass", "detail": ""} and text.endswith("delivered.")
