"""A scripted System for harness unit tests: replies come from a function, and a session
may apply store actions to a real fresh store (so store checks run for real)."""
from __future__ import annotations

from evals.systems import Reply, needs_own_store


class ScriptedSession:
    def __init__(self, system, case):
        self.system, self.case = system, case
        self.store = system.stores.fresh(case.id) if needs_own_store(case) else None
        self.turn = 0

    def send(self, text: str) -> Reply:
        self.turn += 1
        self.system.calls += 1
        reply = self.system.respond(self.case, self.turn, text, self.store)
        if isinstance(reply, Exception):
            raise reply
        return reply

    def export_store(self):
        return self.store.export() if self.store else None

    def close(self):
        if self.store:
            from evals.stores import discard

            discard(self.store)


class ScriptedSystem:
    name, model = "scripted", "none"

    def __init__(self, stores, respond):
        self.stores, self.respond, self.calls = stores, respond, 0
        self.store_pii = {}

    def open(self, case):
        return ScriptedSession(self, case)

    def parallel_ok(self, case):
        return True

    def close(self):
        pass


def reply(text: str, route=("support",), llm_calls: int = 0) -> Reply:
    result = {"run_id": "run_x", "thread_id": "t_x", "status": "completed", "route": list(route),
              "output": {"text": text, "language": "en"}, "timings_ms": {"llm_calls": llm_calls}}
    return Reply(text=text, route=list(route), status="completed", llm_calls=llm_calls, latency_s=0.01,
                 result=result)
