"""The FastAPI app. Routers are included here and nowhere else."""
from __future__ import annotations

import time

from anyio import CapacityLimiter
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from api.auth import index_keys, load_keys
from api.errors import error_body, install_error_handlers
from api.metrics import Metrics
from api.routers import health, inbox, kb, privacy, runs, schedules, store, threads, tools
from slack_app.http import slack_router

MAX_BODY_BYTES = 256 * 1024


class LimitsAndMetrics:
    """Pure ASGI middleware (cheaper than @app.middleware): refuses oversized bodies by
    Content-Length and records request count and latency per route."""

    def __init__(self, app, metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or ()).get(b"content-length", b"")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            response = JSONResponse(error_body("payload_too_large", f"The body is over {MAX_BODY_BYTES} bytes."), 413)
            return await response(scope, receive, send)
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.requests.labels(scope["method"], route, str(status["code"])).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)


def create_app(deps=None, runner=None) -> FastAPI:
    """Build the app around injected deps/runner (tests) or real ones from settings."""
    if deps is None:
        from chuhai.deps import build_deps

        deps = build_deps()
    if runner is None:
        from graphs.runner import Runner

        runner = Runner(deps)
    app = FastAPI(title="Chuhai agent API", version="0.1.0",
                  description="Self-hosted crew of AI agents for cross-border sellers.")
    app.state.deps, app.state.runner = deps, runner
    app.state.api_keys = index_keys(load_keys(deps.settings))
    app.state.metrics = Metrics()
    app.state.run_limiter = CapacityLimiter(deps.settings.run_concurrency)
    install_error_handlers(app)
    for module in (health, runs, threads, tools, store, privacy, kb, schedules, inbox):
        app.include_router(module.router)
    if (slack := slack_router(deps.settings, runner)) is not None:  # POST /slack/events in Slack's HTTP mode
        app.include_router(slack)

    app.add_middleware(LimitsAndMetrics, metrics=app.state.metrics)
    return app
