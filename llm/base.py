"""The LLM interface every backend implements, its result and error types, and shared helpers.

Messages are plain OpenAI-style dicts: ``{"role": "system"|"user"|"assistant", "content": str}``.
"""
from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any, Literal, Protocol, TypedDict, TypeVar, runtime_checkable

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class ChatMessage(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


class LLMResult(BaseModel):
    """One completed call: the text and what it cost."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    elapsed_s: float
    backend: str
    finish_reason: str | None = None


class LLMError(Exception):
    """The LLM could not answer: retries exhausted, timeout, bad config. The message names the fix."""


class InvalidOutput(Exception):
    """The model answered, but its text is not valid JSON for the schema (retried, then LLMError)."""

    def __init__(self, message: str, text: str):
        super().__init__(message)
        self.text = text


@runtime_checkable
class LLM(Protocol):
    name: str

    @property
    def calls(self) -> int: ...

    def complete(self, messages: list[dict], *, max_tokens: int | None = None,
                 temperature: float = 0.0, stop: list[str] | None = None) -> LLMResult: ...

    def structured(self, messages: list[dict], schema: type[M], *,
                   max_tokens: int | None = None) -> M: ...

    def stream(self, messages: list[dict], *, max_tokens: int | None = None,
               temperature: float = 0.0) -> Iterator[str]: ...


class UsageCounter:
    """Thread-safe counters every backend keeps (read them for metrics).

    ``calls``: public calls that returned (complete / structured / fully consumed stream);
    ``failed_calls``: calls that raised LLMError; ``prompt_tokens`` / ``completion_tokens``:
    summed over every model invocation, retries included.
    """

    def __init__(self) -> None:
        self._counter_lock = threading.Lock()
        self._calls = 0
        self._failed = 0
        self._prompt_tokens = 0
        self._completion_tokens = 0

    @property
    def calls(self) -> int:
        return self._calls

    @property
    def failed_calls(self) -> int:
        return self._failed

    @property
    def prompt_tokens(self) -> int:
        return self._prompt_tokens

    @property
    def completion_tokens(self) -> int:
        return self._completion_tokens

    def _record_tokens(self, prompt: int, completion: int) -> None:
        with self._counter_lock:
            self._prompt_tokens += int(prompt or 0)
            self._completion_tokens += int(completion or 0)

    def _record_call(self, ok: bool = True) -> None:
        with self._counter_lock:
            if ok:
                self._calls += 1
            else:
                self._failed += 1


def check_messages(messages: Sequence[Any]) -> list[dict]:
    """Validate and copy messages; raises LLMError naming what is wrong."""
    if not messages:
        raise LLMError("messages is empty: pass at least one {'role': 'user', 'content': ...} dict")
    out: list[dict] = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or "role" not in m or "content" not in m:
            raise LLMError(f"message {i} must be a dict with 'role' and 'content', got {m!r:.120}")
        if m["role"] not in ("system", "user", "assistant"):
            raise LLMError(f"message {i} has role {m['role']!r}; use 'system', 'user' or 'assistant'")
        out.append({"role": m["role"], "content": str(m["content"])})
    return out


_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.S)


def extract_json(text: str) -> str:
    """The JSON object in ``text``: strips code fences and prose around the first {...} block."""
    s = text.strip()
    fenced = _FENCE.match(s)
    if fenced:
        s = fenced.group(1)
    if s.startswith("{") or s.startswith("["):
        return s
    start = s.find("{")
    end = s.rfind("}")
    if start != -1 and end > start:
        return s[start:end + 1]
    return s


def parse_structured(text: str, schema: type[M]) -> M:
    """Parse model text into ``schema``; raises InvalidOutput (retryable) on bad JSON / validation."""
    payload = extract_json(text)
    try:
        return schema.model_validate_json(payload)
    except ValidationError as e:
        errs = "; ".join(f"{'.'.join(map(str, err['loc'])) or '<root>'}: {err['msg']}"
                         for err in e.errors()[:5])
        raise InvalidOutput(f"output did not validate against {schema.__name__}: {errs}", text) from e
    except ValueError as e:  # pragma: no cover - model_validate_json raises ValidationError
        raise InvalidOutput(f"output is not JSON: {e}", text) from e


def retry_feedback(messages: list[dict], bad: InvalidOutput) -> list[dict]:
    """Messages for the next structured attempt: the bad answer and what was wrong with it."""
    return [*messages,
            {"role": "assistant", "content": bad.text[:2000]},
            {"role": "user", "content": f"That reply was invalid ({str(bad)[:400]}). "
                                        "Reply again with only a JSON object that matches the schema."}]


def json_dumps(obj: Any) -> str:
    if isinstance(obj, BaseModel):
        return obj.model_dump_json()
    return json.dumps(obj, ensure_ascii=False)


class Stopwatch:
    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.t0
