"""The peer system: LangGraph's reference supervisor (``langgraph-supervisor``'s
``create_supervisor``) over the same bundled model, behind the harness's System interface.

- Six ``create_react_agent`` specialists named like Chuhai's. ``support`` gets Chuhai's
  store tools (``tools.store_tools.STORE_TOOLS``, each a StructuredTool calling
  ``tools.call_tool`` on the case's fresh store). The peer has no approval flow, so a
  write tool writes at once; the tools act with staff rights (``acting_user_id=None``):
  nothing but the model's own judgement checks who the customer is. The other five
  answer "not available yet" from a scripted chat model (no LLM call), as Chuhai's five
  planned specialists do.
- The supervisor hands off with the library's handoff tools (one per agent, described
  with the routing labels' definitions from ``ml/datasets/ROUTING.md``), keeps the
  whole history (``InMemorySaver``, one thread per case) and names agents inline
  (``include_agent_name="inline"``, the library's mode for models without a ``name`` field).
- The model is ``evals.peer_chat.LlamaToolChatModel``; every chat call is counted and timed.
- A turn's route is the ordered list of agents the supervisor handed off to in that
  turn (from the handoff ToolMessages), repeats removed; the raw list is in
  ``Reply.result["handoffs"]``. Its text is every non-handoff AI message of the turn.
- Each case gets its own store copy, so any case may write; cases run one at a time
  (one llama.cpp model, and latency is measured).
"""
from __future__ import annotations

from functools import cached_property

import json
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import chuhai  # noqa: F401  (telemetry off before LangChain / LangGraph load)
from evals.cases import Case
from evals.stores import StoreFactory, discard
from evals.systems import Reply

AGENTS = ("selection", "copywriter", "pricing", "support", "chargeback", "compliance")
HANDOFF_DESTINATION = "__handoff_destination"   # langgraph_supervisor.handoff.METADATA_KEY_HANDOFF_DESTINATION
HANDOFF_BACK = "__is_handoff_back"              # ... METADATA_KEY_IS_HANDOFF_BACK

# what each agent does: the label definitions the router's data set was written against
HANDOFF_DESCRIPTIONS = {
    "selection": "Product selection: what to sell, stock, stop restocking, launch or drop; demand, "
                 "trends, sales history and forecasts, reorder quantities.",
    "copywriter": "Listing copy: titles, bullet points, descriptions, keywords, translation and "
                  "localisation of listings, brand voice.",
    "pricing": "Pricing: prices against competitors, margins and fees, landed cost, duties, VAT, FX, "
               "repricing, discounts, coupons, shipping charges.",
    "support": "Customer support for the store's customers: order status and tracking, cancel, change "
               "address, payment or items, returns, exchanges, refunds, account.",
    "chargeback": "Card disputes and chargebacks: reason codes, evidence, rebuttal letters, deadlines.",
    "compliance": "Market rules and compliance: CE/UKCA/FCC, batteries, toys, labelling, banned claims, "
                  "GDPR, platform listing rules, restricted products, listing audits.",
}
SUPERVISOR_PROMPT = (
    "You are the supervisor of Chuhai, a team of six agents that help a cross-border e-commerce "
    "seller. Hand the request to the agent whose work it is, one agent at a time; if the request "
    "asks for several steps, hand it to each of those agents in order. When the agents have "
    "answered, or when the request is outside all six (small talk, weather, jokes, coding, "
    "personal shopping), reply to the user yourself with a short message."
)
CUSTOMER_NOTE = (" The user is a customer of the seller's store writing in the storefront chat: "
                 "only the support agent may serve them.")
SUPPORT_PROMPT = (
    "You are the customer-support agent of an online store. First find the customer's user id, "
    "by e-mail (find_user_id_by_email) or by first name, last name and zip "
    "(find_user_id_by_name_zip). Look orders up with get_order_details and the customer with "
    "get_user_details. Only pending orders can be cancelled or modified; only delivered orders can "
    "be returned or exchanged. Make a change only when the customer asks for it and has confirmed "
    "it. Answer briefly, in the customer's language, with the order id and its status."
)
NOT_AVAILABLE = "The {name} specialist is not available yet in this version of Chuhai."


