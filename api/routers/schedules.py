"""Scheduled jobs: their schedules, running one now, and the run records (scheduler/).

Admin, operator and scheduler keys only. The job runs in this API process (the timed
scheduler runs in `chuhai serve`'s parent process); a job already running anywhere is
not started twice: the answer is 409 and the skip is recorded."""
from __future__ import annotations

import threading
from typing import Literal

from anyio import to_thread
from fastapi import APIRouter, Depends, Query, Request

from api.auth import require, role_for
from api.errors import APIError
from scheduler.jobs import JOBS
from scheduler.records import SKIPPED, BadCursor

router = APIRouter(prefix="/v1", tags=["schedules"])
ROLES = ("admin", "operator", "scheduler")
_LOCK = threading.Lock()


def schedules(request: Request):
    """The app's scheduler.service.Schedules, built on first use (tests may set their own)."""
    state = request.app.state
    found = getattr(state, "schedules", None)
    if found is None:
        with _LOCK:
            found = getattr(state, "schedules", None)
            if found is None:
                from scheduler.service import Schedules

                found = state.schedules = Schedules(state.deps, state.runner)
    return found


def _job(job_id: str) -> str:
    if job_id not in JOBS:
        raise APIError(404, "not_found", f"No scheduled job '{job_id}'; the jobs are: {', '.join(JOBS)}.")
    return job_id


@router.get("/schedules")
def list_schedules(request: Request, role: str = Depends(role_for)) -> dict:
    """Every built-in job: enabled, its schedule setting and trigger, next and last run."""
    require(role, *ROLES)
    return {"schedules": schedules(request).list()}


@router.post("/schedules/{job_id}/run")
async def run_schedule(job_id: str, request: Request, role: str = Depends(role_for)) -> dict:
    """Run the job now; returns its run record (summary, artifacts: threads, routes,
    pending action ids). 409 when a run of the job is already in progress."""
    require(role, *ROLES)
    _job(job_id)
    book = schedules(request)
    record = await to_thread.run_sync(book.run_now, job_id, role, limiter=request.app.state.run_limiter)
    if record["status"] == SKIPPED:
        raise APIError(409, "overlap", f"Job {job_id} was not run: {record['detail']} "
                                       f"(recorded as skipped run {record['run_id']}).")
    return record


@router.get("/schedule-runs")
def list_runs(request: Request, role: str = Depends(role_for),
              job_id: str | None = Query(None, max_length=64, description="only this job's runs"),
              status: Literal["running", "completed", "failed", "skipped"] | None = Query(None),
              limit: int = Query(20, ge=1, le=100, description="items per page"),
              cursor: str | None = Query(None, max_length=512, description="`next_cursor` of the previous page")
              ) -> dict:
    """Run records newest first: start, end, status, why skipped or failed, summary, artifacts."""
    require(role, *ROLES)
    if job_id is not None:
        _job(job_id)
    try:
        runs, more = schedules(request).runs(job_id=job_id, status=status, limit=limit, cursor=cursor)
    except BadCursor as e:
        raise APIError(400, "invalid_cursor", str(e)) from e
    return {"runs": runs, "next_cursor": more}
