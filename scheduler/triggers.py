"""Schedule expressions from settings -> APScheduler triggers.

``CHUHAI_SCHEDULE_<JOB>`` is a 5-field cron line ("0 2 * * *": minute hour day month
weekday, in ``CHUHAI_SCHEDULER_TIMEZONE``) or an interval ("every 30s", "every 15m",
"every 2h", "every 1d"). Interval runs are aligned to a fixed origin (midnight of
2000-01-01 in the scheduler's time zone), so "every 10m" fires at :00, :10, ... and the
trigger is the same after a restart (a changed trigger reschedules the job).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

_INTERVAL = re.compile(r"^every\s+(\d+)\s*(s|m|h|d)$", re.I)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class ScheduleError(ValueError):
    """A schedule setting that does not parse; the message names the setting and the fix."""


@dataclass(frozen=True)
class JobSchedule:
    job_id: str
    enabled: bool
    expression: str
    trigger: BaseTrigger


def env_name(job_id: str) -> str:
    return f"CHUHAI_SCHEDULE_{job_id.upper()}"


def timezone_of(settings) -> ZoneInfo:
    try:
        return ZoneInfo(settings.scheduler_timezone)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ScheduleError(f"CHUHAI_SCHEDULER_TIMEZONE={settings.scheduler_timezone!r} is not a time zone "
                            "name (e.g. UTC, Europe/Berlin, Asia/Shanghai).") from e


def parse_schedule(expression: str, tz: ZoneInfo, setting: str = "schedule") -> BaseTrigger:
    text = " ".join(str(expression).split())
    m = _INTERVAL.match(text)
    if m:
        amount = int(m.group(1))
        if amount < 1:
            raise ScheduleError(f"{setting}={expression!r}: an interval must be at least 1.")
        origin = datetime(2000, 1, 1, tzinfo=tz)
        return IntervalTrigger(**{_UNITS[m.group(2).lower()]: amount}, start_date=origin, timezone=tz)
    if len(text.split(" ")) != 5:
        raise ScheduleError(f"{setting}={expression!r}: use a 5-field cron line (minute hour day month "
                            "weekday, e.g. '0 2 * * *') or an interval ('every 15m', 'every 2h').")
    minute, hour, day, month, weekday = text.split(" ")
    try:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=crontab_weekdays(weekday),
                           timezone=tz)
    except ValueError as e:
        raise ScheduleError(f"{setting}={expression!r}: {e}") from e


def crontab_weekdays(field: str) -> str:
    """The weekday field in crontab's numbering (0 or 7 = Sunday, 1 = Monday) as APScheduler
    3's day names: its own numbers start at Monday = 0 (fixed only in APScheduler 4)."""
    if field == "*":
        return field
    days: set[int] = set()
    for part in field.lower().split(","):
        span, _, step = part.partition("/")
        if span == "*":
            first, last = 0, 6
        else:
            a, _, b = span.partition("-")
            first = _weekday_number(a)
            last = _weekday_number(b) if b else (6 if step else first)
        if last < first and last == 0:  # "5-0" or "fri-sun": up to Sunday
            last = 7
        if last < first:
            raise ValueError(f"weekday range {span!r} runs backwards")
        days.update(d % 7 for d in range(first, last + 1, int(step) if step else 1))
    return ",".join(_DAY_NAMES[d] for d in sorted(days))


_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _weekday_number(token: str) -> int:
    if token[:3] in _DAY_NAMES:
        return _DAY_NAMES.index(token[:3])
    if not token.isdigit() or int(token) > 7:
        raise ValueError(f"{token!r} is not a weekday (0-7, sun-sat)")
    return int(token)


def job_schedule(settings, job_id: str) -> JobSchedule:
    """The job's enabled flag and trigger from settings (schedule_<job>, schedule_<job>_enabled)."""
    expression = getattr(settings, f"schedule_{job_id}")
    enabled = bool(getattr(settings, f"schedule_{job_id}_enabled"))
    trigger = parse_schedule(expression, timezone_of(settings), env_name(job_id))
    return JobSchedule(job_id, enabled, expression, trigger)


def same_trigger(a: BaseTrigger, b: BaseTrigger) -> bool:
    return type(a) is type(b) and repr(a) == repr(b) and getattr(a, "start_date", None) == \
        getattr(b, "start_date", None)


LATE_AFTER = timedelta(seconds=60)
"""A run that starts later than this after its scheduled time is a catch-up run."""