# -- the parts ---------------------------------------------------------------------------------
def store_tools(store: Any, audit: list[dict]) -> list:
    """The store's tools (the registry's tools.store_tools, what our support agent uses) as
    LangChain StructuredTools on ``store`` (writes run at once)."""
    from langchain_core.tools import StructuredTool

    import tools as registry
    from tools import ToolContext
    from tools.store_tools import STORE_TOOLS

    ctx = ToolContext(deps=SimpleNamespace(store=store), role="operator", acting_user_id=None, audit=audit)

    def make(name: str, tool: Any) -> StructuredTool:
        def run(**kwargs: Any) -> str:
            outcome = registry.call_tool(name, ctx, kwargs)
            payload = outcome.result if outcome.ok else {"error": outcome.error, "code": outcome.code}
            return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)

        # a JSON-schema args_schema: arguments reach call_tool unvalidated, so a bad argument
        # comes back to the model as a typed failure instead of an exception in the ToolNode
        return StructuredTool.from_function(func=run, name=name, description=tool.description,
                                            args_schema=tool.input_model.model_json_schema())

    return [make(tool.name, tool) for tool in STORE_TOOLS]


def stub_agent(name: str):
    """A specialist that only says it is not available yet (a scripted model: no LLM call)."""
    from langchain_core.language_models import FakeListChatModel
    from langgraph.prebuilt import create_react_agent

    return create_react_agent(FakeListChatModel(responses=[NOT_AVAILABLE.format(name=name)]), tools=[],
                              name=name)


def build_peer_graph(model: Any, tools: list, *, channel: str = "operator", checkpointer: Any = None,
                     specialists: dict[str, Any] | None = None):
    """The compiled reference supervisor over ``model``; ``specialists`` replaces agents (tests)."""
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.prebuilt import create_react_agent
    from langgraph_supervisor import create_handoff_tool, create_supervisor

    agents = dict(specialists or {})
    if "support" not in agents:
        agents["support"] = create_react_agent(model, tools=tools, name="support", prompt=SUPPORT_PROMPT)
    for name in AGENTS:
        agents.setdefault(name, stub_agent(name))
    handoffs = [create_handoff_tool(agent_name=n, description=HANDOFF_DESCRIPTIONS[n]) for n in AGENTS]
    prompt = SUPERVISOR_PROMPT + (CUSTOMER_NOTE if channel == "customer" else "")
    workflow = create_supervisor([agents[n] for n in AGENTS], model=model, tools=handoffs, prompt=prompt,
                                 output_mode="last_message", include_agent_name="inline",
                                 supervisor_name="supervisor")
    return workflow.compile(checkpointer=checkpointer if checkpointer is not None else InMemorySaver())


# -- reading a turn's messages ------------------------------------------------------------------
def handoffs_in(messages: list) -> list[str]:
    """Agents handed off to, in order (executed handoffs: the handoff tools' ToolMessages)."""
    from langchain_core.messages import ToolMessage

    out = []
    for m in messages:
        if isinstance(m, ToolMessage):
            dest = (m.response_metadata or {}).get(HANDOFF_DESTINATION)
            if dest:
                out.append(dest)
    return out


def route_of(handoffs: list[str]) -> list[str]:
    """The plan: handoffs in order of first appearance (a re-handoff to the same agent is
    the same plan step)."""
    seen: list[str] = []
    for h in handoffs:
        if h not in seen:
            seen.append(h)
    return seen


def reply_text(messages: list) -> str:
    """What the user reads: every AI message with text, except handoff bookkeeping."""
    from langchain_core.messages import AIMessage

    parts = []
    for m in messages:
        if isinstance(m, AIMessage) and not (m.response_metadata or {}).get(HANDOFF_BACK):
            text = m.content if isinstance(m.content, str) else "".join(
                b.get("text", "") for b in m.content if isinstance(b, dict))
            if text.strip():
                parts.append(text.strip())
    return "\n".join(parts)


