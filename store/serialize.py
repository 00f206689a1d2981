"""Rows -> the dict shapes of shared/data/retail/{users,orders,products}.json.

Each builder takes an optional list of ids; without it, it builds every entry, ordered as
in the seed files. Optional order keys (cancel_reason, exchange_*, return_*) appear only
when set, in the order tau-bench adds them.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import lru_cache

from sqlalchemy import Connection, Select, bindparam, select

from .models import (Fulfillment, Order, OrderItem, PaymentMethod, PaymentTransaction,
                     Product, User, Variant)
from .sqlite_rows import prepared

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


ALL, ONE, MANY = "all", "one", "many"


def _where_in(stmt: Select, column, match: str) -> Select:
    """Restricted to the ids bound at execution: one id by equality (a statement compiled
    once), several by an expanding IN parameter (rendered again at each execution)."""
    if match == ONE:
        return stmt.where(column == bindparam("ids"))
    return stmt.where(column.in_(bindparam("ids", expanding=True))) if match == MANY else stmt


@lru_cache(maxsize=None)
def _statement(make: Callable[[str], Select], match: str) -> Select:
    return make(match)


def _rows(conn: Connection, make: Callable[[str], Select], ids: list[str] | None) -> list:
    """Rows of the statement `make` builds, built once per process: constructing a Core
    statement costs more than running it for the one order a tool call reads. On SQLite
    (store/sqlite_rows.py) the whole-table and one-id statements skip SQLAlchemy's
    per-execution layers."""
    if ids is None or len(ids) == 1:
        match, params = (ALL, {}) if ids is None else (ONE, {"ids": ids[0]})
        fast = prepared((make, match), _statement(make, match), conn.dialect, params)
        if fast is not None:
            return fast.rows(conn, params)
        return conn.execute(_statement(make, match), params).all()
    return conn.execute(_statement(make, MANY), {"ids": ids}).all()


def _users(match: str) -> Select:
    return _where_in(select(User.__table__), User.id, match).order_by(User.seq)


def _payment_methods(match: str) -> Select:
    return _where_in(select(PaymentMethod.__table__), PaymentMethod.user_id, match) \
        .order_by(PaymentMethod.user_id, PaymentMethod.position)


def _user_orders(match: str) -> Select:
    return _where_in(select(Order.id, Order.user_id), Order.user_id, match) \
        .order_by(Order.user_id, Order.user_seq)


def build_users(conn: Connection, ids: Iterable[str] | None = None) -> dict[str, dict]:
    ids = None if ids is None else list(ids)
    users = _rows(conn, _users, ids)
    methods: dict[str, dict] = defaultdict(dict)
    for row in _rows(conn, _payment_methods, ids):
        methods[row.user_id][row.id] = payment_method_dict(row)
    orders: dict[str, list[str]] = defaultdict(list)
    for row in _rows(conn, _user_orders, ids):
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


def _order_items(match: str) -> Select:
    return _where_in(select(OrderItem.order_id, OrderItem.name, OrderItem.product_id, OrderItem.item_id,
                            OrderItem.price, OrderItem.options), OrderItem.order_id, match) \
        .order_by(OrderItem.order_id, OrderItem.position)


def _fulfillments(match: str) -> Select:
    return _where_in(select(Fulfillment.order_id, Fulfillment.tracking_ids, Fulfillment.item_ids),
                     Fulfillment.order_id, match).order_by(Fulfillment.order_id, Fulfillment.position)


def _payments(match: str) -> Select:
    return _where_in(select(PaymentTransaction.order_id, PaymentTransaction.transaction_type,
                            PaymentTransaction.amount, PaymentTransaction.payment_method_id),
                     PaymentTransaction.order_id, match) \
        .order_by(PaymentTransaction.order_id, PaymentTransaction.position)


def _orders(match: str) -> Select:
    cols = [Order.id, Order.user_id, Order.status,
            *(getattr(Order, k) for k in ADDRESS_KEYS),
            *(getattr(Order, k) for k in _OPTIONAL_ORDER_KEYS)]
    return _where_in(select(*cols), Order.id, match).order_by(Order.seq)


def build_orders(conn: Connection, ids: Iterable[str] | None = None) -> dict[str, dict]:
    # explicit columns unpacked as tuples: export builds ~8,000 rows, attribute access adds up
    ids = None if ids is None else list(ids)
    items: dict[str, list] = defaultdict(list)
    for oid, name, pid, iid, price, options in _rows(conn, _order_items, ids):
        items[oid].append({"name": name, "product_id": pid, "item_id": iid, "price": price,
                           "options": options})
    fulfillments: dict[str, list] = defaultdict(list)
    for oid, tracking, item_ids in _rows(conn, _fulfillments, ids):
        fulfillments[oid].append({"tracking_id": tracking, "item_ids": item_ids})
    payments: dict[str, list] = defaultdict(list)
    for oid, kind, amount, pm_id in _rows(conn, _payments, ids):
        payments[oid].append({"transaction_type": kind, "amount": amount,
                              "payment_method_id": pm_id})
    n_addr = len(ADDRESS_KEYS)
    out: dict[str, dict] = {}
    for row in _rows(conn, _orders, ids):
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


def _variants(match: str) -> Select:
    return _where_in(select(Variant.__table__), Variant.product_id, match) \
        .order_by(Variant.product_id, Variant.position)


def _products(match: str) -> Select:
    return _where_in(select(Product.__table__), Product.id, match).order_by(Product.seq)


def build_products(conn: Connection, ids: Iterable[str] | None = None) -> dict[str, dict]:
    ids = None if ids is None else list(ids)
    variants: dict[str, dict] = defaultdict(dict)
    for v in _rows(conn, _variants, ids):
        variants[v.product_id][v.item_id] = {"item_id": v.item_id, "options": v.options,
                                             "available": bool(v.available), "price": v.price}
    return {p.id: {"name": p.name, "product_id": p.id, "variants": variants.get(p.id, {})}
            for p in _rows(conn, _products, ids)}
