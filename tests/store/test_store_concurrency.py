"""Concurrent writes: the write lock is taken before the checks, so racing writers
cannot both pass them."""
from __future__ import annotations

import threading

import store_picks as picks
from store import ActionRefused, Store


def race(n: int, action) -> list:
    """Run action(i) in n threads released at once; return results or refusals."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def work(i: int) -> None:
        barrier.wait()
        try:
            results[i] = action(i)
        except ActionRefused as exc:
            results[i] = exc
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertions below
            results[i] = ("error", repr(exc))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _gift_pending(seed):
    return picks.order(seed, "pending",
                       lambda o: picks.paid_with(seed, o)["source"] == "gift_card")


def test_two_threads_cancel_the_same_order_exactly_one_wins(store, seed_data):
    o = _gift_pending(seed_data)
    card = picks.paid_with(seed_data, o)
    results = race(2, lambda i: store.cancel_pending_order(o["order_id"], "no longer needed"))
    wins = [r for r in results if isinstance(r, dict)]
    refusals = [r for r in results if isinstance(r, ActionRefused)]
    assert len(wins) == 1 and len(refusals) == 1, results
    assert "only pending orders" in refusals[0].message
    after = store.get_order_details(o["order_id"])
    assert [p["transaction_type"] for p in after["payment_history"]] == ["payment", "refund"]
    balance = store.get_user_details(o["user_id"])["payment_methods"][card["id"]]["balance"]
    assert balance == round(card["balance"] + o["payment_history"][0]["amount"], 2)


def test_two_store_instances_race_like_two_processes(store, seed_data):
    """Two engines on one file (two API workers): still exactly one winner, per order."""
    other = Store(str(store.engine.url))
    try:
        targets = [o["order_id"] for o in picks.orders(seed_data, "pending")][:3]
        for oid in targets:
            stores = [store, other, store, other]
            results = race(4, lambda i: stores[i].cancel_pending_order(oid, "ordered by mistake"))
            assert sum(isinstance(r, dict) for r in results) == 1, results
            assert sum(isinstance(r, ActionRefused) for r in results) == 3, results
    finally:
        other.close()


def test_parallel_writes_to_different_orders_all_succeed(store, seed_data):
    orders = [o["order_id"] for o in picks.orders(seed_data, "pending")][:8]
    results = race(len(orders), lambda i: store.cancel_pending_order(orders[i],
                                                                     "no longer needed"))
    assert all(isinstance(r, dict) and r["status"] == "cancelled" for r in results), results


def test_reads_run_while_writing(store, seed_data):
    orders = [o["order_id"] for o in picks.orders(seed_data, "pending")][:6]

    def action(i: int):
        if i % 2:
            return store.get_order_details(orders[i])
        return store.cancel_pending_order(orders[i], "no longer needed")

    results = race(len(orders), action)
    assert all(isinstance(r, dict) for r in results), results


def test_in_memory_store_serialises_threads(retail_dir, seed_data):
    st = Store("sqlite://")
    try:
        st.reset(retail_dir)
        o = _gift_pending(seed_data)
        results = race(4, lambda i: st.cancel_pending_order(o["order_id"], "no longer needed"))
        assert sum(isinstance(r, dict) for r in results) == 1, results
        assert sum(isinstance(r, ActionRefused) for r in results) == 3, results
    finally:
        st.close()
