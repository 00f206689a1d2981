"""The price optimiser: the shelf price that maximises expected weekly profit under the
seller's constraints, on the currency's price grid (cents; whole yen).

Demand follows the elasticity model, ``q(p) = q0 * (p / p0) ** e`` around the current
price ``p0``; profit is ``(net price in GBP - landed cost(p)) * q(p)`` (agents/pricing_landed.py).

Constraints, each a price interval (``Bound``) but the margin, which is checked price by
price because duty's de-minimis makes it a union of intervals:
- ``min_margin``: net >= landed cost x (1 + min margin);
- ``max_step``: |p / p0 - 1| <= max step (the policy guard's own arithmetic, so a proposal
  it accepts here is never refused at approval for its size);
- ``daily_step``: the same against the price at the start of the day when the price
  already moved in the last 24 hours (the step is "per day");
- ``untrusted_step``: a smaller step when the elasticity is not trustworthy;
- ``competitor_band``: [lowest competitor x (1 - band), highest x (1 + band)];
- ``map``: p >= the minimum advertised price;
- ``hold``: p = p0 when the elasticity's sign is wrong (demand rising with price).

Every candidate is checked against every constraint, so the answer never breaks one; an
empty feasible set is a ``conflict`` with the constraints that clash, not a price.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from agents import pricing_rates as rates
from agents.pricing_landed import Economics
from tools.pricing_schemas import Bound, CurvePoint

MAX_GRID = 4000          # price points evaluated inside the feasible interval (stride above it)
CURVE_POINTS = 121
SEARCH_SPAN = (0.2, 5.0)  # the unconstrained optimum is looked for within these multiples of p0
PRECEDENCE = ("hold", "min_margin", "map", "daily_step", "max_step", "untrusted_step", "competitor_band")


@dataclass
class PriceProblem:
    econ: Economics
    current: float
    elasticity: float
    q0: float
    min_margin_pct: float
    max_step_pct: float
    trusted: bool = True
    untrusted_step_pct: float | None = None
    day_start: float | None = None
    competitor_prices: list[float] = field(default_factory=list)
    competitor_band_pct: float = 10.0
    map_price: float | None = None
    hold: bool = False
    target: float | None = None


@dataclass
class Decision:
    status: str                          # recommended | keep | conflict | target_ok | target_violates
    price: float | None
    bounds: list[Bound]
    binding: str = "none"
    conflict: str | None = None
    clash: tuple[Bound, Bound] | None = None  # (the highest floor, the lowest ceiling) when they cross
    violations: list[str] = field(default_factory=list)
    unconstrained: float | None = None
    margin_floor: float | None = None


def step_ok(price, reference: float, pct: float):
    """The policy guard's test (guards/policy.py): |new - old| / old * 100 <= limit."""
    return np.abs(np.asarray(price, dtype=float) - reference) / reference * 100.0 <= pct


def units(problem: PriceProblem, prices) -> np.ndarray:
    p = np.asarray(prices, dtype=float)
    return problem.q0 * np.power(p / problem.current, problem.elasticity)


def profit(problem: PriceProblem, prices) -> np.ndarray:
    return problem.econ.evaluate(prices)["unit_profit_gbp"] * units(problem, prices)


def interval_bounds(problem: PriceProblem) -> list[Bound]:
    """Every constraint but the margin as a price interval (market currency)."""
    cur, out = problem.current, []
    out.append(Bound(name="max_step", low=cur * (1 - problem.max_step_pct / 100), high=cur * (1 + problem.max_step_pct / 100),
                     detail=f"{problem.max_step_pct:g}% of {cur:g}"))
    if problem.day_start is not None and abs(problem.day_start - cur) > 0:
        ds = problem.day_start
        out.append(Bound(name="daily_step", low=ds * (1 - problem.max_step_pct / 100), high=ds * (1 + problem.max_step_pct / 100),
                         detail=f"{problem.max_step_pct:g}% of today's opening price {ds:g}"))
    if not problem.trusted and problem.untrusted_step_pct is not None and problem.untrusted_step_pct < problem.max_step_pct:
        us = problem.untrusted_step_pct
        out.append(Bound(name="untrusted_step", low=cur * (1 - us / 100), high=cur * (1 + us / 100),
                         detail=f"{us:g}%: the elasticity estimate is not trusted"))
    if problem.competitor_prices:
        lo, hi, b = min(problem.competitor_prices), max(problem.competitor_prices), problem.competitor_band_pct
        out.append(Bound(name="competitor_band", low=lo * (1 - b / 100), high=hi * (1 + b / 100),
                         detail=f"{b:g}% around competitors {lo:g}-{hi:g}"))
    if problem.map_price is not None:
        out.append(Bound(name="map", low=problem.map_price, detail=f"minimum advertised price {problem.map_price:g}"))
    if problem.hold:
        out.append(Bound(name="hold", low=cur, high=cur, detail="demand rose with price in the history: keep the price"))
    return out


