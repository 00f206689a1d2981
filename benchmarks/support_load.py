"""Support-path load benchmark: POST /v1/runs order-status questions on loopback.

Starts `chuhai serve` in a subprocess on a fresh data dir, then
- closed loop: N clients, each sending its next question as soon as the last one is
  answered (the worst case: latency = N / throughput once the server is saturated);
- open loop: N customer sessions, each sending a message every few seconds whatever the
  server does (how a storefront's chat traffic arrives);
and prints p50/p95/p99 latency, throughput, errors and the share of runs that called the
LLM. Figures go to benchmarks/results/support_load.json.

    .venv/bin/python benchmarks/support_load.py [--levels 1,50,500] [--requests 1000] [--workers 1]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CHUHAI_SHARED_DATA_DIR", ROOT.parent / "shared" / "data"))


DRAIN_S = 30.0


def customers(n: int) -> list[tuple[str, str]]:
    """(user_id, order_id) pairs of real customers, for per-customer API keys."""
    users = json.loads((SHARED / "retail" / "users.json").read_text())
    picks = [(uid, u["orders"][0]) for uid, u in users.items() if u["orders"]]
    random.Random(7).shuffle(picks)
    return picks[:n]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, keys: dict, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "CHUHAI_DATA_DIR": str(data_dir), "CHUHAI_API_KEYS": json.dumps(keys),
           "CHUHAI_SHARED_DATA_DIR": str(SHARED), "CHUHAI_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([sys.executable, "-m", "chuhai.cli", "serve", "--port", str(port),
                             "--workers", str(workers)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 300
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError("server did not become ready in 300 s")


async def level(port: int, pairs: list[tuple[str, str]], clients: int, total: int) -> dict:
    lat: list[float] = []
    errors = 0
    llm_runs = 0
    done = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60, limits=limits) as client:
        async def worker(i: int):
            nonlocal errors, llm_runs, done
            user_id, order_id = pairs[i % len(pairs)]
            headers = {"Authorization": f"Bearer key-{user_id}"}
            while done < total:
                done += 1
                t0 = time.perf_counter()
                try:
                    r = await client.post("/v1/runs", headers=headers,
                                          json={"input": f"Hi, where is my order {order_id}?", "channel": "customer"})
                    ok = r.status_code == 200 and order_id in r.json()["output"]["text"]
                    if ok and r.json()["timings_ms"].get("llm_calls"):
                        llm_runs += 1
                except httpx.HTTPError:
                    ok = False
                lat.append(time.perf_counter() - t0)
                errors += 0 if ok else 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(clients)))
        wall = time.perf_counter() - started
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [lat[0]] * 99
    return {"clients": clients, "requests": len(lat), "errors": errors, "throughput_rps": round(len(lat) / wall, 1),
            "p50_s": round(q[49], 3), "p95_s": round(q[94], 3), "p99_s": round(q[98], 3),
            "llm_share": round(llm_runs / max(1, len(lat) - errors), 4)}


async def open_loop(port: int, pairs: list[tuple[str, str]], sessions: int, interval: float,
                    duration: float) -> dict:
    """Open loop: each session sends a message every `interval` seconds (random phase),
    whether or not its last answer came back, for `duration` seconds."""
    lat: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=min(sessions, 1000), max_keepalive_connections=min(sessions, 1000))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60, limits=limits) as client:
        async def one(user_id: str, order_id: str):
            nonlocal errors
            t0 = time.perf_counter()
            try:
                r = await client.post("/v1/runs", headers={"Authorization": f"Bearer key-{user_id}"},
                                      json={"input": f"Hi, where is my order {order_id}?", "channel": "customer"})
                ok = r.status_code == 200 and order_id in r.json()["output"]["text"]
            except httpx.HTTPError:
                ok = False
            lat.append(time.perf_counter() - t0)
            errors += 0 if ok else 1

        tasks: list[asyncio.Task] = []

        async def session(i: int):
            user_id, order_id = pairs[i % len(pairs)]
            rng = random.Random(i)
            await asyncio.sleep(rng.uniform(0, interval))
            end = started + duration
            while time.perf_counter() < end:
                tasks.append(asyncio.create_task(one(user_id, order_id)))
                await asyncio.sleep(interval)

        started = time.perf_counter()
        await asyncio.gather(*(session(i) for i in range(sessions)))
        # an overloaded server gets DRAIN_S to catch up; what is still waiting then is an error
        _, late = await asyncio.wait(tasks, timeout=DRAIN_S) if tasks else (set(), set())
        for task in late:
            task.cancel()
        errors += len(late)
        wall = time.perf_counter() - started
    q = statistics.quantiles(lat, n=100)
    return {"sessions": sessions, "unanswered_after_drain": len(late), "interval_s": interval, "offered_rps": round(sessions / interval, 1),
            "requests": len(lat), "errors": errors, "throughput_rps": round(len(lat) / wall, 1),
            "p50_s": round(q[49], 3), "p95_s": round(q[94], 3), "p99_s": round(q[98], 3)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--levels", default="1,50,500")
    ap.add_argument("--requests", type=int, default=1000, help="requests per level (at least 2x clients)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--sessions", default="100,500,2000", help="open-loop session counts ('' to skip)")
    ap.add_argument("--interval", type=float, default=5.0, help="open loop: seconds between a session's messages")
    ap.add_argument("--duration", type=float, default=30.0, help="open loop: seconds per level")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "support_load.json"))
    args = ap.parse_args()
    pairs = customers(500)
    keys = {f"key-{uid}": f"customer:{uid}" for uid, _ in pairs}
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_server(Path(tmp), keys, port, args.workers)
        try:
            results, open_results = [], []
            for clients in (int(x) for x in args.levels.split(",") if x):
                total = max(args.requests, 2 * clients)
                res = asyncio.run(level(port, pairs, clients, total))
                results.append(res)
                print(json.dumps(res), flush=True)
            for sessions in (int(x) for x in args.sessions.split(",") if x):
                res = asyncio.run(open_loop(port, pairs, sessions, args.interval, args.duration))
                open_results.append(res)
                print(json.dumps(res), flush=True)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    report = {"benchmark": "support_load", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "workers": args.workers, "target": "p95 < 0.8 s at 500 clients, no LLM call on the common intents",
              "closed_loop": results, "open_loop": open_results}
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
