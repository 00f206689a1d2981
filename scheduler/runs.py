"""Running one job once: claim it (records.py), run its function (jobs.py), record the
outcome and artifacts, post the summary (notify.py). Used by the scheduler for timed runs
and by the API for `POST /v1/schedules/{id}/run`, in whichever process that is."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timedelta

from chuhai.logs import get_logger
from scheduler.jobs import JOBS, JobContext, Stopped
from scheduler.notify import NullNotifier, notify
from scheduler.records import COMPLETED, FAILED, RunBook, iso
from scheduler.triggers import LATE_AFTER

log = get_logger("chuhai.scheduler")


class ScheduledJobs:
    def __init__(self, deps, runner, book: RunBook, notifier=None):
        self.deps, self.runner, self.book = deps, runner, book
        self.notifier = notifier or NullNotifier()
        self._stopping = threading.Event()

    def now(self) -> datetime:
        return self.deps.clock()

    def stop(self) -> None:
        """Running jobs stop before their next request; new runs are still recorded."""
        self._stopping.set()

    def _prune_old_records(self) -> None:
        days = self.deps.settings.scheduler_run_retention_days
        if days > 0:
            pruned = self.book.prune(self.now() - timedelta(days=days))
            if pruned:
                log.info("schedule_runs_pruned", count=pruned, older_than_days=days)

    def run_scheduled(self, job_id: str, scheduled_for: datetime) -> dict:
        late = self.now() - scheduled_for > LATE_AFTER
        key = f"{job_id}@{iso(scheduled_for)}"
        return self.execute(job_id, key, "catch_up" if late else "scheduled", "scheduler", scheduled_for)

    def run_manual(self, job_id: str, requested_by: str) -> dict:
        """A run asked for now: a key of its own (a manual run is never "the same run")."""
        return self.execute(job_id, f"{job_id}@manual:{uuid.uuid4().hex[:12]}", "manual", requested_by, self.now())

    def execute(self, job_id: str, run_key: str, trigger: str, requested_by: str,
                scheduled_for: datetime | None) -> dict:
        spec = JOBS[job_id]
        claim = self.book.claim(job_id, run_key, trigger, requested_by, scheduled_for, self.now())
        if not claim.started:
            log.info("schedule_run_skipped", job=job_id, key=run_key, detail=claim.run["detail"])
            return claim.run
        run = claim.run
        ctx = JobContext(job_id=job_id, run=run, deps=self.deps, runner=self.runner, now=self.now,
                         stopping=self._stopping.is_set)
        started = time.perf_counter()
        status, detail, headline = COMPLETED, "", ""
        try:
            headline = spec.run(ctx)
        except Stopped as e:
            status, detail = FAILED, f"stopped: {e}"
        except Exception as e:  # recorded on the run; the scheduler goes on with the next job
            log.exception("schedule_run_failed", job=job_id, key=run_key)
            status, detail = FAILED, f"{type(e).__name__}: {str(e)[:500]}"
        seconds = time.perf_counter() - started
        text = summary(spec.title, run, status, detail, headline, ctx.artifacts, seconds)
        record = self.book.finish(run["run_id"], status, self.now(), summary=text, artifacts=ctx.artifacts,
                                  detail=detail)
        log.info("schedule_run", job=job_id, key=run_key, status=status, s=round(seconds, 3))
        self._prune_old_records()
        if status == COMPLETED and not ctx.artifacts:  # e.g. an empty inbox every 10 minutes: no message
            return record
        where = notify(self.notifier, text)
        return self.book.set_notified(record["run_id"], where) if where else record


def summary(title: str, run: dict, status: str, detail: str, headline: str, artifacts: list[dict],
            seconds: float) -> str:
    """The run's summary: what the record keeps and what goes to Slack."""
    when = run["scheduled_for"] or run["started_at"]
    lines = [f"*{title}* ({run['trigger']}, {when}): {status} in {seconds:.1f} s"
             + (f": {detail}" if detail else "") + (f"\n{headline}" if headline else "")]
    for a in artifacts:
        lines.append("• " + _artifact_line(a))
    return "\n".join(lines)


def _artifact_line(a: dict) -> str:
    if a.get("status") == "error":
        return f"{a.get('ticket_id') or a.get('request')}: error: {a.get('error', '')}"
    who = a.get("request") or a.get("ticket_id")
    route = ", ".join(a.get("route") or []) or "no specialist"
    parts = [f"{who} → {route}: {a['status'].replace('_', ' ')}"]
    if a.get("unavailable_agents"):
        parts.append(f"not available yet: {', '.join(a['unavailable_agents'])}")
    if a.get("pending_action_ids"):
        parts.append(f"{len(a['pending_action_ids'])} pending action(s) {', '.join(a['pending_action_ids'])}")
    if a.get("superseded_action_ids"):
        parts.append(f"replaced {len(a['superseded_action_ids'])} unanswered earlier proposal(s)")
    if a.get("escalated"):
        parts.append("escalated to a person")
    reply = " ".join((a.get("reply") or "").split())
    if reply and not a.get("unavailable_agents"):
        parts.append(reply[:300] + ("…" if len(reply) > 300 else ""))
    return "; ".join(parts)
