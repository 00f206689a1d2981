"""Scheduled autonomous runs (APScheduler 3 with a persistent SQLAlchemy job store).

- jobs.py: the built-in jobs (one registry, JOBS): nightly repricing proposals, daily
  dispute triage, weekly selection report per market, nightly compliance sweep, and
  support-inbox triage (inbox_triage.py over store/inbox.py). Each issues plain operator
  requests through the graph (channel "schedule", role "scheduler").
- triggers.py: CHUHAI_SCHEDULE_<JOB> (cron line or "every 15m") and _ENABLED -> triggers.
- records.py: run records (start, end, status, summary, artifacts) and the per-job claim.
- runs.py: one run of one job (claim, run, record, post the summary via notify.py).
- service.py: `Schedules` (API: list, run now, records) and `SchedulerService` (the timed
  scheduler that `chuhai serve` starts in its parent process); clock.py runs APScheduler's
  own code on the injected deps clock.
"""
