"""The pricing agent's words: replies from templates per language (prompts/pricing/<lang>.json)
filled with tool results. Numbers use the language's separators (agents/copy_localize.number);
product descriptions stay as the sales history spells them (English)."""
from __future__ import annotations

from agents import pricing_rates as rates
from agents.copy_localize import number
from agents.selection_markets import markets
from prompts import load_templates
from tools.pricing_schemas import LandedCost, Note, PriceChange, PriceRecommendation

LISTED = 8   # batch lines in the chat reply (the report has them all)


class Texts:
    """Templates of one language, English where a key is missing."""

    def __init__(self, lang: str):
        self.lang = lang if load_templates("pricing", lang) else "en"
        self._t, self._en = load_templates("pricing", self.lang), load_templates("pricing", "en")

    def t(self, key: str, **kw) -> str:
        return (self._t.get(key) or self._en[key]).format(**kw)

    def word(self, group: str, key: str) -> str:
        return (self._t.get(group) or {}).get(key) or self._en[group].get(key, key)

    def join(self, parts: list[str]) -> str:
        return self.t("sep").join(parts)

    def num(self, x: float, digits: int = 2) -> str:
        return number(x, self.lang, digits)

    def fixed(self, x: float, digits: int = 2) -> str:
        """``x`` with exactly ``digits`` decimals in the language's format."""
        thousands, decimal = {"de": (".", ","), "es": (".", ","), "fr": ("\u202f", ",")}.get(self.lang, (",", "."))
        return f"{x:,.{digits}f}".replace(",", "\x00").replace(".", decimal).replace("\x00", thousands)

    def money(self, x: float | None, currency: str) -> str:
        if x is None:
            return "-"
        return self.fixed(x, rates.decimals(currency) if currency in rates.currencies() else 2) + " " + currency

    def pct(self, x: float | None) -> str:
        return "-" if x is None else ("+" if x > 0 else "") + self.num(x, 1) + "%"

    def market(self, mid: str) -> str:
        m = markets().get(mid)
        return m.name(self.lang) if m else mid

    def constraint(self, name: str) -> str:
        return self.word("constraints", name)

    def note(self, n: Note, extra: dict) -> str:
        template = (self._t.get("notes") or {}).get(n.code) or self._en["notes"].get(n.code)
        if template is None:
            return n.detail
        values = {k: self.num(v, 2) if isinstance(v, float) else v for k, v in {**extra, **n.values}.items()}
        try:
            return template.format(**values)
        except (KeyError, IndexError):
            return n.detail


def _item(tx: Texts, rec: PriceRecommendation) -> dict:
    return {"code": rec.product, "description": rec.description, "market": tx.market(rec.market),
            "current": tx.money(rec.current_price, rec.currency)}


def landed_text(tx: Texts, lc: LandedCost, min_margin: float | None = None) -> str:
    common = dict(price=tx.money(lc.price, lc.currency), landed=tx.fixed(lc.landed_cost_gbp),
                  cost=tx.fixed(lc.unit_cost_gbp), shipping=tx.fixed(lc.shipping_gbp), duty=tx.fixed(lc.duty_gbp),
                  duty_pct=tx.num(lc.duty_pct, 1), fee=tx.fixed(lc.fx_fee_gbp), vat_pct=tx.num(lc.vat_pct, 1),
                  margin=tx.num(lc.margin_pct, 1))
    if min_margin is not None:
        how = tx.t("vat_inside") if lc.prices_include_tax else tx.t("vat_on_top")
        return tx.t("landed", vat_how=how, min_margin=tx.num(min_margin, 1), **common)
    return tx.t("landed_line", cost_source=tx.word("cost_sources", lc.cost_source), basis=lc.duty_basis,
                duty_note="" if lc.duty_applied or lc.duty_pct == 0 else tx.t("duty_not_charged"),
                net=tx.money(lc.net_price, lc.currency), net_gbp=tx.fixed(lc.net_price_gbp),
                fx=tx.num(lc.fx_per_gbp, 4), currency=lc.currency, profit=tx.fixed(lc.unit_profit_gbp), **common)


def notes_lines(tx: Texts, notes: list[Note], extra: dict) -> list[str]:
    seen, out = set(), []
    for n in notes:
        if n.code not in seen:
            seen.add(n.code)
            out.append(tx.note(n, extra))
    return out