def within(problem: PriceProblem, bound: Bound, prices) -> np.ndarray:
    """Whether each price meets one interval constraint (steps with the policy's arithmetic)."""
    p = np.asarray(prices, dtype=float)
    if bound.name in ("max_step", "untrusted_step"):
        pct = problem.max_step_pct if bound.name == "max_step" else problem.untrusted_step_pct
        return step_ok(p, problem.current, pct)
    if bound.name == "daily_step":
        return step_ok(p, problem.day_start, problem.max_step_pct)
    ok = np.ones_like(p, dtype=bool)
    if bound.low is not None:
        ok &= p >= bound.low
    if bound.high is not None:
        ok &= p <= bound.high
    return ok


def feasible(problem: PriceProblem, prices, bounds: list[Bound] | None = None) -> np.ndarray:
    p = np.asarray(prices, dtype=float)
    ok = problem.econ.meets_margin(p, problem.min_margin_pct) & (p > 0)
    for b in bounds if bounds is not None else interval_bounds(problem):
        ok &= within(problem, b, p)
    return ok


def _grid(lo: float, hi: float, tick: float, digits: int) -> np.ndarray:
    """Prices on the currency's grid inside [lo, hi] (a stride when there are too many)."""
    first, last = math.ceil(lo / tick - 1e-9), math.floor(hi / tick + 1e-9)
    if last < first:
        return np.empty(0)
    stride = max(1, math.ceil((last - first + 1) / MAX_GRID))
    steps = np.arange(first, last + 1, stride)
    if steps[-1] != last:
        steps = np.append(steps, last)
    return np.round(steps * tick, digits)


def unconstrained_optimum(problem: PriceProblem) -> float | None:
    """The best price with no constraint, or None when profit still grows at 5x p0
    (inelastic demand: |e| <= 1)."""
    grid = problem.current * np.geomspace(*SEARCH_SPAN, 4001)
    best = int(np.argmax(profit(problem, grid)))
    return None if best == len(grid) - 1 else float(grid[best])


def margin_floor(problem: PriceProblem) -> float | None:
    """The lowest price on the grid (up to 5x p0) that meets the minimum margin."""
    tick, digits = rates.tick(problem.econ.currency), rates.decimals(problem.econ.currency)
    hi = problem.current * SEARCH_SPAN[1]
    grid = _grid(tick, hi, tick, digits)
    ok = problem.econ.meets_margin(grid, problem.min_margin_pct)
    if not ok.any():
        return None
    first = int(np.argmax(ok))
    if first > 0 and len(grid) >= MAX_GRID:  # strided: refine between the last failing and the first passing point
        fine = _grid(grid[first - 1], grid[first], tick, digits)
        return float(fine[int(np.argmax(problem.econ.meets_margin(fine, problem.min_margin_pct)))])
    return float(grid[first])


def solve(problem: PriceProblem) -> Decision:
    """The recommended price (or the check of a target price), its binding constraint, or
    the conflict that leaves no price."""
    currency = problem.econ.currency
    tick, digits = rates.tick(currency), rates.decimals(currency)
    bounds = interval_bounds(problem)
    floor = margin_floor(problem)
    bounds.insert(0, Bound(name="min_margin", low=floor, detail=f"{problem.min_margin_pct:g}% over landed cost"))
    others = bounds[1:]
    best_free = unconstrained_optimum(problem)
    if problem.target is not None:
        return _check_target(problem, bounds, others, best_free, floor, digits)
    lo = max([b.low for b in others if b.low is not None] + [tick])
    hi = min([b.high for b in others if b.high is not None] + [problem.current * SEARCH_SPAN[1]])
    grid = _grid(lo, hi, tick, digits)
    ok = feasible(problem, grid, others) if grid.size else np.zeros(0, dtype=bool)
    if not ok.any():
        why, clash = _conflict(bounds, floor, lo, hi, digits)
        return Decision("conflict", None, bounds, conflict=why, clash=clash, unconstrained=best_free, margin_floor=floor)
    pick = _best(problem, grid[ok])
    if len(grid) > 1 and grid[1] - grid[0] > tick * 1.5:  # strided: refine around the best point
        fine = _grid(max(lo, pick - (grid[1] - grid[0])), min(hi, pick + (grid[1] - grid[0])), tick, digits)
        pick = _best(problem, np.append(fine[feasible(problem, fine, others)], pick))
    binding = _mark_binding(problem, bounds, pick, best_free, tick)
    status = "keep" if round(pick, digits) == round(problem.current, digits) else "recommended"
    return Decision(status, pick, bounds, binding=binding, unconstrained=best_free, margin_floor=floor)


