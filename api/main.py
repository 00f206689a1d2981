"""The FastAPI app. Routers are included here and nowhere else."""
from __future__ import annotations

import time

from anyio import CapacityLimiter
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.auth import load_keys
from api.errors import error_body, install_error_handlers
from api.metrics import Metrics
from api.routers import health, runs, store, tools

MAX_BODY_BYTES = 256 * 1024


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
    app.state.api_keys = load_keys(deps.settings)
    app.state.metrics = Metrics()
    app.state.run_limiter = CapacityLimiter(deps.settings.run_concurrency)
    install_error_handlers(app)
    for module in (health, runs, tools, store):
        app.include_router(module.router)

    @app.middleware("http")
    async def limits_and_metrics(request: Request, call_next):
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
            return JSONResponse(error_body("payload_too_large", f"The body is over {MAX_BODY_BYTES} bytes."), 413)
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        app.state.metrics.requests.labels(request.method, path, str(response.status_code)).inc()
        app.state.metrics.latency.labels(path).observe(time.perf_counter() - started)
        return response

    return app
