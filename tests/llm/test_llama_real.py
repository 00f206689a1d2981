"""The real bundled GGUF through llama-cpp-python (slow tier: pytest -m real_llm)."""
from __future__ import annotations

import threading
import time
from contextlib import closing
from typing import Literal

import pytest
from pydantic import BaseModel, Field

pytestmark = pytest.mark.real_llm

pytest.importorskip("llama_cpp")

from chuhai.settings import Settings  # noqa: E402
from llm import LLMError  # noqa: E402
from llm.llama_cpp_backend import LlamaCppLLM  # noqa: E402

AGENTS = ("selection", "copywriter", "pricing", "support", "chargeback", "compliance")


class Route(BaseModel):
    agent: Literal[AGENTS]  # type: ignore[valid-type]
    reason: str = Field(max_length=100)


ROUTE_PROMPT = [
    {"role": "system", "content": "You route requests for an e-commerce seller. Agents: "
                                  + ", ".join(AGENTS) + ". Reply as JSON with agent and reason."},
    {"role": "user", "content": "A customer says the parcel for order 1234 never arrived."},
]


@pytest.fixture(scope="module")
def llm():
    # threads from CHUHAI_LLM_THREADS; a generous timeout: these tests check behaviour, not speed,
    # and 4 queued calls on a busy 2-core machine can take tens of seconds
    model = LlamaCppLLM(threads=Settings().llm_threads, ctx=2048, timeout_s=300, retries=2, max_tokens=128)
    model.load()
    return model


def test_loads_lazily_once():
    model = LlamaCppLLM()
    assert not model.loaded
    model.complete([{"role": "user", "content": "Hi"}], max_tokens=4)
    assert model.loaded and model.load_s is not None and model.load_s < 10
    first = model._model
    model.complete([{"role": "user", "content": "Hi"}], max_tokens=4)
    assert model._model is first


def test_complete_short_prompt(llm):
    r = llm.complete([{"role": "user", "content": "What is the capital of France? Answer in one word."}],
                     max_tokens=16)
    assert r.text.strip() and r.backend.startswith("llama_cpp:")
    assert r.prompt_tokens > 5 and 0 < r.completion_tokens <= 16 and r.elapsed_s > 0
    print(f"\ncomplete: {r.completion_tokens} tokens in {r.elapsed_s:.2f}s -> {r.text!r}")


def test_stop_and_max_tokens(llm):
    r = llm.complete([{"role": "user", "content": "Count from 1 to 50, separated by commas."}], max_tokens=12)
    assert r.completion_tokens <= 12 and r.finish_reason == "length"


def test_structured_output_is_schema_valid(llm):
    t0 = time.perf_counter()
    out = llm.structured(ROUTE_PROMPT, Route)
    elapsed = time.perf_counter() - t0
    assert isinstance(out, Route) and out.agent in AGENTS and len(out.reason) <= 100
    print(f"\nstructured: {out!r} in {elapsed:.2f}s")


def test_stream_yields_tokens(llm):
    before = llm.calls
    pieces = list(llm.stream([{"role": "user", "content": "Say hello to a new customer."}], max_tokens=24))
    assert len(pieces) > 1 and "".join(pieces).strip()
    assert llm.calls == before + 1


def test_stream_closed_early_releases_the_lock(llm):
    with closing(llm.stream([{"role": "user", "content": "Tell me a long story."}], max_tokens=100)) as it:
        next(it)
    assert not llm._lock.locked()
    assert llm.complete([{"role": "user", "content": "Hi"}], max_tokens=4).text


def test_concurrent_calls_from_four_threads(llm):
    before = llm.calls
    results: dict[int, object] = {}

    def worker(i: int) -> None:
        try:
            if i % 2:
                results[i] = llm.structured(ROUTE_PROMPT, Route)
            else:
                results[i] = llm.complete([{"role": "user", "content": f"Name {i + 1} colours."}], max_tokens=24)
        except BaseException as e:  # reported by the assertion below
            results[i] = e

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(not isinstance(r, BaseException) for r in results.values()), results
    assert len(results) == 4 and llm.calls == before + 4


def test_tiny_timeout_raises_llm_error_and_model_recovers(llm):
    quick = LlamaCppLLM(timeout_s=0.25, max_tokens=512)
    quick.load()
    t0 = time.monotonic()
    with pytest.raises(LLMError, match="timeout.*CHUHAI_LLM_TIMEOUT_S"):
        quick.complete([{"role": "user", "content": "Write a very long story about a dragon."}])
    elapsed = time.monotonic() - t0
    # aborted at the first token past the deadline, not run on to max_tokens=512 (~100 tokens/s
    # on 2 idle cores; per-token time swings widely when other processes load the CPU)
    assert quick.completion_tokens < 256 and elapsed < 15
    assert quick.failed_calls == 1 and not quick._lock.locked()
    with pytest.raises(LLMError, match="timeout"):
        list(quick.stream([{"role": "user", "content": "Write a very long story about a dragon."}]))
    quick.timeout_s = 30
    assert quick.complete([{"role": "user", "content": "Hi"}], max_tokens=4).text


def test_busy_model_times_out_waiting_for_the_lock():
    model = LlamaCppLLM(timeout_s=0.2)
    model.load()
    with model._lock:  # another call holds the model
        with pytest.raises(LLMError, match="busy"):
            model.complete([{"role": "user", "content": "Hi"}], max_tokens=4)
