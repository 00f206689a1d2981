"""Thread listing, thread history and pending approvals across threads.

Admin and operator keys see every thread; any other key (customer:<id>, scheduler) only
the threads it started. A thread someone may not see answers 404, as a missing one does.
Lists are newest first and paged: pass the `next_cursor` of a page as `cursor`."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from api.auth import require, role_for
from api.errors import APIError
from graphs.threads import BadCursor, can_see

router = APIRouter(prefix="/v1", tags=["threads"])
Limit = Query(20, ge=1, le=100, description="items per page")
Cursor = Query(None, max_length=512, description="`next_cursor` of the previous page")


def _index(request: Request):
    return request.app.state.runner.threads


def _paged(read):
    try:
        return read()
    except BadCursor as e:
        raise APIError(400, "invalid_cursor", str(e)) from e


@router.get("/threads")
def list_threads(request: Request, limit: int = Limit, cursor: str | None = Cursor,
                 role: str = Depends(role_for)) -> dict:
    """Threads newest first (by when they started), with their last status and pending count."""
    page, more = _paged(lambda: _index(request).threads(role, limit, cursor))
    return {"threads": page, "next_cursor": more}


@router.get("/threads/{thread_id}/history")
def thread_history(thread_id: str, request: Request, limit: int = Query(50, ge=1, le=200),
                   cursor: str | None = Cursor, role: str = Depends(role_for)) -> dict:
    """The redacted transcript (from the checkpoint) and each run's RunResult, oldest first.
    Runs recorded before the thread index existed have a transcript but no RunResult."""
    runner = request.app.state.runner
    state = runner.thread(thread_id)
    row = runner.threads.thread(thread_id)
    owner = row["owner"] if row else (state or {}).get("role")
    if state is None or not can_see(role, owner):
        raise APIError(404, "not_found", f"Thread {thread_id} does not exist.")
    runs, more = _paged(lambda: runner.threads.runs(thread_id, limit, cursor))
    return {"thread": row, "transcript": state["transcript"], "pending_actions": state["pending_actions"],
            "runs": runs, "next_cursor": more}


@router.get("/approvals")
def list_approvals(request: Request, limit: int = Limit, cursor: str | None = Cursor,
                   agent: str | None = Query(None, max_length=64, description="only this agent's actions"),
                   tool: str | None = Query(None, max_length=64, description="only this tool's actions"),
                   role: str = Depends(role_for)) -> dict:
    """Actions waiting for approval, newest first, with their thread, summary and age.
    Decide one with `POST /v1/threads/{thread_id}/approvals/{action_id}`."""
    require(role, "admin", "operator", "customer")
    page, more = _paged(lambda: _index(request).pending(role, limit, cursor, agent=agent, tool=tool))
    return {"approvals": page, "next_cursor": more}
