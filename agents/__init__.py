"""The specialist registry: agent name -> run(AgentRequest) -> AgentOutput."""
from __future__ import annotations

from agents import chargeback
from agents import selection
from agents import pricing
from agents import compliance, copywriter, support, support_actions
from agents.planned import DESCRIPTIONS, make_planned_agent

AGENT_NAMES = ("selection", "copywriter", "pricing", "support", "chargeback", "compliance")

REGISTRY = {name: make_planned_agent(name) for name in DESCRIPTIONS}
REGISTRY["support"] = support.run
REGISTRY["compliance"] = compliance.run
REGISTRY["copywriter"] = copywriter.run
REGISTRY["chargeback"] = chargeback.run
REGISTRY["selection"] = selection.run
REGISTRY["pricing"] = pricing.run

# Executors that turn an approved pending action's outcome into a reply, per agent.
RENDER_EXECUTED = {"support": support_actions.render_executed, "compliance": compliance.render_executed,
                   "copywriter": copywriter.render_executed}
RENDER_EXECUTED["chargeback"] = chargeback.render_executed
RENDER_EXECUTED["pricing"] = pricing.render_executed


def render_executed(action, ok: bool, detail: str, approved: bool, result: dict | None) -> str:
    """The reply for an executed (or declined, or stopped) pending action. An agent without
    its own renderer gets the plain done / declined / failed templates."""
    render = RENDER_EXECUTED.get(action.agent, support_actions.render_executed)
    return render(action, ok, detail, approved, result)
