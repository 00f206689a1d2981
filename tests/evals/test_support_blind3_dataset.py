"""Validates the held-out support set ``evals/datasets/support_blind3.jsonl``.

Every case is checked against the seed store (``retail/{users,orders,products}.json``
under the shared data folder): the expected write actions are replayed with the exact
rules of ``retail/TOOLS.md``, refusals are shown to be refusals (the write the customer
asks for is rejected by those rules, or targets someone else's order), descriptions of
orders / items / payment methods pick exactly one thing, and the identification in the
turns belongs to the case's user.

Standard library + pytest only; the project's packages are not imported on purpose.
The seed comes from the ``seed_data`` fixture (tests/conftest.py: ``CHUHAI_SHARED_DATA_DIR``
or ``shared/data`` beside the repository); when it is missing the tests fail.
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from retail_rules import CANCEL_REASONS, WRITE_KWARGS

REPO = Path(__file__).resolve().parents[2]
DATASET = REPO / "evals" / "datasets" / "support_blind3.jsonl"

FIELDS = {
    "id", "lang", "turns", "channel", "user_id", "expected_actions",
    "expected_outcome", "must_contain", "must_not_contain", "notes",
}
OUTCOMES = {"write", "refusal", "info", "declined", "auth_failed"}
LANG_COUNTS = {"en": 12, "zh": 8, "es": 7, "de": 7, "fr": 6}
OUTCOME_COUNTS = {"write": 18, "refusal": 12, "info": 7, "declined": 1, "auth_failed": 2}
YES = {"en": "yes", "zh": "是的", "es": "sí", "de": "ja", "fr": "oui"}
NO_PREFIX = {"en": "no", "zh": "不", "es": "no", "de": "nein", "fr": "non"}



# --------------------------------------------------------------------------------------
# Per-case facts that the turns express in free text (any language). The test checks that
# each of them resolves to exactly one thing in the data and that it is what the case expects.
# --------------------------------------------------------------------------------------

# The order every order-related case is about.
TARGET_ORDER = {
    "b3-001": "#W6599568", "b3-002": "#W7032009", "b3-003": "#W6015009", "b3-004": "#W7634667",
    "b3-005": "#W1080318", "b3-006": "#W9318778", "b3-007": "#W5964460", "b3-008": "#W3062096",
    "b3-009": "#W7594624", "b3-010": "#W6460787", "b3-011": "#W9933266", "b3-012": "#W3723163",
    "b3-013": "#W7128968", "b3-014": "#W3181060", "b3-015": "#W3191978", "b3-016": "#W1679211",
    "b3-017": "#W8336711", "b3-018": "#W3130816", "b3-019": "#W8835847", "b3-020": "#W1473345",
    "b3-021": "#W7162915", "b3-023": "#W9588597", "b3-024": "#W9894882", "b3-025": "#W9956813",
    "b3-027": "#W6867036", "b3-029": "#W7775097", "b3-030": "#W3372648", "b3-031": "#W6368178",
    "b3-032": "#W7381650", "b3-034": "#W2491829", "b3-035": "#W6979932", "b3-036": "#W1514731", "b3-039": "#W1759614",
}

# Orders that are not named by id: the product names the customer mentions (in their own
# language) must select exactly one of the customer's orders.
DESCRIBED_ORDERS = {
    "b3-002": ("Air Purifier", "Backpack"),
    "b3-007": ("Electric Toothbrush",),
    "b3-010": ("Skateboard",),
    "b3-011": ("Yoga Mat",),
    "b3-014": ("Mechanical Keyboard",),
    "b3-015": ("Mechanical Keyboard",),
    "b3-018": ("Bookshelf",),
    "b3-020": ("Coffee Maker",),
    "b3-021": ("Vacuum Cleaner",),
    "b3-027": ("Wall Clock", "Backpack"),
    "b3-031": ("Office Chair",),
    "b3-032": ("Tablet",),
    "b3-035": ("Action Camera", "Smart Watch", "Cycling Helmet"),
    "b3-036": ("Smart Watch",),
}

# Requested variants: old item_id -> the options the customer names, and words of the turns
# that carry them. Unnamed options stay as the current item's where a variant allows it.
VARIANTS = {
    "b3-005": ({"8349118980": {"color": "red", "size": "L"}}, ["rouge", "taille l"]),
    "b3-006": ({"2143041831": {"color": "blue", "type": "road"}}, ["blue road"]),
    "b3-011": ({"5586947715": {"color": "pink"}}, ["rosa"]),
    "b3-014": ({"9025753381": {"switch type": "linear", "backlight": "RGB", "size": "full size"}},
               ["linear", "rgb", "full size"]),
    "b3-017": ({"6704763132": {"color": "red", "battery life": "10 hours", "water resistance": "no"}},
               ["rojo", "10 horas", "sin resistencia al agua"]),
    "b3-019": ({"9354168549": {"color": "black", "size": "XXL"}}, ["黑色", "xxl"]),
    "b3-023": ({"6268080249": {"screen size": "8-inch", "connectivity": "Wi-Fi", "storage": "8GB"}},
               ["8 pouces", "wi-fi", "8 go"]),
}

# How the customer names the payment method, and the words of the turns that say so.
#   "original" | "gift_card" | "paypal" | "brand:<brand>" | "last4:<digits>"
PAYMENT_DESCRIPTIONS = {
    "b3-001": ("last4:6193", "mastercard ending 6193"),
    "b3-003": ("original", "tarjeta original"),
    "b3-004": ("gift_card", "geschenkkarte"),
    "b3-005": ("brand:mastercard", "mastercard"),
    "b3-006": ("gift_card", "gift card"),
    "b3-010": ("last4:9135", "9135的visa"),
    "b3-011": ("paypal", "paypal"),
    "b3-013": ("gift_card", "geschenkkarte"),
    "b3-014": ("paypal", "paypal"),
    "b3-016": ("last4:9928", "mastercard ending 9928"),
    "b3-017": ("paypal", "paypal"),
    "b3-019": ("gift_card", "礼品卡"),
    "b3-023": ("paypal", "paypal"),
    "b3-039": ("paypal", "paypal"),
}

# Words of the turns that carry the cancellation reason.
CANCEL_REASON_WORDS = {
    "b3-002": ("no longer needed", "不需要"),
    "b3-008": ("ordered by mistake", "by mistake"),
    "b3-018": ("ordered by mistake", "aus versehen"),
    "b3-030": ("no longer needed", "brauche ich nicht mehr"),
    "b3-035": ("ordered by mistake", "accidentally"),
}

# The write a refusal / declined case asks for. Refusals: the rules of TOOLS.md (including
# "the order must belong to the authenticated user") reject it. Declined: it is valid.
ATTEMPTED = {
    "b3-004": ("modify_pending_order_payment", {"order_id": "#W7634667", "payment_method_id": "gift_card_4019778"}),
    "b3-006": ("modify_pending_order_items", {"order_id": "#W9318778", "item_ids": ["2143041831"],
                                              "new_item_ids": ["3624655057"], "payment_method_id": "gift_card_7728021"}),
    "b3-008": ("cancel_pending_order", {"order_id": "#W3062096", "reason": "ordered by mistake"}),
    "b3-012": ("cancel_pending_order", {"order_id": "#W3723163", "reason": "no longer needed"}),
    "b3-016": ("return_delivered_order_items", {"order_id": "#W1679211", "item_ids": ["9612497925"],
                                                "payment_method_id": "credit_card_7918119"}),
    "b3-021": ("return_delivered_order_items", {"order_id": "#W7162915", "item_ids": ["7958300294"],
                                                "payment_method_id": "credit_card_6731308"}),
    "b3-024": ("cancel_pending_order", {"order_id": "#W9894882", "reason": "no longer needed"}),
    "b3-025": ("modify_pending_order_address", {"order_id": "#W9956813", "address1": "500 Market St",
                                                "address2": "Apt 8", "city": "San Francisco", "state": "CA",
                                                "country": "USA", "zip": "94105"}),
    "b3-029": ("cancel_pending_order", {"order_id": "#W7775097", "reason": "no longer needed"}),
    "b3-039": ("return_delivered_order_items", {"order_id": "#W1759614", "item_ids": ["5312063289"],
                                                "payment_method_id": "paypal_9325306"}),
}

# Why each attempted refusal write is rejected (a substring of the simulator's reason).
ATTEMPTED_REASON = {
    "b3-004": "gift card balance too low", "b3-006": "gift card balance too low",
    "b3-012": "status processed", "b3-016": "original method or a gift card",
    "b3-021": "status pending", "b3-024": "status delivered", "b3-025": "status processed",
    "b3-029": "does not belong to", "b3-039": "original method or a gift card",
}

# Refusals because the customer wants a different product type: (order, old item, wanted product).
# Every available variant of the wanted product must be rejected for every method the user owns.
PRODUCT_TYPE_CHANGES = {
    "b3-020": ("exchange_delivered_order_items", "#W1473345", "3020722515", "Electric Kettle"),
    "b3-032": ("modify_pending_order_items", "#W7381650", "6948061616", "Laptop"),
}

# Refusals about an order of another customer (info only, nothing to attempt).
OTHER_CUSTOMER_ORDERS = {"b3-029": "#W7775097", "b3-034": "#W2491829"}

# Auth failures: the real customer behind the attempt (drawn from the shuffle like the rest).
AUTH_PERSONA = {"b3-037": "ethan_khan_3904", "b3-040": "mia_wilson_4965"}

ORDER_ID_RE = re.compile(r"#?W(\d{7})(?!\d)")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def st(seed_data):
    """The seed store (shared: the checks deepcopy before replaying writes)."""
    return seed_data


def _load_cases():
    with open(DATASET, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


CASES = _load_cases()
CASE_IDS = [c["id"] for c in CASES]


def _shuffled_users(users):
    ids = sorted(users)
    random.Random(31337).shuffle(ids)
    return ids


def _text(case) -> str:
    return "\n".join(case["turns"])


def _norm_order_ids(text: str) -> set[str]:
    return {f"#W{m}" for m in ORDER_ID_RE.findall(text)}


def _variant_index(products):
    idx = {}
    for pid, prod in products.items():
        for vid, var in prod["variants"].items():
            idx[vid] = (pid, var)
    return idx


def _product_by_name(products, name):
    hits = [p for p in products.values() if p["name"] == name]
    assert len(hits) == 1, name
    return hits[0]


# --------------------------------------------------------------------------------------
# TOOLS.md write semantics
# --------------------------------------------------------------------------------------

class ActionError(Exception):
    pass


def _check(cond, msg):
    if not cond:
        raise ActionError(msg)


def _owned_order(st, user_id, order_id):
    order = st["orders"].get(order_id)
    _check(order is not None, f"unknown order {order_id}")
    _check(order["user_id"] == user_id, f"{order_id} does not belong to {user_id}")
    return order


def _method(st, user_id, pm_id):
    pm = st["users"][user_id]["payment_methods"].get(pm_id)
    _check(pm is not None, f"{pm_id} is not a method of {user_id}")
    return pm


def _swap_items(st, order, item_ids, new_item_ids):
    _check(isinstance(item_ids, list) and isinstance(new_item_ids, list), "item lists expected")
    _check(len(item_ids) == len(new_item_ids) and item_ids, "item lists must be non-empty and of equal length")
    have = Counter(it["item_id"] for it in order["items"])
    _check(not (Counter(item_ids) - have), "item not in order")
    variants = _variant_index(st["products"])
    diff = 0.0
    pairs = []
    for old, new in zip(item_ids, new_item_ids):
        item = next(it for it in order["items"] if it["item_id"] == old)
        _check(new in variants, f"unknown item {new}")
        pid, var = variants[new]
        _check(pid == item["product_id"], f"{new} is not a variant of {item['name']}")
        _check(new != old, "new item must differ from the old one")
        _check(var["available"], f"{new} is not available")
        diff += var["price"] - item["price"]
        pairs.append((old, var))
    return round(diff, 2), pairs


def apply_action(st, user_id, name, kw):
    """Apply one write to the store ``st`` for the authenticated ``user_id``."""
    _check(name in WRITE_KWARGS, f"unknown write {name}")
    _check(set(kw) == WRITE_KWARGS[name], f"{name}: kwargs {sorted(kw)} != {sorted(WRITE_KWARGS[name])}")
    _check(user_id in st["users"], "not authenticated")
    users = st["users"]

    if name == "modify_user_address":
        _check(kw["user_id"] == user_id, "can only change the authenticated user's address")
        users[user_id]["address"] = {k: kw[k] for k in ("address1", "address2", "city", "country", "state", "zip")}
        return

    order = _owned_order(st, user_id, kw["order_id"])

    if name == "cancel_pending_order":
        _check(order["status"] == "pending", f"status {order['status']}")
        _check(kw["reason"] in CANCEL_REASONS, "bad reason")
        for pay in list(order["payment_history"]):
            order["payment_history"].append(
                {"transaction_type": "refund", "amount": pay["amount"], "payment_method_id": pay["payment_method_id"]})
            pm = users[user_id]["payment_methods"].get(pay["payment_method_id"])
            if pm and pm["source"] == "gift_card":
                pm["balance"] = round(pm["balance"] + pay["amount"], 2)
        order["status"] = "cancelled"
        order["cancel_reason"] = kw["reason"]

    elif name == "modify_pending_order_address":
        _check(order["status"] == "pending", f"status {order['status']}")
        order["address"] = {k: kw[k] for k in ("address1", "address2", "city", "country", "state", "zip")}

    elif name == "modify_pending_order_payment":
        _check(order["status"] == "pending", f"status {order['status']}")
        _check(len(order["payment_history"]) == 1, "exactly one payment required")
        old = order["payment_history"][0]
        _check(kw["payment_method_id"] != old["payment_method_id"], "same method")
        new_pm = _method(st, user_id, kw["payment_method_id"])
        amount = old["amount"]
        if new_pm["source"] == "gift_card":
            _check(new_pm["balance"] >= amount, "gift card balance too low")
            new_pm["balance"] = round(new_pm["balance"] - amount, 2)
        order["payment_history"].append(
            {"transaction_type": "payment", "amount": amount, "payment_method_id": kw["payment_method_id"]})
        order["payment_history"].append(
            {"transaction_type": "refund", "amount": amount, "payment_method_id": old["payment_method_id"]})
        old_pm = users[user_id]["payment_methods"].get(old["payment_method_id"])
        if old_pm and old_pm["source"] == "gift_card":
            old_pm["balance"] = round(old_pm["balance"] + amount, 2)

    elif name == "modify_pending_order_items":
        _check(order["status"] == "pending", f"status {order['status']}")
        diff, pairs = _swap_items(st, order, kw["item_ids"], kw["new_item_ids"])
        pm = _method(st, user_id, kw["payment_method_id"])
        if pm["source"] == "gift_card":
            _check(pm["balance"] >= diff, "gift card balance too low")
            pm["balance"] = round(pm["balance"] - diff, 2)
        order["payment_history"].append({"transaction_type": "payment" if diff > 0 else "refund",
                                         "amount": abs(diff), "payment_method_id": kw["payment_method_id"]})
        for old, var in pairs:
            item = next(it for it in order["items"] if it["item_id"] == old)
            item.update(item_id=var["item_id"], price=var["price"], options=dict(var["options"]))
        order["status"] = "pending (item modified)"

    elif name == "exchange_delivered_order_items":
        _check(order["status"] == "delivered", f"status {order['status']}")
        diff, _ = _swap_items(st, order, kw["item_ids"], kw["new_item_ids"])
        pm = _method(st, user_id, kw["payment_method_id"])
        if pm["source"] == "gift_card":
            _check(pm["balance"] >= diff, "gift card balance too low")
        order.update(status="exchange requested", exchange_items=sorted(kw["item_ids"]),
                     exchange_new_items=sorted(kw["new_item_ids"]),
                     exchange_payment_method_id=kw["payment_method_id"], exchange_price_difference=diff)

    elif name == "return_delivered_order_items":
        _check(order["status"] == "delivered", f"status {order['status']}")
        _check(isinstance(kw["item_ids"], list) and kw["item_ids"], "items required")
        have = Counter(it["item_id"] for it in order["items"])
        _check(not (Counter(kw["item_ids"]) - have), "item not in order")
        pm = _method(st, user_id, kw["payment_method_id"])
        original = order["payment_history"][0]["payment_method_id"]
        _check(kw["payment_method_id"] == original or pm["source"] == "gift_card",
               "refund must go to the original method or a gift card")
        order.update(status="return requested", return_items=sorted(kw["item_ids"]),
                     return_payment_method_id=kw["payment_method_id"])


def _rejected(st, user_id, name, kw) -> str | None:
    try:
        apply_action(copy.deepcopy(st), user_id, name, copy.deepcopy(kw))
    except ActionError as exc:
        return str(exc)
    return None


# --------------------------------------------------------------------------------------
# Whole-file checks
# --------------------------------------------------------------------------------------

def test_data_folder_present(st):
    assert len(st["users"]) and len(st["orders"]) and len(st["products"])


def test_file_shape_and_counts():
    assert len(CASES) == 40
    assert CASE_IDS == [f"b3-{i:03d}" for i in range(1, 41)]
    for c in CASES:
        assert set(c) == FIELDS, c["id"]
        assert c["channel"] == "customer"
        assert c["expected_outcome"] in OUTCOMES
        assert isinstance(c["turns"], list) and c["turns"] and all(isinstance(t, str) and t.strip() for t in c["turns"])
        assert isinstance(c["must_contain"], list) and isinstance(c["must_not_contain"], list)
        assert isinstance(c["expected_actions"], list)
        assert isinstance(c["notes"], str) and c["notes"]
    assert Counter(c["lang"] for c in CASES) == LANG_COUNTS
    assert Counter(c["expected_outcome"] for c in CASES) == OUTCOME_COUNTS


def test_coverage():
    actions = [a for c in CASES for a in c["expected_actions"]]
    assert {a["name"] for a in actions} == set(WRITE_KWARGS)
    reasons = {a["kwargs"]["reason"] for a in actions if a["name"] == "cancel_pending_order"}
    assert reasons == CANCEL_REASONS
    refusals = [c for c in CASES if c["expected_outcome"] == "refusal"]
    assert len(refusals) >= 10
    assert len(PRODUCT_TYPE_CHANGES) >= 1 and len(OTHER_CUSTOMER_ORDERS) >= 1
    assert sum(c["expected_outcome"] == "declined" for c in CASES) == 1
    refusal_ids = {c["id"] for c in refusals}
    explained = set(ATTEMPTED_REASON) | set(PRODUCT_TYPE_CHANGES) | set(OTHER_CUSTOMER_ORDERS)
    assert refusal_ids == explained, refusal_ids ^ explained


def test_users_drawn_from_seeded_shuffle_each_once(st):
    order = _shuffled_users(st["users"])
    seen = []
    for i, c in enumerate(CASES):
        uid = c["user_id"] if c["user_id"] is not None else AUTH_PERSONA[c["id"]]
        assert uid == order[i], (c["id"], uid, order[i])
        seen.append(uid)
    assert len(set(seen)) == len(seen)
    assert {c["id"] for c in CASES if c["user_id"] is None} == set(AUTH_PERSONA)
    assert all(c["expected_outcome"] == "auth_failed" for c in CASES if c["user_id"] is None)


def test_tables_refer_to_existing_cases():
    for table in (TARGET_ORDER, DESCRIBED_ORDERS, VARIANTS, PAYMENT_DESCRIPTIONS, CANCEL_REASON_WORDS,
                  ATTEMPTED, ATTEMPTED_REASON, PRODUCT_TYPE_CHANGES, OTHER_CUSTOMER_ORDERS, AUTH_PERSONA):
        assert set(table) <= set(CASE_IDS)


# --------------------------------------------------------------------------------------
# Per-case checks
# --------------------------------------------------------------------------------------

def _case(cid):
    return next(c for c in CASES if c["id"] == cid)


@pytest.mark.parametrize("cid", CASE_IDS)
def test_turn_protocol(cid):
    c = _case(cid)
    lang, turns, outcome = c["lang"], c["turns"], c["expected_outcome"]
    if lang == "zh":
        assert re.search(r"[\u4e00-\u9fff]", turns[0])
    if outcome == "write":
        assert len(turns) >= 2 and turns[-1] == YES[lang]
        assert c["expected_actions"]
        assert all(t != YES[lang] for t in turns[:-1])
    else:
        assert c["expected_actions"] == []
        assert YES[lang] not in [t.strip().lower() for t in turns]
    if outcome == "declined":
        assert len(turns) >= 2 and turns[-1].strip().lower().startswith(NO_PREFIX[lang])


@pytest.mark.parametrize("cid", CASE_IDS)
def test_identification(cid, st):
    c = _case(cid)
    text = _text(c)
    low = text.lower()
    emails_in_text = {e.lower().rstrip(".") for e in EMAIL_RE.findall(text)}
    all_emails = {u["email"].lower(): uid for uid, u in st["users"].items()}

    def name_zip_users():
        return [uid for uid, u in st["users"].items()
                if u["name"]["first_name"].lower() in low and u["name"]["last_name"].lower() in low
                and re.search(rf"(?<!\d){u['address']['zip']}(?!\d)", text)]

    if c["user_id"] is None:
        assert not (emails_in_text & set(all_emails)), "a real e-mail would authenticate"
        assert name_zip_users() == [], "a real name + zip would authenticate"
        persona = st["users"][AUTH_PERSONA[cid]]
        full = f"{persona['name']['first_name']} {persona['name']['last_name']}".lower()
        assert full in low, "the near-miss persona should be recognisable"
        return

    user = st["users"][c["user_id"]]
    assert emails_in_text <= {user["email"].lower()}, emails_in_text
    by_email = user["email"].lower() in low
    by_name = name_zip_users() == [c["user_id"]]
    assert by_email or by_name, "turns must identify the user by e-mail or name + zip"
    # the identification must come before (or with) any confirmation
    if c["expected_outcome"] == "write":
        assert user["email"].lower() in "\n".join(c["turns"][:-1]).lower() or by_name


@pytest.mark.parametrize("cid", CASE_IDS)
def test_order_references(cid, st):
    c = _case(cid)
    uid = c["user_id"]
    mentioned = _norm_order_ids(_text(c))
    for oid in mentioned:
        assert oid in st["orders"], oid
    target = TARGET_ORDER.get(cid)
    for a in c["expected_actions"]:
        if "order_id" in a["kwargs"]:
            assert a["kwargs"]["order_id"] == target
    if cid in ATTEMPTED and "order_id" in ATTEMPTED[cid][1]:
        assert ATTEMPTED[cid][1]["order_id"] == target
    if target is None:
        assert not mentioned
        return
    assert target in st["orders"]
    if cid in OTHER_CUSTOMER_ORDERS:
        assert target == OTHER_CUSTOMER_ORDERS[cid] and target in mentioned
        assert st["orders"][target]["user_id"] != uid
        assert target not in st["users"][uid]["orders"]
        return
    assert st["orders"][target]["user_id"] == uid and target in st["users"][uid]["orders"]
    assert mentioned <= {target}
    if target in mentioned:
        assert cid not in DESCRIBED_ORDERS
        return
    names = DESCRIBED_ORDERS[cid]
    hits = [oid for oid in st["users"][uid]["orders"]
            if set(names) <= {it["name"] for it in st["orders"][oid]["items"]}]
    assert hits == [target], (names, hits)


@pytest.mark.parametrize("cid", CASE_IDS)
def test_expected_actions_valid_on_seed(cid, st):
    c = _case(cid)
    work = copy.deepcopy(st)
    for a in c["expected_actions"]:
        assert set(a) == {"name", "kwargs"}
        apply_action(work, c["user_id"], a["name"], a["kwargs"])
        kw = a["kwargs"]
        if "item_ids" in kw:
            order = st["orders"][kw["order_id"]]
            names = [it["name"] for it in order["items"]]
            for iid in kw["item_ids"]:
                item = next(it for it in order["items"] if it["item_id"] == iid)
                assert names.count(item["name"]) == 1, f"{item['name']} is ambiguous in {kw['order_id']}"
                assert item["name"] in c["notes"]
        if "address1" in kw:
            assert kw["country"] == "USA"
            parts = [kw["address1"]] + ([kw["address2"]] if kw["address2"] else []) + [kw["city"]]
            one_line = ", ".join(parts) + f", {kw['state']} {kw['zip']}"
            assert one_line in _text(c), one_line
        if a["name"] == "cancel_pending_order":
            reason, word = CANCEL_REASON_WORDS[cid]
            assert kw["reason"] == reason and word in _text(c).lower()


@pytest.mark.parametrize("cid", sorted(VARIANTS))
def test_variant_descriptions_pick_one_available_variant(cid, st):
    c = _case(cid)
    mapping, words = VARIANTS[cid]
    for w in words:
        assert w in _text(c).lower(), w
    if c["expected_actions"]:
        kw = c["expected_actions"][0]["kwargs"]
    else:
        kw = ATTEMPTED[cid][1]
    assert list(mapping) == kw["item_ids"]
    order = st["orders"][kw["order_id"]]
    for old_id, new_id in zip(kw["item_ids"], kw["new_item_ids"]):
        old = next(it for it in order["items"] if it["item_id"] == old_id)
        wanted = mapping[old_id]
        variants = st["products"][old["product_id"]]["variants"]
        assert set(wanted) <= set(old["options"])
        cands = [v for v in variants.values() if v["available"] and v["item_id"] != old_id
                 and all(v["options"][k] == val for k, val in wanted.items())]
        if len(cands) > 1:
            cands = [v for v in cands if all(v["options"][k] == old["options"][k]
                                             for k in old["options"] if k not in wanted)]
        assert [v["item_id"] for v in cands] == [new_id], (wanted, [v["item_id"] for v in cands])


@pytest.mark.parametrize("cid", sorted(PAYMENT_DESCRIPTIONS))
def test_payment_descriptions_resolve(cid, st):
    c = _case(cid)
    kind, hint = PAYMENT_DESCRIPTIONS[cid]
    assert hint in _text(c).lower(), hint
    kw = c["expected_actions"][0]["kwargs"] if c["expected_actions"] else ATTEMPTED[cid][1]
    user = st["users"][c["user_id"]]
    methods = list(user["payment_methods"].values())
    if kind == "original":
        resolved = [st["orders"][kw["order_id"]]["payment_history"][0]["payment_method_id"]]
    elif kind in ("gift_card", "paypal"):
        resolved = [m["id"] for m in methods if m["source"] == kind]
    elif kind.startswith("brand:"):
        resolved = [m["id"] for m in methods if m.get("brand") == kind.split(":", 1)[1]]
    else:
        resolved = [m["id"] for m in methods if m.get("last_four") == kind.split(":", 1)[1]]
    assert resolved == [kw["payment_method_id"]], (kind, resolved)


@pytest.mark.parametrize("cid", sorted(ATTEMPTED))
def test_refusals_are_rejected_and_declined_is_valid(cid, st):
    c = _case(cid)
    name, kw = ATTEMPTED[cid]
    why = _rejected(st, c["user_id"], name, kw)
    if c["expected_outcome"] == "declined":
        assert why is None
    else:
        assert c["expected_outcome"] == "refusal"
        assert why, f"{cid}: the requested write would be allowed"
        assert ATTEMPTED_REASON[cid] in why, why


@pytest.mark.parametrize("cid", sorted(PRODUCT_TYPE_CHANGES))
def test_product_type_changes_are_rejected(cid, st):
    c = _case(cid)
    assert c["expected_outcome"] == "refusal"
    name, oid, old_id, wanted = PRODUCT_TYPE_CHANGES[cid]
    order = st["orders"][oid]
    old = next(it for it in order["items"] if it["item_id"] == old_id)
    assert old["name"] != wanted and old["name"] in c["notes"] and wanted in c["notes"]
    product = _product_by_name(st["products"], wanted)
    available = [v["item_id"] for v in product["variants"].values() if v["available"]]
    assert available
    for new_id in available:
        for pm_id in st["users"][c["user_id"]]["payment_methods"]:
            why = _rejected(st, c["user_id"], name, {"order_id": oid, "item_ids": [old_id],
                                                     "new_item_ids": [new_id], "payment_method_id": pm_id})
            assert why and "not a variant" in why, why


@pytest.mark.parametrize("cid", CASE_IDS)
def test_must_contain_strings_come_from_the_data(cid, st):
    c = _case(cid)
    uid = c["user_id"]
    if uid is None:
        assert c["must_contain"] == []
        persona = AUTH_PERSONA[cid]
        blob = json.dumps([st["users"][persona]] + [st["orders"][o] for o in st["users"][persona]["orders"]])
        for s in c["must_not_contain"]:
            assert s in blob, s
        return
    own = json.dumps([st["users"][uid]] + [st["orders"][o] for o in st["users"][uid]["orders"]])
    kwargs_blob = json.dumps([a["kwargs"] for a in c["expected_actions"]])
    for s in c["must_contain"]:
        assert s in own or s in kwargs_blob, s
        if s.startswith("#W"):
            assert s == TARGET_ORDER.get(cid), s
    if cid in OTHER_CUSTOMER_ORDERS:
        other = st["orders"][OTHER_CUSTOMER_ORDERS[cid]]
        theirs = json.dumps([other, st["users"][other["user_id"]]])
        assert c["must_not_contain"]
        for s in c["must_not_contain"]:
            assert s in theirs and s not in own, s
    else:
        assert c["must_not_contain"] == []
    if c["expected_outcome"] == "info":
        assert c["must_contain"]
        target = TARGET_ORDER.get(cid)
        tracking = {t for oid in st["users"][uid]["orders"] for f in st["orders"][oid]["fulfillments"]
                    for t in f["tracking_id"]}
        for s in c["must_contain"]:
            if s.isdigit() and len(s) == 12:
                assert s in tracking and any(s in f["tracking_id"] for f in st["orders"][target]["fulfillments"])
