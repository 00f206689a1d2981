"""APScheduler 3 under an injected clock.

APScheduler 3 reads the time with ``datetime.now(tz)`` inside ``BaseScheduler`` (which jobs
are due, the next wake-up, a new job's first run time) and offers no hook to replace it.
So that its own code (job store queries, trigger arithmetic, coalescing, max_instances)
runs on the clock of Chuhai's deps (tests: a fake clock), the name ``datetime`` of
``apscheduler.schedulers.base`` is bound once to a subclass whose ``now()`` asks the clock
set for the current thread by ``using_clock`` and otherwise answers as ``datetime.now``.
Only the scheduler methods of ``ClockedScheduler`` set it, so any other APScheduler user
in the process keeps the real clock. Executors read the time only for misfire checks,
which Chuhai's jobs switch off (``misfire_grace_time=None``: a missed run runs once).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

import apscheduler.schedulers.base as _aps_base
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

Clock = Callable[[], datetime]
_CLOCK: ContextVar[Clock | None] = ContextVar("chuhai_scheduler_clock", default=None)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: ANN001 - the signature of datetime.now
        clock = _CLOCK.get()
        if clock is None:
            return datetime.now(tz)
        now = clock()
        if now.tzinfo is None:  # a naive clock is taken as UTC, as the run records store it
            now = now.replace(tzinfo=timezone.utc)
        return now.astimezone(tz) if tz is not None else now.astimezone().replace(tzinfo=None)


if _aps_base.datetime is datetime:
    _aps_base.datetime = _ClockedDatetime


@contextmanager
def using_clock(clock: Clock) -> Iterator[None]:
    token = _CLOCK.set(clock)
    try:
        yield
    finally:
        _CLOCK.reset(token)


def _clocked(name: str):
    def method(self, *args, **kwargs):
        with using_clock(self.clock):
            return getattr(super(ClockedScheduler, self), name)(*args, **kwargs)

    method.__name__ = name
    return method


class ClockedScheduler(BaseScheduler):
    """A scheduler whose notion of "now" is ``self.clock``. Without a background thread
    (``ManualScheduler``), ``tick()`` runs APScheduler's own due-job pass once."""

    clock: Clock = staticmethod(utcnow)

    _process_jobs = _clocked("_process_jobs")
    _real_add_job = _clocked("_real_add_job")
    reschedule_job = _clocked("reschedule_job")
    resume_job = _clocked("resume_job")


class BackgroundClockedScheduler(ClockedScheduler, BackgroundScheduler):
    """Production: APScheduler's background thread, waking when the next job is due."""


class ManualScheduler(ClockedScheduler):
    """No thread: jobs run only when ``tick()`` is called (tests drive it with a fake clock)."""

    def shutdown(self, wait=True):  # noqa: ANN001 - abstract in BaseScheduler; nothing of its own to stop
        super().shutdown(wait)

    def wakeup(self):
        pass

    def tick(self) -> float | None:
        """One pass over the due jobs; returns the seconds until the next one is due."""
        return self._process_jobs()
