"""Chuhai core: settings, logging, dependency container and the CLI.

Importing this package turns off every library's telemetry before any of them loads
(LangSmith tracing, Chroma's anonymized telemetry, Hugging Face hub access), because
nothing may phone home (DESIGN.md, set-up contract).
"""
import os

_TELEMETRY_OFF = {
    "LANGCHAIN_TRACING_V2": "false",
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING": "false",
    "ANONYMIZED_TELEMETRY": "False",
    "CHROMA_TELEMETRY": "False",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "SCARF_NO_ANALYTICS": "true",
}
for _k, _v in _TELEMETRY_OFF.items():
    os.environ[_k] = _v
