"""Validates evals/datasets/support_natural3.jsonl against the retail seed data.

The blind set is written without looking at the agent or the development sets. This
test checks that every case is *true* on the seed store: the customer's identification,
the orders/items/variants/payment methods the messages describe, and that each expected
write succeeds (and each refused request is really refused) under the rules of
``TOOLS.md``. Standard library + pytest only; the project's packages are not imported.

How the users were chosen: ``random.Random(2026).sample(sorted(user_ids), 500)`` gives a
random order over all 500 users; each case slot (in id order) took the first unused user
in that order whose data fits the slot (e.g. "has a processed order"). Every user appears
in at most one case, counting the other customers whose orders appear in "not your order"
cases and the users the auth-failure cases are modelled on.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from retail_rules import CANCEL_REASONS

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "evals" / "datasets" / "support_natural3.jsonl"

LANG_COUNTS = {"en": 12, "zh": 8, "es": 7, "de": 7, "fr": 6}
YES = {"en": "yes", "zh": "是的", "es": "sí", "de": "ja", "fr": "oui"}
NO_WORDS = {"en": ("no",), "zh": ("不",), "es": ("no",), "de": ("nein",), "fr": ("non",)}
OUTCOMES = {"write", "refusal", "info", "declined", "auth_failed"}
KEYS = {"id", "lang", "turns", "channel", "user_id", "expected_actions", "expected_outcome",
        "must_contain", "must_not_contain", "notes"}
ADDR = ["address1", "address2", "city", "state", "country", "zip"]
WRITE_SIGS = {
    "cancel_pending_order": ["order_id", "reason"],
    "modify_pending_order_address": ["order_id", *ADDR],
    "modify_user_address": ["user_id", *ADDR],
    "modify_pending_order_payment": ["order_id", "payment_method_id"],
    "modify_pending_order_items": ["order_id", "item_ids", "new_item_ids", "payment_method_id"],
    "exchange_delivered_order_items": ["order_id", "item_ids", "new_item_ids", "payment_method_id"],
    "return_delivered_order_items": ["order_id", "item_ids", "payment_method_id"],
}

# ---------------------------------------------------------------------------------------
# Per-case specification of what the customer's words denote (written alongside the set).
#   cat     : coverage category
#   auth    : ("email", e) | ("name_zip", first, last, zip) -- as typed in the turns
#   order   : {"id": "#W.."} and/or {"has": [product names], "status": [...]} -- the
#             description must pick exactly one of the user's orders
#   items   : [{"name": product, "options": {subset}}] -- each picks one item of the order
#   targets : [{mentioned options}] -- each picks exactly one *available* variant
#   pay     : "original" | "gift_card" | "paypal" | ("card", brand, last_four)
#   attempt : for refusals / declined: what the customer asks for, as a TOOLS.md call
#   wanted_product : for "different product type" refusals
#   other_order    : an order of another customer that the case mentions
#   model_user     : the real user an auth-failure case is modelled on
#   extra_zips     : 5-digit numbers in the turns that are neither the user's zip nor in
#                    the expected kwargs
# ---------------------------------------------------------------------------------------
SPEC: dict[str, dict] = {
    "bl-001": dict(cat="cancel", auth=("email", "ava.nguyen2868@example.com"),
                   order={"id": "#W8367380", "has": ["Dumbbell Set", "Bluetooth Speaker", "Fleece Jacket"]}),
    "bl-002": dict(cat="order_address", auth=("name_zip", "Fatima", "Li", "94180"),
                   order={"has": ["Action Camera"]}),
    "bl-003": dict(cat="payment", auth=("email", "olivia.ito5204@example.com"),
                   order={"has": ["Patio Umbrella"], "status": ["pending"]}, pay="paypal"),
    "bl-004": dict(cat="modify_items", auth=("name_zip", "Aarav", "Brown", "94132"),
                   order={"has": ["Bicycle"]},
                   items=[{"name": "Bicycle", "options": {"color": "green", "type": "road"}}],
                   targets=[{"color": "blue", "frame size": "medium"}],
                   pay=("card", "mastercard", "4249")),
    "bl-005": dict(cat="return", auth=("email", "sophia.garcia1495@example.com"),
                   order={"has": ["Tablet"]}, items=[{"name": "Tablet"}], pay="original"),
    "bl-006": dict(cat="exchange", auth=("email", "sofia.kovacs4505@example.com"),
                   order={"has": ["Coffee Maker"], "status": ["delivered"]},
                   items=[{"name": "Coffee Maker", "options": {"capacity": "4 cups"}}],
                   targets=[{"capacity": "2 cups", "color": "black", "type": "espresso", "features": "timer"}],
                   pay="paypal"),
    "bl-007": dict(cat="tracking", auth=("name_zip", "Lei", "Ahmed", "19128"), order={"has": ["Perfume"]}),
    "bl-008": dict(cat="refusal_status", auth=("email", "mason.lopez2966@example.com"),
                   order={"has": ["Hiking Boots", "Bluetooth Speaker"]},
                   items=[{"name": "Bluetooth Speaker", "options": {"color": "blue"}}],
                   attempt={"name": "cancel_pending_order",
                            "kwargs": {"order_id": "#W9939424", "reason": "no longer needed"}}),
    "bl-009": dict(cat="refusal_other_customer", auth=("email", "yusuf.hernandez9721@example.com"),
                   other_order="#W1603792",
                   attempt={"name": "cancel_pending_order",
                            "kwargs": {"order_id": "#W1603792", "reason": "ordered by mistake"}}),
    "bl-010": dict(cat="refusal_gift_balance", auth=("name_zip", "juan", "rossi", "77209"),
                   order={"has": ["Garden Hose"], "status": ["pending"]}, pay="gift_card",
                   attempt={"name": "modify_pending_order_payment",
                            "kwargs": {"order_id": "#W7602708", "payment_method_id": "gift_card_8893815"}}),
    "bl-011": dict(cat="auth_failed", auth=("email", "lei.khan8493@example.com"), model_user="lei_khan_6353"),
    "bl-012": dict(cat="refusal_refund_method", auth=("email", "yusuf.moore9422@example.com"),
                   order={"id": "#W8295890"}, items=[{"name": "E-Reader"}], pay=("card", "visa", "3452"),
                   attempt={"name": "return_delivered_order_items",
                            "kwargs": {"order_id": "#W8295890", "item_ids": ["4273929280"],
                                       "payment_method_id": "credit_card_6302410"}}),
    "bl-013": dict(cat="cancel", auth=("email", "raj.smith2661@example.com"),
                   order={"has": ["Electric Kettle"], "status": ["pending"]}),
    "bl-014": dict(cat="modify_items", auth=("name_zip", "Fatima", "Johnson", "78712"),
                   order={"id": "#W8665881"},
                   items=[{"name": "Action Camera", "options": {"color": "black"}}],
                   targets=[{"resolution": "5K", "waterproof": "no", "color": "black"}], pay="gift_card"),
    "bl-015": dict(cat="default_address", auth=("email", "mei.santos5479@example.com")),
    "bl-016": dict(cat="profile", auth=("name_zip", "Ava", "Kovacs", "75346")),
    "bl-017": dict(cat="refusal_status", auth=("email", "noah.sanchez7461@example.com"),
                   order={"has": ["Running Shoes"]},
                   items=[{"name": "Running Shoes", "options": {"color": "white", "size": "9"}}], pay="gift_card",
                   attempt={"name": "return_delivered_order_items",
                            "kwargs": {"order_id": "#W8645374", "item_ids": ["9635758562"],
                                       "payment_method_id": "gift_card_9909795"}}),
    "bl-018": dict(cat="refusal_product_type", auth=("name_zip", "Emma", "Rossi", "43215"),
                   order={"has": ["Bookshelf"], "status": ["delivered"]},
                   items=[{"name": "Bookshelf", "options": {"color": "brown", "material": "glass"}}],
                   wanted_product="Office Chair"),
    "bl-019": dict(cat="return", auth=("email", "aarav.nguyen1293@example.com"),
                   order={"status": ["delivered"]},
                   items=[{"name": "Wireless Earbuds", "options": {"color": "blue"}}, {"name": "Hiking Boots"}],
                   pay="gift_card"),
    "bl-020": dict(cat="refusal_gift_balance", auth=("email", "ava.moore6020@example.com"),
                   order={"id": "#W4817420"},
                   items=[{"name": "Bookshelf", "options": {"color": "black", "material": "glass"}}],
                   targets=[{"height": "3 ft", "color": "black", "material": "glass"}], pay="gift_card",
                   attempt={"name": "exchange_delivered_order_items",
                            "kwargs": {"order_id": "#W4817420", "item_ids": ["4900661478"],
                                       "new_item_ids": ["1768466237"], "payment_method_id": "gift_card_8168843"}}),
    "bl-021": dict(cat="cancel", auth=("name_zip", "Olivia", "Smith", "32177"),
                   order={"has": ["Bicycle"]}, items=[{"name": "Bicycle", "options": {"color": "red"}}]),
    "bl-022": dict(cat="payment", auth=("name_zip", "Omar", "Kim", "32214"),
                   order={"has": ["T-Shirt"]}, items=[{"name": "T-Shirt", "options": {"color": "blue"}}],
                   pay="gift_card"),
    "bl-023": dict(cat="exchange", auth=("email", "omar.lopez1868@example.com"),
                   order={"has": ["Wristwatch"], "status": ["delivered"]},
                   items=[{"name": "Wristwatch", "options": {"dial color": "white"}}],
                   targets=[{"dial color": "blue", "strap material": "silicone"}], pay="original"),
    "bl-024": dict(cat="profile", auth=("email", "mei.johansson4671@example.com")),
    "bl-025": dict(cat="refusal_status", auth=("name_zip", "Lucas", "Johnson", "98147"),
                   order={"id": "#W7016806"}, extra_zips=["98101"],
                   attempt={"name": "modify_pending_order_address",
                            "kwargs": {"order_id": "#W7016806", "address1": "1200 Pine St", "address2": "",
                                       "city": "Seattle", "state": "WA", "country": "USA", "zip": "98101"}}),
    "bl-026": dict(cat="auth_failed", auth=("name_zip", "Liam", "Thomas", "43080"), model_user="liam_thomas_1090"),
    "bl-027": dict(cat="order_address", auth=("email", "james.johnson7869@example.com"), order={"id": "#W1006327"}),
    "bl-028": dict(cat="order_address", auth=("email", "aarav.gonzalez9269@example.com"),
                   order={"has": ["Smart Watch"]}),
    "bl-029": dict(cat="return", auth=("name_zip", "Harper", "Khan", "19029"),
                   order={"has": ["Espresso Machine"], "status": ["delivered"]},
                   items=[{"name": "Espresso Machine"}], pay="gift_card"),
    "bl-030": dict(cat="default_address", auth=("email", "isabella.nguyen2797@example.com")),
    "bl-031": dict(cat="declined", auth=("email", "yara.patel5445@example.com"),
                   order={"has": ["Grill", "Headphones"]},
                   attempt={"name": "cancel_pending_order",
                            "kwargs": {"order_id": "#W1068289", "reason": "no longer needed"}}),
    "bl-032": dict(cat="refusal_other_customer", auth=("name_zip", "Liam", "Nguyen", "95184"),
                   other_order="#W6067464"),
    "bl-033": dict(cat="refusal_refund_method", auth=("email", "mei.martin5518@example.com"),
                   order={"has": ["Skateboard"]}, items=[{"name": "Skateboard"}], pay="paypal",
                   attempt={"name": "return_delivered_order_items",
                            "kwargs": {"order_id": "#W1759614", "item_ids": ["5312063289"],
                                       "payment_method_id": "paypal_9325306"}}),
    "bl-034": dict(cat="exchange", auth=("name_zip", "Anya", "Muller", "80240"),
                   order={"status": ["delivered"]},
                   items=[{"name": "Makeup Kit", "options": {"skin tone": "dark"}},
                          {"name": "Perfume", "options": {"gender": "men"}}],
                   targets=[{"skin tone": "light", "kit size": "professional", "brand": "Brand B"},
                            {"gender": "women", "scent family": "woody", "size": "30ml"}],
                   pay="gift_card"),
    "bl-035": dict(cat="cancel", auth=("email", "emma.kovacs2974@example.com"), order={"has": ["Office Chair"]}),
    "bl-036": dict(cat="tracking", auth=("name_zip", "Mason", "Ahmed", "78739"),
                   order={"has": ["Grill", "Luggage Set"]}),
    "bl-037": dict(cat="refusal_product_type", auth=("email", "evelyn.lee1200@example.com"),
                   order={"has": ["Desk Lamp"], "status": ["delivered"]},
                   items=[{"name": "Desk Lamp", "options": {"color": "white"}}], wanted_product="Wall Clock"),
    "bl-038": dict(cat="return", auth=("name_zip", "Sophia", "Jackson", "77035"),
                   order={"id": "#W3977493"}, items=[{"name": "Laptop"}], pay="original"),
    "bl-039": dict(cat="auth_failed", auth=("email", "omar.hernandez3089@exemple.com"),
                   model_user="omar_hernandez_1365"),
    "bl-040": dict(cat="modify_items", auth=("name_zip", "Liam", "Thomas", "85049"),
                   order={"has": ["E-Reader"], "status": ["pending"]},
                   items=[{"name": "E-Reader", "options": {"screen size": "7-inch"}}],
                   targets=[{"screen size": "6-inch", "storage": "8GB", "connectivity": "Wi-Fi"}],
                   pay="original"),
}

CAT_ACTION = {
    "cancel": "cancel_pending_order",
    "order_address": "modify_pending_order_address",
    "payment": "modify_pending_order_payment",
    "modify_items": "modify_pending_order_items",
    "return": "return_delivered_order_items",
    "exchange": "exchange_delivered_order_items",
    "default_address": "modify_user_address",
}
CAT_OUTCOME = {**{c: "write" for c in CAT_ACTION}, "tracking": "info", "profile": "info",
               "declined": "declined", "auth_failed": "auth_failed"}
REQUIRED_REFUSALS = {"refusal_status", "refusal_other_customer", "refusal_product_type",
                     "refusal_refund_method", "refusal_gift_balance"}


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def store(seed_data):
    return seed_data


@pytest.fixture(scope="module")
def cases():
    lines = [ln for ln in DATASET.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return [json.loads(ln) for ln in lines]


# ------------------------------------------------------------------- store semantics
class Refused(Exception):
    pass


def find_by_email(store, email):
    hits = [uid for uid, u in store["users"].items() if u["email"].lower() == email.lower()]
    return hits[0] if hits else None


def find_by_name_zip(store, first, last, zip_):
    hits = [uid for uid, u in store["users"].items()
            if u["name"]["first_name"].lower() == first.lower()
            and u["name"]["last_name"].lower() == last.lower() and u["address"]["zip"] == zip_]
    assert len(hits) <= 1
    return hits[0] if hits else None


def _own_order(st, uid, oid):
    o = st["orders"].get(oid)
    if o is None:
        raise Refused(f"no order {oid}")
    if o["user_id"] != uid:
        raise Refused(f"{oid} does not belong to {uid}")
    return o


def _method(st, uid, pmid):
    pm = st["users"][uid]["payment_methods"].get(pmid)
    if pm is None:
        raise Refused(f"{pmid} is not a payment method of {uid}")
    return pm


def _swap_items(st, uid, o, item_ids, new_item_ids, pmid):
    if not item_ids or len(item_ids) != len(new_item_ids):
        raise Refused("item lists")
    if len(set(item_ids)) != len(item_ids):
        raise Refused("duplicate item ids")
    by_id = {it["item_id"]: it for it in o["items"]}
    diff = 0.0
    for old, new in zip(item_ids, new_item_ids):
        if old not in by_id:
            raise Refused(f"{old} not in order")
        prod = st["products"][by_id[old]["product_id"]]
        v = prod["variants"].get(new)
        if v is None:
            raise Refused(f"{new} is not a variant of {prod['name']}")
        if not v["available"]:
            raise Refused(f"{new} not available")
        if new == old:
            raise Refused("new item equals old item")
        diff += v["price"] - by_id[old]["price"]
    pm = _method(st, uid, pmid)
    diff = round(diff, 2)
    if pm["source"] == "gift_card" and diff > 0 and pm["balance"] < diff:
        raise Refused(f"gift card balance {pm['balance']} < difference {diff}")
    return diff, by_id, pm


def apply_action(st, uid, name, kw):
    """Apply one TOOLS.md write to ``st`` (mutated) as user ``uid``; raise Refused if refused."""
    if name == "modify_user_address":
        if kw["user_id"] != uid:
            raise Refused("other user")
        st["users"][uid]["address"] = {k: kw[k] for k in ADDR}
        return
    o = _own_order(st, uid, kw["order_id"])
    ph = o["payment_history"]
    if name == "cancel_pending_order":
        if o["status"] != "pending":
            raise Refused(f"status {o['status']}")
        if kw["reason"] not in CANCEL_REASONS:
            raise Refused("reason")
        for p in list(ph):
            ph.append({"transaction_type": "refund", "amount": p["amount"], "payment_method_id": p["payment_method_id"]})
            pm = st["users"][uid]["payment_methods"].get(p["payment_method_id"])
            if pm and pm["source"] == "gift_card":
                pm["balance"] = round(pm["balance"] + p["amount"], 2)
        o["status"], o["cancel_reason"] = "cancelled", kw["reason"]
    elif name == "modify_pending_order_address":
        if o["status"] != "pending":
            raise Refused(f"status {o['status']}")
        o["address"] = {k: kw[k] for k in ADDR}
    elif name == "modify_pending_order_payment":
        if o["status"] != "pending":
            raise Refused(f"status {o['status']}")
        if len(ph) != 1:
            raise Refused("not exactly one payment")
        old_id, amount = ph[0]["payment_method_id"], ph[0]["amount"]
        new = _method(st, uid, kw["payment_method_id"])
        if kw["payment_method_id"] == old_id:
            raise Refused("same method")
        if new["source"] == "gift_card" and new["balance"] < amount:
            raise Refused(f"gift card balance {new['balance']} < {amount}")
        ph.append({"transaction_type": "payment", "amount": amount, "payment_method_id": kw["payment_method_id"]})
        ph.append({"transaction_type": "refund", "amount": amount, "payment_method_id": old_id})
        if new["source"] == "gift_card":
            new["balance"] = round(new["balance"] - amount, 2)
        old = st["users"][uid]["payment_methods"].get(old_id)
        if old and old["source"] == "gift_card":
            old["balance"] = round(old["balance"] + amount, 2)
    elif name == "modify_pending_order_items":
        if o["status"] != "pending":
            raise Refused(f"status {o['status']}")
        diff, by_id, pm = _swap_items(st, uid, o, kw["item_ids"], kw["new_item_ids"], kw["payment_method_id"])
        if diff:
            ph.append({"transaction_type": "payment" if diff > 0 else "refund", "amount": abs(diff),
                       "payment_method_id": kw["payment_method_id"]})
        if pm["source"] == "gift_card":
            pm["balance"] = round(pm["balance"] - diff, 2)
        for old, new in zip(kw["item_ids"], kw["new_item_ids"]):
            v = st["products"][by_id[old]["product_id"]]["variants"][new]
            by_id[old].update(item_id=new, price=v["price"], options=v["options"])
        o["status"] = "pending (item modified)"
    elif name == "exchange_delivered_order_items":
        if o["status"] != "delivered":
            raise Refused(f"status {o['status']}")
        diff, _, _ = _swap_items(st, uid, o, kw["item_ids"], kw["new_item_ids"], kw["payment_method_id"])
        o.update(status="exchange requested", exchange_items=sorted(kw["item_ids"]),
                 exchange_new_items=sorted(kw["new_item_ids"]),
                 exchange_payment_method_id=kw["payment_method_id"], exchange_price_difference=diff)
    elif name == "return_delivered_order_items":
        if o["status"] != "delivered":
            raise Refused(f"status {o['status']}")
        ids = {it["item_id"] for it in o["items"]}
        if not kw["item_ids"] or any(i not in ids for i in kw["item_ids"]):
            raise Refused("item not in order")
        pm = _method(st, uid, kw["payment_method_id"])
        if kw["payment_method_id"] != ph[0]["payment_method_id"] and pm["source"] != "gift_card":
            raise Refused("refund method is neither original nor a gift card")
        o.update(status="return requested", return_items=sorted(kw["item_ids"]),
                 return_payment_method_id=kw["payment_method_id"])
    else:
        raise Refused(f"unknown write {name}")


# ------------------------------------------------------------------- spec resolution
def user_orders(store, uid):
    return [store["orders"][oid] for oid in store["users"][uid]["orders"]]


def resolve_order(store, uid, spec):
    got = set()
    if "id" in spec["order"]:
        o = store["orders"][spec["order"]["id"]]
        assert o["user_id"] == uid, f"{o['order_id']} is not {uid}'s"
        got.add(o["order_id"])
    if "has" in spec["order"] or "status" in spec["order"]:
        has = spec["order"].get("has", [])
        sts = spec["order"].get("status")
        matches = [o["order_id"] for o in user_orders(store, uid)
                   if all(any(it["name"] == h for it in o["items"]) for h in has)
                   and (sts is None or o["status"] in sts)]
        assert len(matches) == 1, f"order description {spec['order']} matches {matches}"
        got.add(matches[0])
    assert len(got) == 1, f"order id and description disagree: {got}"
    return got.pop()


def resolve_items(store, oid, spec):
    out = []
    for desc in spec.get("items", []):
        hits = {it["item_id"] for it in store["orders"][oid]["items"]
                if it["name"] == desc["name"]
                and all(it["options"].get(k) == v for k, v in desc.get("options", {}).items())}
        assert len(hits) == 1, f"item description {desc} matches {hits} in {oid}"
        out.append(hits.pop())
    return out


def resolve_targets(store, oid, item_ids, spec):
    out = []
    items = {it["item_id"]: it for it in store["orders"][oid]["items"]}
    for iid, mentioned in zip(item_ids, spec.get("targets", [])):
        item = items[iid]
        variants = store["products"][item["product_id"]]["variants"].values()
        for k in mentioned:
            assert k in item["options"], f"{k!r} is not an option of {item['name']}"
        strict = [v["item_id"] for v in variants if v["available"]
                  and all(v["options"].get(k) == val for k, val in mentioned.items())]
        assert len(strict) == 1, f"{mentioned} picks {strict} among available {item['name']} variants"
        keep = {**item["options"], **mentioned}
        kept = [v["item_id"] for v in variants if v["options"] == keep]
        assert kept == strict, f"keeping unmentioned options gives {kept}, mentioned alone gives {strict}"
        assert strict[0] != iid
        out.append(strict[0])
    return out


def resolve_pay(store, uid, oid, pay):
    pms = store["users"][uid]["payment_methods"]
    if pay == "original":
        return store["orders"][oid]["payment_history"][0]["payment_method_id"]
    if pay in ("gift_card", "paypal"):
        hits = [k for k, m in pms.items() if m["source"] == pay]
    else:
        _, brand, last4 = pay
        hits = [k for k, m in pms.items() if m["source"] == "credit_card"
                and m.get("brand") == brand and m.get("last_four") == last4]
    assert len(hits) == 1, f"payment description {pay} matches {hits}"
    return hits[0]


def check_spec_against_call(store, uid, spec, call):
    """The call (expected action or refused attempt) is what the turns describe."""
    kw = call["kwargs"]
    if "order" in spec:
        oid = resolve_order(store, uid, spec)
        assert kw.get("order_id") == oid
        items = resolve_items(store, oid, spec)
        if items and "item_ids" in kw:
            if "new_item_ids" in kw:
                targets = resolve_targets(store, oid, items, spec)
                assert dict(zip(kw["item_ids"], kw["new_item_ids"])) == dict(zip(items, targets))
                assert kw["item_ids"] == sorted(kw["item_ids"])
            else:
                assert sorted(kw["item_ids"]) == sorted(items)
        if "pay" in spec and "payment_method_id" in kw:
            assert kw["payment_method_id"] == resolve_pay(store, uid, oid, spec["pay"])


def address_line(kw):
    parts = [kw["address1"]] + ([kw["address2"]] if kw["address2"] else []) + [kw["city"]]
    return ", ".join(parts) + f", {kw['state']} {kw['zip']}"


# ------------------------------------------------------------------------------ tests
def test_file_shape_and_counts(cases):
    assert len(cases) == 40
    assert [c["id"] for c in cases] == [f"bl-{i:03d}" for i in range(1, 41)]
    assert set(SPEC) == {c["id"] for c in cases}
    for c in cases:
        assert set(c) == KEYS, c["id"]
        assert c["channel"] == "customer"
        assert c["expected_outcome"] in OUTCOMES
        assert isinstance(c["turns"], list) and c["turns"] and all(isinstance(t, str) and t.strip() for t in c["turns"])
        assert all(isinstance(s, str) and s for s in c["must_contain"] + c["must_not_contain"])
        assert isinstance(c["notes"], str) and c["notes"]
    assert Counter(c["lang"] for c in cases) == LANG_COUNTS


def test_language_of_turns(cases):
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for c in cases:
        text = " ".join(c["turns"])
        assert bool(cjk.search(text)) == (c["lang"] == "zh"), c["id"]


def test_coverage(cases):
    cats = Counter(SPEC[c["id"]]["cat"] for c in cases)
    for cat in CAT_ACTION:
        assert cats[cat] >= 1, cat
    assert cats["tracking"] >= 1 and cats["profile"] >= 1
    assert REQUIRED_REFUSALS <= set(cats)
    outcomes = Counter(c["expected_outcome"] for c in cases)
    assert outcomes["refusal"] + outcomes["auth_failed"] >= 10
    assert outcomes["refusal"] >= 10
    assert outcomes["auth_failed"] >= 1
    assert outcomes["declined"] == 1
    reasons = {a["kwargs"]["reason"] for c in cases for a in c["expected_actions"] if a["name"] == "cancel_pending_order"}
    assert reasons == CANCEL_REASONS
    pays = {SPEC[c["id"]]["pay"] if isinstance(SPEC[c["id"]].get("pay"), str) else "card"
            for c in cases if "pay" in SPEC[c["id"]]}
    assert {"original", "gift_card", "paypal", "card"} <= pays


def test_outcomes_match_categories(cases):
    for c in cases:
        cat = SPEC[c["id"]]["cat"]
        want = CAT_OUTCOME.get(cat, "refusal")
        assert c["expected_outcome"] == want, c["id"]
        if want == "write":
            assert [a["name"] for a in c["expected_actions"]] == [CAT_ACTION[cat]], c["id"]
        else:
            assert c["expected_actions"] == [], c["id"]


def test_each_user_used_once(store, cases):
    seen = []
    for c in cases:
        spec = SPEC[c["id"]]
        if c["expected_outcome"] == "auth_failed":
            assert c["user_id"] is None, c["id"]
            seen.append(spec["model_user"])
        else:
            assert c["user_id"] in store["users"], c["id"]
            seen.append(c["user_id"])
        if "other_order" in spec:
            seen.append(store["orders"][spec["other_order"]]["user_id"])
    assert all(u in store["users"] for u in seen)
    dupes = [u for u, n in Counter(seen).items() if n > 1]
    assert not dupes, dupes


def test_confirmation_turns(cases):
    for c in cases:
        lang, turns = c["lang"], c["turns"]
        plain_yes = [i for i, t in enumerate(turns) if t.strip().lower() == YES[lang]]
        if c["expected_outcome"] == "write":
            assert len(turns) >= 2, c["id"]
            assert turns[-1] == YES[lang], c["id"]
            assert plain_yes == [len(turns) - 1], c["id"]
        else:
            assert plain_yes == [], c["id"]
        if c["expected_outcome"] == "declined":
            assert len(turns) >= 2
            assert turns[-1].strip().lower().startswith(NO_WORDS[lang]), c["id"]


def test_identification_in_turns(store, cases):
    email_re = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)
    for c in cases:
        spec, text = SPEC[c["id"]], " ".join(c["turns"])
        low = text.lower()
        auth = spec["auth"]
        if auth[0] == "email":
            assert auth[1].lower() in low, c["id"]
            found = find_by_email(store, auth[1])
        else:
            _, first, last, zip_ = auth
            assert first.lower() in low and last.lower() in low and zip_ in text, c["id"]
            found = find_by_name_zip(store, first, last, zip_)
        emails = email_re.findall(text)
        if c["expected_outcome"] == "auth_failed":
            assert found is None, c["id"]
            assert all(find_by_email(store, e) is None for e in emails), c["id"]
            mu = store["users"][spec["model_user"]]
            if auth[0] == "name_zip":  # a real person's name, wrong zip
                assert (mu["name"]["first_name"], mu["name"]["last_name"]) == (auth[1], auth[2])
                assert mu["address"]["zip"] != auth[3]
        else:
            assert found == c["user_id"], c["id"]
            user = store["users"][c["user_id"]]
            assert all(e.lower() == user["email"].lower() for e in emails), c["id"]
            allowed = {user["address"]["zip"], *spec.get("extra_zips", [])}
            allowed |= {a["kwargs"]["zip"] for a in c["expected_actions"] if "zip" in a["kwargs"]}
            zips = set(re.findall(r"(?<![\d#W])\d{5}(?!\d)", text))
            assert zips <= allowed, (c["id"], zips - allowed)


def test_order_ids_in_turns(store, cases):
    for c in cases:
        spec = SPEC[c["id"]]
        ids = set(re.findall(r"#W\d{7}", " ".join(c["turns"])))
        for oid in ids:
            assert oid in store["orders"], (c["id"], oid)
        if "order" in spec and "id" in spec["order"]:
            assert spec["order"]["id"] in ids, c["id"]
        if c["expected_outcome"] != "auth_failed" and "other_order" not in spec:
            for oid in ids:
                assert store["orders"][oid]["user_id"] == c["user_id"], (c["id"], oid)


def test_expected_actions_valid_on_seed(store, cases):
    for c in cases:
        uid = c["user_id"]
        st = copy.deepcopy(store)
        for a in c["expected_actions"]:
            assert a["name"] in WRITE_SIGS, c["id"]
            assert list(a["kwargs"]) == WRITE_SIGS[a["name"]], c["id"]
            if "country" in a["kwargs"]:
                assert a["kwargs"]["country"] == "USA"
                assert address_line(a["kwargs"]) in " ".join(c["turns"]), c["id"]
            if a["name"] == "modify_user_address":
                assert a["kwargs"]["user_id"] == uid
            check_spec_against_call(store, uid, SPEC[c["id"]], a)
            apply_action(st, uid, a["name"], a["kwargs"])  # raises Refused if invalid


def test_refusals_are_really_refused(store, cases):
    for c in cases:
        spec, uid = SPEC[c["id"]], c["user_id"]
        if c["expected_outcome"] != "refusal":
            continue
        if "attempt" in spec:
            att = spec["attempt"]
            assert list(att["kwargs"]) == WRITE_SIGS[att["name"]]
            if "other_order" not in spec:
                check_spec_against_call(store, uid, spec, att)
            with pytest.raises(Refused):
                apply_action(copy.deepcopy(store), uid, att["name"], att["kwargs"])
        if "other_order" in spec:
            other = store["orders"][spec["other_order"]]
            assert other["user_id"] != uid
            assert spec["other_order"] in " ".join(c["turns"])
        if "wanted_product" in spec:
            oid = resolve_order(store, uid, spec)
            (iid,) = resolve_items(store, oid, spec)
            item = next(it for it in store["orders"][oid]["items"] if it["item_id"] == iid)
            assert store["orders"][oid]["status"] == "delivered"
            names = {p["name"] for p in store["products"].values()}
            assert spec["wanted_product"] in names and spec["wanted_product"] != item["name"]
            # any variant of the wanted product is rejected as an exchange target
            wanted = next(p for p in store["products"].values() if p["name"] == spec["wanted_product"])
            some = next(v["item_id"] for v in wanted["variants"].values() if v["available"])
            pm = store["orders"][oid]["payment_history"][0]["payment_method_id"]
            with pytest.raises(Refused):
                apply_action(copy.deepcopy(store), uid, "exchange_delivered_order_items",
                             {"order_id": oid, "item_ids": [iid], "new_item_ids": [some], "payment_method_id": pm})
        assert {"attempt", "other_order", "wanted_product"} & set(spec), c["id"]


def test_declined_proposal_would_have_been_valid(store, cases):
    for c in cases:
        if c["expected_outcome"] != "declined":
            continue
        spec = SPEC[c["id"]]
        check_spec_against_call(store, c["user_id"], spec, spec["attempt"])
        apply_action(copy.deepcopy(store), c["user_id"], spec["attempt"]["name"], spec["attempt"]["kwargs"])
        assert spec["attempt"]["kwargs"]["order_id"] in c["must_contain"]


def test_info_cases_facts(store, cases):
    for c in cases:
        spec, uid = SPEC[c["id"]], c["user_id"]
        if spec["cat"] == "tracking":
            o = store["orders"][resolve_order(store, uid, spec)]
            tracking = {t for f in o["fulfillments"] for t in f["tracking_id"]}
            assert o["order_id"] in c["must_contain"]
            assert tracking and tracking <= set(c["must_contain"])
        if spec["cat"] == "profile":
            u = store["users"][uid]
            for s in c["must_contain"]:
                facts = [u["address"]["address1"]] + [str(m.get("last_four", "")) for m in u["payment_methods"].values()]
                facts += [str(m["balance"]) for m in u["payment_methods"].values() if m["source"] == "gift_card"]
                assert s in facts, (c["id"], s)


def test_must_contain_strings_are_facts(store, cases):
    for c in cases:
        uid = c["user_id"]
        if uid is None:
            assert c["must_contain"] == []
            assert c["must_not_contain"], c["id"]
            continue
        own = json.dumps([store["users"][uid]] + user_orders(store, uid), ensure_ascii=False)
        written = json.dumps([a["kwargs"] for a in c["expected_actions"]], ensure_ascii=False)
        for s in c["must_contain"]:
            assert s in own or s in written, (c["id"], s)
            if s.startswith("#W"):
                assert store["orders"][s]["user_id"] == uid
        for s in c["must_not_contain"]:
            assert s not in own, (c["id"], s)
        spec = SPEC[c["id"]]
        if "other_order" in spec:
            other = json.dumps(store["orders"][spec["other_order"]], ensure_ascii=False)
            assert c["must_not_contain"] and all(s in other for s in c["must_not_contain"]), c["id"]


def test_auth_failed_leaks_belong_to_the_modelled_users(store, cases):
    for c in cases:
        if c["expected_outcome"] != "auth_failed":
            continue
        spec = SPEC[c["id"]]
        mu = spec["model_user"]
        # the strings the agent must not reveal are facts of users with that name
        first = store["users"][mu]["name"]["first_name"]
        last = store["users"][mu]["name"]["last_name"]
        namesakes = [uid for uid, u in store["users"].items()
                     if (u["name"]["first_name"], u["name"]["last_name"]) == (first, last)]
        facts = json.dumps([[store["users"][u]] + user_orders(store, u) for u in namesakes], ensure_ascii=False)
        for s in c["must_not_contain"]:
            assert s in facts, (c["id"], s)


def test_gift_card_and_status_facts_behind_writes(store, cases):
    """Payment-method descriptions and order status match the case kind."""
    for c in cases:
        spec, uid = SPEC[c["id"]], c["user_id"]
        for a in c["expected_actions"]:
            kw = a["kwargs"]
            if "order_id" not in kw:
                continue
            o = store["orders"][kw["order_id"]]
            want = "delivered" if a["name"] in ("exchange_delivered_order_items", "return_delivered_order_items") else "pending"
            assert o["status"] == want, c["id"]
            if spec.get("pay") == "original":
                assert kw["payment_method_id"] == o["payment_history"][0]["payment_method_id"]
