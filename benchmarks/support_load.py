"""Support-path load benchmark: POST /v1/runs order-status conversations on loopback.

Starts `chuhai serve` in a subprocess on a fresh data dir. The traffic is storefront
conversations (benchmarks/support_path.py `Conversation`): an operator key on the
customer channel, one thread each, whose id the client chooses (as a storefront would
use its chat session id); the first message authenticates by name and zip and asks
about an order, the next ones ask about the customer's orders on the same thread. An
answer counts if it is HTTP 200 and names the order asked about.

- closed loop: N clients, each sending its next message as soon as the last one is
  answered, conversation after conversation of FOLLOW_UPS + 1 messages (the worst
  case: latency = N / throughput once the server is saturated);
- open loop: N sessions, each sending a message every `--interval` seconds (random
  phase) whatever the server does, for `--duration` seconds; latency counts from the
  moment a message was due, so a late client or a full connection pool counts too.
  What is unanswered `DRAIN_S` seconds after the last message is due counts as an error.

Prints throughput, p50/p95/p99 latency, errors, unanswered requests and the share of
runs that called the LLM, and the CPU milliseconds per request of the server processes
and of this client (they share the two cores; CPU per request varies less than
throughput when other jobs run on the machine). The client is a minimal HTTP/1.1
keep-alive client on asyncio streams: httpx used ~1.6 ms of CPU per request, this one
~0.26 ms. Figures go to benchmarks/results/support_load.json.

    .venv/bin/python benchmarks/support_load.py [--levels 1,50,500] [--sessions 100,500,2000]
        [--workers 2] [--server-root DIR (another checkout to serve, e.g. the previous commit)]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import RESULTS, dist, finish, header  # noqa: E402
from benchmarks.support_path import FOLLOW_UPS, SHARED, Conversation, conversations  # noqa: E402

try:
    from orjson import loads
except ImportError:  # pragma: no cover
    from json import loads

DRAIN_S = 30.0
TIMEOUT_S = 60.0
KEY = "bench-storefront-key"
MAX_CONNECTIONS = 500


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(root: Path, data_dir: Path, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "CHUHAI_DATA_DIR": str(data_dir), "CHUHAI_API_KEYS": json.dumps({KEY: "operator"}),
           "CHUHAI_SHARED_DATA_DIR": str(SHARED), "CHUHAI_LOG_LEVEL": "WARNING", "CHUHAI_LLM_BACKEND": "none",
           # the specialists' models are not on this path; their background training would
           # share the cores with the measured server and add its CPU to the server's
           "CHUHAI_TRAIN_MISSING_MODELS": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "chuhai.cli", "serve", "--port", str(port),
                             "--workers", str(workers)], env=env, cwd=root,
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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its descendants (the uvicorn workers), from
    /proc: CPU per request is what the cores can give, whatever else runs on them."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def measured(pid: int, coro) -> dict:
    """Run one level; add the server's and this client's CPU milliseconds per answered request."""
    server, client = cpu_seconds(pid), time.process_time()
    res = run_level(coro)
    n = max(1, res["requests"] - res.get("unanswered", 0))
    res["server_cpu_ms_per_request"] = round((cpu_seconds(pid) - server) * 1000 / n, 2)
    res["client_cpu_ms_per_request"] = round((time.process_time() - client) * 1000 / n, 2)
    return res


class Stale(Exception):
    """The server had closed this idle keep-alive connection: it never saw the request."""


class Client:
    """POST /v1/runs over a pool of keep-alive HTTP/1.1 connections (most recently used
    first: the ones left idle past the server's keep-alive time are the ones that wait)."""

    def __init__(self, port: int, connections: int):
        self.port, self.free = port, asyncio.LifoQueue()
        for _ in range(connections):
            self.free.put_nowait(None)  # opened on first use

    async def run(self, text: str, thread_id: str) -> tuple[int, dict | None]:
        """(HTTP status, JSON body of a 200); (0, None) if the connection failed. A call
        cancelled half-way (a timeout) closes its connection: it may hold half a reply."""
        conn = await self.free.get()
        done = False
        try:
            for fresh in (conn is None, True):
                try:
                    if conn is None:
                        conn = await asyncio.open_connection("127.0.0.1", self.port)
                    result = await self._post(conn, text, thread_id)
                    done = True
                    return result
                except Stale:
                    conn[1].close()
                    conn = None
                    if fresh:
                        return 0, None
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            return 0, None
        finally:
            if not done and conn is not None:
                conn[1].close()
            self.free.put_nowait(conn if done else None)

    @staticmethod
    async def _post(conn, text: str, thread_id: str) -> tuple[int, dict | None]:
        reader, writer = conn
        body = json.dumps({"input": text, "channel": "customer", "thread_id": thread_id}).encode()
        writer.write(b"POST /v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY.encode()
                     + b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode()
                     + b"\r\n\r\n" + body)
        try:
            status_line = await reader.readline()
        except ConnectionResetError as e:
            raise Stale from e
        if not status_line:
            raise Stale
        status = int(status_line.split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        data = await reader.readexactly(length)
        return status, loads(data) if status == 200 else None


class Tally:
    """Latencies and outcomes of one level."""

    def __init__(self):
        self.lat: list[float] = []
        self.errors = self.llm = 0

    async def send(self, client: Client, conv: Conversation, turn: int, thread_id: str, due: float) -> None:
        """Send message `turn` of `conv` on its thread; latency counts from `due`."""
        text, oid = conv.message(turn)
        try:
            status, body = await asyncio.wait_for(client.run(text, thread_id), TIMEOUT_S)
        except asyncio.TimeoutError:
            status, body = 0, None
        self.lat.append(time.perf_counter() - due)
        ok = status == 200 and oid in body["output"]["text"]
        if ok:
            self.llm += bool(body["timings_ms"].get("llm_calls"))
        self.errors += not ok

    def report(self, wall: float, **extra) -> dict:
        answered = len(self.lat) - self.errors
        return {**extra, "requests": len(self.lat) + extra.get("unanswered", 0),
                "errors": self.errors + extra.get("unanswered", 0),
                "throughput_rps": round(len(self.lat) / wall, 1),
                **{f"{k}_s": v for k, v in dist(self.lat, (50, 95, 99)).items() if k != "n"},
                "llm_share": round(self.llm / max(1, answered), 4)}


async def closed_loop(port: int, convs: list[Conversation], clients: int, total: int) -> dict:
    client, tally = Client(port, clients), Tally()
    sent = 0

    async def worker(i: int):
        nonlocal sent
        k = 0  # the client's k-th message: conversations of FOLLOW_UPS + 1 messages, one after another
        while sent < total:
            sent += 1
            conv_no, turn = divmod(k, FOLLOW_UPS + 1)
            if turn == 0:
                conv, thread = convs[(i + conv_no * clients) % len(convs)], f"closed{clients}_{i}_{conv_no}"
            await tally.send(client, conv, turn, thread, time.perf_counter())
            k += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(clients)))
    return tally.report(time.perf_counter() - started, clients=clients)


