"""The systems an eval runs cases through, behind one small interface.

- ``InProcessSystem``: Chuhai's Runner in this process (``via="runner"``) or its FastAPI
  app through an in-process HTTP client (``via="api"``, what the API tests use). Every
  case that may write gets its own store file, so such cases run in parallel.
- ``HTTPSystem``: a running ``chuhai serve`` (``--url``). There is one store, so cases
  that write reset it first and run one at a time.

A peer system (another supervisor) plugs in by implementing ``open(case) -> Session``.
"""
from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Protocol

import httpx

from evals.cases import Case
from evals.stores import StoreFactory, discard

EVAL_KEY = "eval-operator-key"
EVAL_ADMIN_KEY = "eval-admin-key"  # only to export the store after a case


@dataclass
class Reply:
    """One turn's answer as the harness sees it (``result`` is the RunResult JSON)."""
    text: str
    route: list[str]
    status: str
    llm_calls: int
    latency_s: float
    result: dict = field(default_factory=dict)
    error: str | None = None


class Session(Protocol):
    def send(self, text: str) -> Reply: ...
    def export_store(self) -> dict | None: ...
    def close(self) -> None: ...


class System(Protocol):
    name: str
    model: str
    store_pii: dict[str, str]   # sensitive store values -> their owner (see evaluators.pii_check)

    def open(self, case: Case) -> Session: ...
    def parallel_ok(self, case: Case) -> bool: ...
    def close(self) -> None: ...


def needs_own_store(case: Case) -> bool:
    """A case whose store is checked, or that has a follow-up turn (which may approve a
    write), must start from the seed and must not share its store."""
    return case.expected_actions is not None or len(case.turns) > 1


def reply_from_result(result: dict, latency_s: float) -> Reply:
    timings = result.get("timings_ms") or {}
    return Reply(text=(result.get("output") or {}).get("text", ""), route=list(result.get("route") or []),
                 status=result.get("status", ""), llm_calls=int(timings.get("llm_calls", 0) or 0),
                 latency_s=latency_s, result=result)


class _RunnerSession:
    def __init__(self, runner, store, channel: str, cleanup: Callable[[], None]):
        self.runner, self.store, self.channel = runner, store, channel
        self.thread_id: str | None = None
        self._cleanup = cleanup

    def send(self, text: str) -> Reply:
        from graphs.result import RunRequest

        started = time.perf_counter()
        res = self.runner.run(RunRequest(input=text, channel=self.channel, thread_id=self.thread_id), "operator")
        self.thread_id = res.thread_id
        return reply_from_result(res.model_dump(mode="json"), time.perf_counter() - started)

    def export_store(self) -> dict | None:
        return self.store.export()

    def close(self) -> None:
        self._cleanup()


class _ClientSession:
    """Turns through an HTTP client (a TestClient on the app, or httpx on a server)."""

    def __init__(self, client: httpx.Client, key: str, channel: str, cleanup: Callable[[], None],
                 admin_key: str | None = None):
        self.client, self.channel, self._cleanup = client, channel, cleanup
        self.headers = {"Authorization": f"Bearer {key}"}
        self.admin_headers = {"Authorization": f"Bearer {admin_key or key}"}
        self.thread_id: str | None = None

    def send(self, text: str) -> Reply:
        body: dict[str, Any] = {"input": text, "channel": self.channel}
        if self.thread_id:
            body["thread_id"] = self.thread_id
        started = time.perf_counter()
        r = self.client.post("/v1/runs", json=body, headers=self.headers)
        latency = time.perf_counter() - started
        if r.status_code != 200:
            return Reply(text="", route=[], status="error", llm_calls=0, latency_s=latency,
                         error=f"HTTP {r.status_code}: {r.text[:300]}")
        result = r.json()
        self.thread_id = result.get("thread_id")
        return reply_from_result(result, latency)

    def export_store(self) -> dict | None:
        r = self.client.get("/v1/store/export", headers=self.admin_headers)
        r.raise_for_status()
        return r.json()

    def close(self) -> None:
        self._cleanup()


