"""The policy guard at the one place writes happen: the approval step checks every pending
action (guards.policy.check_tool_call) with facts read from the store, right before the
tool runs, whatever the specialist or the LLM proposed.

Facts: whose order it is (a conversation authenticated as one customer never writes to
another's order) and how much money the store policy sends back (cancel: what was paid;
return: the returned items' prices; payment switch: the order total), which above
`max_refund_amount` needs a person's approval: an auto-approve rule is not enough.
"""
from __future__ import annotations

from agents.base import PendingAction
from guards.policy import Decision, check_tool_call

AUTO_ACTOR = "auto:"


def facts_for(deps, action: PendingAction) -> dict:
    order_id = action.args.get("order_id")
    if not order_id:
        return {}
    try:
        order = deps.store.get_order_details(order_id)
    except Exception:  # an unknown order: the tool itself refuses it with the store's message
        return {}
    facts = {"order_user_id": order["user_id"]}
    amount = _refund_amount(action, order)
    if amount is not None:
        facts["refund_amount"] = round(amount, 2)
    return facts


def _refund_amount(action: PendingAction, order: dict) -> float | None:
    if action.tool == "cancel_pending_order":
        return sum(p["amount"] for p in order["payment_history"] if p["transaction_type"] == "payment") \
            - sum(p["amount"] for p in order["payment_history"] if p["transaction_type"] == "refund")
    if action.tool == "return_delivered_order_items":
        ids = set(action.args.get("item_ids") or [])
        return sum(it["price"] for it in order["items"] if it["item_id"] in ids)
    if action.tool == "modify_pending_order_payment":
        return sum(it["price"] for it in order["items"])
    return None


def check_action(deps, state: dict, action: PendingAction, actor: str) -> Decision:
    """Whether `action` may run now, approved by `actor` ("auto:<role>" for a standing
    auto-approve rule; a customer's yes, an API or Slack approval count as a person's)."""
    return check_tool_call(action.tool, action.args, state["role"], deps.settings, agent=action.agent,
                           acting_user_id=action.acting_user_id, facts=facts_for(deps, action),
                           approved_by_human=not actor.startswith(AUTO_ACTOR))


def needs_a_person(deps, state: dict, actions: list[PendingAction]) -> bool:
    """True when an auto-approve rule may not decide this batch: one of its actions is
    allowed only with a person's approval (a refund above the limit)."""
    return any(check_action(deps, state, a, AUTO_ACTOR).needs_human for a in actions)
