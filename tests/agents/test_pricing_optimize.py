"""The price optimiser (agents/pricing_optimize.py): property tests with hypothesis that no
returned price ever breaks a constraint (checked here from the constraints' definitions,
and by the policy guard that runs at approval), that a "conflict" really leaves no price,
that the chosen price is the most profitable allowed one, and worked examples of which
constraint binds."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from agents import pricing_rates as rates
from agents.pricing_landed import Economics
from agents.pricing_optimize import PriceProblem, solve
from guards.policy import check_tool_call

CURRENCIES = {"GBP": 1.0, "EUR": 1.21, "JPY": 190.0, "USD": 1.26}


def econ(currency="GBP", fx=1.0, vat=20.0, incl=True, cost=1.0, ship=0.1, duty=0.0, basis="CIF", de_min=None,
         fee=0.0, units=1) -> Economics:
    return Economics(market="XX", currency=currency, fx_per_gbp=fx, vat_pct=vat, prices_include_tax=incl,
                     unit_cost_gbp=cost, shipping_gbp=ship, category="other", duty_zone="Z", duty_pct=duty,
                     duty_basis=basis, de_minimis_gbp=de_min, fx_fee_pct=fee, units_per_shipment=units)


def margin_ok(e: Economics, p: float, m: float) -> bool:
    """Net price in GBP >= landed cost x (1 + m), written out from the definitions."""
    net = (p / (1 + e.vat_pct / 100) if e.prices_include_tax else p) / e.fx_per_gbp
    customs = net + (e.shipping_gbp if e.duty_basis == "CIF" else 0.0)
    dutiable = e.de_minimis_gbp is None or customs * e.units_per_shipment > e.de_minimis_gbp
    landed = e.unit_cost_gbp + e.shipping_gbp + (customs * e.duty_pct / 100 if dutiable else 0.0) + net * e.fx_fee_pct / 100
    return net >= landed * (1 + m / 100)


def broken(pb: PriceProblem, p: float) -> list[str]:
    """Every constraint price ``p`` breaks, from the constraints' definitions."""
    out = [] if margin_ok(pb.econ, p, pb.min_margin_pct) else ["min_margin"]
    if abs(p - pb.current) / pb.current * 100 > pb.max_step_pct:
        out.append("max_step")
    moved_today = pb.day_start is not None and pb.day_start != pb.current
    if moved_today and abs(p - pb.day_start) / pb.day_start * 100 > pb.max_step_pct:
        out.append("daily_step")
    if not pb.trusted and pb.untrusted_step_pct is not None and pb.untrusted_step_pct < pb.max_step_pct \
            and abs(p - pb.current) / pb.current * 100 > pb.untrusted_step_pct:
        out.append("untrusted_step")
    if pb.competitor_prices:
        b = pb.competitor_band_pct / 100
        if not min(pb.competitor_prices) * (1 - b) <= p <= max(pb.competitor_prices) * (1 + b):
            out.append("competitor_band")
    if pb.map_price is not None and p < pb.map_price:
        out.append("map")
    if pb.hold and p != pb.current:
        out.append("hold")
    return out


def grid(pb: PriceProblem) -> np.ndarray:
    """Every price of the currency's grid the step allows (brute force)."""
    digits = rates.decimals(pb.econ.currency)
    tick = 10.0 ** -digits
    lo, hi = pb.current * (1 - pb.max_step_pct / 100), pb.current * (1 + pb.max_step_pct / 100)
    return np.round(np.arange(math.floor(lo / tick), math.ceil(hi / tick) + 1) * tick, digits)


def profit(pb: PriceProblem, p: float) -> float:
    e = pb.econ.evaluate(np.array([p]))
    return float(e["unit_profit_gbp"][0]) * pb.q0 * (p / pb.current) ** pb.elasticity


