"""Customer-support specialist over the retail store.

Workflow per message: authenticate (storefront visitors) -> understand the request with
deterministic parsers over the customer's own store data (agents.support_parse) ->
answer from tool results, or propose exactly one write as a pending action that the
graph executes only after approval. Replies are templates in the customer's language
(prompts/support/*.json) filled with tool results: no fact comes from a model.
"""
from __future__ import annotations

from agents import support_parse as sp
from agents.base import AgentOutput, AgentRequest, PendingAction
from agents.support_replies import Replies, replies
from tools import call_tool
from tools.base import ToolContext

AGENT = "support"
STATUS_FOR = {"cancel": "pending", "order_address": "pending", "payment": "pending", "modify_items": "pending",
              "return": "delivered", "exchange": "delivered"}


class _Turn:
    """One message being handled: the tool context, the replies and the output being built."""

    def __init__(self, req: AgentRequest):
        self.req = req
        self.session = dict(req.session)
        self.lang = req.language
        self.r: Replies = replies(self.lang)
        user_id = req.customer_key_user or self.session.get("user_id")
        self.ctx = ToolContext(deps=req.deps, role=req.role, acting_user_id=user_id)
        self.parts: list[str] = []
        self.pending: list[PendingAction] = []
        self.data: dict = {}

    def call(self, tool: str, **args):
        return call_tool(tool, self.ctx, args)

    def say(self, key: str, **kw) -> None:
        self.parts.append(self.r.t(key, **kw))

    def output(self) -> AgentOutput:
        return AgentOutput(agent=AGENT, text=" ".join(p for p in self.parts if p), data=self.data,
                           pending_actions=self.pending, tool_calls=self.ctx.audit, session=self.session)


def run(req: AgentRequest) -> AgentOutput:
    turn = _Turn(req)
    _classify_intent(turn)
    _flag_escalation(turn)
    staff = req.channel != "customer" and not req.customer_key_user
    if req.customer_key_user:
        turn.session["user_id"] = req.customer_key_user
    text = " ".join(x for x in (turn.session.pop("request_text", ""), req.text) if x)
    if not staff and not turn.session.get("user_id"):
        if not _authenticate(turn, req.text):
            turn.session["request_text"] = text[-2000:]
            return turn.output()
        turn.ctx.acting_user_id = turn.session["user_id"]
    _handle(turn, text, staff)
    return turn.output()


def _classify_intent(turn: _Turn) -> None:
    """Bitext intent of the message: reported in the output data and the thread's metrics."""
    intents = getattr(turn.req.deps, "intents", None)
    if intents is not None:
        pred = intents.predict(turn.req.redacted_text, language=turn.lang)
        turn.data["intent"] = {"intent": pred.intent, "category": pred.category,
                               "confidence": round(pred.confidence, 3), "method": pred.method}


def _flag_escalation(turn: _Turn) -> None:
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


def _authenticate(turn: _Turn, text: str) -> bool:
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


def _authenticated(turn: _Turn, user_id: str) -> bool:
    turn.session["user_id"] = user_id
    turn.data["authenticated"] = True
    turn.data["user_id"] = user_id
    return True


def _handle(turn: _Turn, text: str, staff: bool) -> None:
    user_id = turn.session.get("user_id")

    def customer() -> dict | None:  # fetched only when the answer needs the profile
        return turn.call("get_user_details", user_id=user_id).result if user_id else None

    if sp.has_any(text, sp.KEYWORDS["human"]) and not _wants_order_work(text):
        res = turn.call("transfer_to_human_agents", summary=turn.req.redacted_text[:1000])
        turn.say("human" if res.ok else "write_failed", reason=getattr(res, "error", ""))
        return
    if user_id and _is_user_address_change(text):
        return _propose_user_address(turn, text, customer())
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


def _action_kind(turn: _Turn, text: str, order: dict | None) -> str:
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
    variant_change = order is not None and _variant_change(turn, text, order)
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


def _variant_change(turn: _Turn, text: str, order: dict) -> bool:
    for it in sp.pick_items(text, order).items:
        product = turn.call("get_product_details", product_id=it["product_id"]).result
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


def _all_values() -> list[str]:
    return list(sp.glossary().get("option_values", {}).keys())


def _infer_order(turn: _Turn, text: str, user: dict | None, kind: str) -> dict | None:
    """No order id given: pick the customer's only order that fits, else ask which one."""
    if user is None:
        turn.say("which_order", orders="—")
        turn.session["request_text"] = text[-2000:]
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
    turn.session["request_text"] = text[-2000:]
    return None


