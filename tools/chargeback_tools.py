"""Chargeback tools: list and read the store's card disputes, build a dispute's evidence
bundle (JSON, optionally as an HTML document too) and submit it (a write: the chargeback
agent proposes it, the approval step runs it).

Deadlines are days in UTC: "due within N days" is every open dispute whose deadline day
is today or one of the next N days; "overdue" is an open dispute past its deadline.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Literal

from pydantic import BaseModel, Field

from tools.chargeback.bundle import DisputeBundle, UnsupportedDispute, build_bundle
from tools.chargeback.evidence import Context, family_of
from tools.chargeback.html import render_html
from store import disputes as store_disputes
from tools.base import ToolContext, ToolFailure, tool

DISPUTE_ID = Field(pattern=r"^DSP-\d{4}$", description="dispute id like DSP-0012")
AGENTS = ("chargeback",)


class Dispute(BaseModel):
    id: str
    network: str
    reason_code: str
    reason: str
    category: str
    family: str | None
    order_id: str
    user_id: str
    payment_method_id: str
    amount: float
    currency: str
    opened_at: str
    due_at: str
    days_left: int = Field(description="whole days from today (UTC) to the deadline day; negative = overdue")
    status: Literal["open", "submitted", "won", "lost"]
    submitted_at: str | None = None
    bundle_ref: str | None = None


class ListIn(BaseModel):
    status: Literal["open", "submitted", "won", "lost"] | None = Field(
        None, description="only disputes in this status (default: any; due_within_days and overdue imply open)")
    due_within_days: int | None = Field(None, ge=0, le=365, description="open disputes due today or within N days")
    overdue: bool = Field(False, description="open disputes whose deadline has passed")
    order_id: str | None = Field(None, pattern=r"^#W\d{7}$")
    limit: int = Field(50, ge=1, le=500)


class ListOut(BaseModel):
    disputes: list[Dispute]
    total: int = Field(description="matching disputes before the limit")
    as_of: str


class DisputeIn(BaseModel):
    dispute_id: str = DISPUTE_ID


class BundleIn(DisputeIn):
    include_html: bool = Field(False, description="also return the bundle as a self-contained HTML document")


class BundleOut(BaseModel):
    bundle: DisputeBundle
    html: str | None = None


class SubmitOut(BaseModel):
    dispute: Dispute
    bundle_ref: str
    completeness: float


def _now(ctx: ToolContext) -> datetime:
    clock = getattr(ctx.deps, "clock", None)
    now = clock() if clock else datetime.now(timezone.utc)
    return now if now.tzinfo else now.replace(tzinfo=timezone.utc)


def _naive_utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc).replace(tzinfo=None)


def _typed(d: dict, now: datetime) -> Dispute:
    due = datetime.fromisoformat(d["due_at"]).date()
    return Dispute(**d, family=family_of(d["network"], d["reason_code"]), days_left=(due - now.date()).days)


@tool("list_disputes", ListIn, ListOut, agents=AGENTS)
def list_disputes(ctx: ToolContext, a: ListIn) -> ListOut:
    """The store's card disputes (chargebacks), soonest deadline first: filter by status,
    by open disputes due within N days, by overdue ones, or by order."""
    now = _now(ctx)
    if a.order_id is not None:
        ctx.deps.store.get_order_details(a.order_id)  # an unknown order is a not_found, not "no disputes"
    status, due_from, due_to = a.status, None, None
    if a.due_within_days is not None or a.overdue:
        status = status or "open"
    if a.due_within_days is not None:
        due_from = datetime.combine(now.date(), time())
        due_to = datetime.combine(now.date() + timedelta(days=a.due_within_days), time(23, 59, 59))
    if a.overdue:
        due_from, due_to = None, _naive_utc(now)
    found = store_disputes.list_disputes(ctx.deps.store, status=status, due_from=due_from, due_to=due_to,
                                         order_id=a.order_id)
    return ListOut(disputes=[_typed(d, now) for d in found[:a.limit]], total=len(found),
                   as_of=now.isoformat(timespec="seconds"))


@tool("get_dispute", DisputeIn, Dispute, agents=AGENTS)
def get_dispute(ctx: ToolContext, a: DisputeIn) -> Dispute:
    """One dispute: network, reason code, order, amount, dates, days left and status."""
    return _typed(store_disputes.get_dispute(ctx.deps.store, a.dispute_id), _now(ctx))


def fraud_scorer(deps):
    """(context) -> FraudScore, or the reason there is none (the model is not trained)."""
    import ml

    try:
        model = ml.trained(deps, "fraud")
    except ml.NotTrained:
        reason = "the fraud model is not trained: run `chuhai models train fraud`"
        return lambda c: reason

    def score(c: Context):
        return model.score_store_order(c.dispute["amount"], c.card.get("brand"), (c.user or {}).get("email"))
    return score


def bundle_for(ctx: ToolContext, dispute_id: str) -> DisputeBundle:
    dispute = store_disputes.get_dispute(ctx.deps.store, dispute_id)
    try:
        return build_bundle(ctx.deps, dispute, fraud_scorer(ctx.deps), _now(ctx))
    except UnsupportedDispute as e:
        raise ToolFailure(str(e), "invalid") from None


@tool("build_dispute_bundle", BundleIn, BundleOut, agents=AGENTS)
def build_dispute_bundle(ctx: ToolContext, a: BundleIn) -> BundleOut:
    """Build a dispute's evidence bundle: every piece of evidence its reason code needs
    that the store holds (order, payment, tracking, delivery, customer messages and
    support thread, store policy, other orders), a completeness score with what is
    missing, the fraud score for fraud disputes, and the drafted rebuttal letter."""
    bundle = bundle_for(ctx, a.dispute_id)
    return BundleOut(bundle=bundle, html=render_html(bundle) if a.include_html else None)


@tool("submit_dispute", DisputeIn, SubmitOut, write=True, agents=AGENTS)
def submit_dispute(ctx: ToolContext, a: DisputeIn) -> SubmitOut:
    """Submit a dispute's rebuttal: build its bundle now, keep it (sealed) with the
    dispute and mark the dispute submitted. Refused for a dispute that is not open or
    whose deadline has passed."""
    bundle = bundle_for(ctx, a.dispute_id)
    now = _now(ctx)
    done = store_disputes.mark_submitted(ctx.deps.store, a.dispute_id, bundle.model_dump(mode="json"),
                                         bundle.bundle_ref, _naive_utc(now))
    return SubmitOut(dispute=_typed(done, now), bundle_ref=bundle.bundle_ref, completeness=bundle.completeness.score)


CHARGEBACK_TOOLS = [list_disputes, get_dispute, build_dispute_bundle, submit_dispute]