@st.composite
def problems(draw, with_target=False):
    currency = draw(st.sampled_from(sorted(CURRENCIES)))
    fx = CURRENCIES[currency]
    digits = rates.decimals(currency)
    current_gbp = draw(st.floats(0.3, 60.0))
    current = round(current_gbp * fx * 1.2, digits)
    assume(current > 0)
    e = econ(currency=currency, fx=fx, vat=draw(st.sampled_from([0.0, 10.0, 19.0, 20.0, 25.5])),
             incl=draw(st.booleans()), cost=draw(st.floats(0.01, 0.9)) * current_gbp,
             ship=draw(st.floats(0.0, 0.3)) * current_gbp, duty=draw(st.sampled_from([0.0, 2.7, 9.0, 27.6])),
             basis=draw(st.sampled_from(["CIF", "FOB"])),
             de_min=draw(st.one_of(st.none(), st.floats(0.5, 3.0).map(lambda k: k * current_gbp))),
             fee=draw(st.sampled_from([0.0, 1.0, 2.5])), units=draw(st.sampled_from([1, 1, 12])))
    max_step = draw(st.floats(1.0, 40.0))
    comps = draw(st.lists(st.floats(0.4, 1.8), max_size=3))
    pb = PriceProblem(
        econ=e, current=current, elasticity=draw(st.floats(-6.0, 0.6)), q0=draw(st.floats(0.5, 500.0)),
        min_margin_pct=draw(st.floats(0.0, 80.0)), max_step_pct=max_step, trusted=draw(st.booleans()),
        untrusted_step_pct=draw(st.floats(0.5, 40.0)),
        day_start=draw(st.one_of(st.none(), st.floats(0.85, 1.15).map(lambda k: round(current * k, digits)))),
        competitor_prices=[round(current * c, digits) for c in comps], competitor_band_pct=draw(st.floats(0.0, 25.0)),
        map_price=draw(st.one_of(st.none(), st.floats(0.7, 1.2).map(lambda k: round(current * k, digits)))),
        hold=draw(st.booleans()) and draw(st.booleans()))
    if pb.day_start is not None and pb.day_start <= 0:
        pb.day_start = None
    if with_target:
        pb.target = round(current * draw(st.floats(0.5, 1.6)), digits)
        assume(pb.target > 0)
    return pb


FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(problems())
def test_a_returned_price_never_breaks_a_constraint(pb):
    d = solve(pb)
    if d.status == "conflict":
        assert d.price is None and d.conflict
        return
    p = d.price
    digits = rates.decimals(pb.econ.currency)
    assert p > 0 and p == round(p, digits)              # on the currency's price grid
    assert broken(pb, p) == [], (p, broken(pb, p))
    # the approval step's own guard accepts it at the same limit
    policy = SimpleNamespace(max_refund_amount=500.0, max_price_change_pct=pb.max_step_pct)
    decision = check_tool_call("apply_price", {"product": "X", "market": "GB", "currency": pb.econ.currency,
                                               "old_price": pb.current, "new_price": p}, "operator", policy,
                               agent="pricing")
    assert decision.allowed, decision.reason


@FAST
@given(problems())
def test_a_conflict_leaves_no_price_and_a_price_is_the_most_profitable_allowed(pb):
    prices = grid(pb)
    assume(len(prices) <= 6000)
    allowed = [float(p) for p in prices if p > 0 and not broken(pb, float(p))]
    d = solve(pb)
    if d.status == "conflict":
        assert allowed == []
        return
    assert allowed, "the optimiser found a price the brute force did not"
    if pb.hold:
        assert abs(d.price - pb.current) == min(abs(p - pb.current) for p in allowed)
    else:
        best = max(profit(pb, p) for p in allowed)
        assert profit(pb, d.price) >= best - 1e-9 * max(1.0, abs(best))


@FAST
@given(problems(with_target=True))
def test_a_target_price_is_accepted_exactly_when_it_meets_every_constraint(pb):
    d = solve(pb)
    assert d.price == pb.target
    assert sorted(d.violations) == sorted(broken(pb, pb.target))
    assert (d.status == "target_ok") == (not broken(pb, pb.target))


# ---------------------------------------------------------------- which constraint binds
def base(**kw) -> PriceProblem:
    args = dict(econ=econ(cost=1.0, ship=0.1), current=3.00, elasticity=-3.0, q0=100.0, min_margin_pct=20.0,
                max_step_pct=20.0, trusted=True, untrusted_step_pct=5.0)
    args.update(kw)
    return PriceProblem(**args)


