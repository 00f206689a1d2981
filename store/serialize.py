"""Rows -> the dict shapes of shared/data/retail/{users,orders,products}.json.

Each builder takes an optional list of ids; without it, it builds every entry, ordered as
in the seed files. Optional order keys (cancel_reason, exchange_*, return_*) appear only
when set, in the order tau-bench adds them.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Connection, select

from .models import (Fulfillment, Order, OrderItem, PaymentMethod, PaymentTransaction,
                     Product, User, Variant)

ADDRESS_KEYS = ("address1", "address2", "city", "country", "state", "zip")
_OPTIONAL_ORDER_KEYS = ("cancel_reason", "exchange_items", "exchange_new_items",
                        "exchange_payment_method_id", "exchange_price_difference",
                        "return_items", "return_payment_method_id")


def _address(row) -> dict:
    return {k: getattr(row, k) for k in ADDRESS_KEYS}


def _balance(value: float) -> float | int:
    """Seed balances are JSON integers (e.g. 53); keep them so, so export equals the file."""
    return int(value) if float(value).is_integer() else value


def payment_method_dict(row) -> dict:
    """Key order as in users.json: source, [brand, last_four], [balance], id."""
    d: dict = {"source": row.source}
    if row.brand is not None:
        d["brand"] = row.brand
    if row.last_four is not None:
        d["last_four"] = row.last_four
    if row.balance is not None:
        d["balance"] = _balance(row.balance)
    if row.extra:
        d.update(row.extra)
    d["id"] = row.id
    return d


def _where_in(stmt, column, ids: Iterable[str] | None):
    return stmt if ids is None else stmt.where(column.in_(list(ids)))


def build_users(conn: Connection, ids: Iterable[str] | None = None) -> dict[str, dict]:
    ids = None if ids is None else list(ids)
    users = conn.execute(_where_in(select(User.__table__), User.id, ids).order_by(User.seq)).all()
    methods: dict[str, dict] = defaultdict(dict)
    pm_stmt = _where_in(select(PaymentMethod.__table__), PaymentMethod.user_id, ids)
    for row in conn.execute(pm_stmt.order_by(PaymentMethod.user_id, PaymentMethod.position)).all():
        methods[row.user_id][row.id] = payment_method_dict(row)
    orders: dict[str, list[str]] = defaultdict(list)
    o_stmt = _where_in(select(Order.id, Order.user_id), Order.user_id, ids)
    for row in conn.execute(o_stmt.order_by(Order.user_id, Order.user_seq)).all():
        orders[row.user_id].append(row.id)
    return {
        u.id: {
            "name": {"first_name": u.first_name, "last_name": u.last_name},
            "address": _address(u),
            "email": u.email,
            "payment_methods": methods.get(u.id, {}),
            "orders": orders.get(u.id, []),
        }
        for u in users
    }


def build_orders(conn: Connection, ids: Iterable[str] | None = None) -> dict[str, dict]:
    # explicit columns unpacked as tuples: export builds ~8,000 rows, attribute access adds up
    ids = None if ids is None else list(ids)
    items: dict[str, list] = defaultdict(list)
    stmt = _where_in(select(OrderItem.order_id, OrderItem.name, OrderItem.product_id,
                            OrderItem.item_id, OrderItem.price, OrderItem.options),
                     OrderItem.order_id, ids)
    for oid, name, pid, iid, price, options in conn.execute(
            stmt.order_by(OrderItem.order_id, OrderItem.position)).all():
        items[oid].append({"name": name, "product_id": pid, "item_id": iid, "price": price,
                           "options": options})
    fulfillments: dict[str, list] = defaultdict(list)
    stmt = _where_in(select(Fulfillment.order_id, Fulfillment.tracking_ids, Fulfillment.item_ids),
                     Fulfillment.order_id, ids)
    for oid, tracking, item_ids in conn.execute(
            stmt.order_by(Fulfillment.order_id, Fulfillment.position)).all():
        fulfillments[oid].append({"tracking_id": tracking, "item_ids": item_ids})
    payments: dict[str, list] = defaultdict(list)
    stmt = _where_in(select(PaymentTransaction.order_id, PaymentTransaction.transaction_type,
                            PaymentTransaction.amount, PaymentTransaction.payment_method_id),
                     PaymentTransaction.order_id, ids)
    for oid, kind, amount, pm_id in conn.execute(
            stmt.order_by(PaymentTransaction.order_id, PaymentTransaction.position)).all():
        payments[oid].append({"transaction_type": kind, "amount": amount,
                              "payment_method_id": pm_id})
    cols = [Order.id, Order.user_id, Order.status,
            *(getattr(Order, k) for k in ADDRESS_KEYS),
            *(getattr(Order, k) for k in _OPTIONAL_ORDER_KEYS)]
    n_addr = len(ADDRESS_KEYS)
    out: dict[str, dict] = {}
    for row in conn.execute(_where_in(select(*cols), Order.id, ids).order_by(Order.seq)).all():
        oid, uid, status = row[0], row[1], row[2]
        d = {
            "order_id": oid,
            "user_id": uid,
            "address": dict(zip(ADDRESS_KEYS, row[3:3 + n_addr])),
            "items": items.get(oid, []),
            "fulfillments": fulfillments.get(oid, []),
            "status": status,
            "payment_history": payments.get(oid, []),
        }
        for key, value in zip(_OPTIONAL_ORDER_KEYS, row[3 + n_addr:]):
            if value is not None:
                d[key] = value
        out[oid] = d
    return out


def build_products(conn: Connection, ids: Iterable[str] | None = None) -> dict[str, dict]:
    ids = None if ids is None else list(ids)
    variants: dict[str, dict] = defaultdict(dict)
    stmt = _where_in(select(Variant.__table__), Variant.product_id, ids)
    for v in conn.execute(stmt.order_by(Variant.product_id, Variant.position)).all():
        variants[v.product_id][v.item_id] = {"item_id": v.item_id, "options": v.options,
                                             "available": bool(v.available), "price": v.price}
    stmt = _where_in(select(Product.__table__), Product.id, ids)
    return {p.id: {"name": p.name, "product_id": p.id, "variants": variants.get(p.id, {})}
            for p in conn.execute(stmt.order_by(Product.seq))}
