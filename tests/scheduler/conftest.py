"""Scheduler fixtures: a fake clock injected as deps.clock, the real graph runner, and
scheduler services without a background thread, driven by `tick()` at the clock's time."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

MONDAY = datetime(2026, 11, 23, tzinfo=timezone.utc)


class FakeClock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now


class RecordingNotifier:
    """Collects the summaries a run posts (unit tests; the Slack notifier has its own test)."""

    def __init__(self, channel: str = "C0SUMMARY"):
        self.channel, self.posts = channel, []

    def post(self, channel, text, blocks=None):
        self.posts.append((channel, text))
        return f"test:{channel}"


def wait_for(check, timeout: float = 20.0):
    """Wait on state: poll `check` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"state not reached in {timeout} s")


@pytest.fixture
def clock():
    return FakeClock(MONDAY.replace(hour=1))


@pytest.fixture
def sched_deps(make_deps, clock):
    deps = make_deps()
    deps.clock = clock
    return deps


@pytest.fixture
def runner(sched_deps):
    from graphs.runner import Runner

    return Runner(sched_deps)


@pytest.fixture
def make_service(sched_deps, runner):
    from scheduler.service import SchedulerService

    made = []

    def make(**kw):
        kw.setdefault("background", False)
        kw.setdefault("synchronous", True)
        kw.setdefault("notifier", RecordingNotifier())
        service = SchedulerService(sched_deps, runner, **kw)
        made.append(service)
        return service

    yield make
    for service in made:
        service.stop()
