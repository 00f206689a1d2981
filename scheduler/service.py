"""The job list, run records and manual runs (`Schedules`, any process), and the timed
scheduler on top of them (`SchedulerService`: APScheduler 3, one per deployment).

APScheduler keeps each job's trigger and next run time in its SQLAlchemy job store (the
same database as the run records, CHUHAI_SCHEDULER_URL, default SQLite under the data
dir), so a restart keeps the schedule. Every job is added with
- ``max_instances=1``: a run due while the previous one still runs is skipped, and the
  skip is recorded ("overlap");
- ``coalesce=True`` and ``misfire_grace_time=None``: after downtime, all the runs missed
  become one run, however late;
and every run goes through scheduler/runs.py, whose claim also stops a manual run from
overlapping a timed one in another process and a run key from running twice.

`chuhai serve` starts the service in its parent process only, so with several API
workers the jobs still run in exactly one place (`start_for_serve`).
"""
from __future__ import annotations

import copy
import threading

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.executors.debug import DebugExecutor
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

from chuhai.logs import get_logger
from scheduler.clock import BackgroundClockedScheduler, ManualScheduler
from scheduler.jobs import JOBS
from scheduler.notify import make_notifier
from scheduler.records import RunBook, iso
from scheduler.runs import ScheduledJobs
from scheduler.triggers import ScheduleError, env_name, job_schedule, same_trigger, timezone_of
from store.engine import create_store_engine

log = get_logger("chuhai.scheduler")
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
LAST_RUN_FIELDS = ("run_id", "status", "trigger", "scheduled_for", "started_at", "finished_at", "detail")
_LIVE: dict[str, "SchedulerService"] = {}
_LIVE_LOCK = threading.Lock()


def db_url(settings) -> str:
    return settings.scheduler_url or f"sqlite:///{settings.state_dir / 'scheduler.db'}"


class Schedules:
    """What the API needs in any process: the jobs with their settings and next run time
    (read from the job store), the run records, and running a job now."""

    def __init__(self, deps, runner, *, notifier=None, engine=None):
        settings = deps.settings
        self.settings = settings
        self.engine = engine or create_store_engine(db_url(settings))
        self.book = RunBook(self.engine, settings.scheduler_stale_run_s)
        self.jobs = ScheduledJobs(deps, runner, self.book, notifier or make_notifier(settings))
        self.jobstore = SQLAlchemyJobStore(engine=self.engine)
        self.jobstore.start(None, "default")  # creates its table; reads work without a scheduler

    def run_now(self, job_id: str, requested_by: str) -> dict:
        return self.jobs.run_manual(job_id, requested_by)

    def runs(self, **filters) -> tuple[list[dict], str | None]:
        return self.book.runs(**filters)

    def list(self) -> list[dict]:
        last = self.book.last_runs(JOBS)
        return [self._job_view(spec, last.get(spec.id)) for spec in JOBS.values()]

    def _job_view(self, spec, run: dict | None) -> dict:
        try:
            sched, problem = job_schedule(self.settings, spec.id), None
        except ScheduleError as e:  # shown, not raised: the list stays readable
            sched, problem = None, str(e)
        enabled = bool(sched and sched.enabled)
        stored = self.jobstore.lookup_job(spec.id) if enabled else None
        return {"job_id": spec.id, "title": spec.title, "description": spec.description, "enabled": enabled,
                "schedule": getattr(self.settings, f"schedule_{spec.id}"), "setting": env_name(spec.id),
                "timezone": self.settings.scheduler_timezone, "trigger": str(sched.trigger) if sched else None,
                "next_run_at": iso(stored.next_run_time) if stored and stored.next_run_time else None,
                "last_run": {k: run[k] for k in LAST_RUN_FIELDS} if run else None, "error": problem}