# -- the System --------------------------------------------------------------------------------
class PeerSession:
    def __init__(self, system: "PeerSystem", case: Case):
        self.system = system
        self.store = system.stores.fresh(f"peer-{case.id}")
        self.audit: list[dict] = []
        self.graph = build_peer_graph(system.chat_model, store_tools(self.store, self.audit), channel=case.channel)
        self.thread_id = uuid.uuid4().hex

    def send(self, text: str) -> Reply:
        from langchain_core.messages import HumanMessage
        from langgraph.errors import GraphRecursionError

        model = self.system.chat_model
        config = {"configurable": {"thread_id": self.thread_id}, "recursion_limit": self.system.recursion_limit}
        before_ids = {m.id for m in self._history()}
        calls0, audit0 = model.calls, len(self.audit)
        status, error, last = "completed", None, None
        started = time.perf_counter()
        try:
            for values in self.graph.stream({"messages": [HumanMessage(content=text)]}, config,
                                            stream_mode="values"):
                last = values
        except GraphRecursionError:
            status, error = "failed", f"recursion limit ({self.system.recursion_limit} steps) reached"
        except Exception as e:  # noqa: BLE001  (a peer failure is a result, not a crash)
            status, error = "failed", f"{type(e).__name__}: {str(e)[:300]}"
        latency = time.perf_counter() - started
        messages = (last or {}).get("messages") or self._history()
        new = [m for m in messages if m.id not in before_ids]
        records = model.records[calls0:]
        handoffs = handoffs_in(new)
        route = route_of(handoffs)
        tool_calls = self.audit[audit0:]
        result = {
            "route": route, "handoffs": handoffs, "status": status,
            "output": {"text": reply_text(new)},
            "tool_calls": tool_calls,
            "writes_without_approval": [c["tool"] for c in tool_calls if c["ok"] and _is_write(c["tool"])],
            "timings_ms": {"total": round(latency * 1000, 1), "llm_calls": len(records),
                           "llm": round(sum(r.seconds for r in records) * 1000, 1)},
            "llm_trimmed_messages": sum(r.trimmed for r in records),
        }
        return Reply(text=result["output"]["text"], route=route, status=status, llm_calls=len(records),
                     latency_s=latency, result=result, error=error)

    def _history(self) -> list:
        snap = self.graph.get_state({"configurable": {"thread_id": self.thread_id}})
        return list((snap.values or {}).get("messages") or [])

    def export_store(self) -> dict | None:
        return self.store.export()

    def close(self) -> None:
        discard(self.store)


def _is_write(tool: str) -> bool:
    import tools as registry

    t = registry.REGISTRY.get(tool)
    return bool(t and t.write)


class PeerSystem:
    """``create_supervisor`` + ``create_react_agent`` on the bundled GGUF (see module doc)."""

    name = "langgraph-supervisor"

    def __init__(self, shared_data_dir: Path, *, chat_model: Any = None, settings: Any = None,
                 recursion_limit: int = 10, workdir: Path | None = None):
        from chuhai.settings import Settings
        from evals.peer_chat import LlamaToolChatModel

        self.shared = Path(shared_data_dir)
        settings = settings or Settings(llm_backend="llama_cpp")
        self.chat_model = chat_model or LlamaToolChatModel.from_settings(settings)
        self.model = "bundled" if chat_model is None else getattr(chat_model, "model_name", "custom")
        self.recursion_limit = recursion_limit
        self._tmp = None if workdir else tempfile.mkdtemp(prefix="chuhai-peer-")
        self.workdir = Path(workdir or self._tmp)
        self.stores = StoreFactory(self.shared / "retail", self.workdir / "stores")

    @cached_property
    def store_pii(self) -> dict[str, str]:
        from evals.evaluators import store_pii_index

        return store_pii_index(self.stores.seed_export)

    def parallel_ok(self, case: Case) -> bool:
        return False

    def open(self, case: Case) -> PeerSession:
        return PeerSession(self, case)

    def close(self) -> None:
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
