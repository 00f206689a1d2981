"""The retail seed: shared/data/retail/{users,orders,products}.json -> table rows."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Connection, delete, insert

from .disputes import seed_disputes
from .models import (RETAIL_TABLES, Fulfillment, Handoff, Order, OrderItem, PaymentMethod,
                     PaymentTransaction, Product, User, Variant)
from .serialize import ADDRESS_KEYS

_PM_COLUMNS = ("source", "brand", "last_four", "balance", "id")


def read_retail(retail_dir: Path) -> dict[str, dict]:
    retail_dir = Path(retail_dir)
    out = {}
    for name in ("users", "orders", "products"):
        path = retail_dir / f"{name}.json"
        if not path.is_file():
            raise FileNotFoundError(f"retail seed file missing: {path}")
        with path.open(encoding="utf-8") as fh:
            out[name] = json.load(fh)
    return out


def _addr(d: dict) -> dict:
    return {k: str(d[k]) for k in ADDRESS_KEYS}


def to_rows(data: dict[str, dict]) -> dict[type, list[dict]]:
    """Flatten the three seed dicts into rows per model (insert order: parents first)."""
    rows: dict[type, list[dict]] = {m: [] for m in
                                    (Product, Variant, User, PaymentMethod, Order, OrderItem,
                                     Fulfillment, PaymentTransaction)}
    for seq, (pid, p) in enumerate(data["products"].items()):
        rows[Product].append({"id": pid, "seq": seq, "name": p["name"]})
        for pos, (item_id, v) in enumerate(p["variants"].items()):
            rows[Variant].append({"product_id": pid, "item_id": item_id, "position": pos,
                                  "options": v["options"], "available": bool(v["available"]),
                                  "price": v["price"]})
    user_seq: dict[str, int] = {}
    for seq, (uid, u) in enumerate(data["users"].items()):
        rows[User].append({"id": uid, "seq": seq, "first_name": u["name"]["first_name"],
                           "last_name": u["name"]["last_name"], "email": u["email"],
                           **_addr(u["address"])})
        for pos, (pm_id, pm) in enumerate(u["payment_methods"].items()):
            extra = {k: v for k, v in pm.items() if k not in _PM_COLUMNS}
            rows[PaymentMethod].append({
                "user_id": uid, "id": pm_id, "position": pos, "source": pm["source"],
                "brand": pm.get("brand"), "last_four": pm.get("last_four"),
                "balance": pm.get("balance"), "extra": extra or None})
        for pos, oid in enumerate(u["orders"]):
            user_seq[oid] = pos
    for seq, (oid, o) in enumerate(data["orders"].items()):
        rows[Order].append({
            "id": oid, "seq": seq, "user_id": o["user_id"],
            "user_seq": user_seq.get(oid, 1_000_000 + seq), "status": o["status"],
            **_addr(o["address"]),
            **{k: o.get(k) for k in ("cancel_reason", "exchange_items", "exchange_new_items",
                                     "exchange_payment_method_id", "exchange_price_difference",
                                     "return_items", "return_payment_method_id")}})
        for pos, it in enumerate(o["items"]):
            rows[OrderItem].append({"order_id": oid, "position": pos, "name": it["name"],
                                    "product_id": it["product_id"], "item_id": it["item_id"],
                                    "price": it["price"], "options": it["options"]})
        for pos, f in enumerate(o["fulfillments"]):
            rows[Fulfillment].append({"order_id": oid, "position": pos,
                                      "tracking_ids": f["tracking_id"],
                                      "item_ids": f["item_ids"]})
        for pos, ph in enumerate(o["payment_history"]):
            rows[PaymentTransaction].append({
                "order_id": oid, "user_id": o["user_id"], "position": pos,
                "transaction_type": ph["transaction_type"], "amount": ph["amount"],
                "payment_method_id": ph["payment_method_id"]})
    return rows


def add_blind_indexes(rows: dict[type, list[dict]], keyring) -> None:
    """Fill the users' look-up indexes (store/crypto.py): their columns are sealed."""
    for u in rows[User]:
        u["email_bidx"] = keyring.email_index(u["email"])
        u["name_zip_bidx"] = keyring.name_zip_index(u["first_name"], u["last_name"], u["zip"])


def clear_retail(conn: Connection) -> None:
    conn.execute(delete(Handoff))
    for model in RETAIL_TABLES:
        conn.execute(delete(model))


def insert_rows(conn: Connection, rows: dict[type, list[dict]]) -> dict[str, int]:
    counts = {}
    for model, batch in rows.items():
        if batch:
            conn.execute(insert(model), batch)
        counts[model.__tablename__] = len(batch)
    counts["disputes"] = seed_disputes(conn)  # the chargebacks over these orders (store/disputes.py)
    return counts
