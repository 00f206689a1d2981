"""Every refusal of TOOLS.md / policy: ActionRefused with a reason, nothing changed, and
the oracle refuses too."""
from __future__ import annotations

import pytest

import oracle
import store_picks as picks
from store import ActionRefused
from store_picks import clone

ADDR = {"address1": "1 Harbour Road", "address2": "", "city": "Ningbo", "state": "ZJ",
        "country": "China", "zip": "01234"}


def first_pm(o):
    return o["payment_history"][0]["payment_method_id"]


def swap_args(o, it, new_id, pm_id):
    return {"order_id": o["order_id"], "item_ids": [it["item_id"]], "new_item_ids": [new_id],
            "payment_method_id": pm_id}


def _missing_item(s, status):
    o = picks.order(s, status)
    present = {i["item_id"] for i in o["items"]}
    other = next(i["item_id"] for x in s["orders"].values() for i in x["items"]
                 if i["item_id"] not in present)
    return o, other


def _twice(s, status):
    o = picks.order(s, status, lambda o: len({i["item_id"] for i in o["items"]}) == len(o["items"]))
    return o, o["items"][0]


def _gift_short_for_swap(s, status):
    """(order, item, variant, card) where a user's gift card cannot cover the difference."""
    for o in picks.orders(s, status):
        for card in picks.gift_cards(s, o):
            for it in o["items"]:
                for v in picks.variants(s, it):
                    if v["price"] - it["price"] > card["balance"]:
                        return o, it, v, card
    pytest.fail("no such gift card in the seed: the seed changed?")


def _unavailable(s, status):
    return picks.swap(s, status, lambda o, it, v: not v["available"])


def _other_method_not_gift(s):
    o = picks.order(s, "delivered", lambda o: any(
        m["id"] != first_pm(o) for m in picks.non_gift(s, o)))
    return o, next(m["id"] for m in picks.non_gift(s, o) if m["id"] != first_pm(o))


def _gift_short_for_total(s):
    o = picks.order(s, "pending", lambda o: any(
        m["balance"] < o["payment_history"][0]["amount"] and m["id"] != first_pm(o)
        for m in picks.gift_cards(s, o)))
    card = next(m for m in picks.gift_cards(s, o)
                if m["balance"] < o["payment_history"][0]["amount"] and m["id"] != first_pm(o))
    return o, card["id"]


def _items_case(status, name):
    """Refusals shared by modify_pending_order_items and exchange_delivered_order_items."""
    def not_in(s):
        o, other = _missing_item(s, status)
        return name, {"order_id": o["order_id"], "item_ids": [other],
                      "new_item_ids": [other], "payment_method_id": first_pm(o)}, o["user_id"]

    def twice(s):
        o, it = _twice(s, status)
        v = picks.variants(s, it)[0]["item_id"]
        return name, {"order_id": o["order_id"], "item_ids": [it["item_id"]] * 2,
                      "new_item_ids": [v, v], "payment_method_id": first_pm(o)}, o["user_id"]

    def other_product(s):
        o = picks.order(s, status)
        it = o["items"][0]
        return name, swap_args(o, it, picks.foreign_item(s, it), first_pm(o)), o["user_id"]

    def unknown_item(s):
        o = picks.order(s, status)
        return name, swap_args(o, o["items"][0], "0000000000", first_pm(o)), o["user_id"]

    def unavailable(s):
        o, it, v = _unavailable(s, status)
        return name, swap_args(o, it, v["item_id"], first_pm(o)), o["user_id"]

    def mismatch(s):
        o = picks.order(s, status, lambda o: picks.variants(s, o["items"][0]))
        it = o["items"][0]
        vs = [v["item_id"] for v in picks.variants(s, it)][:1] * 2
        return name, {"order_id": o["order_id"], "item_ids": [it["item_id"]],
                      "new_item_ids": vs, "payment_method_id": first_pm(o)}, o["user_id"]

    def empty(s):
        o = picks.order(s, status)
        return name, {"order_id": o["order_id"], "item_ids": [], "new_item_ids": [],
                      "payment_method_id": first_pm(o)}, o["user_id"]

    def not_a_list(s):
        o = picks.order(s, status)
        it = o["items"][0]["item_id"]
        return name, {"order_id": o["order_id"], "item_ids": it, "new_item_ids": it,
                      "payment_method_id": first_pm(o)}, o["user_id"]

    def unknown_method(s):
        o, it, v = picks.swap(s, status, lambda o, it, v: v["available"])
        return name, swap_args(o, it, v["item_id"], "credit_card_0000000"), o["user_id"]

    def gift_short(s):
        o, it, v, card = _gift_short_for_swap(s, status)
        return name, swap_args(o, it, v["item_id"], card["id"]), o["user_id"]

    def not_owner(s):
        o, it, v = picks.swap(s, status, lambda o, it, v: v["available"])
        return (name, swap_args(o, it, v["item_id"], first_pm(o)),
                picks.other_user(s, o["user_id"]))

    wrong = "delivered" if status == "pending" else "pending"

    def wrong_status(s):
        o, it, v = picks.swap(s, wrong, lambda o, it, v: v["available"])
        return name, swap_args(o, it, v["item_id"], first_pm(o)), o["user_id"]

    return [(f"{name}:not_in_order", not_in, "is not in order"),
            (f"{name}:more_than_in_order", twice, "appears only"),
            (f"{name}:other_product", other_product, "can only be replaced"),
            (f"{name}:unknown_item", unknown_item, "not an item in the catalogue"),
            (f"{name}:unavailable", unavailable, "not available"),
            (f"{name}:length_mismatch", mismatch, "one new item per item"),
            (f"{name}:empty", empty, "is empty"),
            (f"{name}:not_a_list", not_a_list, "must be a list"),
            (f"{name}:unknown_method", unknown_method, "not one of"),
            (f"{name}:gift_card_short", gift_short, "does not cover"),
            (f"{name}:not_owner", not_owner, "does not belong"),
            (f"{name}:wrong_status", wrong_status, f"only {status} orders")]


