"""Every write action's effects (TOOLS.md), checked field by field on real seed orders,
and checked against the oracle for the whole store."""
from __future__ import annotations

import pytest

import oracle
import store_picks as picks
from store_picks import clone

NEW_ADDRESS = {"address1": "1 Harbour Road", "address2": "Unit 8", "city": "Ningbo",
               "state": "ZJ", "country": "China", "zip": "01234"}


def run_both(store, seed, name, kwargs, user):
    """Apply to the store and to the oracle; the whole exports must be equal."""
    out = store.apply(name, kwargs, acting_user_id=user)
    db = clone(seed)
    expected = oracle.apply(db, name, clone(kwargs), user)
    assert out == expected
    assert store.export() == db
    return out, db


def only_changed(store, seed, orders=(), users=()):
    """The export equals the seed except for these orders/users (as the store has them)."""
    expected = clone(seed)
    for oid in orders:
        expected["orders"][oid] = store.get_order_details(oid)
    for uid in users:
        expected["users"][uid] = store.get_user_details(uid)
    assert store.export() == expected


def gift_paid(seed):
    return lambda o: picks.paid_with(seed, o)["source"] == "gift_card"


def not_gift_paid(seed):
    return lambda o: picks.paid_with(seed, o)["source"] != "gift_card"


# ------------------------------------------------------------------ cancel
def test_cancel_refunds_gift_card_at_once(store, seed_data):
    o = picks.order(seed_data, "pending", gift_paid(seed_data))
    pay, card = o["payment_history"][0], picks.paid_with(seed_data, o)
    out, _ = run_both(store, seed_data, "cancel_pending_order",
                      {"order_id": o["order_id"], "reason": "no longer needed"}, o["user_id"])
    assert out["status"] == "cancelled" and out["cancel_reason"] == "no longer needed"
    assert out["payment_history"] == o["payment_history"] + [
        {"transaction_type": "refund", "amount": pay["amount"],
         "payment_method_id": pay["payment_method_id"]}]
    balance = store.get_user_details(o["user_id"])["payment_methods"][card["id"]]["balance"]
    assert balance == round(card["balance"] + pay["amount"], 2)
    assert out == store.get_order_details(o["order_id"])
    only_changed(store, seed_data, orders=[o["order_id"]], users=[o["user_id"]])


def test_cancel_with_card_or_paypal_moves_no_balance(store, seed_data):
    o = picks.order(seed_data, "pending", not_gift_paid(seed_data))
    out, _ = run_both(store, seed_data, "cancel_pending_order",
                      {"order_id": o["order_id"], "reason": "ordered by mistake"}, o["user_id"])
    assert out["cancel_reason"] == "ordered by mistake"
    assert out["payment_history"][-1]["transaction_type"] == "refund"
    only_changed(store, seed_data, orders=[o["order_id"]])  # the user is untouched


def test_cancel_after_payment_change_refunds_each_payment(store, seed_data):
    """Documented choice: one refund per entry of type payment (not per refund entry)."""
    def others(o):
        return [m for m in picks.non_gift(seed_data, o)
                if m["id"] != o["payment_history"][0]["payment_method_id"]]
    o = picks.order(seed_data, "pending", lambda o: not gift_paid(seed_data)(o) and others(o))
    new = others(o)[0]
    store.modify_pending_order_payment(o["order_id"], new["id"])
    out = store.cancel_pending_order(o["order_id"], "no longer needed")
    kinds = [(p["transaction_type"], p["payment_method_id"]) for p in out["payment_history"]]
    old = o["payment_history"][0]["payment_method_id"]
    assert kinds == [("payment", old), ("payment", new["id"]), ("refund", old),
                     ("refund", old), ("refund", new["id"])]


