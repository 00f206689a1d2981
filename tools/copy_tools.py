"""Listing copy tools: write a checked listing draft (read-only), and publish one to the
store's listings table (store/listings.py; a write: the copywriter proposes it as a
pending action and the graph runs it only after approval). Publishing re-runs the
compliance check on the text it is given and refuses a draft with an error finding."""
from __future__ import annotations

from pydantic import BaseModel, Field

from tools.base import ToolContext, ToolFailure, tool
from tools.copy_schemas import DraftField, Finding, ListingDraft, ListingProblem, ListingRequest

# The engine lives in agents/ (agents/copy_*.py), imported when a tool runs: the agents
# package imports this registry, so importing it here would be circular.

PROBLEM_CODES = {"unknown_product": "not_found", "ambiguous_product": "invalid", "unsupported_market": "invalid",
                 "unsupported_platform": "invalid", "unsupported_language": "invalid", "platform_market": "invalid"}


def problem_failure(problem: ListingProblem) -> ToolFailure:
    choices = f" Choices: {', '.join(problem.choices)}." if problem.choices else ""
    return ToolFailure(f"{problem.message}.{choices}", PROBLEM_CODES.get(problem.code, "invalid"))


@tool("generate_listing", ListingRequest, ListingDraft, agents=("copywriter",))
def generate_listing(ctx: ToolContext, args: ListingRequest) -> ListingDraft:
    """Write a listing for a store product (product_id or product_name) or a described one
    (product: name, options, price_usd) for a platform (amazon, ebay, etsy, shopify,
    rakuten, tmall), market (US UK DE FR ES JP CN) and language (en de es fr zh ja): title,
    five bullet points, description and search keywords within the platform's limits,
    units, sizes and currency localised, keywords mined from similar real titles, the
    brand's voice from a sample. The draft comes checked: findings per field and `passed`."""
    from agents.copy_service import write_listing

    if args.product is None and not (args.product_id or args.product_name):
        raise ToolFailure("Name a store product (product_id or product_name) or describe one (product).", "invalid")
    out = write_listing(args, ctx.deps)
    if isinstance(out, ListingProblem):
        raise problem_failure(out)
    return out


class PublishIn(BaseModel):
    product_id: str = Field(min_length=1, max_length=40)
    platform: str = Field(min_length=1, max_length=20)
    market: str = Field(min_length=2, max_length=4)
    language: str = Field(min_length=2, max_length=5)
    product_name: str = Field("", max_length=120)
    title: str = Field(min_length=1, max_length=500)
    bullets: list[str] = Field(default_factory=list, max_length=10)
    description: str = Field("", max_length=20_000)
    keywords: list[str] = Field(default_factory=list, max_length=100)
    keywords_field: str = "none"
    attributes: dict[str, list[str]] = Field(default_factory=dict)


class PublishOut(BaseModel):
    listing: dict = Field(description="the stored listing version (store/listings.py listing_view)")
    findings: list[Finding] = Field(default_factory=list, description="the check re-run before publishing")


def publish_args(draft: ListingDraft) -> dict:
    """The publish tool's arguments for a draft (what an approver sees)."""
    return PublishIn(product_id=draft.product_id or "", platform=draft.platform, market=draft.market,
                     language=draft.language, product_name=draft.product_name, title=draft.title.text,
                     bullets=[b.text for b in draft.bullets], description=draft.description.text,
                     keywords=draft.keywords, keywords_field=draft.keywords_field,
                     attributes=draft.attributes).model_dump()


@tool("publish_listing", PublishIn, PublishOut, write=True, agents=("copywriter",))
def publish_listing(ctx: ToolContext, args: PublishIn) -> PublishOut:
    """Publish a listing (a new version in the store's listings table) after re-running the
    compliance check for its market on the given text; a draft with an error finding is
    refused. A write: agents propose it as a pending action."""
    from agents import copy_data as data
    from agents.copy_check import CHECKER, check_listing
    from agents.copy_service import resolve_target
    from store.listings import publish_listing as store_publish

    target = resolve_target(ListingRequest(platform=args.platform, market=args.market, language=args.language))
    if isinstance(target, ListingProblem):
        raise problem_failure(target)
    platform, market, language, _ = target
    try:
        ctx.deps.store.get_product_details(args.product_id)
    except Exception:  # noqa: BLE001 - the store's not-found, as the tool's
        raise ToolFailure(f"No store product {args.product_id!r}: only store products can be published.",
                          "not_found") from None
    draft = ListingDraft(product_id=args.product_id, product_name=args.product_name or args.product_id,
                         platform=platform, market=market, language=language, title=DraftField(text=args.title),
                         bullets=[DraftField(text=b) for b in args.bullets],
                         description=DraftField(text=args.description), keywords=args.keywords,
                         keywords_field=args.keywords_field, attributes=args.attributes,
                         limits=data.platform(platform).model_dump(exclude={"key"}), passed=False, checker=CHECKER)
    findings = check_listing(draft, market)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise ToolFailure("The listing does not pass the compliance check: " +
                          "; ".join(f"{f.field}: {f.message} {f.excerpt}".strip() for f in errors[:5]), "refused")
    row = store_publish(ctx.deps.store, product_id=args.product_id, market=market, language=language,
                        title=args.title, bullets=args.bullets, description=args.description, keywords=args.keywords,
                        attributes={"platform": platform, "options": args.attributes}, created_by=ctx.role)
    return PublishOut(listing=row, findings=findings)


COPY_TOOLS = [generate_listing, publish_listing]
