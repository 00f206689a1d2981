"""The compliance specialist: audits listings against each market's rules (kept as data,
agents/data/compliance_rules.yaml), audits the store's data handling, and proposes a
customer's erasure as a pending action.

Workflow (deterministic; the LLM supplies nothing): read the request
(agents/compliance_parse.py) -> call the tools (tools/compliance_tools.py, audited) ->
a typed ``ComplianceResult`` in ``AgentOutput.data`` -> the reply from templates in the
user's language (agents/compliance_replies.py), citing the knowledge-base sections of
the rules that fired. Unsupported markets, unknown products and unknown customers get a
clear answer; an erasure is only ever proposed (``erase_customer_data`` runs after a
person approves it, and only for an admin).
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from agents.base import AgentOutput, AgentRequest, PendingAction
from agents.compliance_audit import applicable_rules
from agents.compliance_parse import ParsedRequest, parse
from agents.compliance_replies import Texts, listing_reply, pii_reply, product_reply, store_reply
from agents.compliance_rules import rule_book
from agents.compliance_store import worst_products
from tools import call_tool
from tools.base import ToolContext
from tools.compliance_schemas import AuditReport, Citation, Listing, PiiScan, StoreAudit

AGENT = "compliance"
MAX_CITATIONS = 8
Intent = Literal["audit_listing", "audit_product", "audit_store", "scan_pii", "erase", "requirements", "help",
                 "unsupported_market", "not_found", "failed"]


class Requirement(BaseModel):
    rule_id: str
    family: str
    severity: str
    title: str
    fix: str
    citation: str


class ErasureProposal(BaseModel):
    user_id: str | None = None
    orders: int = 0
    payment_methods: int = 0
    action_id: str | None = None
    reason: str | None = Field(None, description="why nothing was proposed: which_customer | unknown | admin_only")


class ComplianceResult(BaseModel):
    intent: Intent
    markets: list[str] = Field(default_factory=list)
    unsupported_markets: list[str] = Field(default_factory=list)
    eu_members: list[str] = Field(default_factory=list, description="member states checked with the EU-wide rules")
    listing_reports: list[AuditReport] = Field(default_factory=list)
    store_audit: StoreAudit | None = None
    pii_scan: PiiScan | None = None
    erasure: ErasureProposal | None = None
    requirements: dict[str, list[Requirement]] = Field(default_factory=dict, description="market -> rules")
    product_ids: list[str] = Field(default_factory=list)
    error: str | None = None


class _Run:
    """One request: the tool context, the texts and what is collected for the output."""

    def __init__(self, req: AgentRequest):
        self.req = req
        self.ctx = ToolContext(deps=req.deps, role=req.role)
        self.tx = Texts(req.language)
        self.citations: dict[str, Citation] = {}
        self.pending: list[PendingAction] = []
        self.notes: list[str] = []

    def tool(self, name: str, args: dict):
        return call_tool(name, self.ctx, args)

    def cite(self, cited: dict[str, Citation]) -> None:
        for cid, c in cited.items():
            self.citations.setdefault(cid, c)


def run(req: AgentRequest) -> AgentOutput:
    r = _Run(req)
    names = r.tool("list_all_product_types", {})
    products = names.result["product_types"] if names.ok else {}
    parsed = parse(req.text, list(products), req.language)
    result, lines = _dispatch(r, parsed, products)
    text = "\n".join([*r.notes, *lines])
    citations = [_citation(c) for c in list(r.citations.values())[:MAX_CITATIONS]]
    return AgentOutput(agent=AGENT, text=text, data=result.model_dump(mode="json"), pending_actions=r.pending,
                       tool_calls=r.ctx.audit, citations=citations, session=req.session)


def _dispatch(r: _Run, p: ParsedRequest, products: dict[str, str]) -> tuple[ComplianceResult, list[str]]:
    tx, book = r.tx, rule_book()
    base = dict(markets=p.markets, unsupported_markets=p.unsupported, eu_members=p.eu_members)
    unsupported = _names(p.unsupported)
    if p.intent == "help":
        return ComplianceResult(intent="help", **base), [tx.t("help")]
    if p.intent == "erase":
        return _erase(r, p, base)
    if p.intent == "scan_pii":
        out = r.tool("scan_stored_pii", {})
        if not out.ok:
            return ComplianceResult(intent="failed", error=out.error, **base), [tx.t("tool_failed", error=out.error)]
        scan = PiiScan.model_validate(out.result)
        r.cite(scan.citations)
        return ComplianceResult(intent="scan_pii", pii_scan=scan, **base), pii_reply(tx, scan)
    if p.unsupported and not p.markets:
        line = tx.t("unsupported_market", names=unsupported, supported=tx.markets(list(book.markets)))
        return ComplianceResult(intent="unsupported_market", **base), [line]
    if p.unsupported:
        r.notes.append(tx.t("unsupported_market", names=unsupported, supported=tx.markets(list(book.markets))))
    if p.eu_members:
        r.notes.append(tx.t("eu_member_note", names=_names(p.eu_members)))
    markets = p.markets or list(book.markets)
    if not p.markets and p.intent in ("audit_listing", "audit_text", "audit_product", "audit_store"):
        r.notes.append(tx.t("all_markets_note", markets=tx.markets(markets)))
    base["markets"] = markets
    if p.intent == "audit_text":
        out = r.tool("audit_listing", {"listing": p.listing.model_dump(), "markets": markets})
        if not out.ok:
            return ComplianceResult(intent="failed", error=out.error, **base), [tx.t("tool_failed", error=out.error)]
        reports = [AuditReport.model_validate(x) for x in out.result["reports"]]
        for rep in reports:
            r.cite(rep.citations)
        return ComplianceResult(intent="audit_listing", listing_reports=reports, **base), listing_reply(tx, reports)
    if p.intent == "audit_store":
        return _store(r, base, markets, None)
    if p.intent == "audit_product":
        ids = _product_ids(r, p, products)
        if not ids:
            what = ", ".join(p.ids or p.products)
            return (ComplianceResult(intent="not_found", **base),
                    [tx.t("product_not_found", what=what, examples=", ".join(sorted(products)[:6]))])
        return _store(r, base, markets, ids)
    return _requirements(r, p, base, markets, products)


def _store(r: _Run, base: dict, markets: list[str], product_ids: list[str] | None):
    out = r.tool("audit_store", {"markets": markets, "product_ids": product_ids})
    if not out.ok:
        return ComplianceResult(intent="failed", error=out.error, **base), [r.tx.t("tool_failed", error=out.error)]
    audit = StoreAudit.model_validate(out.result)
    r.cite(audit.citations)
    if product_ids:
        return (ComplianceResult(intent="audit_product", store_audit=audit, product_ids=product_ids, **base),
                product_reply(r.tx, audit))
    return (ComplianceResult(intent="audit_store", store_audit=audit, **base),
            store_reply(r.tx, audit, worst_products(audit)))


def _product_ids(r: _Run, p: ParsedRequest, products: dict[str, str]) -> list[str]:
    """Product ids named by product name, product id or item id (an item's product)."""
    ids = [products[n] for n in p.products if n in products]
    known = set(products.values())
    for x in p.ids:
        if x in known:
            ids.append(x)
            continue
        for pid in known:  # an item id: find its product
            out = r.tool("get_product_details", {"product_id": pid})
            if out.ok and x in out.result.get("variants", {}):
                ids.append(pid)
                break
    return list(dict.fromkeys(ids))


def _requirements(r: _Run, p: ParsedRequest, base: dict, markets: list[str], products: dict[str, str]):
    tx, book = r.tx, rule_book()
    if not p.markets:
        return (ComplianceResult(intent="help", **base),
                [tx.t("which_listing", examples=", ".join(sorted(products)[:4])), tx.t("help")])
    listing = Listing(title=p.request_text.strip()[:500] or "?", language=r.req.language)
    reqs: dict[str, list[Requirement]] = {}
    lines: list[str] = []
    for market in p.markets:
        rules = applicable_rules(listing, market, book)
        reqs[market] = [Requirement(rule_id=x.id, family=x.family, severity=x.severity, title=x.title, fix=x.fix,
                                    citation=x.citation) for x in rules]
        if not rules:
            lines.append(tx.t("requirements_none", market=tx.market(market)))
            continue
        lines.append(tx.t("requirements_header", market=tx.market(market)))
        lines += [tx.t("requirement_line", i=i, severity=tx.severity(x.severity), family=tx.family(x.family),
                       fix=tx.fix(x.need)) for i, x in enumerate(rules, 1)]
        r.cite({x.citation: book.citation(x.citation) for x in rules})
    return ComplianceResult(intent="requirements", requirements=reqs, **base), lines


def _erase(r: _Run, p: ParsedRequest, base: dict):
    tx = r.tx
    if not p.customer:
        return (ComplianceResult(intent="erase", erasure=ErasureProposal(reason="which_customer"), **base),
                [tx.t("erase_which")])
    user_id = p.customer
    if "@" in user_id:
        found = r.tool("find_user_id_by_email", {"email": user_id})
        user_id = found.result["user_id"] if found.ok else None
    details = r.tool("get_user_details", {"user_id": user_id}) if user_id else None
    if details is None or not details.ok:
        return (ComplianceResult(intent="erase", erasure=ErasureProposal(reason="unknown"), **base),
                [tx.t("erase_unknown", customer=p.customer)])
    if r.req.role != "admin":
        return (ComplianceResult(intent="erase", erasure=ErasureProposal(user_id=user_id, reason="admin_only"), **base),
                [tx.t("erase_admin_only")])
    user = details.result
    proposal = ErasureProposal(user_id=user_id, orders=len(user.get("orders") or []),
                               payment_methods=len(user.get("payment_methods") or {}))
    action = PendingAction(tool="erase_customer_data", args={"user_id": user_id}, agent=AGENT,
                           summary=tx.t("erase_summary", user_id=user_id), language=r.req.language)
    proposal.action_id = action.action_id
    r.pending.append(action)
    book = rule_book()
    rule = book.data_rules["DH-ERASURE"]
    r.cite({rule.citation: book.citation(rule.citation)})
    days = r.req.deps.settings.erasure_deadline_days
    line = tx.t("erase_propose", user_id=user_id, orders=proposal.orders, payment_methods=proposal.payment_methods,
                deadline_days=days)
    return ComplianceResult(intent="erase", erasure=proposal, **base), [line]


def render_executed(action: PendingAction, ok: bool, detail: str, approved: bool, result: dict | None) -> str:
    """The reply once a person decided on the proposed erasure."""
    tx = Texts(action.language)
    if not approved:
        return tx.t("erase_declined")
    if not ok or result is None:
        return tx.t("erase_failed", detail=detail)
    req = result.get("request") or {}
    parts = req.get("parts") or {}
    if parts.get("nothing_held"):
        return tx.t("erase_nothing", user_id=action.args.get("user_id"), request_id=req.get("request_id"))
    return tx.t("erase_done", user_id=action.args.get("user_id"), rows=sum((parts.get("store") or {}).values()),
                threads=(parts.get("threads") or {}).get("deleted", 0),
                faqs=(parts.get("knowledge_base") or {}).get("faq_entries", 0), request_id=req.get("request_id"))


def _names(names: list[str]) -> str:
    return ", ".join(dict.fromkeys(n.title() if n.isascii() else n for n in names))


def _citation(c: Citation, max_text: int = 300) -> dict:
    text = c.text if len(c.text) <= max_text else c.text[:max_text].rsplit(" ", 1)[0] + " …"
    return {"doc_id": c.doc_id, "title": c.title, "section": c.section, "source": c.source, "chunk_id": c.chunk_id,
            "text": text}


__all__ = ["ComplianceResult", "ErasureProposal", "Requirement", "render_executed", "run"]