# ------------------------------------------------------------------ addresses
def test_modify_pending_order_address(store, seed_data):
    o = picks.order(seed_data, "pending")
    out, _ = run_both(store, seed_data, "modify_pending_order_address",
                      {"order_id": o["order_id"], **NEW_ADDRESS}, o["user_id"])
    assert out["address"] == NEW_ADDRESS and out["status"] == "pending"
    only_changed(store, seed_data, orders=[o["order_id"]])


def test_modify_user_address(store, seed_data):
    uid = list(seed_data["users"])[3]
    out, _ = run_both(store, seed_data, "modify_user_address", {"user_id": uid, **NEW_ADDRESS},
                      uid)
    assert out["address"] == NEW_ADDRESS
    assert out == store.get_user_details(uid)
    only_changed(store, seed_data, users=[uid])


# ------------------------------------------------------------------ payment
def test_modify_payment_to_gift_card_takes_balance(store, seed_data):
    def fits(o):
        pay = o["payment_history"][0]
        return any(m["balance"] >= pay["amount"] and m["id"] != pay["payment_method_id"]
                   for m in picks.gift_cards(seed_data, o))
    o = picks.order(seed_data, "pending", fits)
    pay = o["payment_history"][0]
    card = next(m for m in picks.gift_cards(seed_data, o)
                if m["balance"] >= pay["amount"] and m["id"] != pay["payment_method_id"])
    out, _ = run_both(store, seed_data, "modify_pending_order_payment",
                      {"order_id": o["order_id"], "payment_method_id": card["id"]}, o["user_id"])
    assert out["payment_history"][1:] == [
        {"transaction_type": "payment", "amount": pay["amount"], "payment_method_id": card["id"]},
        {"transaction_type": "refund", "amount": pay["amount"],
         "payment_method_id": pay["payment_method_id"]}]
    methods = store.get_user_details(o["user_id"])["payment_methods"]
    assert methods[card["id"]]["balance"] == round(card["balance"] - pay["amount"], 2)


def test_modify_payment_away_from_gift_card_refunds_it(store, seed_data):
    o = picks.order(seed_data, "pending",
                    lambda o: gift_paid(seed_data)(o) and picks.non_gift(seed_data, o))
    pay, card = o["payment_history"][0], picks.paid_with(seed_data, o)
    new = picks.non_gift(seed_data, o)[0]
    out, _ = run_both(store, seed_data, "modify_pending_order_payment",
                      {"order_id": o["order_id"], "payment_method_id": new["id"]}, o["user_id"])
    assert out["status"] == "pending" and len(out["payment_history"]) == 3
    methods = store.get_user_details(o["user_id"])["payment_methods"]
    assert methods[card["id"]]["balance"] == round(card["balance"] + pay["amount"], 2)
    only_changed(store, seed_data, orders=[o["order_id"]], users=[o["user_id"]])


# ------------------------------------------------------------------ items
def test_modify_items_replaces_item_and_charges_difference(store, seed_data):
    o, it, v = picks.swap(seed_data, "pending",
                          lambda o, it, v: v["available"] and picks.non_gift(seed_data, o))
    pm = picks.non_gift(seed_data, o)[0]
    out, _ = run_both(store, seed_data, "modify_pending_order_items",
                      {"order_id": o["order_id"], "item_ids": [it["item_id"]],
                       "new_item_ids": [v["item_id"]], "payment_method_id": pm["id"]},
                      o["user_id"])
    pos = o["items"].index(it)
    assert out["items"][pos] == {**it, "item_id": v["item_id"], "price": v["price"],
                                 "options": v["options"]}
    assert [x for i, x in enumerate(out["items"]) if i != pos] == \
        [x for i, x in enumerate(o["items"]) if i != pos]
    diff = round(v["price"] - it["price"], 2)
    assert out["payment_history"][-1] == {
        "transaction_type": "payment" if diff > 0 else "refund", "amount": abs(diff),
        "payment_method_id": pm["id"]}
    assert out["status"] == "pending (item modified)"
    only_changed(store, seed_data, orders=[o["order_id"]])