def _best(problem: PriceProblem, cands: np.ndarray) -> float:
    """The most profitable candidate (the closest to the current price when holding, and
    among equally profitable ones)."""
    if problem.hold:
        scores = -np.abs(cands - problem.current)
    else:
        scores = profit(problem, cands)
        scores = np.where(np.isclose(scores, scores.max(), rtol=1e-12, atol=1e-12), scores.max(), scores)
    top = np.flatnonzero(scores == scores.max())
    return float(cands[top[int(np.argmin(np.abs(cands[top] - problem.current)))]])


def _check_target(problem, bounds, others, best_free, floor, digits) -> Decision:
    target = round(float(problem.target), digits)
    broken = [] if problem.econ.meets_margin(np.array([target]), problem.min_margin_pct)[0] else ["min_margin"]
    broken += [b.name for b in others if not within(problem, b, np.array([target]))[0]]
    status = "target_violates" if broken else "target_ok"
    for b in bounds:
        b.binding = b.name in broken
    return Decision(status, target, bounds, binding=broken[0] if broken else "none", violations=broken,
                    unconstrained=best_free, margin_floor=floor)


def _mark_binding(problem: PriceProblem, bounds: list[Bound], pick: float, best_free: float | None, tick: float) -> str:
    """The constraints that stop the price moving toward the unconstrained optimum: a
    constraint binds when the next price step that way would break it."""
    if problem.hold:
        hold = next(b for b in bounds if b.name == "hold")
        hold.binding = True
        return "hold"
    if best_free is not None and abs(pick - best_free) <= tick:
        return "none"
    up = best_free is None or best_free > pick
    digits = rates.decimals(problem.econ.currency)
    nxt = np.array([round(pick + tick if up else pick - tick, digits)])  # the grid's next price, as the grid rounds it
    for b in bounds:
        if b.name == "min_margin":
            b.binding = not up and not bool(problem.econ.meets_margin(nxt, problem.min_margin_pct)[0])
        else:
            b.binding = not bool(within(problem, b, nxt)[0])
    hits = [b.name for b in bounds if b.binding]
    return next((n for n in PRECEDENCE if n in hits), "none")


def _conflict(bounds: list[Bound], floor: float | None, lo: float, hi: float,
              digits: int) -> tuple[str, tuple[Bound, Bound] | None]:
    """Why no price is left, and the clashing pair (highest floor, lowest ceiling) if any."""
    def money(x: float) -> str:
        return f"{x:.{digits}f}"

    if floor is None:
        return "no price up to 5x the current one reaches the minimum margin over the landed cost", None
    low = max((b for b in bounds if b.low is not None), key=lambda b: b.low)
    highs = [b for b in bounds if b.high is not None]
    high = min(highs, key=lambda b: b.high) if highs else None
    if high is None or low.low <= high.high:
        return (f"min_margin needs at least {money(floor)} but no price from {money(lo)} to {money(hi)} also meets "
                "the margin and every other constraint"), None
    return f"{low.name} needs at least {money(low.low)} but {high.name} allows at most {money(high.high)}", (low, high)


def curve(problem: PriceProblem, decision: Decision) -> list[CurvePoint]:
    """Profit against price around the current price (and the chosen and optimum prices)."""
    marks = [problem.current, decision.price or problem.current, decision.unconstrained or problem.current]
    lo, hi = 0.5 * min(marks), 1.5 * max(marks)
    for b in decision.bounds:
        lo = min(lo, b.low) if b.low is not None and b.low > 0.2 * problem.current else lo
        hi = max(hi, b.high) if b.high is not None and b.high < 5 * problem.current else hi
    digits = rates.decimals(problem.econ.currency)
    prices = np.unique(np.round(np.linspace(lo, hi, CURVE_POINTS), max(digits, 2)))
    prices = prices[prices > 0]
    ok, q, pr = feasible(problem, prices), units(problem, prices), profit(problem, prices)
    return [CurvePoint(price=float(p), units=round(float(u), 3), profit_gbp=round(float(v), 4), feasible=bool(f))
            for p, u, v, f in zip(prices, q, pr, ok)]
