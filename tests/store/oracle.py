"""An independent reference for the TOOLS.md write actions, on plain dicts.

Written in the style of tau-bench's retail tools (mutating {"users", "orders", "products"}
in place), with the same choices as store/actions.py where TOOLS.md leaves room: money
rounded to 2 decimals, cancel refunds entries of type "payment", empty item lists refused,
the k-th occurrence of an item id maps to the k-th such item in the order.
It shares no code with the store; the tests compare the two.
"""
from __future__ import annotations

import copy


class Refused(Exception):
    pass


def _order(db, order_id, user):
    if order_id not in db["orders"]:
        raise Refused("order not found")
    order = db["orders"][order_id]
    if user is not None and order["user_id"] != user:
        raise Refused("order does not belong to user")
    return order


def _pending(order):
    if order["status"] != "pending":
        raise Refused("non-pending order")


def _delivered(order):
    if order["status"] != "delivered":
        raise Refused("non-delivered order")


def _method(db, order, pm_id):
    methods = db["users"][order["user_id"]]["payment_methods"]
    if pm_id not in methods:
        raise Refused("payment method not found")
    return methods[pm_id]


def _check_items(order, item_ids):
    if not isinstance(item_ids, list) or not item_ids:
        raise Refused("bad item list")
    all_ids = [it["item_id"] for it in order["items"]]
    for item_id in item_ids:
        if item_ids.count(item_id) > all_ids.count(item_id):
            raise Refused(f"{item_id} not found")


def _pairs(db, order, item_ids, new_item_ids):
    _check_items(order, item_ids)
    if not isinstance(new_item_ids, list) or not new_item_ids:
        raise Refused("bad new item list")
    if len(item_ids) != len(new_item_ids):
        raise Refused("lengths differ")
    taken, pairs, diff = set(), [], 0.0
    for item_id, new_id in zip(item_ids, new_item_ids):
        idx = [i for i, it in enumerate(order["items"])
               if it["item_id"] == item_id and i not in taken][0]
        taken.add(idx)
        variants = db["products"][order["items"][idx]["product_id"]]["variants"]
        if new_id not in variants or not variants[new_id]["available"]:
            raise Refused(f"new item {new_id} not found or available")
        diff += variants[new_id]["price"] - order["items"][idx]["price"]
        pairs.append((idx, variants[new_id]))
    return round(diff, 2), pairs


def cancel_pending_order(db, order_id, reason, user=None):
    order = _order(db, order_id, user)
    _pending(order)
    if reason not in ("no longer needed", "ordered by mistake"):
        raise Refused("invalid reason")
    refunds = []
    for p in order["payment_history"]:
        if p["transaction_type"] != "payment":
            continue
        refunds.append({"transaction_type": "refund", "amount": round(p["amount"], 2),
                        "payment_method_id": p["payment_method_id"]})
        pm = db["users"][order["user_id"]]["payment_methods"].get(p["payment_method_id"])
        if pm is not None and pm["source"] == "gift_card":
            pm["balance"] = round(pm["balance"] + p["amount"], 2)
    order["payment_history"].extend(refunds)
    order["status"] = "cancelled"
    order["cancel_reason"] = reason
    return order


def modify_pending_order_address(db, order_id, address1, address2, city, state, country, zip,
                                 user=None):
    order = _order(db, order_id, user)
    _pending(order)
    order["address"] = {"address1": address1, "address2": address2, "city": city,
                        "country": country, "state": state, "zip": zip}
    return order


def modify_user_address(db, user_id, address1, address2, city, state, country, zip, user=None):
    if user is not None and user_id != user:
        raise Refused("not the user")
    if user_id not in db["users"]:
        raise Refused("user not found")
    db["users"][user_id]["address"] = {"address1": address1, "address2": address2,
                                       "city": city, "country": country, "state": state,
                                       "zip": zip}
    return db["users"][user_id]


def modify_pending_order_payment(db, order_id, payment_method_id, user=None):
    order = _order(db, order_id, user)
    _pending(order)
    pm = _method(db, order, payment_method_id)
    ph = order["payment_history"]
    if len(ph) != 1 or ph[0]["transaction_type"] != "payment":
        raise Refused("not exactly one payment")
    old_id, amount = ph[0]["payment_method_id"], ph[0]["amount"]
    if old_id == payment_method_id:
        raise Refused("same method")
    if pm["source"] == "gift_card" and pm["balance"] < amount:
        raise Refused("insufficient gift card balance")
    ph.append({"transaction_type": "payment", "amount": round(amount, 2),
               "payment_method_id": payment_method_id})
    ph.append({"transaction_type": "refund", "amount": round(amount, 2),
               "payment_method_id": old_id})
    if pm["source"] == "gift_card":
        pm["balance"] = round(pm["balance"] - amount, 2)
    old = db["users"][order["user_id"]]["payment_methods"][old_id]
    if old["source"] == "gift_card":
        old["balance"] = round(old["balance"] + amount, 2)
    return order


def modify_pending_order_items(db, order_id, item_ids, new_item_ids, payment_method_id,
                               user=None):
    order = _order(db, order_id, user)
    _pending(order)
    diff, pairs = _pairs(db, order, item_ids, new_item_ids)
    pm = _method(db, order, payment_method_id)
    if pm["source"] == "gift_card" and pm["balance"] < diff:
        raise Refused("insufficient gift card balance")
    order["payment_history"].append({
        "transaction_type": "payment" if diff > 0 else "refund",
        "amount": round(abs(diff), 2), "payment_method_id": payment_method_id})
    if pm["source"] == "gift_card":
        pm["balance"] = round(pm["balance"] - diff, 2)
    for idx, variant in pairs:
        order["items"][idx]["item_id"] = variant["item_id"]
        order["items"][idx]["price"] = variant["price"]
        order["items"][idx]["options"] = copy.deepcopy(variant["options"])
    order["status"] = "pending (item modified)"
    return order


def exchange_delivered_order_items(db, order_id, item_ids, new_item_ids, payment_method_id,
                                   user=None):
    order = _order(db, order_id, user)
    _delivered(order)
    diff, _ = _pairs(db, order, item_ids, new_item_ids)
    pm = _method(db, order, payment_method_id)
    if pm["source"] == "gift_card" and pm["balance"] < diff:
        raise Refused("insufficient gift card balance")
    order["status"] = "exchange requested"
    order["exchange_items"] = sorted(item_ids)
    order["exchange_new_items"] = sorted(new_item_ids)
    order["exchange_payment_method_id"] = payment_method_id
    order["exchange_price_difference"] = diff
    return order


def return_delivered_order_items(db, order_id, item_ids, payment_method_id, user=None):
    order = _order(db, order_id, user)
    _delivered(order)
    pm = _method(db, order, payment_method_id)
    if (payment_method_id != order["payment_history"][0]["payment_method_id"]
            and pm["source"] != "gift_card"):
        raise Refused("refund must go to the original method or a gift card")
    _check_items(order, item_ids)
    order["status"] = "return requested"
    order["return_items"] = sorted(item_ids)
    order["return_payment_method_id"] = payment_method_id
    return order


WRITES = {f.__name__: f for f in (
    cancel_pending_order, modify_pending_order_address, modify_user_address,
    modify_pending_order_payment, modify_pending_order_items,
    exchange_delivered_order_items, return_delivered_order_items)}


def apply(db: dict, name: str, kwargs: dict, user: str | None = None):
    """Apply one action to db in place; read-only actions (not modelled here) do nothing.

    On Refused, db is unchanged: every check above runs before the first mutation.
    """
    if name not in WRITES:
        return None
    return WRITES[name](db, **kwargs, user=user)
