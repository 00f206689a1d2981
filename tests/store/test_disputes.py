"""The disputes table: the deterministic seed over real card-paid orders, reset, lazy
seeding of older stores, the filters, and submitting (refusals change nothing; the
submitted bundle is sealed at rest)."""
from __future__ import annotations

import csv
import sqlite3
from datetime import date, datetime, timedelta, timezone

import pytest

from store import ActionRefused, Store
from store import disputes as D

ANCHOR = date(2026, 11, 23)


@pytest.fixture
def codes(shared_data) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """(network, code) -> {(description, category)} straight from the CSV."""
    out: dict = {}
    with (shared_data / "disputes" / "card_reason_codes.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out.setdefault((r["network"], r["reason_code"]), set()).add((r["description"], r["category"]))
    return out


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _due(d: dict) -> datetime:
    return datetime.fromisoformat(d["due_at"]).replace(tzinfo=None)


def _submittable(store) -> dict:
    return next(d for d in D.list_disputes(store, status="open") if _due(d) > _utcnow())


def _card_payment(seed_data, order_id: str) -> tuple[str, float, str]:
    order = seed_data["orders"][order_id]
    methods = seed_data["users"][order["user_id"]]["payment_methods"]
    for p in order["payment_history"]:
        m = methods[p["payment_method_id"]]
        if p["transaction_type"] == "payment" and m["source"] == "credit_card":
            return p["payment_method_id"], p["amount"], m["brand"]
    raise AssertionError(f"{order_id} has no card payment")


def test_seed_is_120_disputes_over_real_card_paid_orders(store, seed_data, codes, shared_data):
    D.reseed(store, ANCHOR, shared_data)
    found = D.list_disputes(store)
    assert len(found) == D.SEED_COUNT == 120
    assert len({d["order_id"] for d in found}) == 120  # one dispute per order
    for d in found:
        order = seed_data["orders"][d["order_id"]]
        assert order["status"] in ("processed", "delivered", "cancelled")
        assert d["user_id"] == order["user_id"]
        method, amount, brand = _card_payment(seed_data, d["order_id"])
        assert (d["payment_method_id"], d["amount"], d["currency"]) == (method, amount, "USD")
        assert d["network"].lower() == brand
        assert (d["reason"], d["category"]) in codes[(d["network"], d["reason_code"])]
        opened, due = datetime.fromisoformat(d["opened_at"]), datetime.fromisoformat(d["due_at"])
        assert due.date() == opened.date() + timedelta(days=D.RESPONSE_DAYS)
        assert opened.date() <= ANCHOR
        assert d["status"] in D.STATUSES
        if d["status"] == "open" or due.date() >= ANCHOR:
            assert d["bundle_ref"] is None


def test_reason_codes_fit_the_order_situation(store, seed_data, shared_data):
    D.reseed(store, ANCHOR, shared_data)
    for d in D.list_disputes(store):
        status = seed_data["orders"][d["order_id"]]["status"]
        if status == "cancelled":  # refunded orders: credit, cancellation or duplicate claims only
            assert d["reason_code"] in ("13.6", "13.7", "12.6", "4860", "4853", "4834")
        if status == "processed":  # in transit: not received, fraud or authorisation
            assert d["reason_code"] in ("13.1", "4855", "10.4", "4837", "11.3", "4808")


def test_seed_is_deterministic_for_an_anchor_day(store, shared_data):
    D.reseed(store, ANCHOR, shared_data)
    first = D.list_disputes(store)
    D.reseed(store, ANCHOR, shared_data)
    assert D.list_disputes(store) == first
    D.reseed(store, ANCHOR + timedelta(days=3), shared_data)
    moved = {d["id"]: d for d in D.list_disputes(store)}
    for d in first:  # same disputes, dates shifted by the anchor
        assert (moved[d["id"]]["order_id"], moved[d["id"]]["reason_code"]) == (d["order_id"], d["reason_code"])
        shift = datetime.fromisoformat(moved[d["id"]]["due_at"]) - datetime.fromisoformat(d["due_at"])
        assert shift == timedelta(days=3)


def test_reset_reseeds_and_leaves_the_retail_export_unchanged(store, retail_dir, seed_data):
    open_one = _submittable(store)
    D.mark_submitted(store, open_one["id"], {"x": 1}, "sha256:test", _utcnow())
    assert D.get_dispute(store, open_one["id"])["status"] == "submitted"
    counts = store.reset(retail_dir)
    assert counts["disputes"] == 120
    assert D.get_dispute(store, open_one["id"])["status"] == "open"
    assert store.export() == seed_data


def test_a_store_without_disputes_is_seeded_on_first_use(store):
    with store.transaction(write=True) as conn:
        conn.exec_driver_sql("DELETE FROM disputes")
    assert len(D.list_disputes(store)) == 120


def test_filters(store):
    everything = D.list_disputes(store)
    assert [d["due_at"] for d in everything] == sorted(d["due_at"] for d in everything)
    some = everything[10]
    assert [d["id"] for d in D.list_disputes(store, order_id=some["order_id"])] == [some["id"]]
    assert all(d["status"] == "lost" for d in D.list_disputes(store, status="lost"))
    due = _due(some)
    window = D.list_disputes(store, due_from=due, due_to=due)
    assert some["id"] in [d["id"] for d in window]
    assert all(d["due_at"] == some["due_at"] for d in window)


def test_submitting_refusals_change_nothing(store):
    now = _utcnow()
    with pytest.raises(ActionRefused, match="not found"):
        D.mark_submitted(store, "DSP-9999", {}, "sha256:x", now)
    decided = D.list_disputes(store, status="won")[0]
    with pytest.raises(ActionRefused, match="only an open dispute"):
        D.mark_submitted(store, decided["id"], {}, "sha256:x", now)
    late = [d for d in D.list_disputes(store, status="open") if _due(d) < now]
    assert late, "the seed has open disputes past their deadline"
    with pytest.raises(ActionRefused, match="deadline"):
        D.mark_submitted(store, late[0]["id"], {}, "sha256:x", now)
    assert D.get_dispute(store, late[0]["id"])["status"] == "open"
    assert D.get_dispute(store, decided["id"])["status"] == "won"


def test_submitted_bundle_is_kept_sealed(store, tmp_path):
    d = _submittable(store)
    bundle = {"letter": "Dear Visa, the customer jane.doe@example.com received the kettle."}
    done = D.mark_submitted(store, d["id"], bundle, "sha256:abc", _utcnow())
    assert (done["status"], done["bundle_ref"]) == ("submitted", "sha256:abc")
    assert D.submitted_bundle(store, d["id"]) == bundle
    path = store.url[len("sqlite:///"):]
    with sqlite3.connect(path) as raw:
        stored = raw.execute("SELECT submitted_bundle FROM disputes WHERE id = ?", (d["id"],)).fetchone()[0]
    assert stored.startswith("enc1:") and "jane.doe" not in stored


def test_an_in_memory_store_gets_disputes_on_reset(retail_dir):
    st = Store("sqlite://")
    try:
        assert st.reset(retail_dir)["disputes"] == 120
        assert D.get_dispute(st, "DSP-0001")["id"] == "DSP-0001"
        with pytest.raises(ActionRefused, match="not found"):
            D.get_dispute(st, "DSP-0000")
    finally:
        st.close()
