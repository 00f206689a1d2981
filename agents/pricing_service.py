"""What the pricing tools do (tools/pricing_tools.py wraps these): a landed cost, a price
recommendation, an approved price change, a recorded pricing input, a product's price
history. Refusals are ``PricingRefusal`` (agents/pricing_inputs.py); the tools turn them
into typed failures."""
from __future__ import annotations

from agents import pricing_optimize as opt
from agents import pricing_rates as rates
from agents.pricing_inputs import (PricingRefusal, PriceInputs, current_price, currency_code, gather, home_reference,
                                   market_id, round_price, unit_cost, utc_now)
from agents.pricing_landed import HOME_CURRENCY, economics
from ml.sales_categories import category_of
from ml.sales_series import normalize_code
from store import prices as db
from tools.pricing_schemas import (ApplyPriceIn, HistoryIn, LandedCost, LandedCostIn, MarketPrice, Note, OptimizeIn,
                                   PriceChange, PriceHistory, PriceRecommendation, RecordedInput, RecordInputIn)


def landed_cost(deps, args: LandedCostIn) -> LandedCost:
    """The itemised landed cost of one unit at a shelf price in a market."""
    mid = market_id(args.market)
    currency = rates.market_rates(mid).currency
    if args.product is None:
        if args.unit_cost is None or args.price is None:
            raise PricingRefusal("without a product, give unit_cost (GBP) and price", "invalid")
        category, cost, source, price = args.category or "other", args.unit_cost, "request", args.price
        product, description = None, ""
    else:
        product = normalize_code(args.product)
        facts = db.product_facts(deps.store, product)
        if facts is None:
            raise PricingRefusal(f"unknown product '{args.product}': it has no sale in the sales history",
                                 "unknown_product", args.product)
        description = facts["description"]
        category = args.category or category_of(description)
        home_ref = home_reference(deps, product)
        cost, source = unit_cost(deps, product, args.unit_cost, home_ref[2])
        price = args.price if args.price is not None else current_price(deps, product, mid, currency, home_ref)[0]
    given = currency_code(args.currency, currency)
    shelf = rates.convert(price, given, currency) if given != currency else price
    econ = economics(mid, category, cost, fx_fee_pct=deps.settings.pricing_fx_fee_pct, shipping_gbp=args.shipping,
                     units_per_shipment=args.units_per_shipment or deps.settings.pricing_units_per_shipment,
                     cost_source=source)
    return econ.breakdown(shelf).model_copy(update={"product": product, "description": description})


def problem_of(inputs: PriceInputs, args: OptimizeIn, settings) -> opt.PriceProblem:
    e = inputs.elasticity
    target = None
    if args.target_price is not None:
        given = currency_code(args.target_currency, inputs.currency)
        target = rates.convert(args.target_price, given, inputs.currency)
    return opt.PriceProblem(
        econ=inputs.econ, current=inputs.current, elasticity=e.used, q0=inputs.q0,
        min_margin_pct=settings.pricing_min_margin_pct if args.min_margin_pct is None else args.min_margin_pct,
        max_step_pct=settings.pricing_max_step_pct if args.max_step_pct is None else args.max_step_pct,
        trusted=e.trusted or target is not None, untrusted_step_pct=settings.pricing_untrusted_step_pct,
        day_start=inputs.day_start,
        competitor_prices=inputs.competitors, competitor_band_pct=settings.pricing_competitor_band_pct,
        map_price=inputs.map_price, hold=e.estimate > 0 and target is None, target=target)


