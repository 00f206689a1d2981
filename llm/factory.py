"""Build the configured LLM from Settings."""
from __future__ import annotations

from typing import Any

from llm.base import LLM, LLMError

BACKENDS = ("llama_cpp", "openai", "fake")


def make_llm(settings: Any) -> LLM:
    """The LLM named by ``settings.llm_backend``: ``llama_cpp`` (``llm_model_path`` or the bundled
    SmolLM2, loaded on first use), ``openai`` (``llm_base_url``, ``llm_model_name``,
    ``llm_api_key``) or ``fake`` (a ScriptedLLM that echoes the last user message and whose
    ``structured()`` fails, so callers take their deterministic path)."""
    backend = (settings.llm_backend or "").strip().lower().replace("-", "_")
    if backend in ("llama_cpp", "llamacpp", "llama"):
        from llm.llama_cpp_backend import LlamaCppLLM
        return LlamaCppLLM.from_settings(settings)
    if backend == "openai":
        from llm.openai_backend import OpenAILLM
        return OpenAILLM.from_settings(settings)
    if backend == "fake":
        from llm.fake import ScriptedLLM, echo_last_user
        return ScriptedLLM(default=echo_last_user)
    raise LLMError(f"unknown CHUHAI_LLM_BACKEND={settings.llm_backend!r}. Fix: use one of {', '.join(BACKENDS)}.")
