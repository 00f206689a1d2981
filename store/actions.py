"""The write actions of shared/data/retail/TOOLS.md, each run inside one write transaction.

Every function takes an open write connection (the caller has already taken the write
lock: BEGIN IMMEDIATE on SQLite), checks everything first and raises ActionRefused before
touching anything, then writes and returns the updated order (or user) dict.

Choices where TOOLS.md leaves room (mirrored by tests/store/oracle.py):
- money appended to payment_history, gift-card balances and exchange_price_difference are
  rounded to 2 decimals;
- cancel refunds every entry whose transaction_type is "payment" (tau-bench refunds every
  entry; the two differ only after modify_pending_order_payment, where tau-bench would also
  "refund" the refund);
- modify items with a zero price difference still appends a refund of 0.0 (as tau-bench);
- the k-th occurrence of an item_id in item_ids replaces the k-th item with that id in the
  order (orders can hold the same item twice);
- a new item may equal the old one (the tasks do this when a customer lists an item that
  already has the wanted options);
- empty item lists are refused.
"""
from __future__ import annotations

from collections import Counter

from sqlalchemy import Connection, insert, select, update

from .errors import ActionRefused
from .models import Order, OrderItem, PaymentMethod, PaymentTransaction, Product, User, Variant
from .serialize import ADDRESS_KEYS, build_orders, build_users

CANCEL_REASONS = ("no longer needed", "ordered by mistake")
ITEM_MODIFIED = "pending (item modified)"


