"""Liveness, readiness and Prometheus metrics."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from api.errors import APIError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> dict:
    deps = request.app.state.deps
    try:
        deps.store.get_product_details(next(iter(deps.store.list_all_product_types().values())))
    except Exception as e:
        raise APIError(503, "not_ready", f"The store is not ready: {e}") from e
    return {"status": "ready", "llm_backend": deps.settings.llm_backend}


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request) -> PlainTextResponse:
    body, content_type = request.app.state.metrics.render()
    return PlainTextResponse(body, media_type=content_type)
