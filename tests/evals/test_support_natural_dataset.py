"""Validates evals/datasets/support_natural.jsonl against the seed retail data.

Fast: reads the three JSON files directly (no project imports) and replays every
expected action with the rules of shared/data/retail/TOOLS.md on a copy of the data.
"""
from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from retail_rules import CANCEL_REASONS, WRITE_KWARGS

REPO = Path(__file__).resolve().parents[2]
DATASET = REPO / "evals" / "datasets" / "support_natural.jsonl"

LANG_MIN = {"en": 12, "zh": 8, "es": 6, "de": 6, "fr": 6, "ja": 2}
OUTCOMES = {"write", "refusal", "info", "declined", "auth_failed"}
WRITES = {"cancel_pending_order", "modify_pending_order_address", "modify_pending_order_payment",
          "modify_pending_order_items", "return_delivered_order_items",
          "exchange_delivered_order_items", "modify_user_address"}
KWARGS, REASONS = WRITE_KWARGS, CANCEL_REASONS
YES = {"en": "yes", "zh": "是", "es": "sí", "de": "ja", "fr": "oui", "ja": "はい"}
NO = {"en": "no", "zh": "不", "es": "no", "de": "nein", "fr": "non", "ja": "いいえ"}

# What the customer asked for in refusal / declined cases, and why the store must refuse it
# (None: the request is valid and was only declined by the customer).
PROBES = {
    "sn-010": ("cancel_pending_order", {"order_id": "#W1671835", "reason": "no longer needed"}, "status"),
    "sn-011": ("cancel_pending_order", {"order_id": "#W2000719", "reason": "no longer needed"}, "not_owner"),
    "sn-013": ("return_delivered_order_items", {"order_id": "#W9178204", "item_ids": ["6805564527"],
                                                "payment_method_id": "paypal_3846161"}, None),
    "sn-015": ("exchange_delivered_order_items", {"order_id": "#W7532822", "item_ids": ["4127323219"],
                                                  "new_item_ids": ["9635758562"],
                                                  "payment_method_id": "paypal_8955373"}, "same_product"),
    "sn-017": ("exchange_delivered_order_items", {"order_id": "#W4352605", "item_ids": ["8214883393"],
                                                  "new_item_ids": ["7420906769"],
                                                  "payment_method_id": "gift_card_1401311"}, "unavailable"),
    "sn-018": ("modify_pending_order_payment", {"order_id": "#W9432206",
                                                "payment_method_id": "gift_card_4129829"}, "gift_card_balance"),
    "sn-025": ("return_delivered_order_items", {"order_id": "#W1814268", "item_ids": ["6056040996"],
                                                "payment_method_id": "credit_card_8865901"}, "status"),
    "sn-028": ("cancel_pending_order", {"order_id": "#W7870498", "reason": "no longer needed"}, "status"),
    "sn-032": ("return_delivered_order_items", {"order_id": "#W6397299", "item_ids": ["2733768059"],
                                                "payment_method_id": "paypal_3650980"}, "payment_method"),
    "sn-035": ("cancel_pending_order", {"order_id": "#W9527030", "reason": "no longer needed"}, None),
    "sn-040": ("cancel_pending_order", {"order_id": "#W6030591", "reason": "no longer needed"}, "status"),
    "sn-041": ("exchange_delivered_order_items", {"order_id": "#W1762492", "item_ids": ["2407258246"],
                                                  "new_item_ids": ["1994478369"],
                                                  "payment_method_id": "gift_card_2611937"}, "gift_card_balance"),
    "sn-047": ("return_delivered_order_items", {"order_id": "#W7259850", "item_ids": ["3111466194"],
                                                "payment_method_id": "gift_card_2748512"}, "not_owner"),
    "sn-048": ("cancel_pending_order", {"order_id": "#W7208030", "reason": "cheaper elsewhere"}, "reason"),
    "sn-053": ("return_delivered_order_items", {"order_id": "#W6686344", "item_ids": ["4358482460"],
                                                "payment_method_id": "gift_card_5476126"}, "status"),
}
# How the customer describes each new variant: the options stated, and the words in the turns
# that state them. The stated options must pick exactly one variant of the product.
DESCRIBED = {
    "sn-005": ("2060066974", {"size": "XL", "color": "black"}, ["XL", "black"]),
    "sn-007": ("8896479688", {"color": "white", "sensor type": "optical", "connectivity": "wireless"},
               ["white", "optical", "wireless"]),
    "sn-017": ("7420906769", {"color": "white", "sensor type": "laser", "connectivity": "wireless"},
               ["white", "laser", "wireless"]),
    "sn-022": ("8106223139", {"size": "9", "material": "leather", "waterproof": "yes"}, ["9码", "皮", "防水"]),
    "sn-027": ("6777246137", {"capacity": "750ml", "color": "red"}, ["750ml", "红色"]),
    "sn-034": ("8733974883", {"size": "L", "color": "red"}, ["talla L", "rojo"]),
    "sn-037": ("9007697085", {"size": "50ml", "scent family": "fresh", "gender": "men"},
               ["50 ml", "frisch", "Herren"]),
    "sn-038": ("7602931732", {"material": "stainless steel", "color": "black"}, ["Edelstahl", "Schwarz"]),
    "sn-041": ("1994478369", {"strap material": "silicone", "dial color": "black"}, ["Silikon", "schwarz"]),
    "sn-050": ("7533802601", {"material": "stainless steel", "color": "green", "capacity": "500ml"},
               ["inox", "verte", "500 ml"]),
}
# Cases that name no order id: the product that tells the order apart.
ORDER_HINTS = {"sn-001": "Running Shoes", "sn-002": "Desk Lamp", "sn-004": "Bluetooth Speaker",
               "sn-007": "Gaming Mouse", "sn-009": "Electric Kettle", "sn-014": "Cycling Helmet",
               "sn-022": "Hiking Boots", "sn-029": "Espresso Machine", "sn-030": "T-Shirt",
               "sn-018": "Headphones", "sn-035": "Smart Watch", "sn-038": "Electric Kettle", "sn-042": "Action Camera",
               "sn-046": "Bluetooth Speaker", "sn-049": "Laptop", "sn-052": "Smart Watch"}

