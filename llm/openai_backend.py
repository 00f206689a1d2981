"""OpenAI-compatible server backend (vLLM, llama.cpp server, Ollama) through langchain-openai.

- ``base_url`` is the server's OpenAI root, ending in ``/v1`` (vLLM ``http://host:8000/v1``,
  llama.cpp server ``http://host:8080/v1``, Ollama ``http://host:11434/v1``).
- ``ChatOpenAI(max_retries=0)``: retries are ours (tenacity, ``retries`` extra attempts with
  exponential back-off) on connection errors, timeouts, 429 and 5xx. ``timeout_s`` bounds each
  HTTP attempt. Other errors (400, 401, 404) fail at once with an LLMError naming the setting.
- Structured output sends ``response_format={"type": "json_schema", "json_schema": {"name",
  "schema"}}`` (no ``strict``), the one form all three servers constrain decoding with (vLLM
  guided decoding, llama.cpp grammar, Ollama ``format``). We pass it through ``invoke`` and parse
  with pydantic ourselves instead of ``with_structured_output``: that keeps validation errors
  retryable here and avoids OpenAI's strict-schema rewriting, which pydantic schemas with
  optional fields or defaults fail. If a server rejects ``json_schema`` with a 400, we fall back
  (for the rest of the process) to ``{"type": "json_object"}`` plus the schema in a system note.
- ``max_tokens`` is sent twice: langchain-openai sends ``max_completion_tokens``; Ollama reads
  only ``max_tokens``, so it goes in ``extra_body`` too (vLLM and llama.cpp accept both).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from tenacity import (
    Retrying, retry_if_exception, retry_if_exception_type, stop_after_attempt, wait_exponential,
)

from llm.base import (
    M, InvalidOutput, LLMError, LLMResult, Stopwatch, UsageCounter, check_messages,
    parse_structured, retry_feedback,
)

T = TypeVar("T")


def _is_transient(exc: BaseException) -> bool:
    import openai

    if isinstance(exc, (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)):
        return True  # APITimeoutError is an APIConnectionError
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code >= 500 or exc.status_code in (408, 409, 429)
    try:
        import httpx
        return isinstance(exc, httpx.TransportError)
    except ImportError:  # pragma: no cover
        return False


class OpenAILLM(UsageCounter):
    def __init__(self, base_url: str | None, model: str, api_key: str = "not-needed", *,
                 timeout_s: float = 30.0, retries: int = 2, max_tokens: int = 256,
                 retry_wait_s: float = 0.5, name: str | None = None):
        super().__init__()
        if not base_url:
            raise LLMError("llm_backend=openai needs a server URL. Fix: set CHUHAI_LLM_BASE_URL, "
                           "e.g. http://localhost:8000/v1 (vLLM) or http://localhost:11434/v1 (Ollama).")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout_s = timeout_s
        self.retries = retries
        self.max_tokens = max_tokens
        self.retry_wait_s = retry_wait_s
        self.name = name or f"openai:{model}"
        self._api_key = api_key or "not-needed"
        self._client: Any = None
        self._json_schema_ok = True  # False after the server rejected response_format json_schema

    @classmethod
    def from_settings(cls, settings: Any) -> "OpenAILLM":
        return cls(settings.llm_base_url, settings.llm_model_name, settings.llm_api_key,
                   timeout_s=settings.llm_timeout_s, retries=settings.llm_retries,
                   max_tokens=settings.llm_max_tokens)

    @property
    def client(self) -> Any:
        if self._client is None:
            from langchain_openai import ChatOpenAI

            self._client = ChatOpenAI(base_url=self.base_url, api_key=self._api_key, model=self.model,
                                      timeout=self.timeout_s, max_retries=0, temperature=0.0,
                                      stream_usage=True)
        return self._client

    # -- plumbing --------------------------------------------------------------------------------
    def _kwargs(self, max_tokens: int | None, temperature: float, stop: list[str] | None = None,
                **extra: Any) -> dict:
        n = max_tokens or self.max_tokens
        kw: dict[str, Any] = {"max_tokens": n, "temperature": temperature,
                              "extra_body": {"max_tokens": n}, **extra}
        if stop:
            kw["stop"] = stop
        return kw

    def _with_retries(self, fn: Callable[[], T]) -> T:
        """Run ``fn``, retrying transient failures; any failure becomes an LLMError naming the fix."""
        import openai

        attempts = self.retries + 1
        try:
            for attempt in Retrying(stop=stop_after_attempt(attempts), reraise=True,
                                    retry=retry_if_exception(_is_transient),
                                    wait=wait_exponential(multiplier=self.retry_wait_s, max=8)):
                with attempt:
                    return fn()
        except openai.LengthFinishReasonError:
            raise  # structured(): output cut off at max_tokens, retried there
        except openai.APITimeoutError as e:
            raise LLMError(f"{self.name}: no answer from {self.base_url} within {self.timeout_s}s "
                           f"({attempts} attempts). Fix: raise CHUHAI_LLM_TIMEOUT_S, lower "
                           "CHUHAI_LLM_MAX_TOKENS, or check the server's load.") from e
        except openai.APIConnectionError as e:
            raise LLMError(f"{self.name}: cannot reach {self.base_url} ({attempts} attempts): {e}. "
                           "Fix: start the server or correct CHUHAI_LLM_BASE_URL.") from e
        except openai.AuthenticationError as e:
            raise LLMError(f"{self.name}: the server refused the API key (401). "
                           "Fix: set CHUHAI_LLM_API_KEY.") from e
        except openai.NotFoundError as e:
            raise LLMError(f"{self.name}: 404 from {self.base_url}: {_msg(e)}. Fix: CHUHAI_LLM_BASE_URL "
                           "must end in /v1, and CHUHAI_LLM_MODEL_NAME must be a model the server "
                           "serves.") from e
        except openai.APIStatusError as e:
            what = "after retries" if _is_transient(e) else "(not retried)"
            raise LLMError(f"{self.name}: server error {e.status_code} {what}: {_msg(e)}. Fix: check "
                           f"the server's log at {self.base_url}; lower CHUHAI_LLM_MAX_TOKENS if the "
                           "prompt plus max_tokens exceeds its context.") from e
        except openai.OpenAIError as e:
            raise LLMError(f"{self.name}: {type(e).__name__}: {e}") from e
        raise AssertionError("unreachable")  # pragma: no cover

    def _invoke(self, messages: list[dict], **kwargs: Any) -> tuple[str, int, int, str | None]:
        msg = self._with_retries(lambda: self.client.invoke(messages, **kwargs))
        usage = msg.usage_metadata or {}
        prompt, completion = usage.get("input_tokens", 0), usage.get("output_tokens", 0)
        self._record_tokens(prompt, completion)
        return _text(msg.content), prompt, completion, msg.response_metadata.get("finish_reason")

    # -- LLM interface -----------------------------------------------------------------------------
    def complete(self, messages: list[dict], *, max_tokens: int | None = None,
                 temperature: float = 0.0, stop: list[str] | None = None) -> LLMResult:
        msgs = check_messages(messages)
        sw = Stopwatch()
        try:
            text, prompt, completion, finish = self._invoke(
                msgs, **self._kwargs(max_tokens, temperature, stop))
        except LLMError:
            self._record_call(ok=False)
            raise
        self._record_call()
        return LLMResult(text=text, prompt_tokens=prompt, completion_tokens=completion,
                         elapsed_s=sw.elapsed, backend=self.name, finish_reason=finish)

    def structured(self, messages: list[dict], schema: type[M], *,
                   max_tokens: int | None = None) -> M:
        import openai

        msgs = check_messages(messages)
        json_schema = schema.model_json_schema()
        last: InvalidOutput | None = None
        try:
            for attempt in Retrying(stop=stop_after_attempt(self.retries + 1), reraise=True,
                                    retry=retry_if_exception_type(InvalidOutput)):
                with attempt:
                    n = attempt.retry_state.attempt_number
                    cur = msgs if last is None else retry_feedback(msgs, last)
                    temperature = 0.0 if n == 1 else min(0.3 * (n - 1), 0.9)
                    try:
                        text = self._structured_once(cur, schema, json_schema, max_tokens, temperature)
                        value = parse_structured(text, schema)
                    except openai.LengthFinishReasonError as e:
                        self._record_usage_of(e.completion)
                        last = InvalidOutput("output cut off at max_tokens", _length_text(e))
                        raise last from None
                    except InvalidOutput as e:
                        last = e
                        raise
        except InvalidOutput as e:
            self._record_call(ok=False)
            raise LLMError(
                f"{self.name}: no valid {schema.__name__} after {self.retries + 1} attempt(s): {e}. "
                "Fix: raise CHUHAI_LLM_MAX_TOKENS if cut off, simplify the schema, raise "
                "CHUHAI_LLM_RETRIES, or use a model that follows JSON schemas.") from e
        except LLMError:
            self._record_call(ok=False)
            raise
        self._record_call()
        return value

    def _structured_once(self, msgs: list[dict], schema: type, json_schema: dict,
                         max_tokens: int | None, temperature: float) -> str:
        import openai

        if self._json_schema_ok:
            name = re.sub(r"[^a-zA-Z0-9_-]", "_", schema.__name__)[:64]
            rf = {"type": "json_schema", "json_schema": {"name": name, "schema": json_schema}}
            try:
                return self._invoke(msgs, **self._kwargs(max_tokens, temperature,
                                                         response_format=rf))[0]
            except LLMError as e:
                if not (isinstance(e.__cause__, openai.BadRequestError)
                        and "response_format" in str(e.__cause__)):
                    raise
                self._json_schema_ok = False  # server does not know json_schema: use json_object
        note = {"role": "system", "content": "Reply with only a JSON object matching this JSON "
                f"schema: {json.dumps(json_schema, separators=(',', ':'))}"}
        return self._invoke([note, *msgs], **self._kwargs(
            max_tokens, temperature, response_format={"type": "json_object"}))[0]

    def _record_usage_of(self, completion: Any) -> None:
        usage = getattr(completion, "usage", None)
        if usage is not None:
            self._record_tokens(usage.prompt_tokens or 0, usage.completion_tokens or 0)

    def stream(self, messages: list[dict], *, max_tokens: int | None = None,
               temperature: float = 0.0) -> Iterator[str]:
        """Yield text pieces. Opening the stream is retried; a failure mid-stream is an LLMError."""
        msgs = check_messages(messages)
        kwargs = self._kwargs(max_tokens, temperature)

        def open_stream() -> tuple[Iterator[Any], Any]:
            it = iter(self.client.stream(msgs, **kwargs))
            return it, next(it, None)  # the request is made (and may fail) on the first chunk

        def gen() -> Iterator[str]:
            ok = False
            prompt = completion = 0
            try:
                it, first = self._with_retries(open_stream)
                chunks = [] if first is None else [first]
                try:
                    for chunk in _chain(chunks, it):
                        usage = getattr(chunk, "usage_metadata", None)
                        if usage:
                            prompt += usage.get("input_tokens", 0)
                            completion += usage.get("output_tokens", 0)
                        piece = _text(chunk.content)
                        if piece:
                            yield piece
                except GeneratorExit:
                    raise
                except Exception as e:
                    if isinstance(e, LLMError):
                        raise
                    raise LLMError(f"{self.name}: the stream from {self.base_url} broke off: "
                                   f"{type(e).__name__}: {e}. Fix: retry; check the server.") from e
                ok = True
            except GeneratorExit:
                ok = True
                raise
            finally:
                self._record_tokens(prompt, completion)
                self._record_call(ok=ok)

        return gen()


def _chain(head: list[Any], rest: Iterator[Any]) -> Iterator[Any]:
    yield from head
    yield from rest


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks
        return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return str(content or "")


def _length_text(e: Any) -> str:
    try:
        return e.completion.choices[0].message.content or ""
    except Exception:
        return ""


def _msg(e: Any) -> str:
    body = getattr(e, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])[:300]
    return str(e)[:300]