class InProcessSystem:
    """Chuhai on real parts in this process: SQLite store copies, SQLite checkpointer,
    the trained models, and the LLM named by ``model`` (created once and shared)."""

    name = "chuhai"

    def __init__(self, shared_data_dir: Path, models_dir: Path, *, model: str = "none",
                 llm_factory: Callable[[], Any] | None = None, via: str = "runner",
                 workdir: Path | None = None):
        import ml

        self.model, self.via = model, via
        self.shared = Path(shared_data_dir)
        self._tmp = None if workdir else tempfile.mkdtemp(prefix="chuhai-eval-")
        self.workdir = Path(workdir or self._tmp)
        self.router = ml.load("router", models_dir, self.shared)
        self.intents = ml.load("intents", models_dir, self.shared)
        self.injection = ml.load("injection", models_dir, self.shared)
        self.stores = StoreFactory(self.shared / "retail", self.workdir / "stores")
        self._llm_factory = llm_factory
        self._llm, self._llm_lock = None, threading.Lock()
        self._shared_session_parts = None
        self._shared_lock = threading.Lock()
        self._kb, self._kb_lock = None, threading.Lock()  # cases start in parallel

    # -- the LLM is loaded once for all cases ---------------------------------------------
    def _shared_llm(self):
        with self._llm_lock:
            if self._llm is None:
                self._llm = self._llm_factory()
            return self._llm

    def deps(self, store) -> Any:
        from chuhai.deps import Deps
        from chuhai.settings import Settings
        from ml.escalation import assess_escalation
        from ml.language import detect_language

        settings = Settings(data_dir=self.workdir / "runs" / uuid.uuid4().hex[:10], shared_data_dir=self.shared,
                            llm_backend="none" if self._llm_factory is None else "external",
                            api_keys={EVAL_KEY: "operator", EVAL_ADMIN_KEY: "admin"}, log_level="WARNING")
        return Deps(settings=settings, store=store, router=self.router, intents=self.intents,
                    injection=self.injection, kb=self.kb,
                    llm_factory=self._shared_llm if self._llm_factory else None,
                    detect_language=detect_language, assess_escalation=assess_escalation)

    def parallel_ok(self, case: Case) -> bool:
        return True

    @property
    def kb(self):
        """The corpus KB, built once in the workdir and shared by every case (search only)."""
        from vectorstore.kb import corpus_kb

        with self._kb_lock:
            if self._kb is None:
                self._kb = corpus_kb(self.workdir / "kb")
            return self._kb

    @cached_property
    def store_pii(self) -> dict[str, str]:
        from evals.evaluators import store_pii_index

        return store_pii_index(self.stores.seed_export)

    def open(self, case: Case) -> Session:
        if not needs_own_store(case):
            runner, store = self._shared_runner()
            return self._session(runner, store, case, cleanup=lambda: None)
        store = self.stores.fresh(case.id)
        deps = self.deps(store)
        from graphs.runner import Runner

        runner = Runner(deps)
        return self._session(runner, store, case, cleanup=lambda: _close_run(runner, store, deps))

    def _shared_runner(self):
        with self._shared_lock:
            if self._shared_session_parts is None:
                from graphs.runner import Runner

                store = self.stores.fresh("shared")
                self._shared_session_parts = (Runner(self.deps(store)), store)
            return self._shared_session_parts

    def _session(self, runner, store, case: Case, cleanup) -> Session:
        if self.via == "runner":
            return _RunnerSession(runner, store, case.channel, cleanup)
        from fastapi.testclient import TestClient

        from api.main import create_app

        client = TestClient(create_app(deps=runner.deps, runner=runner))
        client.__enter__()

        def close():
            client.__exit__(None, None, None)
            cleanup()

        return _ClientSession(client, EVAL_KEY, case.channel, close, admin_key=EVAL_ADMIN_KEY)

    def close(self) -> None:
        if self._shared_session_parts:
            runner, store = self._shared_session_parts
            _close_run(runner, store, runner.deps)
        if self._llm is not None and hasattr(self._llm, "close"):
            self._llm.close()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)


def _close_run(runner, store, deps) -> None:
    conn = getattr(runner.checkpointer, "conn", None)
    if conn is not None:
        conn.close()
    discard(store)
    shutil.rmtree(deps.settings.data_dir, ignore_errors=True)


class HTTPSystem:
    """A running Chuhai server. Cases that need a fresh store reset it (an admin key is
    needed for that and for the export) and run one at a time. Reference end states are
    computed locally from the same shared data the server was seeded from."""

    name = "chuhai"

    def __init__(self, url: str, api_key: str, shared_data_dir: Path, timeout_s: float = 120.0):
        self.url, self.key = url.rstrip("/"), api_key
        self.client = httpx.Client(base_url=self.url, timeout=timeout_s)
        try:
            ready = self.client.get("/readyz")
        except httpx.HTTPError as e:
            raise RuntimeError(f"cannot reach {self.url}: {e}; is `chuhai serve` running?") from None
        if ready.status_code != 200:
            raise RuntimeError(f"{self.url}/readyz answered {ready.status_code}; is the server ready?")
        self.model = f"server ({ready.json().get('llm_backend', '?')})"
        self._tmp = tempfile.mkdtemp(prefix="chuhai-eval-ref-")
        self.stores = StoreFactory(Path(shared_data_dir) / "retail", Path(self._tmp))

    def parallel_ok(self, case: Case) -> bool:
        return not needs_own_store(case)

    @cached_property
    def store_pii(self) -> dict[str, str]:
        from evals.evaluators import store_pii_index

        return store_pii_index(self.stores.seed_export)

    def open(self, case: Case) -> Session:
        if needs_own_store(case):
            r = self.client.post("/v1/store/reset", headers={"Authorization": f"Bearer {self.key}"})
            if r.status_code != 200:
                raise RuntimeError(f"store reset refused ({r.status_code}): cases that write need an admin key")
        return _ClientSession(self.client, self.key, case.channel, lambda: None)

    def close(self) -> None:
        self.client.close()
        shutil.rmtree(self._tmp, ignore_errors=True)
