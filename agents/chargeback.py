"""The chargeback specialist: evidence bundles and rebuttal letters for the store's card
disputes, deadlines, and submitting a rebuttal (a pending action).

Workflow (deterministic; the LLM supplies nothing): read the request
(agents/chargeback_parse.py) -> call the chargeback tools (tools/chargeback_tools.py:
list_disputes, get_dispute, build_dispute_bundle; submit_dispute only through approval)
or the knowledge base for general questions -> reply from templates in the operator's
language (prompts/chargeback/<lang>.json) with the knowledge-base sections cited.
The session remembers the last dispute, so "submit it" works in a follow-up.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from agents.base import AgentOutput, AgentRequest, PendingAction
from agents.chargeback_parse import ChargebackRequest, parse
from guards.pii import redact_json
from tools import call_tool
from tools.base import ToolContext
from tools.chargeback.letter import money, templates

AGENT = "chargeback"
MAX_LISTED = 10


class DisputeLine(BaseModel):
    id: str
    network: str
    reason_code: str
    family: str | None
    order_id: str
    amount: float
    currency: str
    due_at: str
    days_left: int
    status: str


class ChargebackResult(BaseModel):
    """The agent's typed result (AgentOutput.data)."""
    kind: Literal["bundle", "list", "submit_proposed", "submit_refused", "question", "help", "not_found",
                  "unsupported", "ambiguous"]
    dispute_id: str | None = None
    order_id: str | None = None
    disputes: list[DisputeLine] = Field(default_factory=list)
    total: int | None = None
    window_days: int | None = None
    completeness: float | None = None
    missing: list[str] = Field(default_factory=list)
    recommendation: str | None = None
    bundle: dict[str, Any] | None = Field(None, description="the evidence bundle (e-mails, cards, phones redacted)")
    html: str | None = None
    error: str | None = None


class Replies:
    def __init__(self, lang: str):
        self.lang = lang if templates(lang) else "en"
        self.t, self.en = templates(self.lang), templates("en")

    def __call__(self, key: str, **kw) -> str:
        return (self.t.get(key) or self.en[key]).format(**kw)

    def label(self, group: str, key: str) -> str:
        return (self.t.get(group) or {}).get(key) or self.en[group].get(key, key)

    def labels(self, group: str, keys: list[str]) -> str:
        sep = "、" if self.lang in ("zh", "ja") else ", "
        return sep.join(self.label(group, k) for k in keys)

    def when(self, days_left: int) -> str:
        if days_left == 0:
            return self("due_today")
        return self("due_in", n=days_left) if days_left > 0 else self("overdue", n=-days_left)


class _Run:
    def __init__(self, req: AgentRequest):
        self.req, self.r = req, Replies(req.language)
        self.ctx = ToolContext(deps=req.deps, role=req.role)
        self.session = dict(req.session or {})
        self.citations: list[dict] = []
        self.pending: list[PendingAction] = []

    def tool(self, name: str, **args):
        return call_tool(name, self.ctx, args)

    def done(self, text: str, result: ChargebackResult) -> AgentOutput:
        if result.dispute_id:
            self.session["dispute_id"] = result.dispute_id
        return AgentOutput(agent=AGENT, text=text, data=result.model_dump(), pending_actions=self.pending,
                           tool_calls=self.ctx.audit, citations=self.citations, session=self.session)


def run(req: AgentRequest) -> AgentOutput:
    """Chargeback rebuttals: evidence bundles, letters, deadlines and submissions."""
    x, p = _Run(req), parse(req.text)
    if p.unsupported_network:
        return x.done(x.r("unsupported_network", network=p.unsupported_network),
                      ChargebackResult(kind="unsupported", error=f"network {p.unsupported_network}"))
    if p.unsupported_market:
        return x.done(x.r("unsupported_market", market=p.unsupported_market),
                      ChargebackResult(kind="unsupported", error=f"market {p.unsupported_market}"))
    if p.kind == "list" or (p.kind == "submit" and not _target(x, p, resolve=False)):
        return _list(x, p)
    if p.kind in ("bundle", "submit"):
        dispute_id = _target(x, p)
        if isinstance(dispute_id, AgentOutput):
            return dispute_id
        return _bundle(x, dispute_id, p, submit=p.kind == "submit")
    return _question(x)


