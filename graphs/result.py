"""The RunResult contract of DESIGN.md (API, CLI, Slack and evals all return it)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Channel = Literal["operator", "customer", "schedule"]


class RunRequest(BaseModel):
    input: str = Field(min_length=1, description="the user's message")
    thread_id: str | None = Field(None, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")
    channel: Channel = "operator"
    language: str | None = Field(None, pattern=r"^[a-z]{2}$")
    auto_approve: bool = False
    metadata: dict[str, Any] = Field(default_factory=dict)


class Output(BaseModel):
    text: str
    language: str
    data: dict[str, Any] = Field(default_factory=dict)


class PendingActionOut(BaseModel):
    action_id: str
    tool: str
    args: dict[str, Any]
    summary: str


class RunResult(BaseModel):
    run_id: str
    thread_id: str
    status: Literal["completed", "awaiting_approval", "blocked", "failed"]
    route: list[str]
    output: Output
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)
    pending_actions: list[PendingActionOut] = Field(default_factory=list)
    citations: list[dict[str, Any]] = Field(default_factory=list)
    guardrails: list[dict[str, Any]] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
