"""Checks of evals/datasets/support_natural2.jsonl against the seed retail data.

Every case must be true on shared/data/retail: each expected write is replayed with the
rules of TOOLS.md on a copy of the data, each refusal's attempted action must be refused
by those rules (or by policy: wrong customer, non-original refund), identification in the
turns must belong to the case's user, and item descriptions must pick exactly one
available variant. Stand-alone: only the standard library and pytest are used.
"""
from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "evals" / "datasets" / "support_natural2.jsonl"

LANG_COUNTS = {"en": 12, "zh": 8, "es": 7, "de": 7, "fr": 6}
OUTCOMES = {"write", "refusal", "info", "declined", "auth_failed"}
YES = {"en": "yes", "zh": "是的", "es": "sí", "de": "ja", "fr": "oui", "ja": "はい"}
WRITES = {
    "cancel_pending_order": ["order_id", "reason"],
    "modify_pending_order_address": ["order_id", "address1", "address2", "city", "state", "country", "zip"],
    "modify_user_address": ["user_id", "address1", "address2", "city", "state", "country", "zip"],
    "modify_pending_order_payment": ["order_id", "payment_method_id"],
    "modify_pending_order_items": ["order_id", "item_ids", "new_item_ids", "payment_method_id"],
    "exchange_delivered_order_items": ["order_id", "item_ids", "new_item_ids", "payment_method_id"],
    "return_delivered_order_items": ["order_id", "item_ids", "payment_method_id"],
}
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)

# Options the customer mentions for each replaced item: the target must be the current
# options with these applied, and the only available variant of the product matching them.
VARIANT_SPECS = {
    "ho-005": {"4063401924": {"color": "black", "capacity": "20000mAh", "output": "Wireless"}},
    "ho-007": {"9791469541": {"color": "black", "size": "9"}},
    "ho-015": {"6439196450": {"backlight": "white", "size": "80%", "switch type": "tactile"}},
    "ho-016": {"6906307980": {"color": "navy"}},
    "ho-030": {"2185126308": {"size": "9", "waterproof": "yes", "material": "leather"}},
    "ho-031": {"5510402676": {"screen size": "8-inch", "storage": "32GB", "connectivity": "Wi-Fi"}},
}

# How the customer names the payment method of each write.
PAYMENT_DESC = {
    "ho-004": ("gift_card",),
    "ho-005": ("credit_card", "visa", "3194"),
    "ho-006": ("gift_card",),
    "ho-007": ("gift_card",),
    "ho-015": ("paypal",),
    "ho-016": ("gift_card",),
    "ho-022": ("gift_card",),
    "ho-029": ("paypal",),
    "ho-030": ("original",),
    "ho-031": ("gift_card",),
    "ho-036": ("credit_card", "visa", "8901"),
    "ho-037": ("original",),
}

# The action each refusal (and the declined case) asks for; refusals must be refused by
# the store rules or by policy, the declined one would have been allowed.
ATTEMPTS = {
    "ho-009": ("cancel_pending_order", {"order_id": "#W6087266", "reason": "no longer needed"}),
    "ho-010": ("cancel_pending_order", {"order_id": "#W6217120", "reason": "no longer needed"}),
    "ho-011": ("return_delivered_order_items", {"order_id": "#W6067464", "item_ids": ["8917609800"], "payment_method_id": "paypal_6213278"}),
    "ho-018": ("return_delivered_order_items", {"order_id": "#W6368178", "item_ids": ["3915604618"], "payment_method_id": "paypal_7697967"}),
    "ho-019": ("exchange_delivered_order_items", {"order_id": "#W7450915", "item_ids": ["6454334990"], "new_item_ids": ["*Electric Kettle"], "payment_method_id": "gift_card_6892585"}),
    "ho-025": ("modify_pending_order_address", {"order_id": "#W7841787", "address1": "470 Main Street", "address2": "", "city": "Jacksonville", "state": "FL", "country": "USA", "zip": "32254"}),
    "ho-026": ("return_delivered_order_items", {"order_id": "#W7762997", "item_ids": ["3330317167"], "payment_method_id": "credit_card_4530788"}),
    "ho-027": ("cancel_pending_order", {"order_id": "#W7810809", "reason": "no longer needed"}),
    "ho-033": ("modify_pending_order_payment", {"order_id": "#W6030855", "payment_method_id": "gift_card_5372803"}),
    "ho-034": ("get_order_details", {"order_id": "#W7016806"}),
    "ho-039": ("exchange_delivered_order_items", {"order_id": "#W7368828", "item_ids": ["6117189161"], "new_item_ids": ["*Digital Camera"], "payment_method_id": "paypal_5784379"}),
    "ho-040": ("modify_pending_order_payment", {"order_id": "#W9232383", "payment_method_id": "gift_card_1994993"}),
}