ORDER_RE = re.compile(r"#W\d{7}")
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ZIP_RE = re.compile(r"(?<![\dW])\d{5}(?!\d)")


@pytest.fixture(scope="module")
def store(seed_data):
    return seed_data


@pytest.fixture(scope="module")
def cases():
    return [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]


def _text(case) -> str:
    return "\n".join(case["turns"])


def _variant(store, item_id):
    for p in store["products"].values():
        if item_id in p["variants"]:
            return p["product_id"], p["variants"][item_id]
    return None, None


def apply(store, user_id, name, kw):
    """Apply one write to `store` in place per TOOLS.md; return an error code or None."""
    users, orders = store["users"], store["orders"]
    if name == "modify_user_address":
        if kw["user_id"] != user_id:
            return "not_owner"
        users[user_id]["address"] = {k: kw[k] for k in ("address1", "address2", "city", "country", "state", "zip")}
        return None
    order = orders.get(kw["order_id"])
    if order is None:
        return "no_order"
    if order["user_id"] != user_id:
        return "not_owner"
    pms = users[user_id]["payment_methods"]
    pm_id = kw.get("payment_method_id")
    if pm_id is not None and pm_id not in pms:
        return "payment_method"
    status = order["status"]
    need = "delivered" if name in ("return_delivered_order_items", "exchange_delivered_order_items") else "pending"
    if status != need:
        return "status"
    if name == "cancel_pending_order":
        if kw["reason"] not in REASONS:
            return "reason"
        for p in list(order["payment_history"]):
            order["payment_history"].append({"transaction_type": "refund", "amount": p["amount"],
                                             "payment_method_id": p["payment_method_id"]})
            if pms.get(p["payment_method_id"], {}).get("source") == "gift_card":
                pms[p["payment_method_id"]]["balance"] = round(pms[p["payment_method_id"]]["balance"] + p["amount"], 2)
        order["status"], order["cancel_reason"] = "cancelled", kw["reason"]
        return None
    if name == "modify_pending_order_address":
        order["address"] = {k: kw[k] for k in ("address1", "address2", "city", "country", "state", "zip")}
        return None
    if name == "modify_pending_order_payment":
        if len(order["payment_history"]) != 1:
            return "single_payment"
        old = order["payment_history"][0]
        if old["payment_method_id"] == pm_id:
            return "same_payment"
        amount = old["amount"]
        if pms[pm_id]["source"] == "gift_card":
            if pms[pm_id]["balance"] < amount:
                return "gift_card_balance"
            pms[pm_id]["balance"] = round(pms[pm_id]["balance"] - amount, 2)
        if pms[old["payment_method_id"]]["source"] == "gift_card":
            pms[old["payment_method_id"]]["balance"] = round(pms[old["payment_method_id"]]["balance"] + amount, 2)
        order["payment_history"] += [{"transaction_type": "payment", "amount": amount, "payment_method_id": pm_id},
                                     {"transaction_type": "refund", "amount": amount,
                                      "payment_method_id": old["payment_method_id"]}]
        return None
    by_id = {i["item_id"]: i for i in order["items"]}
    if any(i not in by_id for i in kw["item_ids"]):
        return "item_not_in_order"
    if name == "return_delivered_order_items":
        original = order["payment_history"][0]["payment_method_id"]
        if pm_id != original and pms[pm_id]["source"] != "gift_card":
            return "payment_method"
        order["status"], order["return_items"] = "return requested", sorted(kw["item_ids"])
        order["return_payment_method_id"] = pm_id
        return None
    # modify items / exchange
    if len(kw["item_ids"]) != len(kw["new_item_ids"]) or len(set(kw["item_ids"])) != len(kw["item_ids"]):
        return "item_lists"
    diff = 0.0
    for old_id, new_id in zip(kw["item_ids"], kw["new_item_ids"]):
        pid, var = _variant(store, new_id)
        if var is None or pid != by_id[old_id]["product_id"]:
            return "same_product"
        if new_id == old_id:
            return "same_variant"
        if not var["available"]:
            return "unavailable"
        diff += var["price"] - by_id[old_id]["price"]
    diff = round(diff, 2)
    if pms[pm_id]["source"] == "gift_card" and diff > 0 and pms[pm_id]["balance"] < diff:
        return "gift_card_balance"
    if name == "exchange_delivered_order_items":
        order.update({"status": "exchange requested", "exchange_items": sorted(kw["item_ids"]),
                      "exchange_new_items": sorted(kw["new_item_ids"]), "exchange_payment_method_id": pm_id,
                      "exchange_price_difference": diff})
        return None
    order["payment_history"].append({"transaction_type": "payment" if diff > 0 else "refund",
                                     "amount": abs(diff), "payment_method_id": pm_id})
    if pms[pm_id]["source"] == "gift_card":
        pms[pm_id]["balance"] = round(pms[pm_id]["balance"] - diff, 2)
    for old_id, new_id in zip(kw["item_ids"], kw["new_item_ids"]):
        _, var = _variant(store, new_id)
        by_id[old_id].update(item_id=new_id, price=var["price"], options=var["options"])
    order["status"] = "pending (item modified)"
    return None


