"""In-process llama.cpp backend (llama-cpp-python) for a local GGUF, by default the bundled SmolLM2.

- The model loads lazily on the first call, once, under the same lock that serialises every call
  (a ``Llama`` object is not thread-safe). Concurrent callers queue on the lock.
- ``timeout_s`` is one deadline per public call, covering the wait for the lock, generation and
  structured-output retries (not the one-off model load). It is enforced inside generation: a
  stopping criterion checks the clock after every token, so generation stops in the caller's own
  thread and the lock is released; no helper thread is left running. Prompt evaluation itself is
  not interruptible (for a 135M model and ``n_ctx=2048`` it takes well under a second).
- ``structured()`` passes ``response_format={"type": "json_object", "schema": ...}``, which
  llama-cpp-python turns into a GBNF grammar, so the output is JSON of the schema's shape; what
  the grammar cannot express (pydantic constraints, truncation at ``max_tokens``) is caught by
  validation and retried ``retries`` times (tenacity), each retry showing the model its error.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from llm.base import (
    M, InvalidOutput, LLMError, LLMResult, Stopwatch, UsageCounter, check_messages,
    parse_structured, retry_feedback,
)
from llm.bundled import bundled_model_path

INSTALL_HINT = ("pip install llama-cpp-python==0.3.36 (builds from source, ~8 min), "
                "or use CHUHAI_LLM_BACKEND=openai with CHUHAI_LLM_BASE_URL")


class LlamaCppLLM(UsageCounter):
    def __init__(self, model_path: str | Path | None = None, *, threads: int = 2, ctx: int = 2048,
                 timeout_s: float = 30.0, retries: int = 2, max_tokens: int = 256,
                 name: str | None = None):
        super().__init__()
        self.model_path = Path(model_path) if model_path else None  # None: the bundled GGUF
        self.threads = threads
        self.ctx = ctx
        self.timeout_s = timeout_s
        self.retries = retries
        self.max_tokens = max_tokens
        stem = self.model_path.stem if self.model_path else "SmolLM2-135M-Instruct.Q4_1"
        self.name = name or f"llama_cpp:{stem}"
        self.load_s: float | None = None  # seconds the model took to load, once loaded
        self._model: Any = None
        self._lock = threading.Lock()
        self._deadline = math.inf   # of the call holding the lock
        self._timed_out = False
        self._last_prompt = ""
        self._abortable = False     # True once our deadline-aware chat handler is installed

    @classmethod
    def from_settings(cls, settings: Any) -> "LlamaCppLLM":
        return cls(settings.llm_model_path, threads=settings.llm_threads, ctx=settings.llm_ctx,
                   timeout_s=settings.llm_timeout_s, retries=settings.llm_retries,
                   max_tokens=settings.llm_max_tokens)

    # -- loading -------------------------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Load the model now (otherwise the first call does)."""
        with self._lock:
            self._ensure_loaded()

    def _ensure_loaded(self) -> Any:
        if self._model is not None:
            return self._model
        try:
            import llama_cpp
        except ImportError as e:
            raise LLMError(f"llama-cpp-python is not installed ({e}). Fix: {INSTALL_HINT}.") from e
        path = self.model_path or bundled_model_path()
        if not path.is_file():
            raise LLMError(f"GGUF model file not found: {path}. Fix: point CHUHAI_LLM_MODEL_PATH at "
                           "a .gguf file, or unset it to use the bundled SmolLM2.")
        t0 = time.perf_counter()
        try:
            model = llama_cpp.Llama(model_path=str(path), n_threads=self.threads,
                                    n_threads_batch=self.threads, n_ctx=self.ctx, verbose=False)
        except Exception as e:  # llama-cpp raises ValueError on unreadable / unsupported files
            raise LLMError(f"could not load GGUF {path}: {e}. Fix: check the file is a complete GGUF "
                           "supported by llama-cpp-python 0.3.36 (re-download or re-install it).") from e
        self._abortable = self._install_deadline_handler(model)
        self._model = model
        self.load_s = time.perf_counter() - t0
        return model

    def _install_deadline_handler(self, model: Any) -> bool:
        """Use the GGUF's own chat template, plus a stopping criterion that enforces the deadline."""
        from llama_cpp import StoppingCriteriaList, llama_chat_format

        template = model.metadata.get("tokenizer.chat_template")
        if not template:
            return False  # llama-cpp's fallback format; deadline then checked only between calls

        def token_text(token_id: int) -> str:
            if token_id == -1:
                return ""
            try:
                return model._model.token_get_text(token_id)
            except Exception:
                return model.detokenize([token_id], special=True).decode("utf-8", "ignore")

        eos_id, bos_id = model.token_eos(), model.token_bos()
        inner = llama_chat_format.Jinja2ChatFormatter(
            template=template, eos_token=token_text(eos_id), bos_token=token_text(bos_id),
            stop_token_ids=[eos_id])

        def formatter(**kwargs: Any):
            result = inner(**kwargs)
            self._last_prompt = result.prompt
            result.stopping_criteria = StoppingCriteriaList(
                [*(result.stopping_criteria or []), self._deadline_passed])
            return result

        model.chat_handler = llama_chat_format.chat_formatter_to_chat_completion_handler(formatter)
        return True

    def _deadline_passed(self, input_ids: Any, logits: Any) -> bool:
        if time.monotonic() >= self._deadline:
            self._timed_out = True
            return True
        return False

    # -- one locked session per public call ------------------------------------------------------
    @contextmanager
    def _session(self) -> Iterator[Any]:
        deadline = time.monotonic() + self.timeout_s
        if not self._lock.acquire(timeout=max(self.timeout_s, 0.0)):
            raise LLMError(
                f"{self.name}: waited {self.timeout_s}s for the model, which is busy with other "
                "calls. Fix: raise CHUHAI_LLM_TIMEOUT_S, send fewer concurrent requests, or use "
                "CHUHAI_LLM_BACKEND=openai with a server that batches requests.")
        try:
            if self._model is None:
                t0 = time.monotonic()
                self._ensure_loaded()
                deadline += time.monotonic() - t0  # the one-off load does not eat the budget
            self._deadline = deadline
            self._timed_out = False
            yield self._model
        finally:
            self._deadline = math.inf
            self._lock.release()

    def _timeout_error(self) -> LLMError:
        return LLMError(
            f"{self.name}: no answer within the {self.timeout_s}s timeout. Fix: raise "
            "CHUHAI_LLM_TIMEOUT_S, lower max_tokens (CHUHAI_LLM_MAX_TOKENS), shorten the prompt, "
            "or raise CHUHAI_LLM_THREADS.")

    def _chat(self, model: Any, messages: list[dict], *, max_tokens: int | None,
              temperature: float, stop: list[str] | None = None, stream: bool = False,
              response_format: dict | None = None) -> Any:
        if time.monotonic() >= self._deadline:
            raise self._timeout_error()
        try:
            out = model.create_chat_completion(
                messages=messages, temperature=temperature, max_tokens=max_tokens or self.max_tokens,
                stop=stop or [], stream=stream, response_format=response_format)
        except ValueError as e:  # e.g. "Requested tokens (n) exceed context window of 2048"
            raise LLMError(f"{self.name}: {e}. Fix: shorten the prompt or raise CHUHAI_LLM_CTX.") from e
        if not stream:
            usage = out.get("usage") or {}
            self._record_tokens(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0))
            if self._timed_out or (not self._abortable and time.monotonic() >= self._deadline):
                raise self._timeout_error()
        return out

    # -- LLM interface ---------------------------------------------------------------------------
    def complete(self, messages: list[dict], *, max_tokens: int | None = None,
                 temperature: float = 0.0, stop: list[str] | None = None) -> LLMResult:
        msgs = check_messages(messages)
        sw = Stopwatch()
        try:
            with self._session() as model:
                out = self._chat(model, msgs, max_tokens=max_tokens, temperature=temperature, stop=stop)
        except LLMError:
            self._record_call(ok=False)
            raise
        self._record_call()
        return _result(out, sw.elapsed, self.name)

    def structured(self, messages: list[dict], schema: type[M], *,
                   max_tokens: int | None = None) -> M:
        msgs = check_messages(messages)
        response_format = {"type": "json_object", "schema": schema.model_json_schema()}
        last: InvalidOutput | None = None
        try:
            with self._session() as model:
                for attempt in Retrying(stop=stop_after_attempt(self.retries + 1),
                                        retry=retry_if_exception_type(InvalidOutput), reraise=True):
                    with attempt:
                        n = attempt.retry_state.attempt_number
                        out = self._chat(model, msgs if last is None else retry_feedback(msgs, last),
                                         max_tokens=max_tokens, response_format=response_format,
                                         temperature=0.0 if n == 1 else min(0.3 * (n - 1), 0.9))
                        choice = out["choices"][0]
                        text = choice["message"].get("content") or ""
                        try:
                            value = parse_structured(text, schema)
                        except InvalidOutput as e:
                            if choice.get("finish_reason") == "length":
                                e = InvalidOutput(f"{e} (cut off at max_tokens)", text)
                            last = e
                            raise e from None
        except InvalidOutput as e:
            self._record_call(ok=False)
            raise LLMError(
                f"{self.name}: no valid {schema.__name__} after {self.retries + 1} attempt(s): {e}. "
                "Fix: raise max_tokens (CHUHAI_LLM_MAX_TOKENS) if cut off, simplify the schema, "
                "raise CHUHAI_LLM_RETRIES, or use a larger model.") from e
        except LLMError:
            self._record_call(ok=False)
            raise
        self._record_call()
        return value

    def stream(self, messages: list[dict], *, max_tokens: int | None = None,
               temperature: float = 0.0) -> Iterator[str]:
        """Yield text pieces as generated. Holds the model lock until exhausted or closed:
        iterate to the end or call ``.close()`` (``contextlib.closing``) when stopping early.
        The call's deadline includes the consumer's pace; past it, LLMError is raised."""
        msgs = check_messages(messages)

        def gen() -> Iterator[str]:
            ok = False
            n = 0
            try:
                with self._session() as model:
                    chunks = self._chat(model, msgs, max_tokens=max_tokens,
                                        temperature=temperature, stream=True)
                    try:
                        for chunk in chunks:
                            piece = chunk["choices"][0]["delta"].get("content")
                            if piece:
                                n += 1
                                yield piece
                    except ValueError as e:
                        raise LLMError(f"{self.name}: {e}. Fix: shorten the prompt or raise "
                                       "CHUHAI_LLM_CTX.") from e
                    finally:
                        chunks.close()
                        prompt = len(model.tokenize(self._last_prompt.encode("utf-8"),
                                                    add_bos=False, special=True))
                        self._record_tokens(prompt if self._abortable else 0, n)
                    if self._timed_out:
                        raise self._timeout_error()
                ok = True
            except GeneratorExit:  # the consumer stopped early: still a completed call
                ok = True
                raise
            finally:
                self._record_call(ok=ok)

        return gen()


def _result(out: dict, elapsed: float, backend: str) -> LLMResult:
    choice = out["choices"][0]
    usage = out.get("usage") or {}
    return LLMResult(text=choice["message"].get("content") or "",
                     prompt_tokens=usage.get("prompt_tokens", 0),
                     completion_tokens=usage.get("completion_tokens", 0),
                     elapsed_s=elapsed, backend=backend, finish_reason=choice.get("finish_reason"))