class SchedulerService(Schedules):
    """The timed scheduler. `background=False` runs no thread: `tick()` does one due-job
    pass of APScheduler at the deps clock's time (tests); `synchronous=True` runs jobs in
    the ticking thread (APScheduler's DebugExecutor) instead of a thread pool."""

    def __init__(self, deps, runner, *, notifier=None, engine=None, background: bool = True,
                 synchronous: bool = False, workers: int = 2):
        super().__init__(deps, runner, notifier=notifier, engine=engine)
        self.key = db_url(self.settings)
        self.schedules = {job_id: job_schedule(self.settings, job_id) for job_id in JOBS}  # ScheduleError early
        executor = StampedDebugExecutor() if synchronous else StampedThreadPoolExecutor(workers)
        cls = BackgroundClockedScheduler if background else ManualScheduler
        self.scheduler = cls(jobstores={"default": self.jobstore}, executors={"default": executor},
                             job_defaults=JOB_DEFAULTS, timezone=timezone_of(self.settings))
        self.scheduler.clock = deps.clock
        self.scheduler.add_listener(self._on_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED | EVENT_JOB_ERROR)

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> "SchedulerService":
        with _LIVE_LOCK:
            if self.key in _LIVE:
                raise RuntimeError(f"A scheduler already runs on {self.key} in this process.")
            _LIVE[self.key] = self
        try:
            self.scheduler.start(paused=True)
            self._sync_jobs()
            self.scheduler.resume()
        except BaseException:
            _LIVE.pop(self.key, None)
            raise
        log.info("scheduler_started", jobs={j.id: str(j.next_run_time) for j in self.scheduler.get_jobs()})
        return self

    def stop(self, wait: bool = True) -> None:
        """Running jobs stop before their next request; then the scheduler shuts down."""
        self.jobs.stop()
        try:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=wait)
        finally:
            with _LIVE_LOCK:
                if _LIVE.get(self.key) is self:
                    del _LIVE[self.key]
        log.info("scheduler_stopped")

    def tick(self) -> float | None:
        """One due-job pass now (only without the background thread)."""
        return self.scheduler.tick()

    # -- jobs in the job store ----------------------------------------------------------
    def _sync_jobs(self) -> None:
        """Bring the job store in line with settings, keeping each unchanged job's stored
        next run time (a missed run stays due and runs once)."""
        stored = {j.id: j for j in self.scheduler.get_jobs()}
        for job_id, sched in self.schedules.items():
            job = stored.pop(job_id, None)
            if not sched.enabled:
                if job is not None:
                    self.scheduler.remove_job(job_id)
                continue
            if job is None:
                self.scheduler.add_job(fire, sched.trigger, args=(self.key, job_id), id=job_id,
                                       name=JOBS[job_id].title)
            elif not same_trigger(job.trigger, sched.trigger):
                self.scheduler.reschedule_job(job_id, trigger=sched.trigger)
                self.scheduler.modify_job(job_id, args=(self.key, job_id))
            elif tuple(job.args) != (self.key, job_id) or job.name != JOBS[job_id].title:
                self.scheduler.modify_job(job_id, args=(self.key, job_id), name=JOBS[job_id].title)
        for job_id in stored:  # a job no longer built in
            self.scheduler.remove_job(job_id)

    def next_run_times(self) -> dict:
        return {j.id: j.next_run_time for j in self.scheduler.get_jobs()}

    def _on_event(self, event) -> None:
        if event.code == EVENT_JOB_ERROR:
            log.error("schedule_job_error", job=event.job_id, error=repr(event.exception)[:300])
            return
        times = getattr(event, "scheduled_run_times", None) or [event.scheduled_run_time]
        why = ("overlap: the previous run of this job is still running" if event.code == EVENT_JOB_MAX_INSTANCES
               else "missed: too late to run")
        for t in times:
            self.book.skip(event.job_id, f"{event.job_id}@{iso(t)}", "scheduled", t, self.jobs.now(), why)


def fire(service_key: str, job_id: str, scheduled_for=None) -> None:
    """What APScheduler calls (by reference, so the job store can hold it): the live
    service of that job store runs the job for the time it was scheduled for."""
    service = _LIVE.get(service_key)
    if service is None:
        raise RuntimeError(f"no scheduler is running on {service_key} in this process")
    service.jobs.run_scheduled(job_id, scheduled_for or service.jobs.now())


class _StampsRunTime:
    """APScheduler 3 calls a job's function without the time it was scheduled for; the
    run key needs it, so the executor passes it as `scheduled_for`."""

    def _do_submit_job(self, job, run_times):
        stamped = copy.copy(job)
        stamped._scheduler, stamped._jobstore_alias = job._scheduler, job._jobstore_alias
        stamped.kwargs = {**job.kwargs, "scheduled_for": run_times[-1]}
        super()._do_submit_job(stamped, run_times)


class StampedThreadPoolExecutor(_StampsRunTime, ThreadPoolExecutor):
    pass


class StampedDebugExecutor(_StampsRunTime, DebugExecutor):
    pass


def start_for_serve(settings, deps) -> tuple["SchedulerService | None", str]:
    """The scheduler of `chuhai serve`, started in its parent process, and a line for the
    console. Switched off, or with a schedule setting that does not parse, it returns None
    and says why (the API still starts; GET /v1/schedules shows the bad setting)."""
    if not settings.scheduler_enabled:
        return None, "Scheduler: off (CHUHAI_SCHEDULER_ENABLED=false)."
    from graphs.runner import Runner

    try:
        service = SchedulerService(deps, Runner(deps)).start()
    except ScheduleError as e:
        log.error("scheduler_not_started", error=str(e))
        return None, f"Scheduler: NOT started: {e}"
    jobs = ", ".join(f"{j} next {iso(t)}" for j, t in service.next_run_times().items()) or "no job enabled"
    return service, f"Scheduler: on ({jobs}); job store {service.engine.url.render_as_string(hide_password=True)}"
