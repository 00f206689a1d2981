"""The built-in scheduled jobs, one registry. A job is a function of a JobContext that
issues the plain-English operator request(s) its specialist understands, through the
graph like any request (channel "schedule", role "scheduler"), and leaves what came back
(route, status, pending action ids, reply) in the run's artifacts.

Idempotency: each request of a job has one stable thread (`sched.<job>.<request>`).
Writes a run proposes wait there for approval (a scheduled run auto-approves only when
CHUHAI_SCHEDULE_AUTO_APPROVE is on, and even then never above the policy limits). The
next run's request on the same thread supersedes proposals still unanswered (the runner
closes them without acting), so a job never leaves two sets of pending actions; a run
key that already completed is not run again at all (scheduler/records.py).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graphs.result import RunRequest, RunResult

REPLY_CHARS = 2000


class Stopped(Exception):
    """The scheduler is shutting down: the job stops between two requests."""


@dataclass
class JobContext:
    job_id: str
    run: dict                       # the run record (run_id, run_key, scheduled_for, ...)
    deps: Any
    runner: Any                     # graphs.runner.Runner
    now: Callable[[], datetime]
    stopping: Callable[[], bool] = lambda: False
    artifacts: list[dict] = field(default_factory=list)

    @property
    def settings(self):
        return self.deps.settings

    def check_stop(self) -> None:
        if self.stopping():
            raise Stopped("the scheduler is shutting down")

    def ask(self, request_key: str, text: str) -> dict:
        """Issue one operator request on the job's stable thread for `request_key`."""
        self.check_stop()
        thread_id = f"sched.{self.job_id}.{re.sub(r'[^A-Za-z0-9_.:-]', '_', request_key)}"[:128]
        earlier = [a["action_id"] for a in self.runner.pending_actions(thread_id)]
        req = RunRequest(input=text, channel="schedule", thread_id=thread_id, language="en",
                         auto_approve=bool(self.settings.schedule_auto_approve))
        result = self.runner.run(req, role="scheduler")
        # proposals still unanswered from an earlier run were closed, unexecuted, by this one
        artifact = {"request": request_key, "input": text, **result_artifact(result),
                    "superseded_action_ids": earlier}
        self.artifacts.append(artifact)
        return artifact


def result_artifact(result: RunResult) -> dict:
    """What a run record keeps of one graph run (the full run is in the thread's history)."""
    data = result.output.data or {}
    return {"thread_id": result.thread_id, "run_id": result.run_id, "route": result.route,
            "status": result.status, "pending_action_ids": [a.action_id for a in result.pending_actions],
            "pending_summaries": [a.summary for a in result.pending_actions],
            "unavailable_agents": [a for a in result.route if (data.get(a) or {}).get("available") is False],
            "reply": result.output.text[:REPLY_CHARS]}


@dataclass(frozen=True)
class JobSpec:
    id: str
    title: str
    description: str
    run: Callable[[JobContext], str]  # returns a one-line headline for the summary


def repricing(ctx: JobContext) -> str:
    ctx.ask("all", "propose nightly repricing for all products")
    return "repricing proposals for all products"


def disputes(ctx: JobContext) -> str:
    ctx.ask("open", "triage disputes: draft rebuttals for new and due-soon disputes")
    return "rebuttal drafts for new and due-soon disputes"


def selection_report(ctx: JobContext) -> str:
    markets = [m.strip().upper() for m in ctx.settings.schedule_selection_markets if m.strip()]
    for market in markets:
        ctx.ask(market, f"weekly selection report for market {market}")
    return f"selection reports for {', '.join(markets) or 'no market (CHUHAI_SCHEDULE_SELECTION_MARKETS is empty)'}"


def compliance_sweep(ctx: JobContext) -> str:
    ctx.ask("all", "run a compliance sweep of all listings")
    return "compliance sweep of all listings"


def _support_inbox(ctx: JobContext) -> str:
    from scheduler.inbox_triage import triage_inbox

    return triage_inbox(ctx)


JOBS: dict[str, JobSpec] = {s.id: s for s in (
    JobSpec("repricing", "Nightly repricing proposals",
            "Asks the pricing specialist to propose new prices for all products; changes wait for approval.",
            repricing),
    JobSpec("disputes", "Daily dispute triage",
            "Asks the chargeback specialist to draft rebuttals for new and soon-due disputes.", disputes),
    JobSpec("selection_report", "Weekly selection report",
            "Asks the selection specialist for a report per target market (CHUHAI_SCHEDULE_SELECTION_MARKETS).",
            selection_report),
    JobSpec("compliance_sweep", "Nightly compliance sweep",
            "Asks the compliance specialist to check all listings.", compliance_sweep),
    JobSpec("support_inbox", "Support-inbox triage",
            "Classifies new inbox tickets, drafts replies with the support specialist, escalates angry ones.",
            _support_inbox),
)}
