"""Run records do not pile up: finished records older than the retention are pruned after
each run; running ones and recent ones stay."""
from datetime import timedelta

import pytest

from scheduler.jobs import JOBS, JobSpec


@pytest.fixture(autouse=True)
def instant_repricing(monkeypatch):
    spec = JOBS["repricing"]
    monkeypatch.setitem(JOBS, "repricing", JobSpec(spec.id, spec.title, spec.description, lambda ctx: "ok"))


def test_old_finished_records_are_pruned_after_a_run(make_service, clock, sched_deps):
    sched_deps.settings.scheduler_run_retention_days = 30
    service = make_service()
    old = service.run_now("repricing", "operator")
    stuck = service.book.claim("compliance_sweep", "compliance_sweep@x", "manual", "operator", None, clock())
    clock.set(clock() + timedelta(days=31))
    recent = service.run_now("repricing", "operator")
    assert service.book.get(old["run_id"]) is None
    assert service.book.get(recent["run_id"])["status"] == "completed"
    assert service.book.get(stuck.run["run_id"])["status"] == "running"


def test_retention_zero_keeps_every_record(make_service, clock, sched_deps):
    sched_deps.settings.scheduler_run_retention_days = 0
    service = make_service()
    old = service.run_now("repricing", "operator")
    clock.set(clock() + timedelta(days=400))
    service.run_now("repricing", "operator")
    assert service.book.get(old["run_id"])["status"] == "completed"
