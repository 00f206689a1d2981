"""LLM backends behind one small interface (see llm/base.py for the contract).

    from llm import make_llm, LLMError
    llm = make_llm(settings)          # llama_cpp (bundled GGUF) | openai | fake
    llm.complete([{"role": "user", "content": "Hi"}]).text
    llm.structured(messages, MyModel)  # JSON-schema-constrained, validated, retried
    for piece in llm.stream(messages): ...

Heavy imports (llama_cpp, langchain_openai) happen only when a backend is built or first used.
"""
from llm.base import LLM, ChatMessage, LLMError, LLMResult, UsageCounter
from llm.bundled import bundled_model_path
from llm.factory import make_llm
from llm.fake import ScriptedLLM, ScriptExhausted
from llm.llama_cpp_backend import LlamaCppLLM
from llm.openai_backend import OpenAILLM

__all__ = ["LLM", "ChatMessage", "LLMError", "LLMResult", "LlamaCppLLM", "OpenAILLM",
           "ScriptExhausted", "ScriptedLLM", "UsageCounter", "bundled_model_path", "make_llm"]
