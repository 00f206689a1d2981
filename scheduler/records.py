"""Run records of scheduled jobs and the per-job claim that keeps a job from overlapping
itself across processes (the scheduler in `chuhai serve`, `POST /v1/schedules/{id}/run`
in an API worker). Both live next to APScheduler's job table (CHUHAI_SCHEDULER_URL).

A run has a key: job id + the time it was scheduled for (manual runs: their own id).
`claim` starts a run only when the job is free (its claim row is absent, or older than
CHUHAI_SCHEDULER_STALE_RUN_S: a crashed run) and the key has not completed already;
otherwise it records a skipped run saying why. Times are UTC, stored naive.
"""
from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import JSON, Connection, DateTime, Engine, String, Text, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from store.engine import WRITE_OPTION

RUNNING, COMPLETED, FAILED, SKIPPED = "running", "completed", "failed", "skipped"


class Base(DeclarativeBase):
    pass


class ScheduleRun(Base):
    __tablename__ = "schedule_runs"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    run_key: Mapped[str] = mapped_column(String(160), index=True)
    trigger: Mapped[str] = mapped_column(String(16))  # scheduled | catch_up | manual
    requested_by: Mapped[str] = mapped_column(String(120))
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime)
    started_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")  # why skipped or failed
    summary: Mapped[str] = mapped_column(Text, default="")
    artifacts: Mapped[list] = mapped_column(JSON, default=list)
    notified: Mapped[str] = mapped_column(String(300), default="")


class ScheduleClaim(Base):
    """One row per job while a run of it is in progress."""

    __tablename__ = "schedule_claims"

    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(24))
    since: Mapped[datetime] = mapped_column(DateTime)


class BadCursor(ValueError):
    """A pagination cursor this API did not hand out."""


@dataclass(frozen=True)
class Claim:
    run: dict
    started: bool  # False: `run` is the skipped record


def _naive(t: datetime | None) -> datetime | None:
    if t is None:
        return None
    return t.astimezone(timezone.utc).replace(tzinfo=None) if t.tzinfo else t


def iso(t: datetime | None) -> str | None:
    """UTC ISO text ("...Z") of an aware time, or of a naive one taken as UTC."""
    return None if t is None else _naive(t).replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


RUNS, CLAIMS = ScheduleRun.__table__, ScheduleClaim.__table__


def _view(r) -> dict:
    """The API's view of a schedule_runs row (a row mapping)."""
    return {"run_id": r["id"], "job_id": r["job_id"], "run_key": r["run_key"], "trigger": r["trigger"],
            "requested_by": r["requested_by"], "scheduled_for": iso(r["scheduled_for"]),
            "started_at": iso(r["started_at"]), "finished_at": iso(r["finished_at"]), "status": r["status"],
            "detail": r["detail"] or "", "summary": r["summary"] or "", "artifacts": r["artifacts"] or [],
            "notified": r["notified"] or ""}


def _first(conn, stmt):
    return conn.execute(stmt).mappings().first()