def _describe_profile(turn: _Turn, user: dict) -> None:
    r = turn.r
    turn.say("profile", name=f"{user['name']['first_name']} {user['name']['last_name']}", email=user["email"],
             address=r.address(user["address"]), methods=r.methods(user))
    turn.say("orders_list", orders=r.join(user["orders"]) or "—")


def _describe_order(turn: _Turn, order: dict) -> None:
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


def _status_allows(turn: _Turn, kind: str, order: dict) -> bool:
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


def _propose(turn: _Turn, tool: str, args: dict, summary: str) -> None:
    """Validate the write on the real store without committing it, then ask for approval."""
    check = turn.req.deps.store.check_action(tool, args, acting_user_id=turn.ctx.acting_user_id)
    if check is not None:
        if "order_id" in args:
            turn.say("refused_order", order_id=args["order_id"], reason=check)
        else:
            turn.say("refused", reason=check)
        turn.data["refused"] = check
        return
    action = PendingAction(tool=tool, args=args, summary=summary, agent=AGENT,
                           acting_user_id=turn.ctx.acting_user_id, language=turn.lang)
    turn.pending.append(action)
    turn.say("propose", summary=summary.rstrip("."))


def _propose_cancel(turn: _Turn, text: str, order: dict, user: dict) -> None:
    reason = sp.cancel_reason(text)
    if reason is None:
        turn.say("ask_cancel_reason", order_id=order["order_id"])
        turn.session["request_text"] = text[-2000:]
        return
    summary = turn.r.t("sum_cancel", order_id=order["order_id"], reason=turn.r.t(f"reason_{reason}"))
    _propose(turn, "cancel_pending_order", {"order_id": order["order_id"], "reason": reason},
             summary + ". " + turn.r.t("after_cancel"))


def _address_or_ask(turn: _Turn, text: str) -> dict | None:
    address = sp.parse_address(text)
    if address is None:
        turn.say("ask_address")
        turn.session["request_text"] = text[-2000:]
    return address


def _propose_order_address(turn: _Turn, text: str, order: dict, user: dict) -> None:
    if (address := _address_or_ask(turn, text)) is None:
        return
    summary = turn.r.t("sum_order_address", order_id=order["order_id"], address=turn.r.address(address))
    _propose(turn, "modify_pending_order_address", {"order_id": order["order_id"], **address}, summary)


def _propose_user_address(turn: _Turn, text: str, user: dict) -> None:
    if (address := _address_or_ask(turn, text)) is None:
        return
    summary = turn.r.t("sum_user_address", address=turn.r.address(address))
    _propose(turn, "modify_user_address", {"user_id": turn.session["user_id"], **address}, summary)


def _original_method(order: dict) -> str | None:
    payments = [p for p in order["payment_history"] if p["transaction_type"] == "payment"]
    return payments[0]["payment_method_id"] if payments else None


def _propose_payment(turn: _Turn, text: str, order: dict, user: dict) -> None:
    original = _original_method(order)
    choice = sp.choose_payment_method(text, user, original, prefer_new=True)
    if choice.problem or not choice.explicit or choice.method_id in (None, original):
        if choice.problem:
            turn.say("refused", reason=choice.problem)
        turn.say("ask_payment_method", methods=turn.r.methods(user))
        turn.session["request_text"] = text[-2000:]
        return
    summary = turn.r.t("sum_payment", order_id=order["order_id"],
                       method=turn.r.method(user, choice.method_id), old_method=turn.r.method(user, original))
    _propose(turn, "modify_pending_order_payment",
             {"order_id": order["order_id"], "payment_method_id": choice.method_id}, summary)


def _pick_items_or_ask(turn: _Turn, text: str, order: dict) -> list[dict] | None:
    pick = sp.pick_items(text, order)
    if not pick.items or pick.ambiguous:
        turn.say("which_items", order_id=order["order_id"],
                 items=turn.r.join([turn.r.item(it) for it in order["items"]]))
        turn.session["request_text"] = text[-2000:]
        return None
    return pick.items


def _payment_or_ask(turn: _Turn, text: str, order: dict, user: dict) -> str | None:
    choice = sp.choose_payment_method(text, user, _original_method(order))
    if choice.problem or choice.method_id is None:
        if choice.problem:
            turn.say("refused", reason=choice.problem)
        turn.say("ask_payment_method", methods=turn.r.methods(user))
        turn.session["request_text"] = text[-2000:]
        return None
    return choice.method_id