def _target(x: _Run, p: ChargebackRequest, resolve: bool = True):
    """The dispute the request is about: named, on the named order, or the session's last."""
    if p.dispute_ids:
        return p.dispute_ids[0]
    if not p.order_ids:
        return x.session.get("dispute_id")
    if not resolve:
        return p.order_ids[0]
    order_id = p.order_ids[0]
    out = x.tool("list_disputes", order_id=order_id)
    if not out.ok:
        return x.done(x.r("unknown_order", order_id=order_id), ChargebackResult(kind="not_found", order_id=order_id,
                                                                              error=out.error))
    found = out.result["disputes"]
    if not found:
        return x.done(x.r("no_dispute_for_order", order_id=order_id),
                      ChargebackResult(kind="not_found", order_id=order_id))
    live = [d for d in found if d["status"] == "open"] or found
    if len(live) > 1:
        return x.done(x.r("several_for_order", order_id=order_id, n=len(live), ids=", ".join(d["id"] for d in live)),
                      ChargebackResult(kind="ambiguous", order_id=order_id, disputes=[_line(d) for d in live]))
    return live[0]["id"]


def _line(d: dict) -> DisputeLine:
    return DisputeLine(**{k: d[k] for k in DisputeLine.model_fields})


def _list(x: _Run, p: ChargebackRequest) -> AgentOutput:
    args: dict[str, Any] = {"limit": 500}
    if p.overdue:
        args["overdue"] = True
    elif p.window_days is not None:
        args["due_within_days"] = p.window_days
    else:
        args["status"] = p.status or "open"
    out = x.tool("list_disputes", **args)
    if not out.ok:
        return x.done(x.r("help"), ChargebackResult(kind="help", error=out.error))
    rows = [_line(d) for d in out.result["disputes"]]
    r = x.r
    if p.overdue:
        head = r("list_overdue", n=len(rows))
    elif p.window_days is not None:
        head = r("list_due", n=len(rows), days=p.window_days) if rows else r("list_none", days=p.window_days)
    else:
        head = r("list_status", n=len(rows), status=r.label("statuses", args["status"])) if p.status else \
            r("list_all", n=len(rows))
    if not rows and (p.overdue or p.window_days is None):
        head = r("list_none_other")
    lines = [head] + [r("list_line", id=d.id, network=d.network, code=d.reason_code,
                        family=r.label("families", d.family or ""), order_id=d.order_id,
                        amount=money(d.amount, d.currency), due=d.due_at[:10], when=r.when(d.days_left))
                      for d in rows[:MAX_LISTED]]
    if len(rows) > MAX_LISTED:
        lines.append(r("list_more", n=len(rows) - MAX_LISTED))
    return x.done("\n".join(lines), ChargebackResult(kind="list", disputes=rows, total=len(rows),
                                                     window_days=p.window_days))


