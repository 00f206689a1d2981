"""The scheduler on APScheduler's own code (SQLAlchemy job store, cron and interval
triggers, coalescing, max_instances) under an injected clock, with the real graph runner
and store: jobs fire at their times, overlap is skipped, missed runs catch up once, a
restart keeps the schedule, and a re-run creates no duplicate pending actions."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from conftest import MONDAY, wait_for

from agents.base import AgentOutput, PendingAction
from scheduler.jobs import JOBS, JobSpec


def _at(day: int, hour: int, minute: int = 0, second: int = 0):
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute, seconds=second)


def _runs(service, job_id=None, status=None):
    runs, _ = service.runs(job_id=job_id, status=status, limit=100)
    return runs


def _only_nightly(settings):
    """The support inbox fires every 10 minutes; most tests look at the nightly jobs alone."""
    settings.schedule_support_inbox_enabled = False


def test_jobs_fire_at_their_times(make_service, clock, sched_deps):
    _only_nightly(sched_deps.settings)
    service = make_service().start()
    nxt = service.next_run_times()
    assert nxt["repricing"] == _at(0, 2) and nxt["compliance_sweep"] == _at(0, 3)
    assert nxt["disputes"] == _at(0, 6) and nxt["selection_report"] == _at(0, 7)  # Monday 07:00
    assert "support_inbox" not in nxt

    clock.set(_at(0, 1, 59, 59))
    service.tick()
    assert _runs(service) == []

    clock.set(_at(0, 2))
    service.tick()
    [run] = _runs(service)
    assert run["job_id"] == "repricing" and run["status"] == "completed" and run["trigger"] == "scheduled"
    assert run["scheduled_for"] == "2026-11-23T02:00:00Z" and run["run_key"] == "repricing@2026-11-23T02:00:00Z"
    assert run["started_at"] == "2026-11-23T02:00:00Z"  # the run record uses the same clock
    [art] = run["artifacts"]
    assert art["route"] == ["pricing"] and art["thread_id"] == "sched.repricing.all"
    # while the pricing specialist is a placeholder the run works and says so
    planned = "not available yet" in art["reply"]
    assert art["unavailable_agents"] == (["pricing"] if planned else [])
    assert ("not available yet: pricing" in run["summary"]) == planned
    assert service.next_run_times()["repricing"] == _at(1, 2)

    clock.set(_at(0, 2, 0, 30))
    service.tick()
    assert len(_runs(service)) == 1  # nothing else is due

    clock.set(_at(0, 7, 5))
    service.tick()  # compliance (03:00), disputes (06:00), selection (07:00) were due
    assert sorted(r["job_id"] for r in _runs(service)) == ["compliance_sweep", "disputes", "repricing",
                                                           "selection_report"]
    selection = _runs(service, "selection_report")[0]
    markets = sched_deps.settings.schedule_selection_markets
    assert [a["request"] for a in selection["artifacts"]] == markets
    assert all(a["route"] == ["selection"] for a in selection["artifacts"])
    assert [a["route"] for a in _runs(service, "disputes")[0]["artifacts"]] == [["chargeback"]]
    assert [a["route"] for a in _runs(service, "compliance_sweep")[0]["artifacts"]] == [["compliance"]]


def test_every_run_posts_its_summary(make_service, clock, sched_deps):
    _only_nightly(sched_deps.settings)
    service = make_service().start()
    clock.set(_at(0, 2))
    service.tick()
    [(channel, text)] = service.jobs.notifier.posts
    assert channel == "C0SUMMARY" and text.startswith("*Nightly repricing proposals* (scheduled")
    assert _runs(service)[0]["notified"] == "test:C0SUMMARY"
    quiet = service.run_now("support_inbox", "operator")  # an empty inbox: recorded, not posted
    assert quiet["status"] == "completed" and quiet["notified"] == ""
    assert len(service.jobs.notifier.posts) == 1


def test_selection_report_asks_once_per_target_market(make_service, sched_deps):
    sched_deps.settings.schedule_selection_markets = ["de", "South Korea"]
    record = make_service().run_now("selection_report", "operator")
    assert [a["input"] for a in record["artifacts"]] == ["weekly selection report for market DE",
                                                          "weekly selection report for market SOUTH KOREA"]
    assert [a["thread_id"] for a in record["artifacts"]] == ["sched.selection_report.DE",
                                                              "sched.selection_report.SOUTH_KOREA"]


def _blocking_job(monkeypatch, job_id="repricing"):
    """The job's function replaced by one that waits for `release` (the run stays in
    progress for as long as the test wants); everything around it is real."""
    started, release = threading.Event(), threading.Event()

    def run(ctx):
        started.set()
        assert release.wait(30)
        return "held"

    spec = JOBS[job_id]
    monkeypatch.setitem(JOBS, job_id, JobSpec(spec.id, spec.title, spec.description, run))
    return started, release


def test_a_run_that_would_overlap_itself_is_skipped(make_service, clock, sched_deps, monkeypatch):
    _only_nightly(sched_deps.settings)
    sched_deps.settings.scheduler_stale_run_s = 3 * 24 * 3600  # the fake clock jumps a day while it runs
    started, release = _blocking_job(monkeypatch)
    service = make_service(synchronous=False).start()  # a thread pool: the run goes on while we tick
    clock.set(_at(0, 2))
    service.tick()
    assert started.wait(20)
    first = _runs(service, "repricing")[0]
    assert first["status"] == "running"

    clock.set(_at(1, 2))  # the next night's run comes due while the first still runs
    service.tick()
    skipped = wait_for(lambda: _runs(service, "repricing", "skipped"))
    assert skipped[0]["scheduled_for"] == "2026-11-24T02:00:00Z"
    assert skipped[0]["detail"].startswith("overlap")

    # a manual run (another process in production: the claim is in the database) is refused too
    manual = service.run_now("repricing", "operator")
    assert manual["status"] == "skipped" and first["run_id"] in manual["detail"]

    release.set()
    done = wait_for(lambda: [r for r in _runs(service, "repricing", "completed")])
    assert [r["run_id"] for r in done] == [first["run_id"]]
    assert service.run_now("repricing", "operator")["status"] == "completed"  # free again
    assert service.next_run_times()["repricing"] == _at(2, 2)


def test_missed_runs_after_downtime_run_once(make_service, clock, sched_deps):
    _only_nightly(sched_deps.settings)
    make_service().start().stop()  # up on Monday 01:00, then down
    clock.set(_at(3, 10))          # back on Thursday 10:00: three nights of each job were missed
    service = make_service().start()
    service.tick()
    runs = _runs(service)
    assert sorted(r["job_id"] for r in runs) == ["compliance_sweep", "disputes", "repricing", "selection_report"]
    by_job = {r["job_id"]: r for r in runs}
    assert by_job["repricing"]["scheduled_for"] == "2026-11-26T02:00:00Z"        # the latest missed time
    assert by_job["selection_report"]["scheduled_for"] == "2026-11-23T07:00:00Z"  # weekly: Monday's
    assert {r["trigger"] for r in runs} == {"catch_up"} and {r["status"] for r in runs} == {"completed"}
    service.tick()
    assert len(_runs(service)) == 4
    assert service.next_run_times()["repricing"] == _at(4, 2)


def test_a_restart_keeps_the_schedule(make_service, clock, sched_deps):
    settings = sched_deps.settings
    clock.set(_at(0, 1, 1))
    first = make_service().start()
    before = first.next_run_times()
    assert before["support_inbox"] == _at(0, 1, 10)  # every 10m, aligned to the clock
    first.stop()

    clock.set(_at(0, 1, 30))
    settings.schedule_compliance_sweep = "30 4 * * *"   # changed while down: rescheduled
    settings.schedule_disputes_enabled = False          # switched off while down: removed
    second = make_service().start()
    after = second.next_run_times()
    assert after["repricing"] == before["repricing"] and after["selection_report"] == before["selection_report"]
    assert after["support_inbox"] == _at(0, 1, 10)  # kept, so the missed 01:10..01:30 runs become one
    assert after["compliance_sweep"] == _at(0, 4, 30) and "disputes" not in after
    second.tick()
    [inbox_run] = _runs(second)
    assert inbox_run["job_id"] == "support_inbox" and inbox_run["scheduled_for"] == "2026-11-23T01:30:00Z"
    assert second.next_run_times()["support_inbox"] == _at(0, 1, 40)
    listed = {s["job_id"]: s for s in second.list()}
    assert listed["disputes"]["enabled"] is False and listed["disputes"]["next_run_at"] is None
    assert listed["repricing"]["next_run_at"] == "2026-11-23T02:00:00Z"
    assert listed["support_inbox"]["last_run"]["run_id"] == inbox_run["run_id"]


def _proposing_pricing_agent(monkeypatch, price_change_pct=5.0):
    """A stand-in for the pricing specialist (not built yet) that proposes one price change."""
    import agents

    def run(req):
        action = PendingAction(tool="modify_pending_order_items", agent="pricing",
                               args={"order_id": "#W2611340", "change_pct": price_change_pct},
                               summary=f"change a price by {price_change_pct}%")
        return AgentOutput(agent="pricing", text="1 repricing proposal", pending_actions=[action])

    monkeypatch.setitem(agents.REGISTRY, "pricing", run)


def _open_actions(runner, thread_id="sched.repricing.all"):
    return [a["action_id"] for a in runner.pending_actions(thread_id)]


def test_a_re_run_creates_no_duplicate_pending_actions(make_service, clock, sched_deps, runner, monkeypatch):
    _only_nightly(sched_deps.settings)
    _proposing_pricing_agent(monkeypatch)
    service = make_service().start()
    clock.set(_at(0, 2))
    service.tick()
    [run] = _runs(service)
    assert run["artifacts"][0]["status"] == "awaiting_approval"
    proposed = run["artifacts"][0]["pending_action_ids"]
    assert len(proposed) == 1 and _open_actions(runner) == proposed

    # the same run key again (a second scheduler, a retry): refused, nothing new proposed
    again = service.jobs.run_scheduled("repricing", _at(0, 2))
    assert again["status"] == "skipped" and again["detail"].startswith("already ran")
    assert _open_actions(runner) == proposed

    # manual runs and the next night replace the unanswered proposal instead of adding one
    manual = service.run_now("repricing", "operator")
    assert manual["artifacts"][0]["superseded_action_ids"] == proposed
    clock.set(_at(1, 2))
    service.tick()
    nightly = _runs(service, "repricing", "completed")[0]
    assert _open_actions(runner) == nightly["artifacts"][0]["pending_action_ids"]
    assert len(_open_actions(runner)) == 1
    approvals, _ = runner.threads.pending("operator", 100)
    assert len(approvals) == 1  # across every thread: one action waits


def test_scheduled_auto_approve_never_passes_the_policy_limits(make_service, sched_deps, monkeypatch):
    """With CHUHAI_SCHEDULE_AUTO_APPROVE on, a write within the limits runs; a refund above
    CHUHAI_MAX_REFUND_AMOUNT still waits for a person (real support agent and policy guard)."""
    settings = sched_deps.settings
    settings.schedule_auto_approve = True
    small, big = "#W5694685", "#W8797321"  # paid 98.25 and 2,583.18; the limit is 500

    def cancels(ctx):
        ctx.ask("small", f"Cancel order {small}, no longer needed")
        ctx.ask("big", f"Cancel order {big}, no longer needed")
        return "two cancellations"

    spec = JOBS["disputes"]
    monkeypatch.setitem(JOBS, "disputes", JobSpec(spec.id, spec.title, spec.description, cancels))
    record = make_service().run_now("disputes", "admin")
    done, waiting = record["artifacts"]
    assert done["status"] == "completed" and sched_deps.store.get_order_details(small)["status"] == "cancelled"
    assert waiting["status"] == "awaiting_approval" and len(waiting["pending_action_ids"]) == 1
    assert sched_deps.store.get_order_details(big)["status"] == "pending"


def test_a_failing_job_is_recorded_and_the_next_runs_go_on(make_service, clock, sched_deps, monkeypatch):
    _only_nightly(sched_deps.settings)
    spec = JOBS["repricing"]
    calls = []

    def flaky(ctx):
        calls.append(ctx.run["run_key"])
        if len(calls) == 1:
            raise RuntimeError("pricing data source down")
        return "ok"

    monkeypatch.setitem(JOBS, "repricing", JobSpec(spec.id, spec.title, spec.description, flaky))
    service = make_service().start()
    clock.set(_at(0, 2))
    service.tick()
    [failed] = _runs(service)
    assert failed["status"] == "failed" and "pricing data source down" in failed["detail"]
    retry = service.jobs.run_scheduled("repricing", _at(0, 2))  # a failed key may run again
    assert retry["status"] == "completed"
    clock.set(_at(1, 2))
    service.tick()
    assert len(_runs(service, "repricing", "completed")) == 2


def test_a_crashed_run_stops_blocking_its_job_after_the_stale_limit(make_service, clock, sched_deps):
    service = make_service()
    crashed = service.book.claim("repricing", "repricing@x", "manual", "operator", None, clock())
    assert crashed.started
    assert service.run_now("repricing", "operator")["status"] == "skipped"
    clock.set(clock() + timedelta(seconds=sched_deps.settings.scheduler_stale_run_s + 1))
    assert service.run_now("repricing", "operator")["status"] == "completed"
    assert service.book.get(crashed.run["run_id"])["status"] == "failed"


def test_bad_schedule_settings_are_refused_with_the_setting_named(make_service, sched_deps):
    from scheduler.triggers import ScheduleError

    sched_deps.settings.schedule_repricing = "at two"
    with pytest.raises(ScheduleError, match="CHUHAI_SCHEDULE_REPRICING='at two'"):
        make_service()


def test_background_scheduler_runs_jobs_on_the_real_clock(make_deps, runner, sched_deps):
    """Production wiring: APScheduler's thread, the thread pool, the real clock."""
    from scheduler.service import SchedulerService
    from scheduler.clock import utcnow

    settings = sched_deps.settings
    for job_id in JOBS:
        setattr(settings, f"schedule_{job_id}_enabled", job_id == "support_inbox")
    settings.schedule_support_inbox = "every 1s"
    sched_deps.clock = utcnow
    service = SchedulerService(sched_deps, runner).start()
    try:
        run = wait_for(lambda: service.runs(job_id="support_inbox", status="completed")[0])[0]
    finally:
        service.stop()
    assert run["trigger"] == "scheduled" and run["summary"].startswith("*Support-inbox triage*")
