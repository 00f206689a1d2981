"""The compliance auditor's engine: a listing + a market -> findings, each with the rule,
what was found, what is missing, the fix and the knowledge-base section it rests on.

A listing's text is read once (``ListingText``: NFKC, lower-cased, banned claims from
``guards.claims.find_claims`` in every language, English product kinds from
``ml.product_kinds``), so auditing one listing for all nine markets costs one pass of
each detector. Findings carry the citation's chunk id; a report carries each cited
section once (``citations``).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from agents.compliance_rules import Rule, RuleBook, normalize, rule_book
from guards.claims import find_claims
from ml.product_kinds import kinds_from_text
from tools.compliance_schemas import AuditReport, Finding, Listing

class ListingText:
    """A listing read once: the full text (for banned content and evidence) and the
    product text (accessory phrases and 'fits' attributes cut) for product kinds."""

    def __init__(self, listing: Listing, book: RuleBook):
        self.listing, self.book = listing, book
        parts = [listing.title, *listing.bullets, listing.description, " ".join(listing.keywords)]
        self.raw = normalize("\n".join([*parts, *listing.attribute_lines()]))
        self.folded = self.raw.lower()
        attrs = listing.attribute_lines(book.kind_ignored_attributes)
        self.product_raw = self._product(book, [*parts, *attrs])
        self.product_folded = self.product_raw.lower()
        # ml.product_kinds' English keywords are written for titles ("gloves" in "wear gloves" is no glove)
        self.title_raw = self._product(book, [listing.title, " ".join(listing.keywords), *attrs])
        self._cache: dict[tuple[str, bool], list[str]] = {}

    @staticmethod
    def _product(book: RuleBook, parts: list[str]) -> str:
        return book.cut_accessories(normalize("\n".join(parts)))

    @cached_property
    def accessory(self) -> bool:
        return self.book.is_accessory(self.listing.title)

    @cached_property
    def claims(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for c in find_claims(self.raw, None):
            out.setdefault(c.id, []).append(c.text.strip())
        return out

    @cached_property
    def product_kinds(self) -> dict[str, list[str]]:
        return kinds_from_text(self.title_raw)

    def find(self, detector: str, product: bool) -> list[str]:
        key = (detector, product)
        if key not in self._cache:
            d = self.book.detectors[detector]
            if product:
                self._cache[key] = d.find(self.product_folded, self.product_raw, self.product_kinds, {}, self.accessory)
            else:
                self._cache[key] = d.find(self.folded, self.raw, {}, self.claims)
        return self._cache[key]

    def first(self, detectors: Iterable[str], product: bool) -> tuple[str, list[str]] | None:
        """(detector, what it found) of the first detector that fires, else None."""
        for name in detectors:
            hit = self.find(name, product)
            if hit:
                return name, hit
        return None


def triggers(rule: Rule, text: ListingText) -> list[str] | None:
    """Why the rule applies to this product (its `when` detectors' finds), or None when
    it does not (a `when` or `and_when` not met, or an `unless` met)."""
    trigger: list[str] = []
    for names in (rule.when, rule.and_when):
        if names:
            hit = text.first(names, product=True)
            if hit is None:
                return None
            trigger.append(f"{hit[0]}: {', '.join(hit[1])}")
    if rule.unless and text.first(rule.unless, product=True):
        return None
    return trigger


def check_rule(rule: Rule, text: ListingText) -> Finding | None:
    trigger = triggers(rule, text)
    if trigger is None:
        return None
    missing = None
    if rule.forbid:
        banned = text.first(rule.forbid, product=False)
        if banned is None or (rule.exempt_if and text.first(rule.exempt_if, product=False)):
            return None
        trigger = [f"'{w}'" for w in banned[1]]
    else:
        if text.first(rule.require, product=False):
            return None
        about = [text.book.detectors[n].about or n.replace("_", " ") for n in rule.require]
        missing = " or ".join(about)
    return Finding(rule_id=rule.id, family=rule.family, severity=rule.severity, market=rule.market, title=rule.title,
                   found=trigger, missing=missing, fix=rule.fix, need=rule.need, citation=rule.citation)


def kinds_of(text: ListingText) -> list[str]:
    kinds = ("electrical_electronic", "radio_equipment", "batteries", "lithium", "textiles", "toys", "small_parts",
             "protective_equipment", "chemical_mixture", "cosmetics")
    return [k for k in kinds if k in text.book.detectors and text.find(k, product=True)]


def audit(listing: Listing, market: str, book: RuleBook | None = None, text: ListingText | None = None) -> AuditReport:
    """Findings of ``listing`` for ``market`` (a code of the rule book; check it with
    ``resolve_market`` first). ``text`` lets a caller audit one listing for several markets."""
    book = book or rule_book()
    if market not in book.markets:
        raise ValueError(f"unsupported market {market!r}; supported: {', '.join(book.markets)}")
    text = text or ListingText(listing, book)
    rules = book.rules_for(market)
    findings = [f for f in (check_rule(r, text) for r in rules) if f is not None]
    findings.sort(key=lambda f: (("high", "medium", "low").index(f.severity), f.family, f.rule_id))
    return AuditReport(market=market, title=listing.title, product_id=listing.product_id, item_id=listing.item_id,
                       source=listing.source, kinds=kinds_of(text), rules_checked=len(rules), findings=findings,
                       citations={f.citation: book.citation(f.citation) for f in findings})


def audit_markets(listing: Listing, markets: Iterable[str], book: RuleBook | None = None) -> list[AuditReport]:
    book = book or rule_book()
    text = ListingText(listing, book)
    return [audit(listing, m, book, text) for m in markets]


def applicable_rules(listing: Listing, market: str, book: RuleBook | None = None) -> list[Rule]:
    """The rules requiring evidence that apply to this product in this market: what its
    listing must show (whatever it shows now)."""
    book = book or rule_book()
    text = ListingText(listing, book)
    return [r for r in book.rules_for(market) if r.require and triggers(r, text) is not None]


def resolve_market(value: str, book: RuleBook | None = None) -> str | None:
    """A market code of the rule book from a code or an alias (GB -> UK); None if unsupported."""
    book = book or rule_book()
    code = (value or "").strip().upper()
    code = {"GB": "UK", "EN": None, "USA": "US"}.get(code, code)
    return code if code in book.markets else None


Progress = Callable[[int, int], Any]
__all__ = ["AuditReport", "Finding", "Listing", "ListingText", "Progress", "applicable_rules", "audit", "audit_markets",
           "check_rule", "resolve_market", "triggers"]