def _bundle(x: _Run, dispute_id: str, p: ChargebackRequest, submit: bool) -> AgentOutput:
    out = x.tool("build_dispute_bundle", dispute_id=dispute_id, include_html=p.html)
    if not out.ok:
        if out.code == "not_found":
            return x.done(x.r("unknown_dispute", id=dispute_id), ChargebackResult(kind="not_found", error=out.error))
        return x.done(x.r("submit_refused", id=dispute_id, why=out.error),
                      ChargebackResult(kind="submit_refused", dispute_id=dispute_id, error=out.error))
    b = out.result["bundle"]
    d, c, a, r = b["dispute"], b["completeness"], b["assessment"], x.r
    x.citations = b["citations"]
    days_left = (date.fromisoformat(d["due_at"][:10]) - x.req.deps.clock().date()).days
    total = len(c["held"]) + len(c["partial"]) + len(c["missing"])
    lines = [r("dispute", id=d["id"], network=d["network"], code=d["reason_code"], reason=d["reason"],
               family=r.label("families", b["family"]), order_id=d["order_id"],
               amount=money(d["amount"], d["currency"]), opened=d["opened_at"][:10], due=d["due_at"][:10],
               when=r.when(days_left), status=r.label("statuses", d["status"])),
             r("completeness", score=round(c["score"] * 100), held=len(c["held"]), total=total,
               partial=len(c["partial"]))]
    if c["missing"]:
        lines.append(r("missing", items=r.labels("items", c["missing"])))
    if c["partial"]:
        lines.append(r("partial", items=r.labels("items", c["partial"])))
    if a["against"]:
        lines.append(r("against", items=r.labels("items", a["against"])))
    fraud = next((i for i in b["evidence"] if i["item"] == "fraud_risk"), None)
    if fraud is not None:
        risk = b.get("fraud_risk")
        lines.append(r("fraud_score", band=r.label("bands", risk["band"]), p=risk["probability"],
                       auc=risk["test_metrics"].get("roc_auc")) if risk else r("fraud_unavailable", why=fraud["note"]))
    result = ChargebackResult(kind="bundle", dispute_id=d["id"], order_id=d["order_id"], completeness=c["score"],
                              missing=c["missing"], recommendation=a["recommendation"],
                              bundle=redact_json(b), html=redact_json(out.result.get("html")))
    if d["status"] != "open" or days_left < 0:
        lines.append(r("already", status=r.label("statuses", d["status"])) if d["status"] != "open" else
                     r("submit_refused", id=d["id"], why=r("overdue", n=-days_left)))
        if submit:
            result.kind = "submit_refused"
        return x.done("\n".join(lines), result)
    if submit:
        summary = r("submit_proposal", id=d["id"], network=d["network"], code=d["reason_code"],
                    order_id=d["order_id"], score=round(c["score"] * 100))
        x.pending.append(PendingAction(tool="submit_dispute", args={"dispute_id": d["id"]}, summary=summary,
                                       agent=AGENT, language=r.lang))
        lines.append(summary)
        result.kind = "submit_proposed"
    else:
        lines.append(r("recommend_contest" if a["recommendation"] == "contest" else "recommend_accept",
                       network=d["network"], id=d["id"]))
    return x.done("\n".join(lines), result)


def _question(x: _Run) -> AgentOutput:
    """A general chargeback question: the best knowledge-base passage, cited; else help."""
    query = x.req.redacted_text.strip()
    out = x.tool("search_knowledge_base", query=query[:1000], k=3, topic="chargebacks") if len(query) >= 2 else None
    passages = (out.result["passages"] if out is not None and out.ok else [])
    if not passages:
        return x.done(x.r("help"), ChargebackResult(kind="help"))
    top = passages[0]
    x.citations = [{k: p[k] for k in ("doc_id", "title", "section", "source", "chunk_id", "text")} for p in passages]
    text = top["text"] if len(top["text"]) <= 600 else top["text"][:600].rsplit(" ", 1)[0] + " …"
    # the title without its parenthesised code list ("(Visa 13.1/13.2, Mastercard 4841/4860)"):
    # the PII guard reads such digit runs as phone numbers and would mangle them
    title = top["title"].split(" (", 1)[0]
    return x.done(x.r("kb_answer", title=title, section=top["section"], text=text),
                  ChargebackResult(kind="question"))


def render_executed(action, ok: bool, detail: str, approved: bool, result: dict | None) -> str:
    """The reply after the approval step ran (or declined) a submit_dispute."""
    r = Replies(action.language)
    dispute_id = action.args.get("dispute_id", "")
    if not approved:
        return r("not_submitted", id=dispute_id)
    if not ok:
        return r("submit_failed", id=dispute_id, why=detail)
    network = ((result or {}).get("dispute") or {}).get("network", "")
    return r("submitted", id=dispute_id, network=network, ref=(result or {}).get("bundle_ref", ""))
