"""Keyed pseudonyms (HMAC-SHA256 with CHUHAI_PSEUDONYM_KEY) and the pseudonymised export.

A pseudonym is stable (the same customer always gets the same one, so analytics can
count and join) and says nothing without the key (a plain hash of a user id or e-mail
could be reversed by hashing every known id). The audit log and the analytics/training
export use pseudonyms; only someone holding the key can link them back to a person.
Rotating the key starts new pseudonyms: history before and after no longer links.
"""
from __future__ import annotations

import hashlib
import hmac

COARSE_ADDRESS = ("country", "state")  # what analytics keeps of an address


class Pseudonymizer:
    def __init__(self, key: bytes):
        if len(key) < 32:
            raise ValueError("a pseudonym key needs at least 32 bytes")
        self._key = key

    def of(self, kind: str, value: str) -> str:
        """``<kind>_<128-bit HMAC-SHA256 hex>`` of value, per kind (u: user, e: e-mail, ...)."""
        mac = hmac.new(self._key, kind.encode("utf-8") + b"\x00" + str(value).encode("utf-8"), hashlib.sha256)
        return f"{kind}_{mac.hexdigest()[:32]}"

    def user(self, user_id: str) -> str:
        return self.of("u", user_id)

    def email(self, email: str) -> str:
        return self.of("e", email.strip().lower())

    def actor(self, role: str) -> str:
        """A role as the audit log names it: ``customer:<user id>`` becomes
        ``customer:<pseudonym>``; staff roles stay as they are."""
        if role.startswith("customer:"):
            return "customer:" + self.user(role.split(":", 1)[1])
        return role


def pseudonymized_export(data: dict, p: Pseudonymizer) -> dict:
    """Store.export()'s {"users", "orders", "products"} for analytics and training:
    user ids, order ids and payment method ids become pseudonyms; names, e-mails,
    streets, cities, zips, card digits and tracking ids are left out; addresses keep
    country and state; products, items, statuses and amounts are kept."""
    def pm(uid: str, pm_id: str) -> str:
        return p.of("pm", f"{uid}\x00{pm_id}")

    users = {}
    for uid, u in data["users"].items():
        users[p.user(uid)] = {
            "address": {k: u["address"][k] for k in COARSE_ADDRESS},
            "payment_methods": [{"id": pm(uid, m["id"]), "source": m["source"],
                                 **({"brand": m["brand"]} if "brand" in m else {})}
                                for m in u["payment_methods"].values()],
            "orders": [p.of("o", oid) for oid in u["orders"]],
        }
    orders = {}
    for oid, o in data["orders"].items():
        uid = o["user_id"]
        out = {"user": p.user(uid), "status": o["status"],
               "address": {k: o["address"][k] for k in COARSE_ADDRESS},
               "items": [{k: it[k] for k in ("name", "product_id", "item_id", "price", "options")}
                         for it in o["items"]],
               "fulfillments": [{"item_ids": f["item_ids"], "shipments": len(f["tracking_id"])}
                                for f in o["fulfillments"]],
               "payment_history": [{"transaction_type": t["transaction_type"], "amount": t["amount"],
                                    "payment_method": pm(uid, t["payment_method_id"])}
                                   for t in o["payment_history"]]}
        for key in ("cancel_reason", "exchange_items", "exchange_new_items", "exchange_price_difference",
                    "return_items"):
            if key in o:
                out[key] = o[key]
        for key in ("exchange_payment_method_id", "return_payment_method_id"):
            if key in o:
                out[key.replace("_id", "")] = pm(uid, o[key])
        orders[p.of("o", oid)] = out
    return {"pseudonym_scheme": "HMAC-SHA256 (CHUHAI_PSEUDONYM_KEY), 128 bits, prefix u_/o_/pm_",
            "users": users, "orders": orders, "products": data["products"]}
