"""OpenAILLM against a fake OpenAI-compatible server on loopback (fixture in conftest.py)."""
from __future__ import annotations

import json
import threading
import time
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from chuhai.settings import Settings
from llm import LLM, LLMError, make_llm
from llm.openai_backend import OpenAILLM

USER = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "say hello world"}]


class Route(BaseModel):
    agent: Literal["selection", "copywriter", "pricing", "support", "chargeback", "compliance"]
    reason: str = Field(max_length=120)


def make(server, **kw) -> OpenAILLM:
    kw.setdefault("retry_wait_s", 0.01)
    kw.setdefault("timeout_s", 5.0)
    return OpenAILLM(server.base_url, "smollm2", "sk-test", **kw)


def test_complete_sends_openai_request_and_counts(openai_server):
    openai_server.script({"content": "Hello there, world!"})
    llm = make(openai_server, max_tokens=64)
    assert isinstance(llm, LLM)
    r = llm.complete(USER, temperature=0.2, stop=["\n\n"])
    assert r.text == "Hello there, world!" and r.backend == "openai:smollm2"
    assert (r.prompt_tokens, r.completion_tokens) == (5, 3) and r.finish_reason == "stop"
    assert r.elapsed_s > 0 and llm.calls == 1 and llm.prompt_tokens == 5
    body = openai_server.requests[0]["body"]
    assert body["model"] == "smollm2" and body["messages"] == USER
    assert body["max_tokens"] == 64 and body["max_completion_tokens"] == 64  # Ollama + OpenAI spelling
    assert body["temperature"] == 0.2 and body["stop"] == ["\n\n"]
    assert not body.get("stream")


def test_make_llm_from_settings(openai_server):
    s = Settings(llm_backend="openai", llm_base_url=openai_server.base_url, llm_model_name="qwen",
                 llm_api_key="k", llm_max_tokens=32)
    llm = make_llm(s)
    assert llm.complete(USER).text == "say hello world"
    assert openai_server.requests[0]["body"]["model"] == "qwen"
    assert openai_server.requests[0]["body"]["max_tokens"] == 32


def test_stream_yields_sse_pieces_and_usage(openai_server):
    openai_server.script({"content": "one two three four"})
    llm = make(openai_server)
    pieces = list(llm.stream(USER))
    assert pieces == ["one", " two", " three", " four"]
    assert llm.calls == 1 and llm.completion_tokens == 4 and llm.prompt_tokens == 5
    assert openai_server.requests[0]["body"]["stream"] is True


def test_stream_retries_a_503_before_the_first_token(openai_server):
    openai_server.script({"status": 503}, {"content": "back again"})
    llm = make(openai_server)
    assert "".join(llm.stream(USER)) == "back again"
    assert len(openai_server.requests) == 2


def test_two_503s_then_success(openai_server):
    openai_server.script({"status": 503}, {"status": 503}, {"content": "finally"})
    llm = make(openai_server, retries=2)
    assert llm.complete(USER).text == "finally"
    assert len(openai_server.requests) == 3 and llm.calls == 1 and llm.failed_calls == 0


def test_503_beyond_retries_is_llm_error(openai_server):
    openai_server.script(*[{"status": 503}] * 3)
    llm = make(openai_server, retries=1)
    with pytest.raises(LLMError, match="503 after retries"):
        llm.complete(USER)
    assert len(openai_server.requests) == 2 and llm.failed_calls == 1


def test_timeout_is_llm_error_after_retries(openai_server):
    openai_server.script({"delay": 10, "content": "too late"}, {"delay": 10, "content": "too late"})
    llm = make(openai_server, timeout_s=0.3, retries=1)
    t0 = time.monotonic()
    with pytest.raises(LLMError, match="within 0.3s .*CHUHAI_LLM_TIMEOUT_S"):
        llm.complete(USER)
    assert time.monotonic() - t0 < 3
    assert len(openai_server.requests) == 2 and llm.calls == 0


