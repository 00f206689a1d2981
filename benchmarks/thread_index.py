"""Thread index (graphs/threads.py): what a run pays to be listed, and what listing costs
at size.

Fills a fresh checkpoint database with `--threads` threads (3 runs each, a RunResult of
the support path's size, one in `--pending-every` awaiting approval, one in 20 started
by a customer key) through `ThreadIndex.record`, plus 3 checkpoint rows per thread, then:

- record_ms: one run's index write (the upsert of the thread's row plus its RunResult,
  one transaction), for a new thread and for a thread's next run: the cost a run pays;
- the reads behind the API: first and deep pages of GET /v1/threads (admin, customer),
  GET /v1/approvals (all, and filtered by tool), a thread's history page;
- stale_threads_ms: the scan a new Runner makes at start to find threads to re-index.

p50/p95 over `--reps` calls each; the machine is a busy 2-core box, so compare p50s taken
under similar load (the report carries the load average). Figures go to
benchmarks/results/thread_index.json.

    .venv/bin/python benchmarks/thread_index.py [--threads 20000] [--reps 200]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import RESULTS, dist, finish, header  # noqa: E402

RESULT = json.dumps({"output": {"text": "Your order #W2809253 (delivered) ... " * 85}, "tool_calls": []})  # ~3.2 KB, as a support RunResult
ACTION = {"action_id": "act_x", "tool": "cancel_pending_order", "agent": "support", "args": {"order_id": "#W1"},
          "summary": "Cancel order #W1 (reason: no longer needed)", "acting_user_id": None}


def timed(fn, reps: int) -> dict:
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return dist(times, (50, 95))


def fill(index, threads: int, pending_every: int) -> None:
    with index.saver.cursor() as cur:
        cur.executemany("INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id) VALUES (?, '', ?)",
                        [(f"t_{i:08d}", f"{i:08d}-{k}") for i in range(threads) for k in range(3)])
    for i in range(threads):
        owner = f"customer:user_{i % 50}" if i % 20 == 0 else "operator"
        for k in range(3):
            last = k == 2
            pending = [dict(ACTION, action_id=f"act_{i}")] if last and i % pending_every == 0 else []
            values = {"run_id": f"run_{i}_{k}", "role": owner, "channel": "customer", "route": ["support"],
                      "redacted": f"where is my order {i}?"}
            index.record(f"t_{i:08d}", values, "awaiting_approval" if pending else "completed", pending, RESULT,
                         checkpoint_id=f"{i:08d}-{k}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=20000)
    ap.add_argument("--pending-every", type=int, default=20)
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--out", default=str(RESULTS / "thread_index.json"))
    args = ap.parse_args()
    from graphs.supervisor import sqlite_checkpointer
    from graphs.threads import ThreadIndex

    report = header("thread_index")
    report.update(threads=args.threads, runs_per_thread=3, pending_every=args.pending_every,
                  result_bytes=len(RESULT))
    with tempfile.TemporaryDirectory() as tmp:
        index = ThreadIndex(sqlite_checkpointer(Path(tmp) / "checkpoints.db"))
        started = time.perf_counter()
        fill(index, args.threads, args.pending_every)
        report["fill_s"] = round(time.perf_counter() - started, 2)
        counter = iter(range(10**9))
        values = {"run_id": "run_b", "role": "operator", "channel": "customer", "route": ["support"],
                  "redacted": "where is my order?"}
        report["record_ms"] = {
            "new_thread": timed(lambda: index.record(f"t_new_{next(counter)}", values, "completed", [], RESULT,
                                                     checkpoint_id="a"), args.reps),
            "next_run": timed(lambda: index.record("t_00000001", values, "completed", [], RESULT,
                                                   checkpoint_id=f"00000001-3{next(counter):09d}"), args.reps)}
        deep = index.threads("admin", 100)[1]
        for _ in range(20):
            deep = index.threads("admin", 100, deep)[1]
        report["read_ms"] = {
            "threads_admin_first_page": timed(lambda: index.threads("admin", 20), args.reps),
            "threads_admin_page_21": timed(lambda: index.threads("admin", 100, deep), args.reps),
            "threads_customer": timed(lambda: index.threads("customer:user_0", 20), args.reps),
            "approvals_all": timed(lambda: index.pending("operator", 20), args.reps),
            "approvals_by_tool": timed(lambda: index.pending("operator", 20, tool="cancel_pending_order"), args.reps),
            "history_page": timed(lambda: index.runs("t_00000001", 50), args.reps)}
        report["stale_threads_ms"] = timed(index.stale_threads, max(5, args.reps // 20))
    finish(report, args.out)


if __name__ == "__main__":
    main()
