"""Policy decisions: roles, ownership, refund and price limits, reply promises, banned claims."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from chuhai.settings import Settings
from guards.claims import find_claims
from guards.policy import check_reply, check_tool_call


@dataclass(frozen=True)
class FakeTool:
    name: str
    write: bool = False
    agents: tuple = ()


REG = {
    "get_order_details": FakeTool("get_order_details", False, ("support",)),
    "return_delivered_order_items": FakeTool("return_delivered_order_items", True, ("support",)),
    "cancel_pending_order": FakeTool("cancel_pending_order", True, ("support",)),
    "modify_user_address": FakeTool("modify_user_address", True, ("support",)),
    "issue_refund": FakeTool("issue_refund", True, ("chargeback",)),
    "set_price": FakeTool("set_price", True, ("pricing",)),
}


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path)


def check(tool, args, role, settings, **kw):
    return check_tool_call(tool, args, role, settings, registry=REG, **kw)


def test_settings_defaults(settings):
    assert settings.max_refund_amount == 500.0 and settings.max_price_change_pct == 20.0


def test_roles_and_ownership(settings):
    assert check("nope", {}, "admin", settings).code == "unknown_tool"
    assert check("get_order_details", {}, "guest", settings).code == "unknown_role"
    assert check("get_order_details", {"order_id": "#W1"}, "customer:ann_1", settings).allowed
    assert check("set_price", {"new_price": 10, "old_price": 10}, "customer:ann_1", settings).code == "forbidden_for_role"
    assert check("issue_refund", {"amount": 5}, "customer:ann_1", settings).code == "forbidden_for_role"
    d = check("modify_user_address", {"user_id": "bob_2"}, "customer:ann_1", settings)
    assert (d.allowed, d.code) == (False, "not_own_data")
    assert check("modify_user_address", {"user_id": "ann_1"}, "customer:ann_1", settings).allowed
    assert check("cancel_pending_order", {}, "customer:ann_1", settings,
                 facts={"order_user_id": "bob_2"}).code == "not_own_data"
    assert check("cancel_pending_order", {}, "operator", settings, acting_user_id="ann_1",
                 facts={"order_user_id": "bob_2"}).code == "not_own_data"
    assert check("set_price", {"change_pct": 5}, "operator", settings, agent="support").code == "tool_not_for_agent"


def test_refund_limits(settings):
    assert check("issue_refund", {"amount": 120}, "operator", settings).allowed
    d = check("issue_refund", {"amount": 900}, "operator", settings, approved_by_human=True)
    assert (d.allowed, d.code) == (False, "refund_over_limit")
    assert check("issue_refund", {"amount": 900}, "admin", settings, approved_by_human=True).allowed
    assert not check("issue_refund", {"amount": 900}, "admin", settings).allowed
    # a refund the store policy fixes: a person's yes is needed above the limit, auto-approval is not enough
    d = check("return_delivered_order_items", {}, "customer:ann_1", settings, facts={"refund_amount": 1104.42})
    assert (d.allowed, d.code, d.needs_human) == (False, "refund_over_limit", True)
    assert check("return_delivered_order_items", {}, "customer:ann_1", settings,
                 facts={"refund_amount": 1104.42}, approved_by_human=True).allowed
    assert check("cancel_pending_order", {}, "scheduler", settings, facts={"refund_amount": 99.0}).allowed
    low = Settings(data_dir=settings.data_dir, max_refund_amount=50)
    assert check("issue_refund", {"amount": 60}, "operator", low).code == "refund_over_limit"


def test_price_limits(settings):
    assert check("set_price", {"new_price": 11.5, "old_price": 10}, "operator", settings).allowed
    d = check("set_price", {"new_price": 13, "old_price": 10}, "operator", settings)
    assert (d.allowed, d.code) == (False, "price_change_over_limit")
    assert check("set_price", {"new_price": 7}, "operator", settings, facts={"current_price": 10}).code == \
        "price_change_over_limit"
    assert check("set_price", {"change_pct": -25}, "scheduler", settings).code == "price_change_over_limit"
    assert check("set_price", {"change_pct": 25}, "admin", settings, approved_by_human=True).allowed
    assert d.guardrail() == {"name": "policy", "action": "blocked", "detail": f"price_change_over_limit: {d.reason}"}


def test_real_registry_is_used_by_default(settings):
    assert check_tool_call("get_order_details", {"order_id": "#W4503264"}, "operator", settings).allowed
    assert check_tool_call("drop_tables", {}, "admin", settings).code == "unknown_tool"


@pytest.mark.parametrize("text, lang", [
    ("Good news: we will refund you twice for the trouble.", "en"),
    ("You can keep the item and we'll still give you a full refund.", "en"),
    ("I'll send you a free replacement right away.", "en"),
    ("We can refund it to a different card if you like.", "en"),
    ("Wir erstatten Ihnen den Betrag ohne Rücksendung.", "de"),
    ("Nous vous remboursons sans retour du produit.", "fr"),
    ("Le daremos un cupón de descuento como compensación.", "es"),
    ("我们会给您双倍退款。", "zh"),
    ("無料で交換いたします。", "ja"),
])
def test_reply_promises_blocked(text, lang):
    d = check_reply(text, lang)
    assert not d.allowed and d.code == "policy_promise"


@pytest.mark.parametrize("text, lang", [
    ("Your return for order #W4503264 is requested; the refund goes to your original card after we receive the items.", "en"),
    ("The order has been cancelled and 47.84 will be refunded to your gift card.", "en"),
    ("Die Bestellung wurde storniert, die Erstattung erfolgt auf die ursprüngliche Zahlungsart.", "de"),
    ("您的订单已取消，款项将退回原支付方式。", "zh"),
])
def test_policy_replies_pass(text, lang):
    assert check_reply(text, lang).allowed


@pytest.mark.parametrize("text, lang, claim", [
    ("The best water bottle on the market", "en", "superlative_best"),
    ("Guaranteed cure for hair loss", "en", "guaranteed_cure"),
    ("FDA approved and 100% safe", "en", "fda_approved"),
    ("Testsieger 2024 – die beste Trinkflasche", "de", "superlative_best"),
    ("Le meilleur thermos du monde", "fr", "superlative_best"),
    ("El mejor termo, sin efectos secundarios", "es", "superlative_best"),
    ("全网最好的保温杯，销量第一", "zh", "superlative_best"),
    ("日本一の水筒、効果保証", "ja", "superlative_best"),
])
def test_banned_claims(text, lang, claim):
    assert claim in {c.id for c in find_claims(text, lang)}


def test_plain_listing_has_no_claims():
    assert find_claims("Stainless steel bottle, 750 ml, keeps drinks cold for 24 hours.", "en") == []
    assert find_claims("Edelstahlflasche, 750 ml, hält Getränke 24 Stunden kalt.", "de") == []