# Identification attempts of the auth-failure cases (none may match a user).
AUTH_FAILED_NAMES = {
    "ho-012": [("Marcus", "Bell", "60614")],
    "ho-020": [("Mei", "Kim", "94112")],
}


class Refused(Exception):
    pass


@pytest.fixture(scope="module")
def data(seed_data):
    return seed_data


@pytest.fixture(scope="module")
def cases():
    assert DATASET.is_file(), f"missing {DATASET}"
    lines = [ln for ln in DATASET.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return [json.loads(ln) for ln in lines]


# --------------------------------------------------------------------------- simulator
def _variant(db, item_id):
    for p in db["products"].values():
        if item_id in p["variants"]:
            return p, p["variants"][item_id]
    raise Refused(f"unknown item {item_id}")


def _own_order(db, user_id, order_id):
    order = db["orders"].get(order_id)
    if order is None:
        raise Refused("no such order")
    if order["user_id"] != user_id:
        raise Refused("order belongs to another user")
    return order


def _method(db, user_id, pm_id):
    pm = db["users"][user_id]["payment_methods"].get(pm_id)
    if pm is None:
        raise Refused("payment method not the user's")
    return pm


def _swap_items(db, user_id, order, item_ids, new_item_ids, pm_id):
    if len(item_ids) != len(new_item_ids) or not item_ids:
        raise Refused("item lists differ in length")
    pool = [it["item_id"] for it in order["items"]]
    for i in item_ids:
        if i not in pool:
            raise Refused(f"item {i} not in order")
        pool.remove(i)
    diff = 0.0
    for old, new in zip(item_ids, new_item_ids):
        cur = next(it for it in order["items"] if it["item_id"] == old)
        product, var = _variant(db, new)
        if product["product_id"] != cur["product_id"]:
            raise Refused("different product type")
        if not var["available"]:
            raise Refused("variant not available")
        if new == old:
            raise Refused("same variant")
        diff += var["price"] - cur["price"]
    pm = _method(db, user_id, pm_id)
    if pm["source"] == "gift_card" and diff > 0 and pm["balance"] < diff:
        raise Refused("gift card balance too low")
    return round(diff, 2)


def apply(db, user_id, name, kw):
    """Apply one action to db (mutated) with the rules of TOOLS.md; raise Refused."""
    if name == "get_order_details":
        _own_order(db, user_id, kw["order_id"])
        return
    assert name in WRITES, name
    assert sorted(kw) == sorted(WRITES[name]), (name, sorted(kw))
    if name == "modify_user_address":
        if kw["user_id"] != user_id:
            raise Refused("another user")
        db["users"][user_id]["address"] = {k: kw[k] for k in ("address1", "address2", "city", "country", "state", "zip")}
        return
    order = _own_order(db, user_id, kw["order_id"])
    status = order["status"]
    if name == "cancel_pending_order":
        if status != "pending":
            raise Refused(f"status {status}")
        if kw["reason"] not in ("no longer needed", "ordered by mistake"):
            raise Refused("bad reason")
        for p in list(order["payment_history"]):
            order["payment_history"].append({"transaction_type": "refund", "amount": p["amount"], "payment_method_id": p["payment_method_id"]})
            pm = db["users"][user_id]["payment_methods"].get(p["payment_method_id"])
            if pm and pm["source"] == "gift_card":
                pm["balance"] = round(pm["balance"] + p["amount"], 2)
        order["status"] = "cancelled"
        order["cancel_reason"] = kw["reason"]
    elif name == "modify_pending_order_address":
        if status != "pending":
            raise Refused(f"status {status}")
        order["address"] = {k: kw[k] for k in ("address1", "address2", "city", "country", "state", "zip")}
    elif name == "modify_pending_order_payment":
        if status != "pending":
            raise Refused(f"status {status}")
        if len(order["payment_history"]) != 1:
            raise Refused("more than one payment")
        old = order["payment_history"][0]
        if kw["payment_method_id"] == old["payment_method_id"]:
            raise Refused("same method")
        pm = _method(db, user_id, kw["payment_method_id"])
        amount = old["amount"]
        if pm["source"] == "gift_card":
            if pm["balance"] < amount:
                raise Refused("gift card balance too low")
            pm["balance"] = round(pm["balance"] - amount, 2)
        order["payment_history"] += [
            {"transaction_type": "payment", "amount": amount, "payment_method_id": pm["id"]},
            {"transaction_type": "refund", "amount": amount, "payment_method_id": old["payment_method_id"]},
        ]
        old_pm = db["users"][user_id]["payment_methods"].get(old["payment_method_id"])
        if old_pm and old_pm["source"] == "gift_card":
            old_pm["balance"] = round(old_pm["balance"] + amount, 2)
    elif name == "modify_pending_order_items":
        if status != "pending":
            raise Refused(f"status {status}")
        diff = _swap_items(db, user_id, order, kw["item_ids"], kw["new_item_ids"], kw["payment_method_id"])
        order["status"] = "pending (item modified)"
        _ = diff
    elif name == "exchange_delivered_order_items":
        if status != "delivered":
            raise Refused(f"status {status}")
        diff = _swap_items(db, user_id, order, kw["item_ids"], kw["new_item_ids"], kw["payment_method_id"])
        order["status"] = "exchange requested"
        order["exchange_price_difference"] = diff
    elif name == "return_delivered_order_items":
        if status != "delivered":
            raise Refused(f"status {status}")
        pool = [it["item_id"] for it in order["items"]]
        for i in kw["item_ids"]:
            if i not in pool:
                raise Refused(f"item {i} not in order")
            pool.remove(i)
        pm = _method(db, user_id, kw["payment_method_id"])
        original = order["payment_history"][0]["payment_method_id"]
        if kw["payment_method_id"] != original and pm["source"] != "gift_card":
            raise Refused("refund must go to the original method or a gift card")
        order["status"] = "return requested"


# --------------------------------------------------------------------------- helpers
def _text(case) -> str:
    return "\n".join(case["turns"])


def _user_index(data):
    return {uid: i for i, uid in enumerate(data["users"])}


# --------------------------------------------------------------------------- tests
def test_shape_and_counts(cases):
    assert len(cases) == 40
    assert [c["id"] for c in cases] == [f"ho-{i:03d}" for i in range(1, 41)]
    assert Counter(c["lang"] for c in cases) == Counter(LANG_COUNTS)
    keys = {"id", "lang", "turns", "channel", "user_id", "expected_actions", "expected_outcome",
            "must_contain", "must_not_contain", "notes"}
    for c in cases:
        assert set(c) == keys, c["id"]
        assert c["channel"] == "customer"
        assert c["expected_outcome"] in OUTCOMES, c["id"]
        assert isinstance(c["turns"], list) and c["turns"] and all(isinstance(t, str) and t.strip() for t in c["turns"])
        assert isinstance(c["must_contain"], list) and isinstance(c["must_not_contain"], list)
        assert all(isinstance(s, str) and s for s in c["must_contain"] + c["must_not_contain"])
        assert isinstance(c["notes"], str) and c["notes"]
        assert isinstance(c["expected_actions"], list)
        for a in c["expected_actions"]:
            assert set(a) == {"name", "kwargs"} and a["name"] in WRITES, c["id"]
            assert sorted(a["kwargs"]) == sorted(WRITES[a["name"]]), c["id"]


def test_outcomes_and_confirmation(cases):
    for c in cases:
        if c["expected_outcome"] == "write":
            assert c["expected_actions"], c["id"]
            assert len(c["turns"]) >= 2 and c["turns"][-1] == YES[c["lang"]], c["id"]
            assert c["must_contain"], c["id"]
        else:
            assert c["expected_actions"] == [], c["id"]
            # the customer never says a plain yes where nothing may be written
            assert all(t.strip().lower() != YES[c["lang"]] for t in c["turns"]), c["id"]
        if c["expected_outcome"] == "auth_failed":
            assert c["user_id"] is None, c["id"]
        else:
            assert isinstance(c["user_id"], str), c["id"]


def test_coverage(cases):
    outcomes = Counter(c["expected_outcome"] for c in cases)
    assert outcomes["refusal"] + outcomes["auth_failed"] >= 10
    assert outcomes["auth_failed"] >= 1 and outcomes["info"] >= 2 and outcomes["declined"] >= 1
    names = Counter(a["name"] for c in cases for a in c["expected_actions"])
    for n in WRITES:
        assert names[n] >= 2, n
    reasons = {a["kwargs"]["reason"] for c in cases for a in c["expected_actions"] if a["name"] == "cancel_pending_order"}
    assert reasons == {"no longer needed", "ordered by mistake"}
    assert set(ATTEMPTS) == {c["id"] for c in cases if c["expected_outcome"] in ("refusal", "declined")}


def test_users_distinct_and_spread(cases, data):
    uids = [c["user_id"] for c in cases if c["user_id"]]
    assert len(uids) == len(set(uids)), "a user is used twice"
    idx = _user_index(data)
    assert all(u in idx for u in uids)
    positions = sorted(idx[u] for u in uids)
    assert positions[0] < 50 and positions[-1] > 450
    # at least 8 of the 10 blocks of 50 users are represented
    assert len({p // 50 for p in positions}) >= 8


def test_identification_belongs_to_user(cases, data):
    users = data["users"]
    all_emails = {u["email"].lower(): uid for uid, u in users.items()}
    for c in cases:
        text = _text(c)
        low = text.lower()
        emails = [e.lower().rstrip(".") for e in EMAIL_RE.findall(text)]
        if c["user_id"] is None:
            for e in emails:
                assert e not in all_emails, (c["id"], e)
            for first, last, zip_ in AUTH_FAILED_NAMES.get(c["id"], []):
                assert first.lower() in low and last.lower() in low and zip_ in text
                assert not any(u["name"]["first_name"].lower() == first.lower() and u["name"]["last_name"].lower() == last.lower()
                               and u["address"]["zip"] == zip_ for u in users.values()), c["id"]
            continue
        u = users[c["user_id"]]
        for e in emails:
            assert e == u["email"].lower(), (c["id"], e)
        by_email = u["email"].lower() in low
        full = f'{u["name"]["first_name"]} {u["name"]["last_name"]}'.lower()
        by_name = full in low and u["address"]["zip"] in text
        assert by_email or by_name, c["id"]
        if by_name:
            hits = [uid for uid, x in users.items() if x["name"]["first_name"].lower() == u["name"]["first_name"].lower()
                    and x["name"]["last_name"].lower() == u["name"]["last_name"].lower() and x["address"]["zip"] == u["address"]["zip"]]
            assert hits == [c["user_id"]], c["id"]
        # the customer never gives a user id
        assert c["user_id"] not in text


def test_expected_actions_valid_on_seed(cases, data):
    for c in cases:
        if not c["expected_actions"]:
            continue
        db = copy.deepcopy(data)
        for a in c["expected_actions"]:
            try:
                apply(db, c["user_id"], a["name"], a["kwargs"])
            except Refused as exc:  # pragma: no cover - reported as failure
                pytest.fail(f'{c["id"]}: {a["name"]} refused: {exc}')
            kw = a["kwargs"]
            if "order_id" in kw:
                assert kw["order_id"] in data["users"][c["user_id"]]["orders"], c["id"]
            if "item_ids" in kw:
                order = data["orders"][kw["order_id"]]
                names = [it["name"] for it in order["items"]]
                for i in kw["item_ids"]:
                    name = next(it["name"] for it in order["items"] if it["item_id"] == i)
                    assert names.count(name) == 1, f'{c["id"]}: {name} not unique in order'
            if "country" in kw:
                assert kw["country"] == "USA"
                assert kw["address1"] in _text(c) and kw["city"] in _text(c) and kw["zip"] in _text(c), c["id"]
                assert kw["address2"] == "" or kw["address2"] in _text(c), c["id"]
                assert re.fullmatch(r"[A-Z]{2}", kw["state"]) and re.fullmatch(r"\d{5}", kw["zip"])


def test_variant_descriptions_unique(cases, data):
    by_id = {c["id"]: c for c in cases}
    swaps = {c["id"] for c in cases for a in c["expected_actions"] if "new_item_ids" in a["kwargs"]}
    assert swaps == set(VARIANT_SPECS)
    for cid, spec in VARIANT_SPECS.items():
        a = by_id[cid]["expected_actions"][0]["kwargs"]
        order = data["orders"][a["order_id"]]
        assert sorted(spec) == sorted(a["item_ids"])
        for old, new in zip(a["item_ids"], a["new_item_ids"]):
            cur = next(it for it in order["items"] if it["item_id"] == old)
            product = data["products"][cur["product_id"]]
            target = {**cur["options"], **spec[old]}
            assert product["variants"][new]["options"] == target, cid
            matching = [v["item_id"] for v in product["variants"].values()
                        if v["available"] and all(v["options"].get(k) == val for k, val in spec[old].items())]
            assert matching == [new], (cid, matching)


def test_payment_descriptions(cases, data):
    by_id = {c["id"]: c for c in cases}
    with_pm = {c["id"] for c in cases for a in c["expected_actions"] if "payment_method_id" in a["kwargs"]}
    assert with_pm == set(PAYMENT_DESC)
    for cid, desc in PAYMENT_DESC.items():
        c = by_id[cid]
        kw = c["expected_actions"][0]["kwargs"]
        methods = data["users"][c["user_id"]]["payment_methods"]
        pm = methods[kw["payment_method_id"]]
        if desc[0] == "original":
            assert kw["payment_method_id"] == data["orders"][kw["order_id"]]["payment_history"][0]["payment_method_id"], cid
        elif desc[0] == "credit_card":
            same = [m for m in methods.values() if m["source"] == "credit_card" and m["brand"] == desc[1] and m["last_four"] == desc[2]]
            assert same == [pm], cid
            assert desc[2] in _text(c)
        else:
            assert pm["source"] == desc[0], cid
            assert sum(m["source"] == desc[0] for m in methods.values()) == 1, f"{cid}: ambiguous {desc[0]}"


def _resolve_wildcards(data, kw):
    kw = copy.deepcopy(kw)
    if "new_item_ids" in kw:
        out = []
        for n in kw["new_item_ids"]:
            if n.startswith("*"):
                product = next(p for p in data["products"].values() if p["name"] == n[1:])
                n = next(v["item_id"] for v in product["variants"].values() if v["available"])
            out.append(n)
        kw["new_item_ids"] = out
    return kw


def test_refusals_are_refused_and_declined_would_succeed(cases, data):
    by_id = {c["id"]: c for c in cases}
    for cid, (name, kw) in ATTEMPTS.items():
        c = by_id[cid]
        db = copy.deepcopy(data)
        kw = _resolve_wildcards(data, kw)
        if c["expected_outcome"] == "declined":
            apply(db, c["user_id"], name, kw)  # must be allowed
            continue
        with pytest.raises(Refused):
            apply(db, c["user_id"], name, kw)
        if name == "exchange_delivered_order_items":
            # the wanted product type exists but differs from the delivered item's
            order = data["orders"][kw["order_id"]]
            cur = next(it for it in order["items"] if it["item_id"] == kw["item_ids"][0])
            _, var = _variant(data, kw["new_item_ids"][0])
            assert cur["product_id"] != _variant(data, kw["new_item_ids"][0])[0]["product_id"] and var["available"]
        if name in ("cancel_pending_order", "get_order_details") and data["orders"][kw["order_id"]]["user_id"] != c["user_id"]:
            other = data["orders"][kw["order_id"]]
            for s in c["must_not_contain"]:
                assert s in json.dumps(other) or s in json.dumps(data["users"][other["user_id"]]), (cid, s)


def test_refusal_kinds_present(cases, data):
    kinds = Counter()
    for cid, (name, kw) in ATTEMPTS.items():
        c = next(x for x in cases if x["id"] == cid)
        if c["expected_outcome"] != "refusal":
            continue
        db = copy.deepcopy(data)
        try:
            apply(db, c["user_id"], name, _resolve_wildcards(data, kw))
        except Refused as exc:
            msg = str(exc)
            kinds["status" if msg.startswith("status") else msg] += 1
    assert kinds["status"] >= 2
    assert kinds["order belongs to another user"] >= 2
    assert kinds["different product type"] >= 2
    assert kinds["refund must go to the original method or a gift card"] >= 2
    assert kinds["gift card balance too low"] >= 2


def test_info_and_must_contain_grounded(cases, data):
    for c in cases:
        if c["user_id"] is None:
            continue
        u = data["users"][c["user_id"]]
        blob = json.dumps(u) + "".join(json.dumps(data["orders"][o]) for o in u["orders"])
        blob += json.dumps(c["expected_actions"])
        for s in c["must_contain"]:
            assert s in blob, (c["id"], s)
        for s in c["must_not_contain"]:
            assert s not in blob, (c["id"], s)
    info = [c for c in cases if c["expected_outcome"] == "info"]
    assert len(info) >= 4
    for c in info:
        assert c["must_contain"], c["id"]
