"""Customer-support specialist over the retail store.

Workflow per message: general policy questions are answered from the knowledge base
with citations, no account needed (agents.support_policy); otherwise authenticate
(storefront visitors) -> understand the request with
deterministic parsers over the customer's own store data (agents.support_parse) ->
answer from tool results, or propose exactly one write as a pending action that the
graph executes only after approval. Replies are templates in the customer's language
(prompts/support/*.json) filled with tool results: no fact comes from a model.
"""
from __future__ import annotations

from agents import support_parse as sp
from agents import support_amend, support_policy
from agents.base import AgentOutput, AgentRequest
from agents.support_actions import PROPOSERS, propose_user_address
from agents.support_turn import STATUS_FOR, Turn


def run(req: AgentRequest) -> AgentOutput:
    turn = Turn(req)
    _classify_intent(turn)
    _flag_escalation(turn)
    staff = req.channel != "customer" and not req.customer_key_user
    if req.customer_key_user:
        turn.session["user_id"] = req.customer_key_user
    if support_policy.is_general_question(req.text) and support_policy.answer(turn, req.text):
        return turn.output()  # an unfinished request waiting for authentication stays remembered
    message = support_amend.amended_text(turn.session, req.text)
    text = " ".join(x for x in (turn.session.pop("request_text", ""), message) if x)
    if not staff and not turn.session.get("user_id"):
        if not _authenticate(turn, req.text):
            turn.ask_again(text)
            return turn.output()
        turn.ctx.acting_user_id = turn.session["user_id"]
    _handle(turn, text, staff)
    if turn.pending:
        support_amend.remember(turn.session, turn.pending[0].action_id, turn.pending[0].args.get("order_id"), text)
    return turn.output()


def _classify_intent(turn: Turn) -> None:
    """Bitext intent of the message: reported in the output data and the thread's metrics."""
    intents = getattr(turn.req.deps, "intents", None)
    if intents is not None:
        pred = intents.predict(turn.req.redacted_text, language=turn.lang)
        turn.data["intent"] = {"intent": pred.intent, "category": pred.category,
                               "confidence": round(pred.confidence, 3), "method": pred.method}


def _flag_escalation(turn: Turn) -> None:
    assess = getattr(turn.req.deps, "assess_escalation", None)
    if assess is None:
        return
    esc = assess(turn.req.text)
    if esc.angry or esc.threat:
        turn.data["escalation"] = esc.model_dump()
        res = turn.call("transfer_to_human_agents", summary=f"Escalated ({', '.join(esc.reasons)}): "
                                                            f"{turn.req.redacted_text[:500]}")
        if res.ok:
            turn.say("escalated")


def _authenticate(turn: Turn, text: str) -> bool:
    """Find the customer by e-mail, or by a (first, last) name pair + zip in the message."""
    emails = sp.find_emails(text)
    new_address = sp.parse_address(text)
    zips = sorted(sp.find_zips(text), key=lambda z: bool(new_address) and z == new_address["zip"])
    for email in emails:
        res = turn.call("find_user_id_by_email", email=email)
        if res.ok:
            return _authenticated(turn, res.result["user_id"])
    for zip_code in zips:
        for first, last in sp.name_candidates(text):
            res = turn.call("find_user_id_by_name_zip", first_name=first, last_name=last, zip=zip_code)
            if res.ok:
                return _authenticated(turn, res.result["user_id"])
    turn.say("auth_failed" if emails or zips else "need_auth")
    turn.data["authenticated"] = False
    return False


def _authenticated(turn: Turn, user_id: str) -> bool:
    turn.session["user_id"] = user_id
    turn.data["authenticated"] = True
    turn.data["user_id"] = user_id
    return True


def _handle(turn: Turn, text: str, staff: bool) -> None:
    user_id = turn.session.get("user_id")

    def customer() -> dict | None:  # fetched only when the answer needs the profile
        return turn.call("get_user_details", user_id=user_id).result if user_id else None

    if sp.has_any(text, sp.KEYWORDS["human"]) and not _wants_order_work(text):
        res = turn.call("transfer_to_human_agents", summary=turn.req.redacted_text[:1000])
        turn.say("human" if res.ok else "write_failed", reason=getattr(res, "error", ""))
        return
    if user_id and _is_user_address_change(text):
        return propose_user_address(turn, text, customer())
    order_ids = sp.find_order_ids(text)
    orders: list[dict] = []
    for oid in order_ids:
        res = turn.call("get_order_details", order_id=oid)
        if not res.ok:
            turn.say("not_your_order" if res.code == "forbidden" else "order_not_found", order_id=oid)
            turn.data["refused"] = res.error
            return
        orders.append(res.result)
    kind = _action_kind(turn, text, orders[0] if orders else None)
    if kind == "profile" and user_id:
        return _describe_profile(turn, customer())
    user = None
    if not orders:
        user = customer()
        order = _infer_order(turn, text, user, kind)
        if order is None:
            return
        orders = [order]
        kind = _action_kind(turn, text, order)
    if kind in ("info", "orders", "profile"):
        for order in orders:
            _describe_order(turn, order)
        return
    order = orders[0]
    user = user or customer() or turn.call("get_user_details", user_id=order["user_id"]).result
    turn.ctx.acting_user_id = turn.ctx.acting_user_id or (None if staff else order["user_id"])
    if not _status_allows(turn, kind, order):
        return
    PROPOSERS[kind](turn, text, order, user)


def _wants_order_work(text: str) -> bool:
    return bool(sp.find_order_ids(text)) and sp.has_any(
        text, sp.KEYWORDS["cancel"] + sp.KEYWORDS["return"] + sp.KEYWORDS["exchange"])