def _propose_item_change(turn: _Turn, text: str, order: dict, user: dict, tool: str, sum_key: str) -> None:
    items = _pick_items_or_ask(turn, text, order)
    if items is None:
        return
    if len(items) > 1:  # "the order with the skateboard: the charger in black" changes only the charger
        changing = [it for it in items if sp.variant_change_requested(
            text, it, turn.call("get_product_details", product_id=it["product_id"]).result)]
        items = changing or items
        # "the blue charger, in black": the item whose current options are described
        described = {it["item_id"]: len(sp.option_value_mentions(list(it["options"].values()), text)) for it in items}
        top = max(described.values())
        if top and list(described.values()).count(top) == 1:
            items = [it for it in items if described[it["item_id"]] == top]
    new_ids, changes = [], []
    for it in items:
        product = turn.call("get_product_details", product_id=it["product_id"]).result
        pick = sp.pick_variant(text, it, product)
        other = pick.variant is None and _other_product_named(turn, text, order)
        if other:
            turn.say("other_product", order_id=order["order_id"], product=it["name"], other=other)
            turn.data["refused"] = "different product type"
            return
        if pick.variant is None:
            key = "which_variant" if pick.candidates else "variant_not_found"
            options = turn.r.join([turn.r.options(v["options"]) for v in pick.candidates[:8]]) or "—"
            turn.say(key, product=it["name"], options=options)
            turn.session["request_text"] = text[-2000:]
            return
        new_ids.append(pick.variant["item_id"])
        changes.append(turn.r.t("change_pair", old=turn.r.item(it), new=turn.r.options(pick.variant["options"])))
    method = _payment_or_ask(turn, text, order, user)
    if method is None:
        return
    prices = {v["item_id"]: v["price"] for it in items
              for v in turn.call("get_product_details", product_id=it["product_id"]).result["variants"].values()}
    diff = round(sum(prices[n] for n in new_ids) - sum(it["price"] for it in items), 2)
    summary = turn.r.t(sum_key, order_id=order["order_id"], changes=turn.r.join(changes),
                       diff=turn.r.money(diff), method=turn.r.method(user, method))
    _propose(turn, tool, {"order_id": order["order_id"], "item_ids": [it["item_id"] for it in items],
                          "new_item_ids": new_ids, "payment_method_id": method}, summary)


def _other_product_named(turn: _Turn, text: str, order: dict) -> str | None:
    """A product the store sells that is not in this order, named as the replacement."""
    in_order = {it["name"] for it in order["items"]}
    types = turn.call("list_all_product_types").result["product_types"]
    named = [(sp.product_mention(name, text), name) for name in types if name not in in_order]
    named = [(score, name) for score, name in named if score]
    return max(named)[1] if named else None


def _propose_modify_items(turn: _Turn, text: str, order: dict, user: dict) -> None:
    _propose_item_change(turn, text, order, user, "modify_pending_order_items", "sum_modify_items")


def _propose_exchange(turn: _Turn, text: str, order: dict, user: dict) -> None:
    _propose_item_change(turn, text, order, user, "exchange_delivered_order_items", "sum_exchange")


def _propose_return(turn: _Turn, text: str, order: dict, user: dict) -> None:
    items = _pick_items_or_ask(turn, text, order)
    if items is None:
        return
    method = _payment_or_ask(turn, text, order, user)
    if method is None:
        return
    summary = turn.r.t("sum_return", items=turn.r.join([turn.r.item(it) for it in items]),
                       order_id=order["order_id"], method=turn.r.method(user, method))
    _propose(turn, "return_delivered_order_items",
             {"order_id": order["order_id"], "item_ids": [it["item_id"] for it in items],
              "payment_method_id": method}, summary + ". " + turn.r.t("after_return"))


PROPOSERS = {
    "cancel": _propose_cancel,
    "order_address": _propose_order_address,
    "payment": _propose_payment,
    "modify_items": _propose_modify_items,
    "exchange": _propose_exchange,
    "return": _propose_return,
}


def render_executed(action: PendingAction, ok: bool, detail: str, approved: bool, result: dict | None) -> str:
    """The reply after the approval step ran (or declined) a pending action: the outcome
    as the store reports it (the order's new status), not as the proposal assumed."""
    r = replies(action.language)
    if not approved:
        return r.t("declined")
    if not ok:
        return r.t("write_failed", reason=detail)
    text = r.t("done", summary=action.summary.rstrip("."))
    if result and "order_id" in result and "status" in result:
        text += " " + r.t("order_status", order_id=result["order_id"], status=r.status(result["status"]))
    return text
