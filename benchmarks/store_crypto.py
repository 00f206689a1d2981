"""What encrypting the store's personal columns and auditing tool calls cost.

Times, on a seeded SQLite store in a temporary folder: the four reads of the support path
(get_user_details, get_order_details, find_user_id_by_email, find_user_id_by_name_zip),
a whole call_tool() round (validation, the store read, the audit row when the store has
an audit log), the full export, and the seed (Store.reset).

Before/after in one code state is not possible, so `--store-root DIR` puts another copy of
the `store` package first on sys.path (e.g. the last commit's, written out with
`git archive HEAD store | tar -x -C /tmp/store_head`); `--label` names the run, and each
label's figures are kept in benchmarks/results/store_crypto.json beside the others.

    .venv/bin/python benchmarks/store_crypto.py --label after [--calls 3000]
    .venv/bin/python benchmarks/store_crypto.py --label before --store-root /tmp/store_head
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import RESULTS, dist, finish, header  # noqa: E402

SHARED = Path(os.environ.get("CHUHAI_SHARED_DATA_DIR", ROOT.parent / "shared" / "data"))
OUT = RESULTS / "store_crypto.json"


def _timed_us(fn, args_list: list[tuple]) -> dict:
    """Wall and CPU microseconds per call: CPU time is what other jobs on this shared
    machine do not inflate."""
    wall, cpu = [], []
    for args in args_list:
        t, c = time.perf_counter_ns(), time.thread_time_ns()
        fn(*args)
        cpu.append((time.thread_time_ns() - c) / 1000)
        wall.append((time.perf_counter_ns() - t) / 1000)
    return {"wall": dist(wall), "cpu": dist(cpu)}


def measure(calls: int, seed_reps: int, export_reps: int) -> dict:
    import store as store_pkg
    from store import Store
    from tools import ToolContext, call_tool

    users = json.loads((SHARED / "retail" / "users.json").read_text())
    orders = json.loads((SHARED / "retail" / "orders.json").read_text())
    rng = random.Random(3)
    uids, oids = rng.sample(sorted(users), 200), rng.sample(sorted(orders), 200)
    with tempfile.TemporaryDirectory() as tmp:
        seed_s = []
        for i in range(seed_reps):
            st = Store(f"sqlite:///{Path(tmp) / f'seed{i}.db'}")
            t = time.perf_counter()
            st.reset(SHARED / "retail")
            seed_s.append(time.perf_counter() - t)
            st.close()
        st = Store(f"sqlite:///{Path(tmp) / 'seed0.db'}")
        pick = lambda xs: [xs[rng.randrange(len(xs))] for _ in range(calls)]  # noqa: E731
        reads = {
            "get_user_details": (st.get_user_details, [(u,) for u in pick(uids)]),
            "get_order_details": (st.get_order_details, [(o,) for o in pick(oids)]),
            "find_user_id_by_email": (st.find_user_id_by_email, [(users[u]["email"],) for u in pick(uids)]),
            "find_user_id_by_name_zip": (st.find_user_id_by_name_zip, [
                (users[u]["name"]["first_name"], users[u]["name"]["last_name"], users[u]["address"]["zip"])
                for u in pick(uids)]),
        }
        for fn, args in reads.values():  # warm statement caches
            _timed_us(fn, args[:50])
        read_us = {name: _timed_us(fn, args) for name, (fn, args) in reads.items()}
        ctx = ToolContext(deps=SimpleNamespace(store=st), role="operator")
        tool_us = _timed_us(lambda o: call_tool("get_order_details", ctx, {"order_id": o}),
                                 [(o,) for o in pick(oids)])
        export_s = []
        for _ in range(export_reps):
            t = time.perf_counter()
            st.export()
            export_s.append(time.perf_counter() - t)
        st.close()
    return {"store_package": str(Path(store_pkg.__file__).parent), "calls_per_read": calls,
            "read_us": read_us, "call_tool_get_order_details_us": tool_us,
            "export_s": dist(export_s, (50,)), "seed_reset_s": dist(seed_s, (50,))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--label", required=True, help="name of this run in the results file (before, after, ...)")
    ap.add_argument("--store-root", help="folder holding another `store` package to time instead")
    ap.add_argument("--calls", type=int, default=3000)
    ap.add_argument("--seed-reps", type=int, default=3)
    ap.add_argument("--export-reps", type=int, default=5)
    a = ap.parse_args()
    if a.store_root:
        sys.path.insert(0, str(Path(a.store_root).resolve()))
    report = header("store_crypto")
    report["label"] = a.label
    report.update(measure(a.calls, a.seed_reps, a.export_reps))
    runs = json.loads(OUT.read_text()).get("runs", {}) if OUT.exists() else {}
    runs[a.label] = report
    finish({"benchmark": "store_crypto", "runs": runs}, OUT)


if __name__ == "__main__":
    main()