async def open_loop(port: int, convs: list[Conversation], sessions: int, interval: float, duration: float) -> dict:
    client, tally = Client(port, min(sessions, MAX_CONNECTIONS)), Tally()
    tasks: list[asyncio.Task] = []
    lag: list[float] = []

    async def session(i: int):
        conv, thread = convs[i % len(convs)], f"open{sessions}_{i}"
        due = started + random.Random(i).uniform(0, interval)
        turn = 0
        while due < started + duration:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            lag.append(time.perf_counter() - due)
            tasks.append(asyncio.create_task(tally.send(client, conv, turn, thread, due)))
            turn, due = turn + 1, due + interval

    started = time.perf_counter()
    await asyncio.gather(*(session(i) for i in range(sessions)))
    _, late = await asyncio.wait(tasks, timeout=DRAIN_S) if tasks else (set(), set())
    for task in late:
        task.cancel()
    wall = time.perf_counter() - started
    return tally.report(wall, sessions=sessions, interval_s=interval, offered_rps=round(sessions / interval, 1),
                        unanswered=len(late), client_send_lag_p95_s=dist(lag, (95,))["p95"])


def run_level(coro) -> dict:
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        return asyncio.run(coro)
    return uvloop.run(coro)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--levels", default="1,50,500", help="closed-loop client counts ('' to skip)")
    ap.add_argument("--requests", type=int, default=1000,
                    help="closed loop: requests per level (at least one conversation per client)")
    ap.add_argument("--sessions", default="100,500,2000", help="open-loop session counts ('' to skip)")
    ap.add_argument("--interval", type=float, default=5.0, help="open loop: seconds between a session's messages")
    ap.add_argument("--duration", type=float, default=30.0, help="open loop: seconds per level")
    ap.add_argument("--workers", type=int, default=2, help="API processes (chuhai serve --workers)")
    ap.add_argument("--server-root", default=str(ROOT), help="checkout whose `chuhai serve` is measured")
    ap.add_argument("--out", default=str(RESULTS / "support_load.json"))
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run `finally`: stop the server
    convs = conversations(500)
    report = {**header("support_load"), "workers": args.workers, "server_root": args.server_root,
              "workload": "storefront conversations: auth by name+zip, then order-status questions on the thread",
              "target": "p95 < 0.8 s at 500 closed-loop clients and at 2,000 open-loop sessions; no LLM call",
              "closed_loop": [], "open_loop": []}
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_server(Path(args.server_root), Path(tmp), port, args.workers)
        try:
            run_level(closed_loop(port, convs[-50:], 8, 200))  # warm-up, on connections to every worker
            for clients in (int(x) for x in args.levels.split(",") if x):
                total = max(args.requests, (FOLLOW_UPS + 1) * clients)
                res = measured(proc.pid, closed_loop(port, convs, clients, total))
                report["closed_loop"].append(res)
                print(json.dumps(res), flush=True)
            for sessions in (int(x) for x in args.sessions.split(",") if x):
                res = measured(proc.pid, open_loop(port, convs, sessions, args.interval, args.duration))
                report["open_loop"].append(res)
                print(json.dumps(res), flush=True)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    finish(report, args.out)


if __name__ == "__main__":
    main()
