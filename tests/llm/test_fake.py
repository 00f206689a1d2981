"""ScriptedLLM, the shared helpers and make_llm: fast, no model, no network."""
from __future__ import annotations

import threading
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from chuhai.settings import Settings
from llm import LLM, LLMError, LLMResult, ScriptedLLM, ScriptExhausted, make_llm
from llm.base import InvalidOutput, check_messages, extract_json, parse_structured

USER = [{"role": "user", "content": "Where is my order 1234?"}]


class Route(BaseModel):
    agent: Literal["selection", "copywriter", "pricing", "support", "chargeback", "compliance"]
    reason: str = Field(max_length=120)


def test_replies_in_order_and_history_recorded():
    llm = ScriptedLLM(["first", "second"])
    r1 = llm.complete(USER)
    r2 = llm.complete([{"role": "system", "content": "s"}, {"role": "user", "content": "again"}])
    assert (r1.text, r2.text) == ("first", "second")
    assert isinstance(r1, LLMResult) and r1.backend == "fake" and r1.completion_tokens == 1
    assert llm.history == [USER, [{"role": "system", "content": "s"}, {"role": "user", "content": "again"}]]
    assert [r["method"] for r in llm.requests] == ["complete", "complete"]
    assert llm.calls == 2 and llm.remaining == 0
    llm.assert_done()


def test_satisfies_protocol():
    assert isinstance(ScriptedLLM([]), LLM)


def test_dict_model_callable_and_exception_replies():
    seen = []

    def reply(messages):
        seen.append(messages)
        return {"agent": "support", "reason": f"echo {messages[-1]['content'][:5]}"}

    llm = ScriptedLLM([{"agent": "pricing", "reason": "price"},
                       Route(agent="chargeback", reason="dispute"),
                       reply,
                       LLMError("model fell over")])
    assert llm.structured(USER, Route) == Route(agent="pricing", reason="price")
    assert llm.structured(USER, Route).agent == "chargeback"
    assert llm.structured(USER, Route) == Route(agent="support", reason="echo Where")
    assert seen == [USER]
    with pytest.raises(LLMError, match="fell over"):
        llm.complete(USER)
    assert llm.calls == 3 and llm.failed_calls == 1


def test_structured_parses_json_text_and_fences():
    llm = ScriptedLLM(['```json\n{"agent": "support", "reason": "order status"}\n```',
                       'Sure! {"agent": "pricing", "reason": "x"} hope that helps'])
    assert llm.structured(USER, Route).agent == "support"
    assert llm.structured(USER, Route).agent == "pricing"


def test_structured_invalid_without_retries_is_llm_error():
    llm = ScriptedLLM(['{"agent": "weather", "reason": "?"}'])
    with pytest.raises(LLMError, match="not a valid Route"):
        llm.structured(USER, Route)
    assert llm.calls == 0 and llm.failed_calls == 1


def test_structured_retries_consume_next_reply():
    llm = ScriptedLLM(["not json at all", {"agent": "support", "reason": "ok"}], retries=1)
    assert llm.structured(USER, Route).agent == "support"
    assert len(llm.history) == 2 and llm.calls == 1


def test_running_out_raises_assertion_like_llm_error():
    llm = ScriptedLLM(["only one"])
    llm.complete(USER)
    with pytest.raises(ScriptExhausted, match="ran out of replies at call 2") as exc:
        llm.complete(USER)
    assert isinstance(exc.value, LLMError) and isinstance(exc.value, AssertionError)
    assert "add a reply" in str(exc.value)


def test_assert_done_reports_unused_replies():
    with pytest.raises(AssertionError, match="1 scripted LLM replies were never used"):
        ScriptedLLM(["unused"]).assert_done()


def test_stream_yields_pieces_that_join_to_the_reply():
    llm = ScriptedLLM(["Your order ships  tomorrow."])
    pieces = list(llm.stream(USER))
    assert len(pieces) > 1 and "".join(pieces) == "Your order ships  tomorrow."
    assert llm.calls == 1


def test_stop_sequences_cut_the_text():
    llm = ScriptedLLM(["answer\nQuestion: more"])
    assert llm.complete(USER, stop=["\nQuestion:"]).text == "answer"


def test_counters_are_thread_safe():
    llm = ScriptedLLM([f"r{i}" for i in range(200)])
    texts: list[str] = []

    def worker():
        for _ in range(25):
            texts.append(llm.complete(USER).text)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert llm.calls == 200 and len(llm.history) == 200
    assert sorted(texts) == sorted(f"r{i}" for i in range(200))  # each reply used exactly once


def test_messages_are_checked():
    with pytest.raises(LLMError, match="empty"):
        check_messages([])
    with pytest.raises(LLMError, match="role"):
        check_messages([{"role": "tool", "content": "x"}])
    with pytest.raises(LLMError, match="'role' and 'content'"):
        check_messages(["hello"])


def test_extract_and_parse_helpers():
    assert extract_json('```\n{"a": 1}\n```') == '{"a": 1}'
    assert extract_json('x {"a": {"b": 2}} y') == '{"a": {"b": 2}}'
    with pytest.raises(InvalidOutput, match="agent"):
        parse_structured('{"agent": "nobody", "reason": "r"}', Route)
    with pytest.raises(InvalidOutput):
        parse_structured("no json here", Route)


def test_make_llm_fake_echoes_and_structured_fails_cleanly():
    llm = make_llm(Settings(llm_backend="fake"))
    assert llm.complete(USER).text == USER[0]["content"]
    assert "".join(llm.stream(USER)) == USER[0]["content"]
    with pytest.raises(LLMError):
        llm.structured(USER, Route)


def test_make_llm_builds_backends_lazily_and_rejects_unknown(tmp_path):
    from llm.llama_cpp_backend import LlamaCppLLM
    from llm.openai_backend import OpenAILLM

    s = Settings(llm_backend="llama_cpp", llm_model_path=tmp_path / "m.gguf", llm_threads=3, llm_ctx=1024)
    llama = make_llm(s)
    assert isinstance(llama, LlamaCppLLM) and not llama.loaded  # nothing loaded until first call
    assert (llama.threads, llama.ctx, llama.model_path) == (3, 1024, tmp_path / "m.gguf")
    oa = make_llm(Settings(llm_backend="openai", llm_base_url="http://127.0.0.1:9/v1/", llm_model_name="m"))
    assert isinstance(oa, OpenAILLM) and oa.base_url == "http://127.0.0.1:9/v1"
    with pytest.raises(LLMError, match="CHUHAI_LLM_BASE_URL"):
        make_llm(Settings(llm_backend="openai", llm_base_url=None))
    with pytest.raises(LLMError, match="one of llama_cpp, openai, fake"):
        make_llm(Settings(llm_backend="gpt5"))


def test_llama_backend_missing_model_file_is_llm_error(tmp_path):
    pytest.importorskip("llama_cpp")
    from llm.llama_cpp_backend import LlamaCppLLM

    llm = LlamaCppLLM(tmp_path / "missing.gguf")
    with pytest.raises(LLMError, match="CHUHAI_LLM_MODEL_PATH"):
        llm.complete(USER)
    assert llm.failed_calls == 1
