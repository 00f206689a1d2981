"""ScriptedLLM: a deterministic LLM for tests. Answers from a script, records what it was asked."""
from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, Union

from pydantic import BaseModel

from llm.base import (
    M, InvalidOutput, LLMError, LLMResult, Stopwatch, UsageCounter, check_messages, json_dumps,
    parse_structured,
)

Reply = Union[str, dict, BaseModel, Exception, Callable[[list[dict]], Any]]


class ScriptExhausted(LLMError, AssertionError):
    """The test asked the LLM more often than the script foresaw."""


def echo_last_user(messages: list[dict]) -> str:
    """Default responder for the ``fake`` backend: repeats the last user message."""
    for m in reversed(messages):
        if m["role"] == "user":
            return m["content"]
    return ""


def _approx_tokens(text: str) -> int:
    return len(re.findall(r"\w+|[^\w\s]", text))


class ScriptedLLM(UsageCounter):
    """Replies come from ``responses`` in order, one per model invocation.

    Each reply may be a ``str`` (the text), a ``dict`` or ``BaseModel`` (sent as its JSON), an
    ``Exception`` instance (raised, e.g. ``LLMError("timeout")``), or a callable taking the
    messages and returning any of those. ``structured()`` validates the reply against the
    schema; with ``retries=n`` an invalid reply consumes the next one, like the real backends.
    When the script runs out, ``default`` answers if given, else ScriptExhausted is raised.
    ``history`` holds every call's messages; ``requests`` adds the method and its arguments.
    """

    def __init__(self, responses: list[Reply] | None = None, *, retries: int = 0,
                 default: Callable[[list[dict]], Any] | None = None, name: str = "fake"):
        super().__init__()
        self.name = name
        self.retries = retries
        self.default = default
        self._script: deque[Reply] = deque(responses or [])
        self._lock = threading.Lock()
        self.history: list[list[dict]] = []
        self.requests: list[dict] = []

    # -- script handling ---------------------------------------------------------------------
    def add(self, *responses: Reply) -> "ScriptedLLM":
        with self._lock:
            self._script.extend(responses)
        return self

    @property
    def remaining(self) -> int:
        return len(self._script)

    def assert_done(self) -> None:
        if self._script:
            raise AssertionError(f"{len(self._script)} scripted LLM replies were never used")

    def _next(self, method: str, messages: list[dict], **kwargs: Any) -> str:
        with self._lock:
            self.history.append(messages)
            self.requests.append({"method": method, "messages": messages, **kwargs})
            n = len(self.history)
            reply = self._script.popleft() if self._script else None
        if reply is None:
            if self.default is None:
                last = messages[-1]["content"][:200]
                self._record_call(ok=False)
                raise ScriptExhausted(
                    f"ScriptedLLM ran out of replies at call {n} ({method}); last message: {last!r}. "
                    "Fix: add a reply to the script for this call.")
            reply = self.default
        if callable(reply) and not isinstance(reply, (BaseModel, Exception, type)):
            reply = reply(messages)
        if isinstance(reply, Exception):
            self._record_call(ok=False)
            raise reply
        text = reply if isinstance(reply, str) else json_dumps(reply)
        self._record_tokens(sum(_approx_tokens(m["content"]) for m in messages), _approx_tokens(text))
        return text

    # -- LLM interface -------------------------------------------------------------------------
    def complete(self, messages: list[dict], *, max_tokens: int | None = None,
                 temperature: float = 0.0, stop: list[str] | None = None) -> LLMResult:
        msgs = check_messages(messages)
        sw = Stopwatch()
        text = self._next("complete", msgs, max_tokens=max_tokens, temperature=temperature, stop=stop)
        if stop:
            cut = [text.find(s) for s in stop if s and s in text]
            if cut:
                text = text[:min(cut)]
        self._record_call()
        return LLMResult(text=text, prompt_tokens=sum(_approx_tokens(m["content"]) for m in msgs),
                         completion_tokens=_approx_tokens(text), elapsed_s=sw.elapsed,
                         backend=self.name, finish_reason="stop")

    def structured(self, messages: list[dict], schema: type[M], *,
                   max_tokens: int | None = None) -> M:
        msgs = check_messages(messages)
        last: InvalidOutput | None = None
        for _ in range(self.retries + 1):
            text = self._next("structured", msgs, schema=schema, max_tokens=max_tokens)
            try:
                out = parse_structured(text, schema)
            except InvalidOutput as e:
                last = e
                continue
            self._record_call()
            return out
        self._record_call(ok=False)
        raise LLMError(f"{self.name}: scripted reply is not a valid {schema.__name__} after "
                       f"{self.retries + 1} attempt(s): {last}")

    def stream(self, messages: list[dict], *, max_tokens: int | None = None,
               temperature: float = 0.0) -> Iterator[str]:
        msgs = check_messages(messages)
        text = self._next("stream", msgs, max_tokens=max_tokens, temperature=temperature)

        def gen() -> Iterator[str]:
            yield from re.findall(r"\s*\S+|\s+", text)
            self._record_call()

        return gen()
