"""Compliance tools: audit one listing, audit the store's catalogue, scan stored data for
personal data where it should not be, and erase a customer (a write: only through an
approved pending action of the compliance agent, and only for an admin)."""
from __future__ import annotations

from pydantic import BaseModel, Field

from tools.base import ToolContext, ToolFailure, tool
from tools.compliance_schemas import AuditReport, Listing, PiiScan, StoreAudit

# The engine lives in agents/ (agents/compliance_*.py), imported when a tool runs: the
# agents package imports this registry, so importing it here would be circular.

USER_ID = r"^[A-Za-z0-9_.-]+$"


def markets_or_fail(markets: list[str]) -> list[str]:
    """Market codes of the rule book (all of them for an empty list); an unknown one is a
    typed 'invalid' failure that lists the supported markets."""
    from agents.compliance_audit import resolve_market
    from agents.compliance_rules import rule_book

    book = rule_book()
    if not markets:
        return list(book.markets)
    out, bad = [], []
    for m in markets:
        code = resolve_market(m, book)
        (out if code else bad).append(code or m)
    if bad:
        raise ToolFailure(f"Unsupported market(s) {', '.join(bad)}; supported: {', '.join(book.markets)} "
                          "(EU covers any member state with the EU-wide rules).", "invalid")
    return list(dict.fromkeys(out))


class AuditListingIn(BaseModel):
    listing: Listing
    markets: list[str] = Field(default_factory=list, max_length=9,
                               description="market codes; empty: the listing's own market, else all")


class AuditListingOut(BaseModel):
    reports: list[AuditReport]


@tool("audit_listing", AuditListingIn, AuditListingOut, agents=("compliance", "copywriter"))
def audit_listing(ctx: ToolContext, a: AuditListingIn) -> AuditListingOut:
    """Audit one listing (title, bullets, description, keywords, attributes) against the
    compliance rules of each market: health claims, superlatives, misleading claims,
    required marks (CE, UKCA, FCC, PSE, Giteki, CCC), WEEE, batteries and lithium shipping,
    toys, textiles, CLP and the GPSR. Each finding has the rule, what was found or is
    missing, the fix and the knowledge-base section it rests on."""
    from agents.compliance_audit import audit_markets

    markets = markets_or_fail(a.markets or ([a.listing.market] if a.listing.market else []))
    return AuditListingOut(reports=audit_markets(a.listing, markets))


class AuditStoreIn(BaseModel):
    markets: list[str] = Field(default_factory=list, max_length=9, description="market codes; empty: all")
    product_ids: list[str] | None = Field(None, max_length=200, description="only these products; default all")


@tool("audit_store", AuditStoreIn, StoreAudit, agents=("compliance",))
def audit_store(ctx: ToolContext, a: AuditStoreIn) -> StoreAudit:
    """Audit every variant of every store product (or of product_ids) for each market: the
    latest published listing when the copywriter published one, else a listing built from
    the product name and options. Summarised per product and market."""
    from agents.compliance_store import audit_store as run_store_audit

    markets = markets_or_fail(a.markets)
    if a.product_ids:
        known = set(ctx.deps.store.list_all_product_types().values())
        unknown = [p for p in a.product_ids if p not in known]
        if unknown:
            raise ToolFailure(f"No product {', '.join(unknown)} in the store (list_all_product_types lists them).",
                              "not_found")
    return run_store_audit(ctx.deps.store, markets, product_ids=a.product_ids)


class ScanPiiIn(BaseModel):
    include_sales: bool = Field(True, description="also scan the sales history's product descriptions")
    include_knowledge_base: bool = Field(True, description="also scan the learned FAQ entries of the knowledge base")
    limit: int = Field(100, ge=1, le=1000, description="findings listed (all are counted)")


@tool("scan_stored_pii", ScanPiiIn, PiiScan, agents=("compliance",))
def scan_stored_pii_tool(ctx: ToolContext, a: ScanPiiIn) -> PiiScan:
    """Find card numbers, bank accounts, identity numbers, and e-mail addresses or phone
    numbers stored where they should not be (catalogue, listings, handoff notes, audit-log
    details, sales descriptions, learned FAQ entries). Values are masked, never returned."""
    from agents.compliance_privacy import learned_dir_of, scan_stored_pii

    learned = learned_dir_of(ctx.deps) if a.include_knowledge_base else None
    return scan_stored_pii(ctx.deps.store, learned, include_sales=a.include_sales, limit=a.limit)


class EraseIn(BaseModel):
    user_id: str = Field(min_length=1, max_length=64, pattern=USER_ID, description="the customer to erase")


class EraseOut(BaseModel):
    request: dict = Field(description="the erasure request: received, deadline, completed, what each part erased")


@tool("erase_customer_data", EraseIn, EraseOut, write=True, agents=("compliance",))
def erase_customer_data(ctx: ToolContext, a: EraseIn) -> EraseOut:
    """Erase one customer everywhere (store rows, conversation threads, learned FAQ entries)
    and record the request with its deadline (store/privacy.py). Cannot be undone: admin
    only, and an agent only proposes it as a pending action."""
    from agents.compliance_privacy import privacy_service
    from store.privacy import ErasureIncomplete

    if ctx.role != "admin":
        raise ToolFailure("Only an admin can erase a customer's data.", "forbidden")
    try:
        with privacy_service(ctx.deps) as service:
            return EraseOut(request=service.erase(a.user_id, ctx.role))
    except ErasureIncomplete as e:
        raise ToolFailure(f"Erasure request {e.request['request_id']} is not finished ({e.error}); it stays open "
                          f"until {e.request['deadline_at']}: run it again to finish.", "unavailable") from None


COMPLIANCE_TOOLS = [audit_listing, audit_store, scan_stored_pii_tool, erase_customer_data]
