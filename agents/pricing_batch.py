"""Pricing several product-market pairs: the chat answer for the products a request names,
and the repricing pass over a bounded set ("propose nightly repricing for all products").

The pass prices, in each of CHUHAI_PRICING_BATCH_MARKETS, the best sellers at home over
the history's last CHUHAI_PRICING_PRICE_WINDOW_DAYS (only those with a trusted elasticity
when CHUHAI_PRICING_BATCH_TRUSTED_ONLY), at most CHUHAI_PRICING_BATCH_MAX_PRODUCTS, and
proposes one pending ``apply_price`` per change of at least CHUHAI_PRICING_MIN_CHANGE_PCT.
Each product-market pair is proposed once per run; a re-run on the scheduler's thread
supersedes the proposals still unanswered (scheduler/jobs.py), so nothing doubles up.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import ml
from agents import pricing_rates as rates
from agents.base import AgentOutput
from agents.pricing import ItemFailure, PricingResult, Run, asked, failure_result, money_args
from agents.pricing_inputs import country_of
from agents.pricing_parse import Money, PricingAsk
from agents.pricing_replies import (LISTED, batch_line, detail_lines, notes_lines, proposal_line, rates_line,
                                    recommendation_lines)
from agents.pricing_report import batch_report, single_report
from ml.sales_series import UnknownSeries
from store import prices as db
from tools.pricing_schemas import Note, PriceRecommendation

MIN_DESCRIPTION = 10   # a description named in full counts as the product from this length on
CANDIDATE_POOL = 2000  # best sellers scanned for trusted elasticities


def named_products(store, text: str) -> list[str]:
    """Stock codes whose full description appears in the text (longest first)."""
    folded = " ".join(text.upper().split())
    words = [w for w in folded.replace(",", " ").split() if len(w) >= 4][:12]
    found = []
    for w in words:
        for code, description in db.find_products(store, [w], limit=200):
            d = " ".join((description or "").upper().split())
            if len(d) >= MIN_DESCRIPTION and d in folded:
                found.append((len(d), code))
        if found:
            break
    return [code for _, code in sorted(set(found), reverse=True)][:3]


def _optimize(r: Run, ask: PricingAsk, product: str, market: str, curve: bool):
    competitors, comp_currency = _same_currency(ask.competitors)
    args = dict(product=product, market=market, min_margin_pct=ask.min_margin_pct, max_step_pct=ask.max_step_pct,
                competitor_prices=competitors, competitor_currency=comp_currency, curve=curve, **money_args(ask))
    if ask.map_price:
        args.update(map_price=ask.map_price.value, map_currency=ask.map_price.currency)
    if ask.target:
        args.update(target_price=ask.target.value, target_currency=ask.target.currency)
    return r.tool("optimize_price", **args)


def _priced(r: Run, ask: PricingAsk, product: str, market: str, curve: bool, recs: list, failures: list):
    """One ``optimize_price`` call: the recommendation (appended to ``recs``), or None with
    the failure appended to ``failures``."""
    res = _optimize(r, ask, product, market, curve)
    if not res.ok:
        failures.append(ItemFailure(product=product, market=market, code=res.code, error=res.error))
        return None
    recs.append(PriceRecommendation.model_validate(res.result))
    return recs[-1]


def _same_currency(moneys: list[Money]) -> tuple[list[float], str | None]:
    """Competitor prices in one currency (the first one stated; others converted)."""
    currency = next((m.currency for m in moneys if m.currency), None)
    out = [m.value if m.currency in (None, currency) else rates.convert(m.value, m.currency, currency) for m in moneys]
    return [round(v, 6) for v in out], currency


def _proposal(r: Run, rec: PriceRecommendation, reason: str):
    args = {"product": rec.product, "market": rec.market, "currency": rec.currency, "old_price": rec.current_price,
            "new_price": rec.price, "reason": reason}
    return r.propose("apply_price", args, proposal_line(r.tx, rec))


def _report_id(r: Run, name: str) -> str:
    now = getattr(r.req.deps, "clock", lambda: datetime.now(timezone.utc))()
    return f"{name}-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def price_pairs(r: Run, ask: PricingAsk, pairs: list[tuple[str, str]], lines: list[str]) -> AgentOutput:
    """Recommend (or check a target price) for each pair; propose each change."""
    recs, failures, proposals, charts, report_path = [], [], [], [], None
    for product, market in pairs:
        rec = _priced(r, ask, product, market, True, recs, failures)
        if rec is None:
            continue
        lines += recommendation_lines(r.tx, rec)
        changes = rec.price is not None and rec.price != rec.current_price
        if rec.status in ("recommended", "target_ok") and changes:
            why = "operator's target price" if rec.mode == "target" else \
                f"profit-maximising price; binding: {rec.binding_constraint}"
            p = _proposal(r, rec, why)
            if p:
                proposals.append(p)
                lines.append(proposal_line(r.tx, rec))
        lines += detail_lines(r.tx, rec)
        extra_notes = [Note(code="converted_price", detail="")] if rec.current_price_source == "converted_from_home" else []
        lines += notes_lines(r.tx, rec.notes + (rec.landed_new or rec.landed_current).notes + extra_notes,
                             {"ratio": r.settings.pricing_default_cost_ratio * 100})
        try:
            new_charts, report_path = single_report(r.settings, rec, _report_id(r, f"{rec.product}-{rec.market}"))
            charts += new_charts
        except Exception as e:  # noqa: BLE001 - a chart that cannot be drawn never loses the answer
            lines.append(f"(report not written: {type(e).__name__}: {e})")
    if not recs:
        return failure_result(r, ask, failures, lines, markets=[m for _, m in pairs], products=[p for p, _ in pairs])
    lines += [r.tx.t("item_failed", code=f.product, market=r.tx.market(f.market), error=f.error) for f in failures]
    lines += [rates_line(r.tx)] + ([r.tx.t("report", path=report_path)] if report_path else [])
    return r.done(lines, PricingResult(kind="recommendation", asked=asked(ask), recommendations=recs,
                                       proposals=proposals, failures=failures, charts=charts, report_path=report_path,
                                       markets=list(dict.fromkeys(m for _, m in pairs)),
                                       products=list(dict.fromkeys(p for p, _ in pairs))))


def candidates(deps) -> tuple[list[str], str]:
    """The products of a repricing pass and the criteria key (criteria_trusted | criteria_top)."""
    s = deps.settings
    top = db.top_products(deps.store, country_of(rates.home_market()), s.pricing_price_window_days, CANDIDATE_POOL)
    if not s.pricing_batch_trusted_only:
        return [code for code, _ in top[:s.pricing_batch_max_products]], "criteria_top"
    model = ml.trained(deps, "elasticity")
    chosen = []
    for code, _ in top:
        try:
            if model.elasticity(code).trusted:
                chosen.append(code)
        except UnknownSeries:
            continue
        if len(chosen) >= s.pricing_batch_max_products:
            break
    return chosen, "criteria_trusted"


def repricing_pass(r: Run, ask: PricingAsk, markets: list[str]) -> AgentOutput:
    deps, s = r.req.deps, r.settings
    try:
        products, criteria_key = candidates(deps)
    except ml.NotTrained as e:
        return r.refuse("unavailable", ask, error=str(e))
    recs, failures, proposals, seen = [], [], [], set()
    for market in markets:
        for product in products:
            if (product, market) in seen:
                continue
            seen.add((product, market))
            rec = _priced(r, ask, product, market, False, recs, failures)
            moves = rec is not None and rec.status == "recommended"
            if moves and abs(rec.change_pct or 0) >= s.pricing_min_change_pct:
                p = _proposal(r, rec, f"repricing pass; binding: {rec.binding_constraint}")
                if p:
                    proposals.append(p)
    tx = r.tx
    criteria = tx.t(criteria_key, n=len(products))
    moved = {(p.product, p.market) for p in proposals}
    charts, report_path = batch_report(s, recs, moved, criteria, _report_id(r, "repricing"))
    lines = [tx.t("batch_head", markets=tx.join([tx.market(m) for m in markets]), criteria=criteria,
                  n=len(products), proposed=len(proposals), kept=sum(x.status == "keep" for x in recs),
                  conflicts=sum(x.status == "conflict" for x in recs), failed=len(failures))]
    listed = [x for x in recs if (x.product, x.market) in moved]
    lines += [batch_line(tx, x) for x in listed[:LISTED]]
    lines += [tx.t("batch_more", n=len(listed) - LISTED)] if len(listed) > LISTED else []
    lines += [] if listed else [tx.t("batch_none")]
    lines += [rates_line(tx), tx.t("report", path=report_path)]
    batch = {"markets": markets, "criteria": criteria_key, "products": products, "checked": len(recs),
             "proposed": len(proposals), "min_change_pct": s.pricing_min_change_pct,
             "max_products": s.pricing_batch_max_products}
    return r.done(lines, PricingResult(kind="batch", asked=asked(ask), recommendations=recs, proposals=proposals,
                                       failures=failures, batch=batch, charts=charts, report_path=report_path,
                                       markets=markets, products=products))
