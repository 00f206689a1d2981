"""Runs requests through the graph: new messages, customer "yes"/"no" replies to a
pending proposal, approvals by action id, and thread reads. Returns RunResult.

Every run and resume is recorded in the thread index (graphs/threads.py) for thread
listing, history and pending approvals; `stream` is `run` with events (graphs/events.py)."""
from __future__ import annotations

import time
import uuid

from langgraph.types import Command

from agents.support_parse import yes_no
from chuhai.logs import get_logger
from graphs.direct import DirectPath, Head
from graphs.events import Emit, RunEvents, observed
from graphs.nodes import SUPERSEDED, make_nodes
from graphs.result import Output, PendingActionOut, RunRequest, RunResult
from graphs.state import fresh_run_fields
from graphs.supervisor import build_graph, sqlite_checkpointer
from graphs.threads import ThreadIndex
from store.privacy_parts import forget_thread_if_erased

log = get_logger("chuhai.runs")
# New messages never write inside the graph (writes wait for approval), so their state is
# checkpointed once, when the run ends or interrupts; a crash mid-run loses only that
# unanswered message, which the client sees fail and can send again.
DURABILITY = "exit"


class ApprovalError(Exception):
    """An approval that cannot be applied; `code` is not_found | forbidden | conflict."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


class Runner:
    """`direct=False` sends new messages through `graph.invoke` instead of graphs/direct.py
    (same results; tests compare the two)."""

    def __init__(self, deps, checkpointer=None, *, direct: bool = True):
        self.deps = deps
        self.checkpointer = checkpointer or sqlite_checkpointer(deps.settings.checkpoint_path,
                                                                getattr(deps.store, "keyring", None))
        self.threads = ThreadIndex(self.checkpointer, getattr(deps.store, "keyring", None))
        nodes = observed(make_nodes(deps))
        self.graph = build_graph(deps, self.checkpointer, nodes)
        # a run that proposes writes continues in the graph, checkpointed after every step
        self.direct = DirectPath(self.graph, nodes, durability="sync") if direct else None
        self._reindex()

    # -- public -------------------------------------------------------------------------
    def run(self, req: RunRequest, role: str) -> RunResult:
        thread_id = req.thread_id or _new_thread_id()
        with self.threads.tracking(thread_id):
            return self._run(req, role, thread_id)

    def stream(self, req: RunRequest, role: str, emit: Emit) -> RunResult:
        """`run`, calling `emit(event, json)` for route, tool_call, token, approval_required
        and final events as they happen (graphs/events.py)."""
        thread_id = req.thread_id or _new_thread_id()
        events = RunEvents(emit, thread_id)
        with self.threads.tracking(thread_id), events.active():
            result = self._run(req, role, thread_id)
        events.finish(result)
        return result

    def _run(self, req: RunRequest, role: str, thread_id: str) -> RunResult:
        channel = "customer" if role.startswith("customer:") else req.channel
        config = self._config(thread_id)
        if self.direct is not None:
            # a new thread needs no read; one read of an existing thread's head decides
            head = self.direct.head(config) if req.thread_id else Head(None)
            if head.saved is not None and role.startswith("customer:"):
                self._check_customer(head.values.get("role"), role)
            if head.clean:
                started = time.perf_counter()
                values = self.direct.invoke(self._state_in(req, channel, role), head, config)
                return self._result(thread_id, started, values)
        snap = self.graph.get_state(config) if req.thread_id else None
        if snap and role.startswith("customer:"):
            self._check_customer(snap.values.get("role"), role)
        pending = _pending(snap.interrupts) if snap else []
        started = time.perf_counter()
        if pending:
            self._check_thread_role(snap.values.get("role"), role)
            answer = yes_no(req.input)
            if answer is not None:
                decisions = {a["action_id"]: "approve" if answer == "yes" else "reject" for a in pending}
                return self._resume(thread_id, {"decisions": decisions, "actor": f"message:{role}"}, started)
            # A new request supersedes the unanswered proposal: close it without acting.
            self.graph.invoke(Command(resume={"decisions": {}, "actor": SUPERSEDED}), config)
        values = self.graph.invoke(self._state_in(req, channel, role), config, durability=DURABILITY)
        return self._result(thread_id, started, values)

    def decide(self, thread_id: str, action_id: str, decision: str, role: str, comment: str = "") -> RunResult:
        snap = self.graph.get_state(self._config(thread_id))
        pending = _pending(snap.interrupts)
        if not snap.values:
            raise ApprovalError(f"Thread {thread_id} does not exist.", "not_found")
        if not any(a["action_id"] == action_id for a in pending):
            raise ApprovalError(f"No pending action {action_id} on thread {thread_id}; it may have been "
                                "decided already.", "conflict" if not pending else "not_found")
        action = next(a for a in pending if a["action_id"] == action_id)
        if role.startswith("customer:") and action.get("acting_user_id") != role.split(":", 1)[1]:
            raise ApprovalError("This action is not yours to approve.", "forbidden")
        decisions = {action_id: decision}
        with self.threads.tracking(thread_id):
            return self._resume(thread_id, {"decisions": decisions, "actor": f"api:{role}", "comment": comment},
                                time.perf_counter())

    def pending_actions(self, thread_id: str) -> list[dict]:
        return _pending(self.graph.get_state(self._config(thread_id)).interrupts)

    def thread(self, thread_id: str) -> dict | None:
        snap = self.graph.get_state(self._config(thread_id))
        if not snap.values:
            return None
        v = snap.values
        return {"thread_id": thread_id, "channel": v.get("channel"), "role": v.get("role"),
                "language": v.get("thread_language"), "transcript": v.get("transcript", []),
                "pending_actions": _pending(snap.interrupts),
                "authenticated_user_id": (v.get("sessions") or {}).get("support", {}).get("user_id")}

    # -- internals ----------------------------------------------------------------------
    @staticmethod
    def _config(thread_id: str) -> dict:
        return {"configurable": {"thread_id": thread_id}}

    @staticmethod
    def _state_in(req: RunRequest, channel: str, role: str) -> dict:
        run_id = "run_" + uuid.uuid4().hex[:16]
        return {**fresh_run_fields(run_id), "text": req.input, "channel": channel, "role": role,
                "language": req.language or "", "auto_approve": req.auto_approve}

    @staticmethod
    def _check_thread_role(owner: str | None, role: str) -> None:
        if owner and owner.startswith("customer:") and owner != role:
            raise ApprovalError("This thread belongs to another customer.", "forbidden")

    @staticmethod
    def _check_customer(owner: str | None, role: str) -> None:
        """A customer key continues only its own threads: a new message on someone else's
        thread would make it the thread's role, and GET /v1/threads/{id} would then show it
        the earlier transcript."""
        if owner and owner != role:
            raise ApprovalError("This thread is not yours; start a new one (leave out thread_id).", "forbidden")

    def _reindex(self) -> None:
        """Index threads whose latest checkpoint the index has not seen (graphs/threads.py)."""
        stale = self.threads.stale_threads()
        for thread_id in stale:
            snap = self.graph.get_state(self._config(thread_id))
            pending = _pending(snap.interrupts)
            self.threads.record(thread_id, snap.values, _status(snap.values, pending), pending, None,
                                snap.config["configurable"]["checkpoint_id"])
        if stale:
            log.info("threads_reindexed", threads=len(stale))

    def _resume(self, thread_id: str, value: dict, started: float) -> RunResult:
        # a resume executes writes: checkpoint after every step, so a crash between the
        # store write and the end of the run cannot replay the write on restart
        values = self.graph.invoke(Command(resume=value), self._config(thread_id), durability="sync")
        return self._result(thread_id, started, values)

    def _result(self, thread_id: str, started: float, v: dict) -> RunResult:
        """The RunResult from the state invoke() returned (its `__interrupt__` holds the
        pending approval, if any): no second read of the checkpoint."""
        pending = _pending(v.get("__interrupt__", ()))
        status = _status(v, pending)
        reply = v.get("reply") or {}
        text = reply.get("text", "")
        timings = dict(v.get("timings", {}))
        timings["total"] = round((time.perf_counter() - started) * 1000, 2)
        timings["llm_calls"] = v.get("llm_calls", 0)
        result = RunResult(
            run_id=v.get("run_id", ""), thread_id=thread_id, status=status, route=v.get("route", []),
            output=Output(text=text, language=v.get("language", "en"), data=reply.get("data", {})),
            tool_calls=v.get("tool_calls", []),
            pending_actions=[PendingActionOut(**{k: a[k] for k in ("action_id", "tool", "args", "summary")})
                             for a in pending],
            citations=[c for o in v.get("outputs") or [] for c in o.get("citations") or []],
            guardrails=v.get("guardrails", []), timings_ms=timings)
        self.threads.record(thread_id, v, status, pending, result.model_dump_json())
        if v.get("executed"):  # an erasure approved here: its write-back named the customer
            forget_thread_if_erased(self.checkpointer, thread_id, v["executed"])
        log.info("run", run_id=result.run_id, thread_id=thread_id, status=status, route=result.route,
                 ms=timings["total"], tools=[c["tool"] for c in result.tool_calls])
        return result


def _new_thread_id() -> str:
    return "t_" + uuid.uuid4().hex[:16]


def _status(values: dict, pending: list[dict]) -> str:
    return "awaiting_approval" if pending else ("blocked" if values.get("blocked") else "completed")


def _pending(interrupts) -> list[dict]:
    for intr in interrupts or ():
        value = intr.value if hasattr(intr, "value") else intr
        if isinstance(value, dict) and "pending_actions" in value:
            return value["pending_actions"]
    return []