def recommend(deps, args: OptimizeIn) -> PriceRecommendation:
    """The profit-maximising price of a product in a market under the constraints (or the
    check of a target price), with expected units, profit and the binding constraint."""
    inputs = gather(deps, args)
    problem = problem_of(inputs, args, deps.settings)
    decision = opt.solve(problem)
    units_now = float(opt.units(problem, [problem.current])[0])
    profit_now = float(opt.profit(problem, [problem.current])[0])
    new = decision.price
    notes = list(inputs.notes)
    if not problem.trusted and not problem.hold:
        reasons = "; ".join(inputs.elasticity.reasons[:2])
        notes.append(Note(code="elasticity_untrusted", values={"step": problem.untrusted_step_pct},
                          detail=f"the elasticity estimate is not trusted ({reasons}): the step is limited to "
                                 f"{problem.untrusted_step_pct:g}%"))
    if problem.hold:
        notes.append(Note(code="elasticity_positive", detail="demand rose with price in the history (likely "
                          "confounded): the price is kept unless a constraint forces a move"))
    return PriceRecommendation(
        product=inputs.product, description=inputs.description, category=inputs.category, market=inputs.market,
        currency=inputs.currency, mode="target" if problem.target is not None else "optimise",
        current_price=inputs.current, current_price_source=inputs.current_source, status=decision.status, price=new,
        change_pct=None if new is None else round((new - inputs.current) / inputs.current * 100, 2),
        binding_constraint=decision.binding, bounds=decision.bounds, violations=decision.violations,
        conflict=decision.conflict, clash=list(decision.clash or ()), unconstrained_price=None if decision.unconstrained is None
        else round_price(decision.unconstrained, inputs.currency),
        units_current=round(units_now, 3), profit_current_gbp=round(profit_now, 4),
        units_new=None if new is None else round(float(opt.units(problem, [new])[0]), 3),
        profit_new_gbp=None if new is None else round(float(opt.profit(problem, [new])[0]), 4),
        demand_basis=inputs.demand_basis, elasticity=inputs.elasticity,
        landed_current=inputs.econ.breakdown(inputs.current),
        landed_new=None if new is None else inputs.econ.breakdown(new),
        min_margin_pct=problem.min_margin_pct, max_step_pct=problem.max_step_pct,
        competitor_prices=[round_price(c, inputs.currency) for c in inputs.competitors],
        competitor_source=inputs.competitor_source, map_price=inputs.map_price,
        curve=opt.curve(problem, decision) if args.curve else [], notes=notes, tables=rates.tables_info())


def apply_price(deps, args: ApplyPriceIn, actor: str) -> PriceChange:
    """Set a product's price in a market (approved proposals only): one transaction that
    checks the price did not move since the proposal and appends the change history."""
    product, mid = normalize_code(args.product), market_id(args.market)
    currency = rates.market_rates(mid).currency
    if currency_code(args.currency, currency) != currency:
        raise PricingRefusal(f"{mid} prices are in {currency}, not {args.currency}", "invalid", args.currency)
    new = round_price(args.new_price, currency)
    if new != args.new_price:
        raise PricingRefusal(f"{args.new_price} is not a {currency} price: use {rates.decimals(currency)} decimals",
                             "invalid")
    reference = None
    if db.current_price(deps.store, product, mid) is None:
        if db.product_facts(deps.store, product) is None:
            raise PricingRefusal(f"unknown product '{args.product}'", "unknown_product", args.product)
        reference = current_price(deps, product, mid, currency)[0]
    change = db.apply_price_change(
        deps.store, product=product, market=mid, currency=currency, expected_old=args.old_price, new_price=new,
        reference_old=reference, reason=args.reason, actor=actor, proposal_id=args.proposal_id, now=utc_now(deps),
        tolerance=rates.tick(currency) / 2)
    return PriceChange.model_validate(change)


def record_input(deps, args: RecordInputIn, actor: str) -> RecordedInput:
    """Record a unit cost (GBP unless said), a minimum advertised price or a competitor price."""
    product = normalize_code(args.product)
    if db.product_facts(deps.store, product) is None:
        raise PricingRefusal(f"unknown product '{args.product}'", "unknown_product", args.product)
    mid = market_id(args.market) if args.market else None
    if args.kind != "unit_cost" and mid is None:
        raise PricingRefusal(f"a {args.kind} needs a market", "invalid")
    default = HOME_CURRENCY if mid is None else rates.market_rates(mid).currency
    row = db.record_input(deps.store, kind=args.kind, product=product, market=mid, value=args.value,
                          currency=currency_code(args.currency, default), source=args.source, recorded_by=actor,
                          now=utc_now(deps))
    return RecordedInput.model_validate(row)


def history(deps, args: HistoryIn) -> PriceHistory:
    product = normalize_code(args.product)
    mid = market_id(args.market) if args.market else None
    found = [MarketPrice.model_validate(p) for p in db.stored_prices(deps.store, product)
             if mid is None or p["market"] == mid]
    return PriceHistory(product=product, prices=found,
                        changes=[PriceChange.model_validate(c) for c in db.changes(deps.store, product, mid, args.limit)])


__all__ = ["PricingRefusal", "apply_price", "history", "landed_cost", "recommend", "record_input"]
