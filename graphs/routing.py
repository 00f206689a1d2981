"""Choosing the plan: the trained classifier first, the LLM only under low confidence."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from agents import AGENT_NAMES
from agents.support_parse import looks_like_support

AgentName = Literal["selection", "copywriter", "pricing", "support", "chargeback", "compliance"]

ROUTER_PROMPT = (
    "You route requests of an e-commerce seller to specialists. Specialists: "
    "selection (what products to sell or stock per market), copywriter (product listing text), "
    "pricing (prices, margins, duties, exchange rates), support (customer orders, returns, refunds, tracking), "
    "chargeback (card disputes), compliance (market rules, certifications, banned claims). "
    "Answer with JSON: the list of specialists needed, in order; an empty list if none fits."
)


LLM_PLAUSIBLE = 0.15  # minimum classifier score for a label the LLM picks


class LLMRoute(BaseModel):
    agents: list[AgentName] = Field(default_factory=list, max_length=4)


def plan_route(deps, text: str, channel: str, role: str) -> tuple[list[str], dict]:
    """Return (plan, info). Storefront customers and customer keys only ever reach support."""
    pred = deps.router.predict(text)
    info = {"method": "classifier", "confidence": round(pred.confidence, 4),
            "scores": {k: round(v, 4) for k, v in pred.scores.items()}, "llm_calls": 0}
    customer = channel == "customer" or role.startswith("customer:")
    if customer:
        # short replies ("yes", "是的") continue a support conversation whatever the router thinks
        out_of_scope = not pred.plan and pred.confidence >= deps.settings.router_min_confidence \
            and len(text.strip()) > 20 and not looks_like_support(text)
        return ([] if out_of_scope else ["support"]), info
    plan = list(pred.plan)
    if pred.confidence < deps.settings.router_min_confidence and deps.llm_enabled:
        llm_plan = _ask_llm(deps, text, info)
        # The small model only breaks ties: it may pick among labels the classifier finds plausible.
        if llm_plan is not None and all(pred.scores.get(a, 0.0) >= LLM_PLAUSIBLE for a in llm_plan):
            plan = llm_plan
            info["method"] = "llm"
    return [a for a in plan if a in AGENT_NAMES], info


def _ask_llm(deps, text: str, info: dict) -> list[str] | None:
    info["llm_calls"] = 1
    try:
        out = deps.llm.structured([{"role": "system", "content": ROUTER_PROMPT},
                                   {"role": "user", "content": text[:1500]}], LLMRoute, max_tokens=48)
    except Exception as e:  # the classifier's plan stands when the model fails
        info["llm_error"] = str(e)[:200]
        return None
    return list(dict.fromkeys(out.agents))
