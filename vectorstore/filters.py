"""Market and topic filters, the same rule for Chroma's `where` and the BM25 side.

A chunk matches market M when its document lists M, a region that contains M ("EU" for
the 27 member states), or no market at all / "GLOBAL" (general advice applies
everywhere). Markets and topics are stored as boolean flags (`m_DE`, `t_vat`) because
flag equality is the one metadata filter every Chroma version and server supports.
"""
from __future__ import annotations

EU27 = frozenset("AT BE BG HR CY CZ DK EE FI FR DE GR IE IT LV LT LU MT NL PL PT RO SK SI ES SE HU".split())
GLOBAL = "GLOBAL"
_ALIASES = {"UK": "GB", "ALL": GLOBAL, "WORLD": GLOBAL, "WW": GLOBAL}


def norm_market(m: str) -> str:
    m = m.strip().upper()
    return _ALIASES.get(m, m)


def markets_covering(market: str) -> list[str]:
    """The market labels whose documents apply to `market`."""
    m = norm_market(market)
    out = [m, GLOBAL]
    if m in EU27:
        out.append("EU")
    return out


def chunk_flags(markets: list[str], topics: list[str]) -> dict[str, bool]:
    ms = {norm_market(m) for m in markets} or {GLOBAL}
    return {**{f"m_{m}": True for m in ms}, **{f"t_{t.lower()}": True for t in topics}}


def chroma_where(market: str | None, topic: str | None) -> dict | None:
    clauses = []
    if market:
        ors = [{f"m_{m}": True} for m in markets_covering(market)]
        clauses.append(ors[0] if len(ors) == 1 else {"$or": ors})
    if topic:
        clauses.append({f"t_{topic.strip().lower()}": True})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def matches(meta: dict, market: str | None, topic: str | None) -> bool:
    if market and not any(meta.get(f"m_{m}") for m in markets_covering(market)):
        return False
    return not topic or bool(meta.get(f"t_{topic.strip().lower()}"))
