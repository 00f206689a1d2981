"""Nothing phones home (DESIGN.md, set-up contract): with every non-loopback connection,
name lookup and gRPC channel recorded and refused, a run through the real parts
(guardrails-ai guards, Chroma and the multilingual embedder, LangGraph, the store, the
trained models) attempts none.

- default tier: in this process, on the session's trained models and seeded store;
- slow tier: a fresh interpreter with the guard installed before any import (telemetry
  started at import time is caught too), ``build_deps`` on an empty data folder (store
  and sales seeded, corpus ingested) and three support turns through ``Runner``.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from netguard import NetGuard

HERE = Path(__file__).resolve().parent


@pytest.fixture
def guard():
    g = NetGuard().install()
    yield g
    g.uninstall()


def test_guard_refuses_outbound_and_lets_loopback_through(guard):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    with server, socket.create_connection(server.getsockname(), timeout=5):
        pass
    assert guard.attempts == []
    with pytest.raises(OSError, match="refused in tests"):
        socket.create_connection(("203.0.113.7", 443), timeout=1)
    with pytest.raises(OSError, match="refused in tests"):
        socket.socket().connect(("198.51.100.3", 80))
    if guard.grpc_guarded:
        import grpc

        with pytest.raises(OSError, match="refused in tests"):
            grpc.insecure_channel("collector.example.com:4317")
    assert len(guard.attempts) == 2 + guard.grpc_guarded


def test_request_path_makes_no_outbound_connection(guard, make_deps, tmp_path):
    import chromadb  # noqa: F401
    import guardrails  # noqa: F401

    from graphs.result import RunRequest
    from graphs.runner import Runner
    from guards.validators import input_guard
    from vectorstore.kb import KnowledgeBase
    from vectorstore.store import make_client

    kb = KnowledgeBase(make_client(path=tmp_path / "kb"), "offline_run")
    assert kb.ingest(HERE / "vectorstore" / "fixtures", scope="fixtures").added > 0
    assert kb.search("Wie registriere ich Verpackungen?", k=1)[0].doc_id == "de-packaging"
    deps = make_deps()
    checked = input_guard(deps.injection).validate("I'm Sarah Mitchell, card 4526 0181 5908 3012")
    assert "<CARD_1>" in checked.validated_output
    runner = Runner(deps)
    first = runner.run(RunRequest(input="olivia.lopez4535@example.com - please cancel my pending order "
                                        "#W9373487, I ordered it by mistake.", channel="customer"), "operator")
    assert first.status == "awaiting_approval"
    done = runner.run(RunRequest(input="yes", channel="customer", thread_id=first.thread_id), "operator")
    assert done.status == "completed" and deps.store.export()["orders"]["#W9373487"]["status"] == "cancelled"
    assert guard.attempts == []


@pytest.mark.slow
def test_full_run_in_a_fresh_process_makes_no_outbound_connection(tmp_path, models_dir, shared_data):
    env = {**os.environ, "CHUHAI_SHARED_DATA_DIR": str(shared_data)}
    for key in ("CHUHAI_DATA_DIR", "CHUHAI_LLM_BACKEND", "CHUHAI_KB_URL", "CHUHAI_STORE_URL"):
        env.pop(key, None)
    proc = subprocess.run([sys.executable, str(HERE / "no_outbound_run.py"), str(tmp_path / "var"), str(models_dir)],
                          capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["attempts"] == []
    assert out["grpc_guarded"]
    # the run really did the work (so "no attempts" is not vacuous)
    assert out["kb_chunks"] > 200
    assert out["kb_hits"]["Muss ich Verpackungen bei LUCID registrieren?"][0] == "market-germany"
    assert [r["status"] for r in out["runs"]] == ["completed", "awaiting_approval", "completed"]
    assert out["cancelled"] == "cancelled" and "<CARD_1>" in out["guard_output"]