def test_unreachable_server_is_llm_error():
    llm = OpenAILLM("http://127.0.0.1:9/v1", "m", retries=1, retry_wait_s=0.01, timeout_s=2)
    with pytest.raises(LLMError, match="cannot reach .*CHUHAI_LLM_BASE_URL"):
        llm.complete(USER)


def test_404_is_not_retried_and_names_the_fix(openai_server):
    llm = OpenAILLM(openai_server.base_url.removesuffix("/v1"), "m", retries=2, retry_wait_s=0.01)
    with pytest.raises(LLMError, match="must end in /v1"):
        llm.complete(USER)
    assert len(openai_server.requests) == 1


def test_400_is_not_retried(openai_server):
    openai_server.script({"status": 400, "message": "prompt too long"})
    llm = make(openai_server, retries=2)
    with pytest.raises(LLMError, match="400 .*prompt too long"):
        llm.complete(USER)
    assert len(openai_server.requests) == 1


def test_structured_sends_json_schema_and_parses(openai_server):
    openai_server.script({"content": json.dumps({"agent": "support", "reason": "order status"})})
    llm = make(openai_server)
    out = llm.structured(USER, Route)
    assert out == Route(agent="support", reason="order status") and llm.calls == 1
    rf = openai_server.requests[0]["body"]["response_format"]
    assert rf["type"] == "json_schema" and rf["json_schema"]["name"] == "Route"
    assert rf["json_schema"]["schema"] == Route.model_json_schema()


def test_structured_retries_invalid_output_with_feedback(openai_server):
    openai_server.script({"content": '{"agent": "weather", "reason": "?"}'},
                         {"content": '{"agent": "pricing", "reason": "price question"}'})
    llm = make(openai_server, retries=1)
    assert llm.structured(USER, Route).agent == "pricing"
    second = openai_server.requests[1]["body"]["messages"]
    assert second[:2] == USER and second[2]["role"] == "assistant" and "invalid" in second[3]["content"]
    assert second[2]["content"] == '{"agent": "weather", "reason": "?"}'


def test_structured_cut_off_at_max_tokens_is_retried(openai_server):
    openai_server.script({"content": '{"agent": "sup', "finish_reason": "length"},
                         {"content": '{"agent": "support", "reason": "r"}'})
    llm = make(openai_server, retries=1)
    assert llm.structured(USER, Route, max_tokens=8).agent == "support"
    assert len(openai_server.requests) == 2


def test_structured_exhausted_is_llm_error(openai_server):
    openai_server.script(*[{"content": "I cannot do JSON"}] * 3)
    llm = make(openai_server, retries=2)
    with pytest.raises(LLMError, match="no valid Route after 3 attempt"):
        llm.structured(USER, Route)
    assert len(openai_server.requests) == 3 and llm.failed_calls == 1


def test_structured_falls_back_to_json_object_when_json_schema_rejected(openai_server):
    openai_server.script({"status": 400, "message": "response_format type json_schema is not supported"},
                         {"content": '{"agent": "compliance", "reason": "CE mark"}'},
                         {"content": '{"agent": "selection", "reason": "what to sell"}'})
    llm = make(openai_server)
    assert llm.structured(USER, Route).agent == "compliance"
    fallback = openai_server.requests[1]["body"]
    assert fallback["response_format"] == {"type": "json_object"}
    assert fallback["messages"][0]["role"] == "system" and '"agent"' in fallback["messages"][0]["content"]
    assert llm.structured(USER, Route).agent == "selection"  # remembered: no second json_schema try
    assert openai_server.requests[2]["body"]["response_format"] == {"type": "json_object"}


def test_concurrent_calls_count_exactly(openai_server):
    llm = make(openai_server)
    errors: list[BaseException] = []

    def worker():
        try:
            for _ in range(5):
                assert llm.complete(USER).text == "say hello world"
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and llm.calls == 30 and len(openai_server.requests) == 30
