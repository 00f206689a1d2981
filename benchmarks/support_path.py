"""In-process support path: time per graph node for order-status runs (no HTTP).

Seeds a temporary store, trains the models into a temporary folder (a few seconds) and
runs order-status questions through the Runner, in two workloads:

- customer_key: a customer API key, a new thread per message (the figure of earlier runs);
- conversation: storefront visitors (an operator key on the customer channel), each a
  thread: the first message authenticates by name and zip and asks about an order, the
  next ones ask about the customer's orders on the same thread (the thread's memory
  says who they are).

Prints p50/p95 in total and per node, and the share of runs that called the LLM.
`--graph` sends new messages through LangGraph's own loop (Runner(direct=False)), to
compare with graphs/direct.py in one code state. Figures go to
benchmarks/results/support_path.json.

    .venv/bin/python benchmarks/support_path.py [--runs 600] [--graph]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import RESULTS, dist, finish, header  # noqa: E402

SHARED = Path(os.environ.get("CHUHAI_SHARED_DATA_DIR", ROOT.parent / "shared" / "data"))
FOLLOW_UPS = 5  # a 30 s chat with a message every 5 s


@dataclass
class Conversation:
    """A storefront visitor who authenticates by name and zip, then asks about orders."""

    user_id: str
    first: str
    last: str
    zip: str
    orders: list[str]

    def message(self, i: int) -> tuple[str, str]:
        """The i-th message of the conversation and the order id its answer must name."""
        oid = self.orders[i % len(self.orders)]
        if i == 0:
            return f"Hi, I am {self.first} {self.last}, zip {self.zip}. Where is my order {oid}?", oid
        return f"And where is my order {oid}?", oid


def conversations(n: int, seed: int = 7) -> list[Conversation]:
    """Up to n real customers with orders, in a fixed random order."""
    users = json.loads((SHARED / "retail" / "users.json").read_text())
    out = [Conversation(uid, u["name"]["first_name"], u["name"]["last_name"], u["address"]["zip"], u["orders"])
           for uid, u in users.items() if u["orders"]]
    random.Random(seed).shuffle(out)
    return out[:n]


def _runner(tmp: Path, graph: bool):
    """A Runner on the dependencies `chuhai serve` builds, over a fresh retail store."""
    from chuhai.deps import build_deps
    from chuhai.settings import Settings
    from graphs.runner import Runner
    from store import Store

    settings = Settings(data_dir=tmp, shared_data_dir=SHARED, llm_backend="none", log_level="WARNING")
    Store(settings.store_db_url).reset(SHARED / "retail")  # the sales history is not on this path
    deps = build_deps(settings, seed=False)  # trains the models into tmp/models
    return Runner(deps, direct=False) if graph else Runner(deps)


def _messages(workload: str, runs: int):
    """(text, role, conversation index or None, order id) for each run, in sending order."""
    convs = conversations(500)
    if workload == "customer_key":
        for i in range(runs):
            c = convs[i % len(convs)]
            yield f"Hi, where is my order {c.orders[0]}?", f"customer:{c.user_id}", None, c.orders[0]
        return
    per = FOLLOW_UPS + 1
    for i in range(runs):
        k, turn = divmod(i, per)
        text, oid = convs[k % len(convs)].message(turn)
        yield text, "operator", k, oid


def measure(runner, workload: str, runs: int, warmup: int = 60) -> dict:
    from graphs.result import RunRequest

    totals, nodes, llm, wrong, threads = [], {}, 0, 0, {}
    for i, (text, role, conv, oid) in enumerate(_messages(workload, runs + warmup)):
        req = RunRequest(input=text, channel="customer", thread_id=threads.get(conv))
        started = time.perf_counter()
        res = runner.run(req, role)
        elapsed = (time.perf_counter() - started) * 1000
        if conv is not None:
            threads[conv] = res.thread_id
        if i < warmup:
            continue
        totals.append(elapsed)
        wrong += oid not in res.output.text
        llm += bool(res.timings_ms.get("llm_calls"))
        for k, v in res.timings_ms.items():
            if k not in ("total", "llm_calls"):
                nodes.setdefault(k, []).append(v)
    return {"runs": runs, "total_ms": dist(totals, (50, 95, 99)), "wrong_answers": wrong,
            "nodes_ms_p50": {k: dist(v, (50,))["p50"] for k, v in nodes.items()}, "llm_share": llm / runs}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=600, help="runs per workload (after 60 warm-up runs)")
    ap.add_argument("--graph", action="store_true", help="new messages through graph.invoke (the old path)")
    ap.add_argument("--out", default=str(RESULTS / "support_path.json"))
    args = ap.parse_args()
    from chuhai.logs import configure_logging

    configure_logging("WARNING")
    report = header("support_path")
    report["path"] = "graph.invoke" if args.graph else "direct"
    with tempfile.TemporaryDirectory() as tmp:
        runner = _runner(Path(tmp), args.graph)
        for workload in ("customer_key", "conversation"):
            report[workload] = measure(runner, workload, args.runs)
        runner.deps.store.close()
    finish(report, args.out)


if __name__ == "__main__":
    main()
