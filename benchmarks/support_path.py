"""In-process support path: time per graph node for order-status runs (no HTTP).

Seeds a temporary store, trains the models into a temporary folder (a few seconds),
runs N order-status questions through the Runner, and prints p50/p95 per node and in
total plus the share of runs that called the LLM. Figures go to
benchmarks/results/support_path.json.

    .venv/bin/python benchmarks/support_path.py [--runs 500]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import chuhai  # noqa: E402,F401  (telemetry off)
import ml  # noqa: E402
from chuhai.deps import Deps  # noqa: E402
from chuhai.logs import configure_logging  # noqa: E402
from chuhai.settings import Settings  # noqa: E402
from graphs.result import RunRequest  # noqa: E402
from graphs.runner import Runner  # noqa: E402
from ml.escalation import assess_escalation  # noqa: E402
from ml.language import detect_language  # noqa: E402
from store import Store  # noqa: E402

SHARED = Path(os.environ.get("CHUHAI_SHARED_DATA_DIR", ROOT.parent / "shared" / "data"))


def pct(xs: list[float], q: int) -> float:
    return round(statistics.quantiles(xs, n=100)[q - 1], 3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "support_path.json"))
    args = ap.parse_args()
    configure_logging("WARNING")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        settings = Settings(data_dir=tmp, shared_data_dir=SHARED, llm_backend="none", log_level="WARNING")
        store = Store(f"sqlite:///{tmp / 'store.db'}")
        store.reset(SHARED / "retail")
        for name in ml.MODELS:
            ml.train(name, tmp / "models", SHARED)
        deps = Deps(settings=settings, store=store, router=ml.load("router", tmp / "models", SHARED),
                    intents=ml.load("intents", tmp / "models", SHARED), detect_language=detect_language,
                    assess_escalation=assess_escalation)
        runner = Runner(deps)
        users = json.loads((SHARED / "retail" / "users.json").read_text())
        pairs = [(uid, u["orders"][0]) for uid, u in users.items() if u["orders"]]
        totals, nodes, llm = [], {}, 0
        for i in range(args.runs + 50):
            uid, oid = pairs[i % len(pairs)]
            started = time.perf_counter()
            res = runner.run(RunRequest(input=f"Hi, where is my order {oid}?", channel="customer"), f"customer:{uid}")
            if i < 50:
                continue  # warm-up
            totals.append((time.perf_counter() - started) * 1000)
            llm += bool(res.timings_ms.get("llm_calls"))
            for k, v in res.timings_ms.items():
                if k not in ("total", "llm_calls"):
                    nodes.setdefault(k, []).append(v)
        store.close()
    report = {"benchmark": "support_path", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "runs": args.runs, "total_ms": {"p50": pct(totals, 50), "p95": pct(totals, 95)},
              "nodes_ms_p50": {k: pct(v, 50) for k, v in nodes.items()}, "llm_share": llm / args.runs}
    print(json.dumps(report, indent=2))
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