def _order_identified(case, store, order_id) -> bool:
    """The order id is in the turns, or the hinted product is in exactly one of the user's
    orders with that order's status."""
    if order_id in _text(case):
        return True
    hint, status = ORDER_HINTS.get(case["id"]), store["orders"][order_id]["status"]
    same = [o for o in store["users"][case["user_id"]]["orders"] if store["orders"][o]["status"] == status
            and any(i["name"] == hint for i in store["orders"][o]["items"])]
    return same == [order_id]


def _user_dump(store, user_id) -> str:
    u = store["users"][user_id]
    return json.dumps([u] + [store["orders"][o] for o in u["orders"]], ensure_ascii=False)


# ---------------------------------------------------------------- structure

def test_fields_and_counts(cases):
    assert len(cases) >= 40
    ids = [c["id"] for c in cases]
    assert len(set(ids)) == len(ids)
    for c in cases:
        assert set(c) >= {"id", "lang", "turns", "channel", "user_id", "expected_actions", "expected_outcome",
                          "must_contain", "must_not_contain", "notes"}, c["id"]
        assert c["channel"] == "customer" and c["expected_outcome"] in OUTCOMES, c["id"]
        assert c["turns"] and all(isinstance(t, str) and t.strip() for t in c["turns"]), c["id"]
        assert c["notes"].strip(), c["id"]
        for a in c["expected_actions"]:
            assert a["name"] in WRITES and set(a["kwargs"]) == KWARGS[a["name"]], c["id"]
        assert bool(c["expected_actions"]) == (c["expected_outcome"] == "write"), c["id"]
        assert (c["user_id"] is None) == (c["expected_outcome"] == "auth_failed"), c["id"]
    langs = Counter(c["lang"] for c in cases)
    for lang, n in LANG_MIN.items():
        assert langs[lang] >= n, (lang, langs[lang])
    outcomes = Counter(c["expected_outcome"] for c in cases)
    assert outcomes["refusal"] >= 10 and outcomes["declined"] >= 1
    assert outcomes["auth_failed"] >= 2 and outcomes["info"] >= 3
    kinds = {a["name"] for c in cases for a in c["expected_actions"]}
    assert kinds == WRITES
    reasons = {a["kwargs"]["reason"] for c in cases for a in c["expected_actions"] if a["name"] == "cancel_pending_order"}
    assert reasons == REASONS
    assert len({c["user_id"] for c in cases if c["user_id"]}) >= 35


