"""One support message being handled: the tool context, the replies being built, and the
agent's memory of the thread (who is authenticated, an unfinished request)."""
from __future__ import annotations

from agents.base import AgentOutput, AgentRequest, PendingAction
from agents.support_replies import Replies, replies
from guards.pii import redact
from tools import call_tool
from tools.base import ToolContext

AGENT = "support"
# the order status each action needs
STATUS_FOR = {"cancel": "pending", "order_address": "pending", "payment": "pending", "modify_items": "pending",
              "return": "delivered", "exchange": "delivered"}


class Turn:
    """One message being handled: the tool context, the replies and the output being built."""

    def __init__(self, req: AgentRequest):
        self.req = req
        self.session = dict(req.session)
        self.lang = req.language
        self.r: Replies = replies(self.lang)
        user_id = req.customer_key_user or self.session.get("user_id")
        self.ctx = ToolContext(deps=req.deps, role=req.role, acting_user_id=user_id)
        self.parts: list[str] = []
        self.pending: list[PendingAction] = []
        self.data: dict = {}
        self.citations: list[dict] = []
        self._products: dict[str, dict | None] = {}

    def call(self, tool: str, **args):
        return call_tool(tool, self.ctx, args)

    def say(self, key: str, **kw) -> None:
        self.parts.append(self.r.t(key, **kw))

    def product(self, product_id: str) -> dict | None:
        """A product's details, fetched once per message however many steps need them."""
        if product_id not in self._products:
            self._products[product_id] = self.call("get_product_details", product_id=product_id).result
        return self._products[product_id]

    def ask_again(self, text: str) -> None:
        """Remember the request so the customer's next message can complete it (redacted:
        the thread's memory is checkpointed; authentication reads only the new message)."""
        self.session["request_text"] = redact(text).text[-2000:]

    def output(self) -> AgentOutput:
        return AgentOutput(agent=AGENT, text=" ".join(p for p in self.parts if p), data=self.data,
                           pending_actions=self.pending, tool_calls=self.ctx.audit, citations=self.citations,
                           session=self.session)


def original_method(order: dict) -> str | None:
    """The payment method of the order's first payment ("my original card")."""
    payments = [p for p in order["payment_history"] if p["transaction_type"] == "payment"]
    return payments[0]["payment_method_id"] if payments else None