def _simple(name, status, extra, match, *, owner=True, pred=lambda s, o: True):
    def build(s):
        o = picks.order(s, status, lambda o: pred(s, o))
        user = o["user_id"] if owner else picks.other_user(s, o["user_id"])
        return name, {"order_id": o["order_id"], **extra(s, o)}, user
    return build


CASES = [
    ("cancel:not_pending", _simple("cancel_pending_order", "delivered",
                                   lambda s, o: {"reason": "no longer needed"}, None),
     "only pending orders"),
    ("cancel:processed", _simple("cancel_pending_order", "processed",
                                 lambda s, o: {"reason": "no longer needed"}, None),
     "only pending orders"),
    ("cancel:bad_reason", _simple("cancel_pending_order", "pending",
                                  lambda s, o: {"reason": "changed my mind"}, None),
     "reason must be"),
    ("cancel:not_owner", _simple("cancel_pending_order", "pending",
                                 lambda s, o: {"reason": "no longer needed"}, None, owner=False),
     "does not belong"),
    ("cancel:unknown_order", lambda s: ("cancel_pending_order",
                                        {"order_id": "#W0000000", "reason": "no longer needed"},
                                        None), "not found"),
    ("order_address:not_pending", _simple("modify_pending_order_address", "processed",
                                          lambda s, o: ADDR, None), "only pending orders"),
    ("order_address:not_owner", _simple("modify_pending_order_address", "pending",
                                        lambda s, o: ADDR, None, owner=False), "does not belong"),
    ("user_address:not_owner", lambda s: ("modify_user_address",
                                          {"user_id": list(s["users"])[0], **ADDR},
                                          list(s["users"])[1]), "does not belong"),
    ("user_address:unknown_user", lambda s: ("modify_user_address",
                                             {"user_id": "nobody_0000", **ADDR}, None),
     "not found"),
    ("payment:not_pending", _simple("modify_pending_order_payment", "delivered",
                                    lambda s, o: {"payment_method_id": first_pm(o)}, None),
     "only pending orders"),
    ("payment:same_method", _simple("modify_pending_order_payment", "pending",
                                    lambda s, o: {"payment_method_id": first_pm(o)}, None),
     "different payment method"),
    ("payment:unknown_method", _simple("modify_pending_order_payment", "pending",
                                       lambda s, o: {"payment_method_id": "paypal_0000000"}, None),
     "not one of"),
    ("payment:other_users_method",
     _simple("modify_pending_order_payment", "pending",
             lambda s, o: {"payment_method_id": next(iter(
                 s["users"][picks.other_user(s, o["user_id"])]["payment_methods"]))}, None),
     "not one of"),
    ("payment:gift_card_short",
     lambda s: (lambda o, card: ("modify_pending_order_payment",
                                 {"order_id": o["order_id"], "payment_method_id": card},
                                 o["user_id"]))(*_gift_short_for_total(s)),
     "does not cover"),
    ("return:not_delivered", _simple("return_delivered_order_items", "pending",
                                     lambda s, o: {"item_ids": [o["items"][0]["item_id"]],
                                                   "payment_method_id": first_pm(o)}, None),
     "only delivered orders"),
    ("return:method_not_original_or_gift",
     lambda s: (lambda o, pm: ("return_delivered_order_items",
                               {"order_id": o["order_id"], "item_ids": [o["items"][0]["item_id"]],
                                "payment_method_id": pm}, o["user_id"]))(
         *_other_method_not_gift(s)), "original payment method"),
    ("return:not_in_order",
     lambda s: (lambda o, other: ("return_delivered_order_items",
                                  {"order_id": o["order_id"], "item_ids": [other],
                                   "payment_method_id": first_pm(o)}, o["user_id"]))(
         *_missing_item(s, "delivered")), "is not in order"),
    ("return:more_than_in_order",
     lambda s: (lambda o, it: ("return_delivered_order_items",
                               {"order_id": o["order_id"], "item_ids": [it["item_id"]] * 2,
                                "payment_method_id": first_pm(o)}, o["user_id"]))(
         *_twice(s, "delivered")), "appears only"),
    ("return:empty", _simple("return_delivered_order_items", "delivered",
                             lambda s, o: {"item_ids": [], "payment_method_id": first_pm(o)},
                             None), "is empty"),
    ("return:unknown_method", _simple("return_delivered_order_items", "delivered",
                                      lambda s, o: {"item_ids": [o["items"][0]["item_id"]],
                                                    "payment_method_id": "gift_card_0000000"},
                                      None), "not one of"),
    ("return:not_owner", _simple("return_delivered_order_items", "delivered",
                                 lambda s, o: {"item_ids": [o["items"][0]["item_id"]],
                                               "payment_method_id": first_pm(o)}, None,
                                 owner=False), "does not belong"),
    *_items_case("pending", "modify_pending_order_items"),
    *_items_case("delivered", "exchange_delivered_order_items"),
]


