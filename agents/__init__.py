"""The specialist registry: agent name -> run(AgentRequest) -> AgentOutput."""
from __future__ import annotations

from agents import support, support_actions
from agents.planned import DESCRIPTIONS, make_planned_agent

AGENT_NAMES = ("selection", "copywriter", "pricing", "support", "chargeback", "compliance")

REGISTRY = {name: make_planned_agent(name) for name in DESCRIPTIONS}
REGISTRY["support"] = support.run

# Executors that turn an approved pending action's outcome into a reply, per agent.
RENDER_EXECUTED = {"support": support_actions.render_executed}