def test_language_and_confirmation_turns(cases):
    for c in cases:
        text = _text(c)
        kana = re.search(r"[\u3040-\u30ff]", text)
        han = re.search(r"[\u4e00-\u9fff]", text)
        if c["lang"] == "ja":
            assert kana, c["id"]
        elif c["lang"] == "zh":
            assert han and not kana, c["id"]
        else:
            assert not han and not kana, c["id"]
        last = c["turns"][-1].lower()
        if c["expected_outcome"] == "write":
            assert len(c["turns"]) >= 2 and last.startswith(YES[c["lang"]]), c["id"]
            assert not c["turns"][0].lower().startswith(YES[c["lang"]]), c["id"]
        elif c["expected_outcome"] == "declined":
            assert len(c["turns"]) >= 2 and NO[c["lang"]] in last, c["id"]
        for a in c["expected_actions"]:
            if a["name"] == "cancel_pending_order":  # the reason must be said naturally, not verbatim
                assert a["kwargs"]["reason"] not in text.lower(), c["id"]


# ---------------------------------------------------------------- truth on the data

def test_identification_matches_user(cases, store):
    users = store["users"]
    email_of = {u["email"].lower(): uid for uid, u in users.items()}
    for c in cases:
        text, uid = _text(c), c["user_id"]
        emails = {e.lower().rstrip(".") for e in EMAIL_RE.findall(text)}
        zips = set(ZIP_RE.findall(text))
        if uid is None:  # auth must fail: no known e-mail, no matching name + zip
            assert not emails & set(email_of), c["id"]
            for u in users.values():
                full = f"{u['name']['first_name']} {u['name']['last_name']}".lower()
                assert not (full in text.lower() and u["address"]["zip"] in zips), c["id"]
            continue
        u = users[uid]
        assert emails <= {u["email"].lower()}, c["id"]
        full = f"{u['name']['first_name']} {u['name']['last_name']}".lower()
        by_name_zip = full in text.lower() and u["address"]["zip"] in zips
        assert u["email"].lower() in emails or by_name_zip, f"{c['id']}: customer cannot be authenticated"
        if u["address"]["zip"] in zips:
            assert full in text.lower(), c["id"]
        action_zips = {a["kwargs"]["zip"] for a in c["expected_actions"] if "zip" in a["kwargs"]}
        assert zips <= {u["address"]["zip"]} | action_zips, (c["id"], zips)
        # name + zip must identify exactly this user
        if by_name_zip:
            same = [x for x, v in users.items() if v["address"]["zip"] in zips
                    and f"{v['name']['first_name']} {v['name']['last_name']}".lower() in text.lower()]
            assert same == [uid], c["id"]


