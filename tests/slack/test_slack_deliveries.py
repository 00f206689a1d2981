"""Slack's re-deliveries are dropped across processes: two Deliveries on one database
(two API workers) let exactly one of them handle an event id."""
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from sqlalchemy import create_engine

from slack_app import deliveries as dl
from slack_app.deliveries import Deliveries


def test_one_winner_per_event_across_workers(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    worker_a, worker_b = Deliveries(create_engine(url)), Deliveries(create_engine(url))
    assert worker_a.first("Ev1") is True
    assert worker_b.first("Ev1") is False
    assert worker_a.first("Ev1") is False
    assert worker_b.first("Ev2") is True


def test_concurrent_claims_of_one_event_have_one_winner(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    workers = [Deliveries(create_engine(url, connect_args={"timeout": 30})) for _ in range(4)]
    with ThreadPoolExecutor(8) as pool:
        wins = list(pool.map(lambda i: workers[i % 4].first("EvSame"), range(16)))
    assert wins.count(True) == 1


def test_old_ids_are_pruned(tmp_path, monkeypatch):
    monkeypatch.setattr(dl, "PRUNE_EVERY", 1)
    d = Deliveries(create_engine(f"sqlite:///{tmp_path / 'store.db'}"), keep=timedelta(hours=1))
    t0 = datetime(2026, 11, 23, tzinfo=timezone.utc)
    assert d.first("EvOld", t0)
    assert d.first("EvNew", t0 + timedelta(hours=2))  # prunes EvOld first
    assert d.first("EvOld", t0 + timedelta(hours=2)) is True