def assert_refused(store, name, kwargs, user, match, before=None):
    """before: the store's export before the call (taken here when not given)."""
    before = store.export() if before is None else before
    with pytest.raises(ActionRefused, match=match) as info:
        store.apply(name, kwargs, acting_user_id=user)
    assert info.value.message and info.value.message.endswith(".")
    assert store.export() == before
    db = clone(before)
    with pytest.raises(oracle.Refused):
        oracle.apply(db, name, clone(kwargs), user)
    assert db == before


@pytest.mark.parametrize("case,build,match", CASES, ids=[c[0] for c in CASES])
def test_refusal_changes_nothing(shared_store, seed_data, case, build, match):
    name, kwargs, user = build(seed_data)
    assert_refused(shared_store, name, kwargs, user, match, before=seed_data)


# ------------------------------------------------------------------ refusals after a write
def test_item_modified_order_cannot_be_modified_or_cancelled(store, seed_data):
    o, it, v = picks.swap(seed_data, "pending", lambda o, it, v: v["available"])
    store.modify_pending_order_items(o["order_id"], [it["item_id"]], [v["item_id"]], first_pm(o))
    oid, pm = o["order_id"], first_pm(o)
    other_pm = next((m for m in picks.methods(seed_data, o) if m != pm), pm)
    for name, kwargs in [
        ("cancel_pending_order", {"order_id": oid, "reason": "no longer needed"}),
        ("modify_pending_order_address", {"order_id": oid, **ADDR}),
        ("modify_pending_order_payment", {"order_id": oid, "payment_method_id": other_pm}),
        ("modify_pending_order_items", {"order_id": oid, "item_ids": [v["item_id"]],
                                        "new_item_ids": [it["item_id"]],
                                        "payment_method_id": pm}),
    ]:
        assert_refused(store, name, kwargs, o["user_id"], "already had its items modified")


def test_payment_can_change_only_once(store, seed_data):
    o = picks.order(seed_data, "pending", lambda o: len(picks.non_gift(seed_data, o)) >= 2
                    or (len(picks.methods(seed_data, o)) >= 3))
    others = [m for m in picks.methods(seed_data, o) if m != first_pm(o)
              and picks.methods(seed_data, o)[m]["source"] != "gift_card"]
    store.modify_pending_order_payment(o["order_id"], others[0])
    assert_refused(store, "modify_pending_order_payment",
                   {"order_id": o["order_id"], "payment_method_id": first_pm(o)}, o["user_id"],
                   "exactly one payment")


def test_exchanged_order_cannot_be_returned_or_exchanged_again(store, seed_data):
    o, it, v = picks.swap(seed_data, "delivered", lambda o, it, v: v["available"])
    store.exchange_delivered_order_items(o["order_id"], [it["item_id"]], [v["item_id"]],
                                         first_pm(o))
    assert_refused(store, "return_delivered_order_items",
                   {"order_id": o["order_id"], "item_ids": [it["item_id"]],
                    "payment_method_id": first_pm(o)}, o["user_id"], "only delivered orders")
    assert_refused(store, "exchange_delivered_order_items",
                   swap_args(o, it, v["item_id"], first_pm(o)), o["user_id"],
                   "only delivered orders")