def test_an_interior_optimum_binds_nothing():
    # net = p / 1.2, landed 1.10: profit-maximising net = 1.10 * 3 / 2 = 1.65 -> shelf 1.98... below
    # the 20% step floor (2.40), so use a wider step to see the interior optimum
    d = solve(base(max_step_pct=50.0))
    assert d.status == "recommended" and d.binding == "none"
    assert d.price == pytest.approx(1.98, abs=0.011) and d.unconstrained == pytest.approx(1.98, abs=0.01)


def test_the_step_binds_when_the_optimum_is_further_away():
    # 2.40 is exactly 20% below 3.00, but the policy guard's float arithmetic reads it as
    # 20.000000000000004% and would refuse it at approval: the optimiser stops a cent inside
    assert abs(2.40 - 3.00) / 3.00 * 100 > 20.0
    d = solve(base())
    assert (d.price, d.binding) == (2.41, "max_step")
    assert next(b for b in d.bounds if b.name == "max_step").binding


def test_inelastic_demand_goes_up_to_the_step_and_has_no_unconstrained_optimum():
    d = solve(base(elasticity=-0.5))
    assert (d.price, d.binding, d.unconstrained) == (3.59, "max_step", None)  # 3.60: see the test above


def test_an_untrusted_elasticity_takes_the_smaller_step():
    d = solve(base(trusted=False))
    assert (d.price, d.binding) == (2.85, "untrusted_step")


def test_the_competitor_band_binds():
    d = solve(base(competitor_prices=[2.90, 3.10]))  # band 2.61 .. 3.41
    assert (d.price, d.binding) == (2.61, "competitor_band")


def test_the_map_binds():
    d = solve(base(map_price=2.75))
    assert (d.price, d.binding) == (2.75, "map")


def test_the_margin_binds():
    # landed 2.30: margin floor net 2.76 -> shelf 3.312 -> 3.32 on the grid
    d = solve(base(econ=econ(cost=2.2, ship=0.1), elasticity=-8.0))
    assert (d.price, d.binding) == (3.32, "min_margin")
    assert d.margin_floor == 3.32


def test_the_daily_step_counts_from_the_days_opening_price():
    # opened the day at 2.60, now 3.00: up to 3.12 today although the step from 3.00 allows 3.60
    d = solve(base(elasticity=-0.5, day_start=2.60))
    assert (d.price, d.binding) == (3.12, "daily_step")


def test_a_positive_elasticity_holds_the_price():
    d = solve(base(elasticity=0.8, hold=True))
    assert (d.status, d.price, d.binding) == ("keep", 3.00, "hold")


def test_crossing_constraints_are_a_conflict_naming_both():
    d = solve(base(competitor_prices=[1.00, 1.10]))  # band up to 1.21, step down to 2.40
    assert d.status == "conflict" and d.price is None
    low, high = d.clash
    assert (low.name, high.name) == ("max_step", "competitor_band")
    assert "max_step needs at least 2.40 but competitor_band allows at most 1.21" == d.conflict


def test_a_margin_above_the_step_is_a_conflict():
    # landed 3.10: margin floor net 3.72 -> shelf 4.464 -> 4.47, above the step's 3.59
    d = solve(base(econ=econ(cost=3.0, ship=0.1)))
    assert d.status == "conflict" and d.margin_floor == 4.47
    assert [b.name for b in d.clash] == ["min_margin", "max_step"]


def test_a_margin_out_of_reach_is_a_conflict():
    d = solve(base(econ=econ(cost=50.0, ship=1.0)))
    assert d.status == "conflict" and d.margin_floor is None and d.clash is None
    assert d.conflict.startswith("no price up to 5x")


def test_whole_yen_prices():
    d = solve(base(econ=econ(currency="JPY", fx=190.0, vat=10.0, cost=1.0, ship=0.6), current=1000.0,
                   elasticity=-0.5))
    assert d.price == 1200.0 and d.price == int(d.price)
