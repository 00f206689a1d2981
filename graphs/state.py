"""Graph state. Per-run fields are reset by each new input; thread memory persists in the
checkpointer (sessions of each agent, the redacted transcript, the thread's language)."""
from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict


class ChatState(TypedDict, total=False):
    # per-run input
    run_id: str
    text: str            # raw message: read only by deterministic parsers and tools
    redacted: str        # what prompts, logs and transcripts see
    channel: str
    language: str
    role: str
    auto_approve: bool
    # thread memory
    sessions: dict[str, dict]
    transcript: Annotated[list[dict], operator.add]
    thread_language: str
    # per-run results
    route: list[str]
    route_info: dict[str, Any]
    outputs: list[dict]
    pending: list[dict]
    executed: list[dict]
    tool_calls: list[dict]
    guardrails: list[dict]
    reply: dict[str, Any]
    blocked: bool
    llm_calls: int
    timings: dict[str, float]


def fresh_run_fields(run_id: str) -> dict:
    return {"run_id": run_id, "route": [], "route_info": {}, "outputs": [], "pending": [], "executed": [],
            "tool_calls": [], "guardrails": [], "reply": {}, "blocked": False, "llm_calls": 0, "timings": {}}
