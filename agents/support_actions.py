"""Support writes: each proposer turns an understood request into exactly one pending
action, after checking it on the real store without committing (Store.check_action),
or asks for what is missing, or refuses with the store's reason."""
from __future__ import annotations

from agents import support_parse as sp
from agents.base import PendingAction
from agents.support_replies import replies
from agents.support_turn import AGENT, Turn, original_method


def _propose(turn: Turn, tool: str, args: dict, summary: str) -> None:
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


def _propose_cancel(turn: Turn, text: str, order: dict, user: dict) -> None:
    reason = sp.cancel_reason(text)
    if reason is None:
        turn.say("ask_cancel_reason", order_id=order["order_id"])
        turn.ask_again(text)
        return
    summary = turn.r.t("sum_cancel", order_id=order["order_id"], reason=turn.r.t(f"reason_{reason}"))
    _propose(turn, "cancel_pending_order", {"order_id": order["order_id"], "reason": reason},
             summary + ". " + turn.r.t("after_cancel"))


def _address_or_ask(turn: Turn, text: str) -> dict | None:
    address = sp.parse_address(text)
    if address is None:
        turn.say("ask_address")
        turn.ask_again(text)
    return address


def _propose_order_address(turn: Turn, text: str, order: dict, user: dict) -> None:
    if (address := _address_or_ask(turn, text)) is None:
        return
    summary = turn.r.t("sum_order_address", order_id=order["order_id"], address=turn.r.address(address))
    _propose(turn, "modify_pending_order_address", {"order_id": order["order_id"], **address}, summary)


def propose_user_address(turn: Turn, text: str, user: dict) -> None:
    if (address := _address_or_ask(turn, text)) is None:
        return
    summary = turn.r.t("sum_user_address", address=turn.r.address(address))
    _propose(turn, "modify_user_address", {"user_id": turn.session["user_id"], **address}, summary)


def _propose_payment(turn: Turn, text: str, order: dict, user: dict) -> None:
    original = original_method(order)
    choice = sp.choose_payment_method(text, user, original, prefer_new=True)
    if choice.problem or not choice.explicit or choice.method_id in (None, original):
        if choice.problem:
            turn.say("refused", reason=choice.problem)
        turn.say("ask_payment_method", methods=turn.r.methods(user))
        turn.ask_again(text)
        return
    summary = turn.r.t("sum_payment", order_id=order["order_id"],
                       method=turn.r.method(user, choice.method_id), old_method=turn.r.method(user, original))
    _propose(turn, "modify_pending_order_payment",
             {"order_id": order["order_id"], "payment_method_id": choice.method_id}, summary)


def _pick_items_or_ask(turn: Turn, text: str, order: dict) -> list[dict] | None:
    pick = sp.pick_items(text, order)
    if not pick.items or pick.ambiguous:
        turn.say("which_items", order_id=order["order_id"],
                 items=turn.r.join([turn.r.item(it) for it in order["items"]]))
        turn.ask_again(text)
        return None
    return pick.items


def _payment_or_ask(turn: Turn, text: str, order: dict, user: dict) -> str | None:
    choice = sp.choose_payment_method(text, user, original_method(order))
    if choice.problem or choice.method_id is None:
        if choice.problem:
            turn.say("refused", reason=choice.problem)
        turn.say("ask_payment_method", methods=turn.r.methods(user))
        turn.ask_again(text)
        return None
    return choice.method_id


def _propose_item_change(turn: Turn, text: str, order: dict, user: dict, tool: str, sum_key: str) -> None:
    items = _pick_items_or_ask(turn, text, order)
    if items is None:
        return
    if len(items) > 1:  # "the order with the skateboard: the charger in black" changes only the charger
        changing = [it for it in items if sp.variant_change_requested(
            text, it, turn.product(it["product_id"]))]
        items = changing or items
        # "the blue charger, in black": the item whose current options are described
        described = {it["item_id"]: len(sp.option_value_mentions(list(it["options"].values()), text)) for it in items}
        top = max(described.values())
        if top and list(described.values()).count(top) == 1:
            items = [it for it in items if described[it["item_id"]] == top]
    new_ids, new_prices, changes = [], [], []
    for it in items:
        product = turn.product(it["product_id"])
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
            turn.ask_again(text)
            return
        new_ids.append(pick.variant["item_id"])
        new_prices.append(pick.variant["price"])
        changes.append(turn.r.t("change_pair", old=turn.r.item(it), new=turn.r.options(pick.variant["options"])))
    method = _payment_or_ask(turn, text, order, user)
    if method is None:
        return
    diff = round(sum(new_prices) - sum(it["price"] for it in items), 2)
    summary = turn.r.t(sum_key, order_id=order["order_id"], changes=turn.r.join(changes),
                       diff=turn.r.money(diff), method=turn.r.method(user, method))
    _propose(turn, tool, {"order_id": order["order_id"], "item_ids": [it["item_id"] for it in items],
                          "new_item_ids": new_ids, "payment_method_id": method}, summary)


def _other_product_named(turn: Turn, text: str, order: dict) -> str | None:
    """A product the store sells that is not in this order, named as the replacement."""
    in_order = {it["name"] for it in order["items"]}
    types = turn.call("list_all_product_types").result["product_types"]
    named = [(sp.product_mention(name, text), name) for name in types if name not in in_order]
    named = [(score, name) for score, name in named if score]
    return max(named)[1] if named else None


def _propose_modify_items(turn: Turn, text: str, order: dict, user: dict) -> None:
    _propose_item_change(turn, text, order, user, "modify_pending_order_items", "sum_modify_items")


def _propose_exchange(turn: Turn, text: str, order: dict, user: dict) -> None:
    _propose_item_change(turn, text, order, user, "exchange_delivered_order_items", "sum_exchange")


def _propose_return(turn: Turn, text: str, order: dict, user: dict) -> None:
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
