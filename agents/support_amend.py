"""A new message while a proposal still waits for its yes: the customer amends it.

"Oh wait, also return the desk lamp", "OK, put it on my gift card then", "actually, the
1.5L glass one instead". The runner has closed the unanswered proposal without acting;
the support agent remembers it in the session (`open_proposal`: its order, and the
request's text, redacted) until a person decides it, and reads the new message against it:

- adds to it (an "also" cue) or changes a detail (names a payment method): the earlier
  request and the new message are read together, so the new proposal covers both;
- replaces it (an "instead" cue): the new message alone, on the same order;
- anything else is a new request and is handled on its own.
"""
from __future__ import annotations

from agents import support_parse as sp
from agents.base import OPEN_PROPOSAL as OPEN
from guards.pii import redact

ADD_CUES = ("also", "as well", "additionally", "too.", "too,", "in addition", "auch", "außerdem", "ausserdem",
            "también", "tambien", "además", "ademas", "aussi", "également", "egalement", "还有", "也要", "另外",
            "も返品", "も交換", "それと")
REPLACE_CUES = ("instead", "changed my mind", "change of plan", "rather have", "stattdessen", "lieber doch",
                "anders überlegt", "en cambio", "mejor el", "mejor la", "cambié de opinión", "plutôt", "au lieu",
                "changé d'avis", "改成", "换成", "还是要", "やっぱり", "代わりに")


def remember(session: dict, proposal_id: str, order_id: str | None, text: str) -> None:
    session[OPEN] = {"action_id": proposal_id, "order_id": order_id, "text": redact(text).text[-2000:]}


def amended_text(session: dict, text: str) -> str:
    """The text to handle for this message, given the proposal it may amend (consumed)."""
    open_ = session.pop(OPEN, None)
    if not open_ or not open_.get("order_id"):
        return text
    named = sp.find_order_ids(text)
    if named and open_["order_id"] not in named:
        return text  # about another order: a new request
    if sp.has_any(text, ADD_CUES) or _names_payment(text):
        return f"{open_['text']} {text}"
    if sp.has_any(text, REPLACE_CUES):
        return text if named else f"{text} {open_['order_id']}"
    return text


def _names_payment(text: str) -> bool:
    return sp.has_any(text, sp.KEYWORDS["methods"] + sp.KEYWORDS["payment"])
