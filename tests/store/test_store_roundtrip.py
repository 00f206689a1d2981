"""Seed, export, reset and the read-only actions."""
from __future__ import annotations

import json

import pytest

import store_picks as picks
from store import ActionRefused, Store


def test_export_equals_seed_files(store, seed_data):
    exported = store.export()
    assert exported == seed_data
    # same key order and number types too: the JSON text is identical
    assert json.dumps(exported) == json.dumps(seed_data)


def test_reset_returns_counts_and_restores_seed(store, retail_dir, seed_data):
    o = picks.order(seed_data, "pending")
    store.cancel_pending_order(o["order_id"], "no longer needed")
    store.transfer_to_human_agents("needs a person")
    assert store.export() != seed_data
    counts = store.reset(retail_dir)
    assert counts["users"] == 500 and counts["orders"] == 1000 and counts["products"] == 50
    assert counts["variants"] == 591
    assert store.export() == seed_data
    assert store.list_handoffs() == []


def test_ensure_seeded_only_once(tmp_path, retail_dir, seed_data):
    st = Store(f"sqlite:///{tmp_path / 'sub' / 'new.db'}")  # parent folder is created
    try:
        assert st.ensure_seeded(retail_dir) is True
        assert st.ensure_seeded(retail_dir) is False
        assert st.export() == seed_data
    finally:
        st.close()


def test_in_memory_url_works(retail_dir, seed_data):
    st = Store("sqlite://")
    st.reset(retail_dir)
    assert st.export() == seed_data
    st.close()


def test_sqlite_file_is_in_wal_mode(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


# ------------------------------------------------------------------ reads
def test_find_user_by_email_is_case_insensitive(shared_store, seed_data):
    uid, user = next(iter(seed_data["users"].items()))
    assert shared_store.find_user_id_by_email(user["email"]) == uid
    assert shared_store.find_user_id_by_email(user["email"].upper()) == uid
    with pytest.raises(ActionRefused, match="No user"):
        shared_store.find_user_id_by_email("nobody@example.invalid")


def test_find_user_by_name_zip(shared_store, seed_data):
    uid, user = list(seed_data["users"].items())[7]
    first, last = user["name"]["first_name"], user["name"]["last_name"]
    zip_code = user["address"]["zip"]
    assert shared_store.find_user_id_by_name_zip(first.lower(), last.upper(), zip_code) == uid
    with pytest.raises(ActionRefused):
        shared_store.find_user_id_by_name_zip(first, last, "0" + zip_code)


def test_get_details_have_the_seed_shape(shared_store, seed_data):
    uid, user = next(iter(seed_data["users"].items()))
    assert shared_store.get_user_details(uid) == user
    oid, order = next(iter(seed_data["orders"].items()))
    assert shared_store.get_order_details(oid) == order
    pid, product = next(iter(seed_data["products"].items()))
    assert shared_store.get_product_details(pid) == product
    for call, arg in ((shared_store.get_user_details, "no_such_user"),
                      (shared_store.get_order_details, "#W0000000"),
                      (shared_store.get_product_details, "0")):
        with pytest.raises(ActionRefused, match="not found"):
            call(arg)


def test_get_order_details_of_another_user_is_refused(shared_store, seed_data):
    order = next(iter(seed_data["orders"].values()))
    other = picks.other_user(seed_data, order["user_id"])
    owner = order["user_id"]
    assert shared_store.get_order_details(order["order_id"], acting_user_id=owner) == order
    with pytest.raises(ActionRefused, match="does not belong"):
        shared_store.get_order_details(order["order_id"], acting_user_id=other)
    with pytest.raises(ActionRefused, match="does not belong"):
        shared_store.apply("get_user_details", {"user_id": other}, acting_user_id=order["user_id"])


def test_list_all_product_types(shared_store, seed_data):
    types = shared_store.list_all_product_types()
    assert types == {p["name"]: pid for pid, p in seed_data["products"].items()}
    assert list(types) == sorted(types)


def test_find_products_by_name(shared_store, seed_data):
    pid, product = next(iter(seed_data["products"].items()))
    found = shared_store.find_products_by_name(product["name"][1:-1].lower())
    assert product in found
    assert shared_store.find_products_by_name("no such thing 123%_") == []


def test_list_orders_by_status(shared_store, seed_data):
    pending = [o for o, v in seed_data["orders"].items() if v["status"] == "pending"]
    assert shared_store.list_orders(status="pending") == pending


# ------------------------------------------------------------------ dispatch
def test_apply_dispatches_reads_and_writes(store, seed_data):
    uid, user = next(iter(seed_data["users"].items()))
    assert store.apply("find_user_id_by_email", {"email": user["email"]}) == uid
    assert store.apply("get_user_details", {"user_id": uid}, acting_user_id=uid) == user
    o = picks.order(seed_data, "pending")
    out = store.apply("cancel_pending_order", {"order_id": o["order_id"],
                                               "reason": "ordered by mistake"},
                      acting_user_id=o["user_id"])
    assert out["status"] == "cancelled"


@pytest.mark.parametrize("name,kwargs,match", [
    ("drop_all_tables", {}, "Unknown action"),
    ("cancel_pending_order", {"order_id": "#W1"}, "Bad arguments"),
    ("cancel_pending_order", {"order_id": "#W1", "reason": "x", "color": "red"}, "Bad arguments"),
    ("cancel_pending_order", {"order_id": "#W1", "reason": "x", "acting_user_id": "u"},
     "cannot be passed"),
])
def test_apply_refuses_bad_calls(shared_store, name, kwargs, match):
    before = shared_store.export()
    with pytest.raises(ActionRefused, match=match):
        shared_store.apply(name, kwargs)
    assert shared_store.export() == before


def test_transfer_to_human_agents_records_a_handoff(store, seed_data):
    before = store.export()
    uid = next(iter(seed_data["users"]))
    hid = store.apply("transfer_to_human_agents", {"summary": "wants a refund for a gift"},
                      acting_user_id=uid)
    assert store.export() == before
    [h] = store.list_handoffs()
    assert h["id"] == hid and h["user_id"] == uid and h["summary"].startswith("wants")


def test_check_action_is_a_dry_run(store, seed_data):
    o = picks.order(seed_data, "pending")
    ok = {"order_id": o["order_id"], "reason": "no longer needed"}
    assert store.check_action("cancel_pending_order", ok, acting_user_id=o["user_id"]) is None
    assert store.check_action("transfer_to_human_agents", {"summary": "x"}) is None
    assert store.export() == seed_data and store.list_handoffs() == []
    reason = store.check_action("cancel_pending_order", {**ok, "reason": "bored"},
                                acting_user_id=o["user_id"])
    assert "reason must be" in reason
    other = picks.other_user(seed_data, o["user_id"])
    assert "does not belong" in store.check_action("cancel_pending_order", ok,
                                                   acting_user_id=other)
    # after a dry run the real call still works, and is then refused as a repeat
    store.cancel_pending_order(o["order_id"], "no longer needed")
    assert "only pending" in store.check_action("cancel_pending_order", ok)
