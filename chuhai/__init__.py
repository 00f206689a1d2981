"""Chuhai core: settings, logging, dependency container and the CLI.

Importing this package turns off every library's telemetry before any of them loads
(LangSmith tracing, Chroma's anonymized telemetry, Hugging Face hub access, OpenTelemetry
exporters that guardrails-ai would start, litellm's model-price download), because
nothing may phone home (DESIGN.md, set-up contract). guardrails-ai's own switch
(``settings.rc.enable_metrics``) is not an env var: ``guards/validators.py`` sets it.
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
    "OTEL_SDK_DISABLED": "true",
    "OTEL_TRACES_EXPORTER": "none",
    "OTEL_METRICS_EXPORTER": "none",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_TELEMETRY": "False",
    "GUARDRAILS_RUN_SYNC": "true",
}
for _k, _v in _TELEMETRY_OFF.items():
    os.environ[_k] = _v
