"""What every specialist takes and returns."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field


class PendingAction(BaseModel):
    """A write waiting for approval. Executed only by the graph's approval step."""

    action_id: str = Field(default_factory=lambda: "act_" + uuid.uuid4().hex[:12])
    tool: str
    args: dict[str, Any]
    summary: str
    agent: str
    acting_user_id: str | None = None
    language: str = "en"


class AgentOutput(BaseModel):
    agent: str
    text: str
    data: dict[str, Any] = Field(default_factory=dict)
    pending_actions: list[PendingAction] = Field(default_factory=list)
    tool_calls: list[dict] = Field(default_factory=list)
    citations: list[dict] = Field(default_factory=list)
    session: dict[str, Any] = Field(default_factory=dict)  # the agent's memory for this thread
    llm_calls: int = 0


@dataclass
class AgentRequest:
    text: str                      # the user's message (PII intact: used only by deterministic parsers/tools)
    redacted_text: str             # what an LLM, a log or a transcript may see
    channel: str                   # operator | customer | schedule
    language: str
    role: str                      # admin | operator | scheduler | customer:<user_id>
    deps: Any
    session: dict[str, Any] = field(default_factory=dict)

    @property
    def customer_key_user(self) -> str | None:
        return self.role.split(":", 1)[1] if self.role.startswith("customer:") else None


# An agent's session may hold the proposal still waiting for an answer under this key
# ({"action_id", ...}); the approval step removes it once a person decided that action,
# and leaves it when a new message superseded the proposal (the agent may amend it).
OPEN_PROPOSAL = "open_proposal"


def close_proposal(sessions: dict, agent: str, action_id: str) -> dict:
    session = sessions.get(agent) or {}
    if (session.get(OPEN_PROPOSAL) or {}).get("action_id") != action_id:
        return sessions
    return {**sessions, agent: {k: v for k, v in session.items() if k != OPEN_PROPOSAL}}
