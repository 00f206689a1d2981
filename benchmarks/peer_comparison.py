"""Chuhai against LangGraph's reference supervisor on the same cases and the same model.

Both systems run the bundled SmolLM2-135M-Instruct GGUF through llama-cpp-python with
Chuhai's LLM settings (``CHUHAI_LLM_THREADS``, default 1; ``n_ctx`` 2048; 256 new tokens):

- chuhai: ``evals.systems.InProcessSystem`` (the Runner on real parts: trained router,
  deterministic support agent, LLM only as the router's tie-breaker).
- langgraph-supervisor: ``evals.peer.PeerSystem`` (``create_supervisor`` over six
  ``create_react_agent`` specialists; the support agent holds Chuhai's store tools and,
  with no approval flow, writes at once).

Cases: routing = held-apart test split of ``ml/datasets/routing.jsonl`` (operator
channel); support = ``evals/datasets/support_blind3.jsonl``. The peer calls the LLM
several times per request, so the default run takes deterministic, stratified subsets
(``--routing-n``, ``--support-n``; 0 = all). Scores come from the eval harness
(``evals.runner.run_trial``): routing exact-plan accuracy on the first turn; support task
success = every check passes (store end state equal to the reference actions on a fresh
copy, required and forbidden facts, schema, PII); LLM calls and latency per request (one
request = one turn).

    .venv/bin/python benchmarks/peer_comparison.py [--routing-n 16] [--support-n 4]

Writes benchmarks/results/peer_comparison.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import chuhai  # noqa: E402,F401  (telemetry off before any library loads)
import ml  # noqa: E402
from chuhai.logs import configure_logging  # noqa: E402
from chuhai.settings import Settings  # noqa: E402
from evals.cases import Case  # noqa: E402
from evals.runner import run_trial  # noqa: E402
from evals.suites import SUITES  # noqa: E402

SHARED = Path(os.environ.get("CHUHAI_SHARED_DATA_DIR", ROOT.parent / "shared" / "data"))
ROUTING = ROOT / "ml" / "datasets" / "routing.jsonl"
SUPPORT = ROOT / "evals" / "datasets" / "support_blind3.jsonl"
OUT = ROOT / "benchmarks" / "results" / "peer_comparison.json"


# -- cases ---------------------------------------------------------------------------------------
def routing_cases() -> list[Case]:
    return SUITES["routing"].load(SHARED)


def _interleave(groups: dict[str, list[Case]], start: int = 0) -> list[Case]:
    """Round-robin over the groups (sorted by key, from the ``start``-th), each in file order."""
    keys = sorted(groups)
    keys = keys[start % len(keys):] + keys[:start % len(keys)] if keys else keys
    out, queues = [], [list(groups[k]) for k in keys]
    while any(queues):
        for q in queues:
            if q:
                out.append(q.pop(0))
    return out


def pick(cases: list[Case], n: int, key) -> list[Case]:
    """A deterministic subset stratified by ``key`` (and by language inside each stratum)."""
    if n <= 0 or n >= len(cases):
        return cases
    strata: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        strata[key(c)].append(c)
    # each stratum starts at another language, so a small subset still spans the languages
    by_lang = {k: _interleave(_group(strata[k], lambda c: c.lang), start=i) for i, k in enumerate(sorted(strata))}
    return _interleave(by_lang)[:n]


def _group(cases: list[Case], key) -> dict[str, list[Case]]:
    out: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        out[key(c)].append(c)
    return out


# -- running and scoring (the harness's run_trial and evaluators) ------------------------------
def score_case(case: Case, system) -> dict:
    trial = run_trial(case, system, system.store_pii)
    replies = trial.replies
    out: dict = {"id": case.id, "suite": case.suite, "lang": case.lang, "error": trial.error,
                 "routes": [r.route for r in replies], "statuses": [r.status for r in replies],
                 "llm_calls": [r.llm_calls for r in replies], "latency_s": [round(r.latency_s, 3) for r in replies],
                 "reply_errors": [r.error for r in replies if r.error]}
    route = trial.check("route_exact")
    if case.suite == "routing":
        out["expected_route"] = case.expected_route
        out["route_ok"] = bool(route and route.passed)
    else:
        out["success"] = trial.passed
        out["reasons"] = [f"{c.name}: {c.detail}" for c in trial.failed_checks] + ([trial.error] if trial.error else [])
        out["writes"] = [c["tool"] for r in replies for c in (r.result.get("tool_calls") or [])
                         if c.get("ok") and c.get("tool") in write_tools()]
    return out


def percentile(xs: list[float], q: float) -> float | None:
    import numpy as np

    return round(float(np.percentile(xs, q)), 3) if xs else None


def summarise(scored: list[dict], wall_s: float) -> dict:
    routing = [s for s in scored if "route_ok" in s]
    support = [s for s in scored if "success" in s]
    calls = [c for s in scored for c in s["llm_calls"]]
    lat = [x for s in scored for x in s["latency_s"]]
    return {
        "routing_exact": {"correct": sum(s["route_ok"] for s in routing), "n": len(routing),
                          "accuracy": round(sum(s["route_ok"] for s in routing) / len(routing), 3) if routing else None},
        "support_success": {"passed": sum(s["success"] for s in support), "n": len(support),
                            "rate": round(sum(s["success"] for s in support) / len(support), 3) if support else None},
        "requests": len(lat),
        "llm_calls_per_request": round(sum(calls) / len(calls), 2) if calls else None,
        "latency_s": {"p50": percentile(lat, 50), "p95": percentile(lat, 95), "max": round(max(lat), 3) if lat else None},
        "failed_requests": sum(st in ("failed", "error") for s in scored for st in s["statuses"]),
        "statuses": dict(Counter(st for s in scored for st in s["statuses"])),
        "routing_predicted": dict(Counter(",".join(s["routes"][0]) or "none" for s in routing if s["routes"])),
        "wall_s": round(wall_s, 1),
    }


def run_system(system, cases: list[Case], label: str) -> tuple[list[dict], float]:
    scored, t0 = [], time.perf_counter()
    for i, case in enumerate(cases, 1):
        s = score_case(case, system)
        scored.append(s)
        verdict = s.get("route_ok", s.get("success"))
        print(f"  [{label}] {i}/{len(cases)} {case.id} ok={verdict} route={s['routes'][:1]} "
              f"llm={s['llm_calls']} t={s['latency_s']}", flush=True)
    return scored, time.perf_counter() - t0


# -- the table -----------------------------------------------------------------------------------
def table(results: dict, names: list[str]) -> str:
    def cell(name: str, row: str) -> str:
        r = results[name]
        if row == "routing":
            x = r["routing_exact"]
            return f"{x['accuracy']:.3f} ({x['correct']}/{x['n']})" if x["n"] else "-"
        if row == "support":
            x = r["support_success"]
            return f"{x['rate']:.3f} ({x['passed']}/{x['n']})" if x["n"] else "-"
        if row == "calls":
            return f"{r['llm_calls_per_request']:.2f}"
        if row in ("p50", "p95"):
            return f"{r['latency_s'][row]:.3f}"
        if row == "failed":
            return f"{r['failed_requests']}/{r['requests']}"
        return f"{r['wall_s']:.0f}"

    rows = [("routing", "routing exact-plan accuracy"), ("support", "support task success"),
            ("calls", "LLM calls per request (mean)"), ("p50", "latency p50 per request (s)"),
            ("p95", "latency p95 per request (s)"), ("failed", "requests failed (error)"),
            ("wall", "wall time (s)")]
    width = 30
    lines = [f"{'':{width}}" + "".join(f"{n:>26}" for n in names)]
    lines += [f"{label:{width}}" + "".join(f"{cell(n, key):>26}" for n in names) for key, label in rows]
    return "\n".join(lines)


def machine() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"platform": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "loadavg_1_5_15": [round(x, 2) for x in load] if load else None}


def models_dir(tmp: Path) -> Path:
    """var/models if both models are trained there, else a fresh training (seconds)."""
    existing = ROOT / "var" / "models"
    if all(ml.is_trained(name, existing) for name in ml.REQUEST_PATH):
        return existing
    out = tmp / "models"
    for name in ml.REQUEST_PATH:
        ml.train(name, out, SHARED)
    return out


@lru_cache(maxsize=1)
def write_tools() -> frozenset[str]:
    import tools

    return frozenset(name for name, t in tools.REGISTRY.items() if t.write)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--routing-n", type=int, default=16, help="routing test cases (0 = all 430)")
    ap.add_argument("--support-n", type=int, default=4, help="support_blind3 cases (0 = all 40)")
    ap.add_argument("--recursion-limit", type=int, default=10, help="peer graph steps per request")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    configure_logging("WARNING")

    from evals.peer import PeerSystem
    from evals.systems import InProcessSystem
    from llm import make_llm
    from llm.bundled import bundled_model_path

    routing = pick(routing_cases(), args.routing_n, key=lambda c: c.agent)
    support = pick(SUITES["support_heldout"].load(SHARED), args.support_n, key=lambda c: c.lang)
    cases = routing + support
    settings = Settings(llm_backend="llama_cpp")
    print(f"{len(routing)} routing + {len(support)} support cases; model {bundled_model_path().name}, "
          f"threads={settings.llm_threads}, n_ctx={settings.llm_ctx}", flush=True)

    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    machine_start = machine()
    with tempfile.TemporaryDirectory(prefix="peer-cmp-") as tmp:
        tmp = Path(tmp)
        chuhai_sys = InProcessSystem(SHARED, models_dir(tmp), model="bundled",
                                     llm_factory=lambda: make_llm(Settings(llm_backend="llama_cpp")),
                                     workdir=tmp / "chuhai")
        peer = PeerSystem(SHARED, settings=settings, recursion_limit=args.recursion_limit, workdir=tmp / "peer")
        scored, results = {}, {}
        for system in (chuhai_sys, peer):
            try:
                scored[system.name], wall = run_system(system, cases, system.name)
            finally:
                system.close()
            results[system.name] = summarise(scored[system.name], wall)
    names = [chuhai_sys.name, peer.name]
    print()
    print(table(results, names))
    peer_writes = sum(len(s.get("writes", [])) for s in scored[peer.name])
    notes = [
        "Same GGUF (bundled SmolLM2-135M-Instruct Q4_1), llama-cpp-python 0.3.36, n_threads and n_ctx from "
        "Chuhai's settings, greedy decoding, at most 256 new tokens per call.",
        "The peer has no approval flow: its support agent's write tools ran directly "
        f"({peer_writes} successful writes in this run); its tools act with staff rights.",
        "The peer's five non-support specialists answer 'not available yet' without an LLM call, "
        "like Chuhai's planned specialists.",
        "Peer route = agents handed off to in the first turn, in order, repeats removed.",
        "Latency was measured on a shared 2-core machine with other jobs running (see loadavg): noisy.",
    ]
    for n in notes:
        print("note:", n)
    report = {
        "benchmark": "peer_comparison",
        "date": started_at,
        "machine": machine_start["platform"],
        "loadavg_at_start": machine_start["loadavg_1_5_15"],
        "loadavg_at_end": machine()["loadavg_1_5_15"],
        "model": {"file": bundled_model_path().name, "llm_threads": settings.llm_threads,
                  "n_ctx": settings.llm_ctx, "max_tokens": settings.llm_max_tokens},
        "peer": {"library": "langgraph-supervisor " + _version("langgraph-supervisor"),
                 "langgraph": _version("langgraph"), "recursion_limit": args.recursion_limit},
        "cases": {"routing": len(routing),
                  "routing_pool": f"ml/datasets/routing.jsonl split=test ({len(routing_cases())})",
                  "routing_file_sha256": _sha256(ROUTING), "support_file_sha256": _sha256(SUPPORT),
                  "support": len(support), "support_pool": "evals/datasets/support_blind3.jsonl (40)",
                  "routing_ids": [c.id for c in routing], "support_ids": [c.id for c in support]},
        "results": results,
        "notes": notes,
        "per_case": scored,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    main()
