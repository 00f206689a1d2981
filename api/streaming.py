"""Server-sent events from a blocking run: the run executes on the bounded run pool and
hands its events to the event loop, which writes them as `event: NAME / data: JSON`.

Once the response has started, its status is 200 whatever happens: an error of the run
becomes an `error` event carrying the API's JSON error body (and the HTTP status it
would have had), and the stream ends cleanly. A client that disconnects stops receiving;
the run itself finishes and is saved, as a dropped `POST /v1/runs` would be.
"""
from __future__ import annotations

import asyncio
import json
from typing import AsyncIterator, Callable

from anyio import to_thread

from api.errors import APIError, error_body
from chuhai.logs import get_logger

log = get_logger("chuhai.api")
_DONE = object()
_RUNNING: set[asyncio.Task] = set()  # keeps runs alive after their client left


def sse(event: str, data: str) -> bytes:
    """One event; `data` is JSON on one line (json.dumps escapes newlines)."""
    return f"event: {event}\ndata: {data}\n\n".encode()


async def run_events(call: Callable[[Callable[[str, str], None]], object], limiter,
                     on_result: Callable[[object], None],
                     to_api_error: Callable[[Exception], APIError | None]) -> AsyncIterator[bytes]:
    """Run `call(emit)` on a worker thread and yield its events as they come.
    `to_api_error` sorts the run's exceptions into API errors (None: unexpected)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    def emit(event: str, data: str) -> None:  # called on the worker thread
        loop.call_soon_threadsafe(queue.put_nowait, (event, data))

    async def work() -> None:
        try:
            on_result(await to_thread.run_sync(call, emit, limiter=limiter))
        except Exception as e:  # noqa: BLE001 - every failure becomes an error event
            error = to_api_error(e)
            if error is None:
                log.error("stream_failed", error=repr(e)[:500])
                error = APIError(500, "internal", "Something went wrong on our side; the run was not completed. "
                                                  "Check the server log for details.")
            body = {**error_body(error.code, error.message), "status": error.status}
            queue.put_nowait(("error", json.dumps(body, ensure_ascii=False)))
        finally:
            queue.put_nowait(_DONE)

    task = asyncio.ensure_future(work())
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    while (item := await queue.get()) is not _DONE:
        yield sse(*item)