def recommendation_lines(tx: Texts, rec: PriceRecommendation) -> list[str]:
    """The answer about one product in one market (without notes and proposal)."""
    item = _item(tx, rec)
    if rec.status == "conflict":
        if len(rec.clash) == 2:
            low, high = rec.clash
            return [tx.t("conflict", low_name=tx.constraint(low.name), low=tx.money(low.low, rec.currency),
                         high_name=tx.constraint(high.name), high=tx.money(high.high, rec.currency), **item)]
        floor = next((b.low for b in rec.bounds if b.name == "min_margin"), None)
        if floor is None:
            return [tx.t("conflict_never", min_margin=tx.num(rec.min_margin_pct, 1), **item)]
        return [tx.t("conflict_margin", min_margin=tx.num(rec.min_margin_pct, 1), floor=tx.money(floor, rec.currency),
                     **item)]
    change = tx.pct(rec.change_pct)
    if rec.mode == "target":
        target = tx.money(rec.price, rec.currency)
        if rec.status == "target_violates":
            names = tx.join([tx.constraint(v) for v in rec.violations])
            return [tx.t("target_violates", target=target, violations=names, **item)]
        if rec.price == rec.current_price:
            return [tx.t("target_same", **item)]
        lines = [tx.t("target_ok", target=target, change=change, **item)]
    elif rec.status == "keep":
        lines = [tx.t("keep", **item)]
    else:
        lines = [tx.t("recommended", new=tx.money(rec.price, rec.currency), change=change, **item)]
    lines.append(tx.t("expected", units_now=tx.num(rec.units_current, 1), units_new=tx.num(rec.units_new or 0, 1),
                      profit_now=tx.fixed(rec.profit_current_gbp), profit_new=tx.fixed(rec.profit_new_gbp or 0)))
    if rec.mode != "target":
        lines.append(tx.t("binding_none") if rec.binding_constraint == "none"
                     else tx.t("binding", binding=tx.constraint(rec.binding_constraint)))
        lines.append(tx.t("unconstrained", price=tx.money(rec.unconstrained_price, rec.currency))
                     if rec.unconstrained_price is not None else tx.t("unconstrained_none"))
    return lines


def detail_lines(tx: Texts, rec: PriceRecommendation) -> list[str]:
    e = rec.elasticity
    lines = []
    if rec.landed_new or rec.landed_current:
        lines.append(landed_text(tx, rec.landed_new or rec.landed_current, rec.min_margin_pct))
    lines.append(tx.t("elasticity", e=tx.num(e.used, 2), low=tx.num(e.ci_low, 2), high=tx.num(e.ci_high, 2),
                      method=tx.word("methods", e.method), trust=tx.t("trusted" if e.trusted else "untrusted")))
    if rec.competitor_prices:
        lines.append(tx.t("competitors", source=tx.word("competitor_sources", rec.competitor_source),
                          prices=tx.join([tx.money(c, rec.currency) for c in rec.competitor_prices])))
    return lines


def rates_line(tx: Texts) -> str:
    info = {t.table: t.as_of for t in rates.tables_info()}
    return tx.t("rates", fx_as_of=info["fx"], vat_as_of=info["vat"], duty_as_of=info["duty"],
                shipping_as_of=info["shipping"])


def proposal_line(tx: Texts, rec: PriceRecommendation) -> str:
    return tx.t("proposal", code=rec.product, market=tx.market(rec.market), old=tx.money(rec.current_price, rec.currency),
                new=tx.money(rec.price, rec.currency))


def batch_line(tx: Texts, rec: PriceRecommendation) -> str:
    binding = tx.constraint(rec.binding_constraint)
    return tx.t("batch_line", code=rec.product, description=rec.description[:40], market=rec.market,
                old=tx.money(rec.current_price, rec.currency), new=tx.money(rec.price, rec.currency),
                change=tx.pct(rec.change_pct), binding=binding)


def history_lines(tx: Texts, code: str, description: str, prices: list, changes: list[PriceChange]) -> list[str]:
    if not changes and not prices:
        return [tx.t("history_none", code=code)]
    lines = [tx.t("history_head", code=code, description=description)]
    lines += [tx.t("history_price", market=tx.market(p.market), price=tx.money(p.price, p.currency),
                   when=p.updated_at or "-") for p in prices]
    lines += [tx.t("history_line", when=c.changed_at, market=c.market, old=tx.money(c.old_price, c.currency),
                   new=tx.money(c.new_price, c.currency), change=tx.pct(c.change_pct), actor=c.actor,
                   reason=c.reason or "-") for c in changes[:10]]
    return lines
