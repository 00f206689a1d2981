"""Auditing the store's own catalogue: every product x variant x market.

A store product has a name and variants with options, no listing text. Each variant is
audited as the listing a marketplace would show from that data (title = name and option
values, attributes = options) unless the copywriter published a listing for the product
(or that variant) and market (store/listings.py): then the latest published version is
audited, with the variant's options added as attributes. The result is summarised per
product and market (which rules fire on how many variants), not one row per finding.
"""
from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterator

from agents.compliance_audit import ListingText, Progress, audit
from agents.compliance_rules import RuleBook, rule_book
from store.listings import published_listings
from tools.compliance_schemas import Listing, ProductAudit, RuleInfo, StoreAudit


def variant_listing(product: dict, variant: dict, published: dict | None = None) -> Listing:
    options = {k: str(v) for k, v in (variant.get("options") or {}).items()}
    if published is None:
        return Listing(title=product["name"], attributes=options,
                       product_id=product["product_id"], item_id=variant["item_id"], source="store_options")
    return Listing(title=published["title"], bullets=published["bullets"], description=published["description"],
                   keywords=published["keywords"], attributes={**options, **published["attributes"]},
                   market=published["market"], language=published["language"], product_id=product["product_id"],
                   item_id=variant["item_id"], source=f"published v{published['version']}")


def store_products(store, product_ids: list[str] | None = None) -> Iterator[dict]:
    ids = product_ids or list(store.list_all_product_types().values())
    for pid in ids:
        yield store.get_product_details(pid)


def _published_index(store) -> dict[tuple[str, str | None, str], dict]:
    """(product, item or None, market) -> the published listing to audit (first language wins)."""
    out: dict[tuple[str, str | None, str], dict] = {}
    for row in published_listings(store):
        out.setdefault((row["product_id"], row["item_id"], row["market"]), row)
    return out


def audit_store(store, markets: list[str], *, product_ids: list[str] | None = None, progress: Progress | None = None,
                book: RuleBook | None = None) -> StoreAudit:
    """Audit every variant of every product (or of ``product_ids``) for each market.
    ``progress(done, total)`` is called after each product (total = products)."""
    book = book or rule_book()
    started = time.perf_counter()
    products = list(store_products(store, product_ids))
    published = _published_index(store)
    fam, sev, per_market = Counter(), Counter(), Counter()
    audits = failing_audits = variants = 0
    results = []
    rules: dict[str, RuleInfo] = {}
    for n, product in enumerate(products, 1):
        failing: dict[str, Counter] = defaultdict(Counter)
        used: set[str] = set()
        for variant in product["variants"].values():
            variants += 1
            base = variant_listing(product, variant)
            base_text = ListingText(base, book)
            for market in markets:
                pub = published.get((product["product_id"], variant["item_id"], market)) \
                    or published.get((product["product_id"], None, market))
                if pub is not None:
                    used.add(market)
                    report = audit(variant_listing(product, variant, pub), market, book)
                else:
                    report = audit(base, market, book, base_text)
                audits += 1
                failing_audits += bool(report.findings)
                for f in report.findings:
                    fam[f.family] += 1
                    sev[f.severity] += 1
                    per_market[market] += 1
                    failing[market][f.rule_id] += 1
                    if f.rule_id not in rules:
                        rules[f.rule_id] = RuleInfo(family=f.family, severity=f.severity, title=f.title, need=f.need,
                                                    fix=f.fix, citation=f.citation)
        results.append(ProductAudit(product_id=product["product_id"], name=product["name"],
                                    variants=len(product["variants"]), published=sorted(used),
                                    failing={m: dict(c) for m, c in failing.items()}))
        if progress is not None:
            progress(n, len(products))
    return StoreAudit(markets=list(markets), products=len(products), variants=variants, audits=audits,
                      failing_audits=failing_audits, findings=sum(fam.values()), by_family=dict(fam.most_common()),
                      by_severity=dict(sev.most_common()), by_market=dict(per_market),
                      product_audits=results, rules=rules,
                      citations={c: book.citation(c) for c in sorted({r.citation for r in rules.values()})},
                      elapsed_s=round(time.perf_counter() - started, 3))


def worst_products(result: StoreAudit, n: int = 5) -> list[tuple[str, int]]:
    """(product name, distinct rules fired over all markets), most first."""
    score = defaultdict(int)
    for p in result.product_audits:
        score[p.name] = sum(len(rules) for rules in p.failing.values())
    return sorted(((k, v) for k, v in score.items() if v), key=lambda kv: (-kv[1], kv[0]))[:n]


__all__ = ["ProductAudit", "RuleInfo", "StoreAudit", "audit_store", "store_products", "variant_listing",
           "worst_products"]
