"""Events of a streamed run (`POST /v1/runs/stream`): route, tool_call, token,
approval_required, final.

The runner wraps each graph node (`observed`) so that, while a stream is active in the
current context (`RunEvents.active`), a node's update is turned into events as soon as
the node returns: `route` after the router, one `tool_call` per new tool call after the
specialists and after the approval step (which executes approved writes). The same
wrapped nodes serve LangGraph's loop and graphs/direct.py; with no stream active a
wrapper costs one context-variable read.

`token` events are not generated tokens: replies are composed from templates after the
tools ran (the LLM does not write reply text today), so when the run ends its final
text is sent in word-sized chunks, whose concatenation is exactly `output.text`.
Then `approval_required` (when the run waits for approval) and `final` (the RunResult)
close the stream. A resumed run (a "yes" on a pending proposal) runs no router: its
`route` event repeats the thread's route before the first tool call.

The wrappers take only the state: a node that later wants LangGraph's `config` or
`runtime` argument needs the wrapper to pass it on.
"""
from __future__ import annotations

import json
import re
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable

from chuhai.logs import get_logger
from graphs.result import RunResult
from graphs.state import ChatState

log = get_logger("chuhai.runs")
Emit = Callable[[str, str], None]  # (event name, JSON data)
_ACTIVE: ContextVar["RunEvents | None"] = ContextVar("chuhai_run_events", default=None)
# a word with the spaces after it, cut at 16 characters (CJK text has no spaces), or leading spaces
_CHUNK = re.compile(r"\S{1,16}\s*|\s+")


def observed(nodes: dict[str, Callable]) -> dict[str, Callable]:
    return {name: _observe(name, fn) for name, fn in nodes.items()}


def _observe(name: str, fn: Callable) -> Callable:
    def node(state: ChatState) -> dict:
        update = fn(state)
        events = _ACTIVE.get()
        if events is not None and update:
            events.after_node(name, state, update)
        return update

    node.__name__ = getattr(fn, "__name__", name)
    node.__doc__ = fn.__doc__
    return node


def chunks(text: str) -> list[str]:
    return _CHUNK.findall(text)


class RunEvents:
    def __init__(self, emit: Emit, thread_id: str):
        self.emit, self.thread_id = emit, thread_id
        self.routed = False
        self.broken = False

    @contextmanager
    def active(self):
        token = _ACTIVE.set(self)
        try:
            yield self
        finally:
            _ACTIVE.reset(token)

    def after_node(self, name: str, state: dict, update: dict) -> None:
        if name == "router":
            self._route(state.get("run_id", ""), update.get("route", []))
        calls = update.get("tool_calls")
        if calls:
            # tool_calls has no reducer: a node writes the whole list, earlier calls first
            before = state.get("tool_calls") or []
            new = calls[len(before):] if calls[:len(before)] == before else calls
            if new:
                self._route(state.get("run_id", ""), state.get("route", []))
            for call in new:
                self._send("tool_call", call)

    def finish(self, result: RunResult) -> None:
        self._route(result.run_id, result.route)
        for piece in chunks(result.output.text):
            self._send("token", {"text": piece})
        if result.pending_actions:
            self._send("approval_required", {"thread_id": result.thread_id, "run_id": result.run_id,
                                             "pending_actions": [a.model_dump() for a in result.pending_actions]})
        self._emit("final", result.model_dump_json())

    def _route(self, run_id: str, route: list[str]) -> None:
        if not self.routed:
            self.routed = True
            self._send("route", {"thread_id": self.thread_id, "run_id": run_id, "route": list(route)})

    def _send(self, event: str, data: Any) -> None:
        self._emit(event, json.dumps(data, ensure_ascii=False, default=str))

    def _emit(self, event: str, data: str) -> None:
        """A listener that went away must not fail the run: the run finishes and is saved."""
        if self.broken:
            return
        try:
            self.emit(event, data)
        except Exception as e:
            self.broken = True
            log.warning("stream_listener_failed", thread_id=self.thread_id, error=repr(e)[:200])