def _is_user_address_change(text: str) -> bool:
    wants_change = sp.parse_address(text) is not None or sp.has_any(text, sp.KEYWORDS["change"])
    return wants_change and sp.has_any(text, sp.KEYWORDS["address"]) and sp.has_any(text, sp.KEYWORDS["default"]) \
        and not sp.find_order_ids(text)


def _action_kind(turn: Turn, text: str, order: dict | None) -> str:
    """What the customer wants done, from keywords and the order itself: the same words
    ("change", "refund") mean different actions on a pending and on a delivered order."""
    has = lambda k: sp.has_any(text, sp.KEYWORDS[k])  # noqa: E731
    status = order["status"] if order else None
    if has("cancel"):
        return "cancel"
    if has("profile") and order is None and not sp.find_order_ids(text):
        return "profile"
    if sp.parse_address(text) or (has("address") and has("change")):
        return "order_address"
    # a status question ("where is my order?") needs no look at the product catalogue
    status_question = has("status") and not (has("change") or has("exchange"))
    variant_change = order is not None and not status_question and _variant_change(turn, text, order)
    if variant_change or has("exchange") and status == "delivered":
        return "exchange" if status == "delivered" else "modify_items"
    if _payment_change(text, status):
        return "payment"
    if has("return"):
        return "cancel" if status == "pending" else "return"
    if has("exchange") or has("change"):
        return "exchange" if status == "delivered" else "modify_items"
    if has("profile") and order is None:
        return "profile"
    if has("orders") and order is None:
        return "orders"
    return "info"


def _variant_change(turn: Turn, text: str, order: dict) -> bool:
    for it in sp.pick_items(text, order).items:
        product = turn.product(it["product_id"])
        if product and sp.variant_change_requested(text, it, product):
            return True
    return False


def _payment_change(text: str, status: str | None) -> bool:
    """'pay with my paypal instead', 'charge my gift card': a new method for a pending order."""
    if status not in (None, "pending"):
        return False
    names_method = sp.has_any(text, sp.KEYWORDS["payment"] + sp.KEYWORDS["methods"])
    wants_change = sp.has_any(text, sp.KEYWORDS["change"] + sp.KEYWORDS["exchange"])
    return names_method and wants_change and not sp.has_any(text, sp.KEYWORDS["return"])


def _infer_order(turn: Turn, text: str, user: dict | None, kind: str) -> dict | None:
    """No order id given: pick the customer's only order that fits, else ask which one."""
    if user is None:
        turn.say("which_order", orders="—")
        turn.ask_again(text)
        return None
    details = [turn.call("get_order_details", order_id=o).result for o in user["orders"]]
    details = [d for d in details if d]
    # the product named says most; the status the action needs breaks ties
    score = {d["order_id"]: max((sp.product_mention(it["name"], text) for it in d["items"]), default=0)
             for d in details}
    best = max(score.values(), default=0)
    named = [d for d in details if best and score[d["order_id"]] == best]
    if len(named) > 1:  # "the watch with the white dial": the order whose item fits the description
        described = {d["order_id"]: max(len(sp.option_value_mentions(list(it["options"].values()), text))
                                        for it in d["items"]) for d in named}
        top = max(described.values())
        named = [d for d in named if described[d["order_id"]] == top]
    need = {"modify_items": ("pending", "delivered"), "exchange": ("pending", "delivered")}.get(
        kind, (STATUS_FOR[kind],) if kind in STATUS_FOR else ())
    fits = named or details
    if need:
        fits = [d for d in fits if d["status"] in need] or fits
    if len(fits) == 1:
        return fits[0]
    if kind == "orders" or (kind == "info" and not named):
        turn.say("orders_list", orders=turn.r.join([f"{d['order_id']} ({turn.r.status(d['status'])})"
                                                    for d in details]))
        turn.data["orders"] = [{"order_id": d["order_id"], "status": d["status"]} for d in details]
        return None
    turn.say("which_order", orders=turn.r.join([f"{d['order_id']} ({turn.r.status(d['status'])})" for d in fits]))
    turn.ask_again(text)
    return None


def _describe_profile(turn: Turn, user: dict) -> None:
    r = turn.r
    turn.say("profile", name=f"{user['name']['first_name']} {user['name']['last_name']}", email=user["email"],
             address=r.address(user["address"]), methods=r.methods(user))
    turn.say("orders_list", orders=r.join(user["orders"]) or "—")


def _describe_order(turn: Turn, order: dict) -> None:
    r = turn.r
    turn.say("order_status", order_id=order["order_id"], status=r.status(order["status"]))
    turn.say("order_items", items=r.join([r.item(it) for it in order["items"]]))
    tracking = [t for f in order["fulfillments"] for t in f["tracking_id"]]
    if tracking:
        turn.say("tracking", tracking=", ".join(tracking))
    elif order["status"] in ("pending", "pending (item modified)"):
        turn.say("no_tracking")
    turn.data.setdefault("orders", []).append({"order_id": order["order_id"], "status": order["status"],
                                               "tracking": tracking})


def _status_allows(turn: Turn, kind: str, order: dict) -> bool:
    need = STATUS_FOR.get(kind)
    status = order["status"]
    if need is None or status == need:
        return True
    rule = {"cancel": "rule_cancel", "return": "rule_return", "exchange": "rule_exchange"}.get(kind, "rule_modify")
    if status == "pending (item modified)" and need == "pending":
        rule = "rule_item_modified"
    action_word = turn.r.t(f"verb_{kind}") if turn.r.has(f"verb_{kind}") else kind.replace("_", " ")
    turn.say("status_refusal", action=action_word, order_id=order["order_id"], status=turn.r.status(status),
             rule=turn.r.t(rule))
    turn.data["refused"] = f"status {status}"
    return False


