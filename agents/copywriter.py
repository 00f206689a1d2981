"""The listing copywriter specialist.

Workflow (deterministic; the LLM may only polish English text, inside the tool, and its
text is kept only if it passes the same checks): read the request
(agents/copy_parse.py: product, platform, market, language, brand, voice sample, publish)
-> unsupported or unknown things get a clear answer -> ``generate_listing``
(tools/copy_tools.py, audited) writes and checks the draft -> a typed ``CopyResult`` in
``AgentOutput.data`` and the reply from templates in the operator's language
(agents/copy_replies.py). Publishing is never done here: "publish it" proposes the
thread's last passing draft as a ``publish_listing`` pending action.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from agents import copy_data as data
from agents.base import AgentOutput, AgentRequest, PendingAction
from agents.copy_parse import ParsedRequest, parse
from agents.copy_replies import Texts, draft_reply, problem_reply
from agents.copy_service import resolve_target
from tools import call_tool
from tools.base import ToolContext
from tools.copy_schemas import ListingDraft, ListingProblem, ListingRequest
from tools.copy_tools import publish_args

AGENT = "copywriter"
STORE_EXAMPLES = 8


class CopyResult(BaseModel):
    """What the copywriter did with a request (``AgentOutput.data``)."""
    intent: Literal["draft", "publish", "problem", "failed"]
    request: ListingRequest | None = None
    draft: ListingDraft | None = None
    problem: ListingProblem | None = None
    publish_proposed: bool = False
    error: str | None = None


def run(req: AgentRequest) -> AgentOutput:
    tx = Texts(req.language)
    ctx = ToolContext(deps=req.deps, role=req.role)
    session = dict(req.session)
    parsed = parse(req.text, req.deps.store)
    if parsed.problem is not None:
        return _problem(parsed.problem, tx, ctx, session, req)
    if parsed.publish and not parsed.product_named:
        return _publish_last(tx, ctx, session, req)
    _default_to_operator_language(parsed.request, req.language)
    if not parsed.product_named:
        problem = ListingProblem(code="unknown_product", message="no product named",
                                 choices=sorted(req.deps.store.list_all_product_types()))
        return _problem(problem, tx, ctx, session, req)
    target = resolve_target(parsed.request)   # e.g. Rakuten for Germany: a clear answer, not a failed call
    if isinstance(target, ListingProblem):
        return _problem(target, tx, ctx, session, req)
    outcome = call_tool("generate_listing", ctx, parsed.request.model_dump(exclude_none=True))
    if not outcome.ok:
        result = CopyResult(intent="failed", request=parsed.request, error=outcome.error)
        return _out(tx.t("failed_tool", detail=outcome.error), result, ctx, session, [], [])
    draft = ListingDraft.model_validate(outcome.result)
    session["draft"] = {"publish_args": publish_args(draft), "passed": draft.passed, "product_id": draft.product_id}
    text, pending = draft_reply(draft, tx), []
    if parsed.publish:
        line, pending = _propose(draft.passed, draft.product_id, session["draft"]["publish_args"], tx, req)
        text += "\n" + line
    result = CopyResult(intent="draft", request=parsed.request, draft=draft, publish_proposed=bool(pending))
    return _out(text, result, ctx, session, pending, data.platform_citations(draft.platform),
                llm_calls=draft.llm_calls)


def _default_to_operator_language(request: ListingRequest, language: str) -> None:
    """No market and no language named: write in the operator's language when the platform
    sells in that language's home market ("Redacta un anuncio de Etsy ..." -> Etsy ES in
    Spanish; "给T恤写个亚马逊标题" stays Amazon US in English: Amazon has no Chinese store here)."""
    if request.language or request.market or language not in data.LANGUAGES:
        return
    home = data.markets_file()["market_for_language"][language]
    if request.platform is None or home in data.platform(request.platform).markets:
        request.language = language


def _problem(problem: ListingProblem, tx: Texts, ctx: ToolContext, session: dict, req: AgentRequest) -> AgentOutput:
    names = None
    if problem.code in ("unknown_product", "ambiguous_product"):
        chosen = problem.choices if problem.code == "ambiguous_product" else problem.choices[:STORE_EXAMPLES]
        names = [data.product_display_name(n, tx.lang) or n for n in chosen]
    return _out(problem_reply(problem, tx, names), CopyResult(intent="problem", problem=problem), ctx, session, [], [])


def _publish_last(tx: Texts, ctx: ToolContext, session: dict, req: AgentRequest) -> AgentOutput:
    last = session.get("draft")
    if not last:
        return _out(tx.t("no_draft"), CopyResult(intent="publish"), ctx, session, [], [])
    line, pending = _propose(last["passed"], last["product_id"], last["publish_args"], tx, req)
    return _out(line, CopyResult(intent="publish", publish_proposed=bool(pending)), ctx, session, pending, [])


def _propose(passed: bool, product_id: str | None, args: dict, tx: Texts,
             req: AgentRequest) -> tuple[str, list[PendingAction]]:
    if not passed:
        return tx.t("cannot_publish"), []
    if not product_id:
        return tx.t("publish_store_only"), []
    what = dict(platform=data.platform_name(args["platform"], tx.lang), market=tx.market(args["market"]),
                product=data.product_display_name(args["product_name"], tx.lang) or args["product_name"],
                language=tx.language(args["language"]))
    action = PendingAction(tool="publish_listing", args=args, agent=AGENT, language=tx.lang,
                           summary=tx.t("publish_proposed", **what) + f" \"{args['title']}\"")
    return tx.t("publish_proposed", **what), [action]


def _out(text: str, result: CopyResult, ctx: ToolContext, session: dict, pending: list[PendingAction],
         citations: list[dict], llm_calls: int = 0) -> AgentOutput:
    return AgentOutput(agent=AGENT, text=text, data=result.model_dump(mode="json"), pending_actions=pending,
                       tool_calls=ctx.audit, citations=citations, session=session, llm_calls=llm_calls)


def render_executed(action: PendingAction, ok: bool, detail: str, approved: bool, result: dict | None) -> str:
    """The reply once a person decided on publishing a listing."""
    tx = Texts(action.language)
    if not approved:
        return tx.t("declined")
    if not ok or not result:
        return tx.t("publish_failed", detail=detail)
    listing, args = result.get("listing") or {}, action.args
    return tx.t("published", platform=data.platform_name(args["platform"], tx.lang), market=tx.market(args["market"]),
                product=data.product_display_name(args.get("product_name", ""), tx.lang) or args["product_id"],
                language=tx.language(args["language"]),
                listing_id=listing.get("listing_id"), version=listing.get("version"))


__all__ = ["run", "render_executed", "CopyResult", "ParsedRequest"]
