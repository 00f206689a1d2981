"""Prometheus metrics of one app (own registry, so tests and workers don't collide).

With several API processes (`chuhai serve --workers N`) the CLI sets
PROMETHEUS_MULTIPROC_DIR before the workers start: each process then writes its values
to files there and /metrics, whichever process answers it, adds up all of them."""
from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter("chuhai_http_requests_total", "HTTP requests", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("chuhai_http_request_seconds", "HTTP latency", ["route"], registry=self.registry,
                                 buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.8, 1, 2, 5, 10))
        self.runs = Counter("chuhai_runs_total", "Runs by status and first agent", ["status", "agent"],
                            registry=self.registry)
        self.llm_runs = Counter("chuhai_runs_with_llm_total", "Runs that called the LLM", registry=self.registry)
        self.tool_calls = Counter("chuhai_tool_calls_total", "Tool calls", ["tool", "ok"], registry=self.registry)

    def observe_run(self, result) -> None:
        self.runs.labels(result.status, result.route[0] if result.route else "none").inc()
        if result.timings_ms.get("llm_calls"):
            self.llm_runs.inc()
        for call in result.tool_calls:
            self.tool_calls.labels(call["tool"], str(call["ok"]).lower()).inc()

    def render(self) -> tuple[bytes, str]:
        registry = self.registry
        if os.environ.get(MULTIPROCESS_ENV):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
