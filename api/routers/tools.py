"""Direct tool access: list tools, call one with its input model."""
from __future__ import annotations

from fastapi import APIRouter, Body, Depends, Request

from api.auth import require, role_for
from api.errors import APIError
from tools import REGISTRY, call_tool
from tools.base import ToolContext

router = APIRouter(prefix="/v1/tools", tags=["tools"])
STATUS = {"invalid": 422, "not_found": 404, "forbidden": 403, "refused": 409, "unavailable": 503}


@router.get("")
def list_tools(role: str = Depends(role_for)) -> list[dict]:
    require(role, "admin", "operator", "scheduler")
    return [t.schema() for t in REGISTRY.values()]


@router.post("/{name}")
def run_tool(name: str, request: Request, body: dict = Body(default_factory=dict),
             role: str = Depends(role_for)) -> dict:
    require(role, "admin", "operator", "scheduler")
    tool = REGISTRY.get(name)
    if tool is None:
        raise APIError(404, "not_found", f"No tool named '{name}'. GET /v1/tools lists them.")
    if tool.write:
        require(role, "admin")  # operators write through runs and approvals
    ctx = ToolContext(deps=request.app.state.deps, role=role)
    outcome = call_tool(name, ctx, body)
    if not outcome.ok:
        raise APIError(STATUS.get(outcome.code, 400), outcome.code, outcome.error)
    return outcome.result
