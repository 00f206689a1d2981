"""Runs (plain and streamed as server-sent events), approvals and thread reads."""
from __future__ import annotations

from typing import Literal

from anyio import to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from api.auth import require, role_for
from api.errors import APIError
from api.streaming import run_events
from graphs.result import RunRequest, RunResult
from graphs.runner import ApprovalError

router = APIRouter(prefix="/v1", tags=["runs"])


class Decision(BaseModel):
    decision: Literal["approve", "reject"]
    comment: str | None = Field(None, max_length=2000)


def _runner(request: Request):
    return request.app.state.runner


async def _in_worker(request: Request, fn, *args):
    """Run a blocking graph call on a small bounded pool: a few runs at a time keep the
    GIL and SQLite busy without dozens of threads thrashing on two cores."""
    return await to_thread.run_sync(fn, *args, limiter=request.app.state.run_limiter)


def _json(result: RunResult) -> Response:
    """RunResult is built and validated by the runner; serialise it once, directly."""
    return Response(result.model_dump_json(), media_type="application/json")


def _check_run(body: RunRequest, request: Request, role: str) -> None:
    limit = request.app.state.deps.settings.max_input_chars
    if len(body.input) > limit:
        raise APIError(413, "input_too_large", f"The input has {len(body.input)} characters; the limit is {limit}.")
    if body.auto_approve and (body.channel == "customer" or role not in ("admin", "operator", "scheduler")):
        raise APIError(403, "forbidden", "auto_approve is only for operator or admin runs outside the "
                                         "customer channel.")


def _run_error(e: Exception) -> APIError | None:
    if isinstance(e, ApprovalError):
        return APIError(403 if e.code == "forbidden" else 409, e.code, e.message)
    return None


@router.post("/runs", response_model=RunResult)
async def create_run(body: RunRequest, request: Request, role: str = Depends(role_for)) -> Response:
    _check_run(body, request, role)
    try:
        result = await _in_worker(request, _runner(request).run, body, role)
    except ApprovalError as e:
        raise _run_error(e) from e
    request.app.state.metrics.observe_run(result)
    return _json(result)


@router.post("/runs/stream", response_class=StreamingResponse,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "Server-sent events: route, tool_call*, token*, approval_required?, "
                                             "final (the RunResult); or error (the JSON error body) instead of final."}})
async def stream_run(body: RunRequest, request: Request, role: str = Depends(role_for)) -> StreamingResponse:
    """The run of `POST /v1/runs` as server-sent events. Checks of the request itself answer
    with a plain JSON error before the stream starts; errors of the run become an `error` event."""
    _check_run(body, request, role)
    runner, state = _runner(request), request.app.state
    events = run_events(lambda emit: runner.stream(body, role, emit), state.run_limiter, state.metrics.observe_run,
                        _run_error)
    return StreamingResponse(events, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.post("/threads/{thread_id}/approvals/{action_id}", response_model=RunResult)
async def decide(thread_id: str, action_id: str, body: Decision, request: Request,
                 role: str = Depends(role_for)) -> Response:
    require(role, "admin", "operator", "customer")
    try:
        result = await _in_worker(request, _runner(request).decide, thread_id, action_id, body.decision, role,
                                  body.comment or "")
    except ApprovalError as e:
        status = {"not_found": 404, "forbidden": 403, "conflict": 409}[e.code]
        raise APIError(status, e.code, e.message) from e
    request.app.state.metrics.observe_run(result)
    return _json(result)


@router.get("/threads/{thread_id}")
def get_thread(thread_id: str, request: Request, role: str = Depends(role_for)) -> dict:
    thread = _runner(request).thread(thread_id)
    if thread is None:
        raise APIError(404, "not_found", f"Thread {thread_id} does not exist.")
    if role.startswith("customer:") and thread["role"] != role:
        raise APIError(404, "not_found", f"Thread {thread_id} does not exist.")
    return thread