def test_modify_several_items_with_gift_card(store, seed_data):
    def ok(o):
        swaps = [picks.variants(seed_data, it) for it in o["items"]]
        return len(o["items"]) >= 2 and all(swaps[:2]) and picks.gift_cards(seed_data, o)
    o = picks.order(seed_data, "pending", ok)
    items = o["items"][:2]
    news = [min(picks.variants(seed_data, it), key=lambda v: v["price"]) for it in items]
    diff = round(sum(v["price"] - it["price"] for it, v in zip(items, news)), 2)
    card = max(picks.gift_cards(seed_data, o), key=lambda m: m["balance"])
    if card["balance"] < diff:
        pytest.fail("no gift card covers the difference: the seed changed?")
    out, _ = run_both(store, seed_data, "modify_pending_order_items",
                      {"order_id": o["order_id"], "item_ids": [i["item_id"] for i in items],
                       "new_item_ids": [v["item_id"] for v in news],
                       "payment_method_id": card["id"]}, o["user_id"])
    assert [i["item_id"] for i in out["items"][:2]] == [v["item_id"] for v in news]
    balance = store.get_user_details(o["user_id"])["payment_methods"][card["id"]]["balance"]
    assert balance == round(card["balance"] - diff, 2)


# ------------------------------------------------------------------ exchange / return
def test_exchange_records_request_without_charging(store, seed_data):
    def ok(o):
        return len(o["items"]) >= 2 and all(picks.variants(seed_data, it) for it in o["items"][:2])
    o = picks.order(seed_data, "delivered", ok)
    items = o["items"][:2]
    news = [picks.variants(seed_data, it)[-1] for it in items]
    pm_id = o["payment_history"][0]["payment_method_id"]
    kwargs = {"order_id": o["order_id"], "item_ids": [items[1]["item_id"], items[0]["item_id"]],
              "new_item_ids": [news[1]["item_id"], news[0]["item_id"]],
              "payment_method_id": pm_id}
    out, _ = run_both(store, seed_data, "exchange_delivered_order_items", kwargs, o["user_id"])
    assert out["status"] == "exchange requested"
    assert out["exchange_items"] == sorted(i["item_id"] for i in items)
    assert out["exchange_new_items"] == sorted(v["item_id"] for v in news)
    assert out["exchange_payment_method_id"] == pm_id
    assert out["exchange_price_difference"] == round(
        sum(v["price"] - i["price"] for i, v in zip(items, news)), 2)
    assert out["payment_history"] == o["payment_history"] and out["items"] == o["items"]
    only_changed(store, seed_data, orders=[o["order_id"]])


def test_return_to_original_method(store, seed_data):
    o = picks.order(seed_data, "delivered", lambda o: len(o["items"]) >= 2)
    ids = [o["items"][1]["item_id"], o["items"][0]["item_id"]]
    pm_id = o["payment_history"][0]["payment_method_id"]
    out, _ = run_both(store, seed_data, "return_delivered_order_items",
                      {"order_id": o["order_id"], "item_ids": ids, "payment_method_id": pm_id},
                      o["user_id"])
    assert out["status"] == "return requested"
    assert out["return_items"] == sorted(ids) and out["return_payment_method_id"] == pm_id
    assert out["payment_history"] == o["payment_history"]
    only_changed(store, seed_data, orders=[o["order_id"]])


def test_return_to_another_gift_card(store, seed_data):
    o = picks.order(seed_data, "delivered", lambda o: not gift_paid(seed_data)(o)
                    and picks.gift_cards(seed_data, o))
    card = picks.gift_cards(seed_data, o)[0]
    out, _ = run_both(store, seed_data, "return_delivered_order_items",
                      {"order_id": o["order_id"], "item_ids": [o["items"][0]["item_id"]],
                       "payment_method_id": card["id"]}, o["user_id"])
    assert out["return_payment_method_id"] == card["id"]
    only_changed(store, seed_data, orders=[o["order_id"]])  # no money moves yet