# ---------------------------------------------------------------- argument checks
def text_arg(value, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ActionRefused(f"{name} must be a string, got {value!r}.", code="bad_argument")
    return str(value)


def _id_list(value, name: str) -> list[str]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ActionRefused(f"{name} must be a list of item id strings, got {value!r}.",
                            code="bad_argument")
    if not value:
        raise ActionRefused(f"{name} is empty: name at least one item.", code="bad_argument")
    return list(value)


def address_fields(address1, address2, city, state, country, zip_code) -> dict[str, str]:
    raw = {"address1": address1, "address2": "" if address2 is None else address2,
           "city": city, "country": country, "state": state, "zip": zip_code}
    return {k: text_arg(raw[k], k) for k in ADDRESS_KEYS}


# ---------------------------------------------------------------- loading + locking
def _lock_user(conn: Connection, user_id: str) -> None:
    """Row lock for engines with real row locks; SQLite already holds the database lock."""
    if conn.dialect.name != "sqlite":
        conn.execute(select(User.id).where(User.id == user_id).with_for_update())


def check_owner(owner: str, acting_user_id: str | None, what: str) -> None:
    if acting_user_id is not None and owner != acting_user_id:
        raise ActionRefused(f"{what} does not belong to user {acting_user_id}.",
                            code="not_owner")


def load_order(conn: Connection, order_id, acting_user_id: str | None) -> dict:
    order_id = text_arg(order_id, "order_id")
    owner = conn.execute(select(Order.user_id).where(Order.id == order_id)).scalar()
    if owner is None:
        raise ActionRefused(f"Order {order_id} was not found.", code="not_found")
    check_owner(owner, acting_user_id, f"Order {order_id}")
    _lock_user(conn, owner)
    return build_orders(conn, [order_id])[order_id]


def _require_status(order: dict, wanted: str, verb: str) -> None:
    status = order["status"]
    if status == wanted:
        return
    if status == ITEM_MODIFIED and wanted == "pending":
        raise ActionRefused(f"Order {order['order_id']} already had its items modified, so it "
                            f"can no longer be {verb}.", code="bad_status")
    raise ActionRefused(f"Order {order['order_id']} is '{status}'; only {wanted} orders can "
                        f"be {verb}.", code="bad_status")


def _methods(conn: Connection, user_id: str) -> dict[str, object]:
    rows = conn.execute(select(PaymentMethod.__table__).where(PaymentMethod.user_id == user_id)
                        .order_by(PaymentMethod.position))
    return {r.id: r for r in rows}


def _method(conn: Connection, user_id: str, payment_method_id) -> object:
    pm_id = text_arg(payment_method_id, "payment_method_id")
    methods = _methods(conn, user_id)
    if pm_id not in methods:
        raise ActionRefused(f"Payment method {pm_id} is not one of user {user_id}'s payment "
                            f"methods ({', '.join(methods) or 'none on file'}).", code="payment")
    return methods[pm_id]


def _require_gift_balance(pm, amount: float, purpose: str) -> None:
    if pm.source == "gift_card" and (pm.balance or 0.0) < amount:
        raise ActionRefused(f"Gift card {pm.id} has a balance of {pm.balance or 0:.2f}, which does "
                            f"not cover {purpose} of {amount:.2f}.", code="payment")


def _move_balance(conn: Connection, user_id: str, pm, delta: float) -> None:
    """Change a gift card's balance by delta (rounded to cents); other methods: nothing."""
    if pm is None or pm.source != "gift_card":
        return
    conn.execute(update(PaymentMethod)
                 .where(PaymentMethod.user_id == user_id, PaymentMethod.id == pm.id)
                 .values(balance=round((pm.balance or 0.0) + delta, 2)))


def _append_transactions(conn: Connection, order: dict, entries: list[tuple[str, float, str]]):
    start = len(order["payment_history"])
    conn.execute(insert(PaymentTransaction), [
        {"order_id": order["order_id"], "user_id": order["user_id"], "position": start + i,
         "transaction_type": kind, "amount": round(amount, 2), "payment_method_id": pm_id}
        for i, (kind, amount, pm_id) in enumerate(entries)])


def _set_order(conn: Connection, order_id: str, **values) -> None:
    conn.execute(update(Order).where(Order.id == order_id).values(**values))


def _reload(conn: Connection, order_id: str) -> dict:
    return build_orders(conn, [order_id])[order_id]


def _check_items_in_order(order: dict, item_ids: list[str]) -> None:
    have = Counter(it["item_id"] for it in order["items"])
    for item_id, n in Counter(item_ids).items():
        if n > have[item_id]:
            what = "is not" if have[item_id] == 0 else f"appears only {have[item_id]} time(s)"
            raise ActionRefused(f"Item {item_id} {what} in order {order['order_id']}.",
                                code="item")


def _replacements(conn: Connection, order: dict, item_ids, new_item_ids):
    """Check old/new item pairs; return (rounded price difference, [(position, variant)])."""
    item_ids = _id_list(item_ids, "item_ids")
    new_item_ids = _id_list(new_item_ids, "new_item_ids")
    if len(item_ids) != len(new_item_ids):
        raise ActionRefused(f"item_ids has {len(item_ids)} items but new_item_ids has "
                            f"{len(new_item_ids)}; give one new item per item.",
                            code="bad_argument")
    _check_items_in_order(order, item_ids)
    used: set[int] = set()
    diff, plan = 0.0, []
    for old_id, new_id in zip(item_ids, new_item_ids):
        pos = next(i for i, it in enumerate(order["items"])
                   if it["item_id"] == old_id and i not in used)
        used.add(pos)
        item = order["items"][pos]
        variant = conn.execute(select(Variant.__table__).where(
            Variant.product_id == item["product_id"], Variant.item_id == new_id)).first()
        if variant is None:
            other = conn.execute(select(Product.name)
                                 .join(Variant, Variant.product_id == Product.id)
                                 .where(Variant.item_id == new_id)).scalar()
            where = f"an item of {other}" if other else "not an item in the catalogue"
            raise ActionRefused(f"New item {new_id} is {where}; item {old_id} can only be "
                                f"replaced by another {item['name']} variant.", code="item")
        if not variant.available:
            raise ActionRefused(f"New item {new_id} ({item['name']}) is not available.",
                                code="item")
        diff += variant.price - item["price"]
        plan.append((pos, variant))
    return round(diff, 2) + 0.0, plan  # + 0.0 turns -0.0 into 0.0


# ---------------------------------------------------------------- the actions
def cancel_pending_order(conn, order_id, reason, acting_user_id=None) -> dict:
    order = load_order(conn, order_id, acting_user_id)
    _require_status(order, "pending", "cancelled")
    if reason not in CANCEL_REASONS:
        raise ActionRefused(f"The cancellation reason must be exactly 'no longer needed' or "
                            f"'ordered by mistake', not {reason!r}.", code="bad_argument")
    refunds = [("refund", p["amount"], p["payment_method_id"])
               for p in order["payment_history"] if p["transaction_type"] == "payment"]
    if refunds:
        _append_transactions(conn, order, refunds)
    for _, amount, pm_id in refunds:
        pm = _methods(conn, order["user_id"]).get(pm_id)  # re-read: a card may recur
        _move_balance(conn, order["user_id"], pm, amount)
    _set_order(conn, order["order_id"], status="cancelled", cancel_reason=reason)
    return _reload(conn, order["order_id"])


def modify_pending_order_address(conn, order_id, address: dict, acting_user_id=None) -> dict:
    order = load_order(conn, order_id, acting_user_id)
    _require_status(order, "pending", "modified")
    _set_order(conn, order["order_id"], **address)
    return _reload(conn, order["order_id"])


def modify_user_address(conn, user_id, address: dict, acting_user_id=None) -> dict:
    user_id = text_arg(user_id, "user_id")
    check_owner(user_id, acting_user_id, f"User {user_id}")
    _lock_user(conn, user_id)
    if conn.execute(select(User.id).where(User.id == user_id)).scalar() is None:
        raise ActionRefused(f"User {user_id} was not found.", code="not_found")
    conn.execute(update(User).where(User.id == user_id).values(**address))
    return build_users(conn, [user_id])[user_id]


def modify_pending_order_payment(conn, order_id, payment_method_id, acting_user_id=None) -> dict:
    order = load_order(conn, order_id, acting_user_id)
    _require_status(order, "pending", "modified")
    new = _method(conn, order["user_id"], payment_method_id)
    history = order["payment_history"]
    if len(history) != 1 or history[0]["transaction_type"] != "payment":
        raise ActionRefused(f"Order {order['order_id']} has {len(history)} payment entries; the "
                            f"payment method can only be changed while there is exactly one "
                            f"payment.", code="payment")
    old_id, amount = history[0]["payment_method_id"], history[0]["amount"]
    if new.id == old_id:
        raise ActionRefused(f"Order {order['order_id']} is already paid with {old_id}; choose a "
                            f"different payment method.", code="payment")
    _require_gift_balance(new, amount, "the order total")
    _append_transactions(conn, order, [("payment", amount, new.id), ("refund", amount, old_id)])
    _move_balance(conn, order["user_id"], new, -amount)
    _move_balance(conn, order["user_id"], _methods(conn, order["user_id"]).get(old_id), amount)
    return _reload(conn, order["order_id"])


def modify_pending_order_items(conn, order_id, item_ids, new_item_ids, payment_method_id,
                               acting_user_id=None) -> dict:
    order = load_order(conn, order_id, acting_user_id)
    _require_status(order, "pending", "modified")
    diff, plan = _replacements(conn, order, item_ids, new_item_ids)
    pm = _method(conn, order["user_id"], payment_method_id)
    _require_gift_balance(pm, diff, "the price difference")
    _append_transactions(conn, order, [("payment" if diff > 0 else "refund", abs(diff), pm.id)])
    _move_balance(conn, order["user_id"], pm, -diff)
    for pos, variant in plan:
        conn.execute(update(OrderItem)
                     .where(OrderItem.order_id == order["order_id"], OrderItem.position == pos)
                     .values(item_id=variant.item_id, price=variant.price,
                             options=variant.options))
    _set_order(conn, order["order_id"], status=ITEM_MODIFIED)
    return _reload(conn, order["order_id"])


def exchange_delivered_order_items(conn, order_id, item_ids, new_item_ids, payment_method_id,
                                   acting_user_id=None) -> dict:
    order = load_order(conn, order_id, acting_user_id)
    _require_status(order, "delivered", "exchanged")
    diff, _ = _replacements(conn, order, item_ids, new_item_ids)
    pm = _method(conn, order["user_id"], payment_method_id)
    _require_gift_balance(pm, diff, "the price difference")
    _set_order(conn, order["order_id"], status="exchange requested",
               exchange_items=sorted(item_ids), exchange_new_items=sorted(new_item_ids),
               exchange_payment_method_id=pm.id, exchange_price_difference=diff)
    return _reload(conn, order["order_id"])


def return_delivered_order_items(conn, order_id, item_ids, payment_method_id,
                                 acting_user_id=None) -> dict:
    order = load_order(conn, order_id, acting_user_id)
    _require_status(order, "delivered", "returned")
    item_ids = _id_list(item_ids, "item_ids")
    pm = _method(conn, order["user_id"], payment_method_id)
    history = order["payment_history"]
    original = history[0]["payment_method_id"] if history else None
    if pm.id != original and pm.source != "gift_card":
        raise ActionRefused(f"A refund can only go to the order's original payment method "
                            f"({original}) or to one of the user's gift cards, not {pm.id}.",
                            code="payment")
    _check_items_in_order(order, item_ids)
    _set_order(conn, order["order_id"], status="return requested",
               return_items=sorted(item_ids), return_payment_method_id=pm.id)
    return _reload(conn, order["order_id"])