class RunBook:
    """The run records on one engine (thread-safe; share one per process)."""

    def __init__(self, engine: Engine, stale_after_s: int):
        self.engine, self.stale_after = engine, timedelta(seconds=stale_after_s)
        Base.metadata.create_all(engine)

    @contextmanager
    def _tx(self, write: bool = False) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            if write:  # SQLite: BEGIN IMMEDIATE, the write lock before the reads (store/engine.py)
                conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    # -- writes -------------------------------------------------------------------------
    def claim(self, job_id: str, run_key: str, trigger: str, requested_by: str, scheduled_for: datetime | None,
              now: datetime) -> Claim:
        now, scheduled_for = _naive(now), _naive(scheduled_for)
        row = {"job_id": job_id, "run_key": run_key, "trigger": trigger, "requested_by": requested_by,
               "scheduled_for": scheduled_for, "started_at": now, "artifacts": [], "summary": "", "notified": ""}
        with self._tx(write=True) as conn:
            done = _first(conn, select(RUNS.c.id).where(RUNS.c.run_key == run_key, RUNS.c.status == COMPLETED)
                          .limit(1))
            if done is not None:
                return Claim(self._skip(conn, row, f"already ran: run {done['id']} completed this key"), False)
            held = _first(conn, select(CLAIMS).where(CLAIMS.c.job_id == job_id))
            if held is not None and now - held["since"] < self.stale_after:
                return Claim(self._skip(conn, row, f"overlap: run {held['run_id']} of this job is still running "
                                                   f"(since {iso(held['since'])})"), False)
            run_id = _new_id()
            if held is not None:  # a crashed run: release it and say so on its record
                conn.execute(update(ScheduleRun).where(ScheduleRun.id == held["run_id"], ScheduleRun.status == RUNNING)
                             .values(status=FAILED, finished_at=now,
                                     detail=f"abandoned: still running after {self.stale_after}; "
                                            f"taken over by run {run_id}"))
                taken = conn.execute(update(ScheduleClaim).where(ScheduleClaim.job_id == job_id,
                                                                 ScheduleClaim.run_id == held["run_id"])
                                     .values(run_id=run_id, since=now)).rowcount
            else:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(ScheduleClaim).values(job_id=job_id, run_id=run_id, since=now))
                    taken = 1
                except IntegrityError:  # another process claimed it between our read and insert
                    taken = 0
            if not taken:
                return Claim(self._skip(conn, row, "overlap: another run of this job started just now"), False)
            conn.execute(insert(ScheduleRun).values(id=run_id, status=RUNNING, detail="", **row))
            return Claim(self._get(conn, run_id), True)

    def skip(self, job_id: str, run_key: str, trigger: str, scheduled_for: datetime | None, now: datetime,
             detail: str) -> dict:
        """Record a run that was not started (APScheduler's own overlap or misfire events)."""
        row = {"job_id": job_id, "run_key": run_key, "trigger": trigger, "requested_by": "scheduler",
               "scheduled_for": _naive(scheduled_for), "started_at": _naive(now), "artifacts": [], "summary": "",
               "notified": ""}
        with self._tx(write=True) as conn:
            return self._skip(conn, row, detail)

    def finish(self, run_id: str, status: str, now: datetime, *, summary: str = "", artifacts: list | None = None,
               detail: str = "") -> dict:
        with self._tx(write=True) as conn:
            conn.execute(update(ScheduleRun).where(ScheduleRun.id == run_id)
                         .values(status=status, finished_at=_naive(now), summary=summary, artifacts=artifacts or [],
                                 detail=detail))
            conn.execute(delete(ScheduleClaim).where(ScheduleClaim.run_id == run_id))
            return self._get(conn, run_id)

    def prune(self, before: datetime) -> int:
        """Delete finished run records started before `before` (never a running one);
        the number deleted. A completed key older than the retention cannot come back:
        scheduled keys are the times they were due, and catch-up only looks back one run."""
        with self._tx(write=True) as conn:
            return conn.execute(delete(ScheduleRun).where(ScheduleRun.started_at < _naive(before),
                                                          ScheduleRun.status != RUNNING)).rowcount

    def set_notified(self, run_id: str, notified: str) -> dict:
        with self._tx(write=True) as conn:
            conn.execute(update(ScheduleRun).where(ScheduleRun.id == run_id).values(notified=notified[:300]))
            return self._get(conn, run_id)

    def _skip(self, conn, row: dict, detail: str) -> dict:
        run_id = _new_id()
        conn.execute(insert(ScheduleRun).values(id=run_id, status=SKIPPED, detail=detail,
                                                finished_at=row["started_at"], **row))
        return self._get(conn, run_id)

    # -- reads --------------------------------------------------------------------------
    @staticmethod
    def _get(conn, run_id: str) -> dict:
        return _view(_first(conn, select(RUNS).where(RUNS.c.id == run_id)))

    def get(self, run_id: str) -> dict | None:
        with self._tx() as conn:
            r = _first(conn, select(RUNS).where(RUNS.c.id == run_id))
            return _view(r) if r else None

    def runs(self, *, job_id: str | None = None, status: str | None = None, limit: int = 20,
             cursor: str | None = None) -> tuple[list[dict], str | None]:
        """Runs newest first (by start), and the cursor of the next page."""
        q = select(RUNS).order_by(RUNS.c.started_at.desc(), RUNS.c.id.desc()).limit(limit + 1)
        if job_id:
            q = q.where(RUNS.c.job_id == job_id)
        if status:
            q = q.where(RUNS.c.status == status)
        if cursor:
            started, rid = _decode(cursor)
            q = q.where(or_(RUNS.c.started_at < started, (RUNS.c.started_at == started) & (RUNS.c.id < rid)))
        with self._tx() as conn:
            rows = list(conn.execute(q).mappings())
        more = _encode(rows[limit - 1]) if len(rows) > limit else None
        return [_view(r) for r in rows[:limit]], more

    def last_runs(self, job_ids) -> dict[str, dict]:
        """The latest run of each of these jobs (jobs never run are left out)."""
        out: dict[str, dict] = {}
        with self._tx() as conn:
            for job_id in job_ids:
                r = _first(conn, select(RUNS).where(RUNS.c.job_id == job_id)
                           .order_by(RUNS.c.started_at.desc(), RUNS.c.id.desc()).limit(1))
                if r is not None:
                    out[job_id] = _view(r)
        return out


def _new_id() -> str:
    return "sr_" + uuid.uuid4().hex[:16]


def _encode(r) -> str:
    return base64.urlsafe_b64encode(json.dumps([r["started_at"].isoformat(), r["id"]]).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        started, rid = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(started), str(rid)
    except (ValueError, TypeError) as e:
        raise BadCursor("The cursor is not one this API returned; start again without it.") from e