def test_orders_mentioned_exist_and_ownership(cases, store):
    for c in cases:
        for oid in ORDER_RE.findall(_text(c)):
            assert oid in store["orders"], (c["id"], oid)
            owner = store["orders"][oid]["user_id"]
            if c["user_id"] and owner != c["user_id"]:
                probe = PROBES.get(c["id"])
                assert probe and probe[2] == "not_owner" and c["expected_outcome"] == "refusal", c["id"]


def test_expected_actions_are_valid_writes(cases, store):
    for c in cases:
        s = copy.deepcopy(store)
        for a in c["expected_actions"]:
            kw = a["kwargs"]
            if "order_id" in kw:
                order = store["orders"][kw["order_id"]]
                assert _order_identified(c, store, kw["order_id"]), c["id"]
                for item_id in kw.get("item_ids", []):  # the item is told apart by its product
                    pid = next(i["product_id"] for i in order["items"] if i["item_id"] == item_id)
                    assert len({i["item_id"] for i in order["items"] if i["product_id"] == pid}) == 1, c["id"]
            err = apply(s, c["user_id"], a["name"], kw)
            assert err is None, (c["id"], a["name"], err)
        for needle in c["must_contain"]:
            if c["user_id"]:
                assert needle in _user_dump(s, c["user_id"]), (c["id"], needle)
        for needle in c["must_not_contain"]:
            if c["user_id"]:
                assert needle not in _user_dump(s, c["user_id"]), (c["id"], needle)


def test_refusal_and_declined_probes(cases, store):
    by_id = {c["id"]: c for c in cases}
    for cid, (name, kw, why) in PROBES.items():
        c = by_id[cid]
        assert c["expected_outcome"] == ("declined" if why is None else "refusal"), cid
        assert apply(copy.deepcopy(store), c["user_id"], name, kw) == why, cid
        assert _order_identified(c, store, kw["order_id"]), cid
    probed = {cid for cid, p in PROBES.items()}
    for c in cases:
        if c["expected_outcome"] in ("refusal", "declined"):
            assert c["id"] in probed, f"{c['id']}: add a probe that shows why"
    whys = {p[2] for p in PROBES.values()}
    assert {"status", "not_owner", "same_product", "payment_method", "gift_card_balance", "reason"} <= whys


def test_described_variants_are_unique(cases, store):
    by_id = {c["id"]: c for c in cases}
    for cid, (new_id, stated, words) in DESCRIBED.items():
        c = by_id[cid]
        acts = [a for a in c["expected_actions"] if "new_item_ids" in a["kwargs"]]
        if cid in PROBES:
            acts.append({"kwargs": PROBES[cid][1]})
        assert any(new_id in a["kwargs"]["new_item_ids"] for a in acts), cid
        pid, var = _variant(store, new_id)
        assert all(var["options"][k] == v for k, v in stated.items()), cid
        matches = [v["item_id"] for v in store["products"][pid]["variants"].values()
                   if all(v["options"].get(k) == val for k, val in stated.items())]
        assert matches == [new_id], (cid, matches)
        for w in words:
            assert w.lower() in _text(c).lower(), (cid, w)
    for c in cases:
        for a in c["expected_actions"]:
            if "new_item_ids" in a["kwargs"]:
                assert c["id"] in DESCRIBED, f"{c['id']}: say how the new variant is described"


def test_info_cases_point_at_one_order(cases, store):
    for c in cases:
        if c["expected_outcome"] != "info" or c["id"] not in ORDER_HINTS:
            continue
        hint = ORDER_HINTS[c["id"]]
        having = [o for o in store["users"][c["user_id"]]["orders"]
                  if any(i["name"] == hint for i in store["orders"][o]["items"])]
        assert len(having) == 1 and having[0] in c["must_contain"], c["id"]
