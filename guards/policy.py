"""Policy guard: tool calls and replies checked against the caller's role, the store's
limits and the store policy, before the tool runs and before the reply leaves, whatever
the LLM said.

- ``check_tool_call(tool_name, args, role, settings, ...)`` -> ``Decision``: unknown tool
  or role; a specialist calling a tool that is not its own; a customer calling anything
  but its own support tools, or naming another user; a refund above
  ``settings.max_refund_amount``; a price change above ``settings.max_price_change_pct``.
- ``check_reply(text, language)`` -> ``Decision``: promises the store policy does not
  allow (double refund, refund without return, free replacement, compensation, refund
  to another method, guaranteed delivery dates), patterns in ``guards/data/reply_policy.json``.

Refund limits: an amount the agent chose (an ``amount`` argument) is capped for everyone
but an admin who approved it by hand. A refund the store policy fixes (cancel or return:
the order's paid amount, passed as ``facts["refund_amount"]``) over the limit needs a
person's approval (``needs_human``): the customer's explicit yes or an operator's button
counts (``approved_by_human=True``), an auto-approve rule does not.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    code: str = "ok"
    needs_human: bool = False

    def guardrail(self, name: str = "policy") -> dict:
        """The run's ``guardrails`` entry for this decision."""
        return {"name": name, "action": "pass" if self.allowed else "blocked",
                "detail": "" if self.allowed else f"{self.code}: {self.reason}"}


ALLOW = Decision(True)


@lru_cache(maxsize=1)
def _policy() -> dict:
    return json.loads((files("guards") / "data" / "tool_policy.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _promises() -> dict[str, list[tuple[str, re.Pattern]]]:
    data = json.loads((files("guards") / "data" / "reply_policy.json").read_text(encoding="utf-8"))
    return {lang: [(p["id"], re.compile(p["pattern"], re.I)) for p in items]
            for lang, items in data["promises"].items()}


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _first(args: dict, names: list[str]) -> float | None:
    for n in names:
        if n in args and _number(args[n]) is not None:
            return _number(args[n])
    return None


def check_tool_call(tool_name: str, args: dict | None, role: str, settings, *, agent: str | None = None,
                    acting_user_id: str | None = None, facts: dict | None = None,
                    approved_by_human: bool = False, registry: dict | None = None) -> Decision:
    """Whether ``role`` may run ``tool_name`` with ``args`` now. ``facts`` carries what the
    caller looked up (``refund_amount``, ``current_price``, ``order_user_id``)."""
    pol = _policy()
    args, facts = dict(args or {}), dict(facts or {})
    if registry is None:
        from tools import REGISTRY as registry  # lazy: the store stack is not needed to import guards
    tool = registry.get(tool_name)
    if tool is None:
        return Decision(False, f"no tool named '{tool_name}'", "unknown_tool")
    kind, _, role_user = (role or "").partition(":")
    if kind not in pol["roles"]:
        return Decision(False, f"unknown role '{role}'", "unknown_role")
    agents = tuple(getattr(tool, "agents", ()) or ())
    if agent and agents and agent not in agents:
        return Decision(False, f"'{tool_name}' is not a tool of the {agent} agent", "tool_not_for_agent")
    if kind == "customer":
        if not any(a in agents for a in pol["customer_agents"]):
            return Decision(False, f"a customer cannot use '{tool_name}'", "forbidden_for_role")
        owner = role_user or acting_user_id
        for who in (args.get("user_id"), facts.get("order_user_id")):
            if who is not None and who != owner:
                return Decision(False, "a customer can only act on their own account and orders", "not_own_data")
    elif acting_user_id is not None:
        for who in (args.get("user_id"), facts.get("order_user_id")):
            if who is not None and who != acting_user_id:
                return Decision(False, "this conversation is authenticated as another customer", "not_own_data")
    if getattr(tool, "write", False):
        limit = float(settings.max_refund_amount)
        amount = _first(args, pol["refund_amount_args"])
        if amount is not None and amount > limit and not (kind == "admin" and approved_by_human):
            return Decision(False, f"refund {amount:.2f} is above the limit of {limit:.2f}", "refund_over_limit",
                            needs_human=kind != "admin")
        policy_amount = _number(facts.get("refund_amount"))
        if (tool_name in pol["policy_refund_tools"] and policy_amount is not None and policy_amount > limit
                and not approved_by_human):
            return Decision(False, f"refund {policy_amount:.2f} is above the auto-approval limit of {limit:.2f}; "
                                   "a person must approve it", "refund_over_limit", needs_human=True)
        pct = _price_change_pct(args, facts, pol)
        max_pct = float(settings.max_price_change_pct)
        if pct is not None and pct > max_pct and not (kind == "admin" and approved_by_human):
            return Decision(False, f"price change of {pct:.1f}% is above the limit of {max_pct:.1f}%",
                            "price_change_over_limit", needs_human=kind != "admin")
    return ALLOW


def _price_change_pct(args: dict, facts: dict, pol: dict) -> float | None:
    pct = _first(args, pol["price_change_pct_args"])
    if pct is not None:
        return abs(pct)
    new = _first(args, pol["new_price_args"])
    old = _first(args, pol["old_price_args"])
    if old is None:
        old = _first(facts, pol["old_price_args"])
    if new is None or not old:
        return None
    return abs(new - old) / old * 100.0


def find_promises(text: str, language: str | None = None) -> list[str]:
    norm = unicodedata.normalize("NFKC", text or "")
    pats = _promises()
    langs = [language] if language in pats else list(pats)
    if language in pats and language != "en":
        langs.append("en")  # replies mix in English words
    return sorted({pid for lang in langs for pid, rx in pats[lang] if rx.search(norm)})


def check_reply(text: str, language: str | None = None) -> Decision:
    """Stop a reply that promises what the store policy does not allow."""
    found = find_promises(text, language)
    if found:
        return Decision(False, "the reply promises " + ", ".join(found), "policy_promise")
    return ALLOW
