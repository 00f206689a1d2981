"""The copywriter suite: every store product x the six listing languages x every market
(on its default platform: Amazon, Tmall for CN) plus each other platform once (its first
market), written by ``agents.copy_service.write_listing`` on a fresh seeded store, no LLM
(model-level, in-process). A case passes when the draft respects every platform limit
(``limits``) and has no error finding from its market's compliance check
(``compliance``). The summary adds keyword coverage (share of the mined keywords present
in the draft, over the products with similar real titles), pass rates per language and
platform, and a sample of drafts per language for the report.

The grid is built from the seed data, so nothing here was tuned on it beyond the
development the unit tests did on seven products; ``tests/agents/test_copywriter.py``
runs the full 8,100-draft grid (every platform x market) in its slow tier.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from evals import evaluators as ev
from evals.cases import Case
from evals.model_suite import details, group, score_cases, table, workdir

SAMPLE_PRODUCTS = ("T-Shirt", "Running Shoes", "Smartphone")
LIMIT_RULES = ("title.", "bullets.", "description.", "keywords.")


class CopyCase(Case):
    product_name: str = ""
    platform: str = ""
    market: str = ""
    sample: bool = False


def load(shared: Path) -> list[CopyCase]:
    import json

    from agents import copy_data as data

    products = json.loads((Path(shared) / "retail" / "products.json").read_text(encoding="utf-8"))
    names = sorted(p["name"] for p in products.values())
    default = data.markets_file()["default_platform"]
    targets = [(default[m], m) for m in data.markets()]
    targets += [(p, data.platform(p).markets[0]) for p in data.platforms() if p not in default.values()]
    cases = []
    for lang in data.LANGUAGES:
        home = data.markets_file()["market_for_language"][lang]
        for name in names:
            for platform, market in targets:
                cases.append(CopyCase(id=f"cw-{lang}-{platform}-{market}-{name}", suite="copywriter", lang=lang,
                                      channel="operator", turns=[f"{name} | {platform} {market} | {lang}"],
                                      product_name=name, platform=platform, market=market,
                                      sample=name in SAMPLE_PRODUCTS and market == home and platform == default[home]))
    return cases


def measure(cases: list[CopyCase], system, shared: Path, progress=None):
    from agents.copy_service import write_listing
    from ml.language import detect_language
    from store import Store
    from tools.copy_schemas import ListingDraft, ListingRequest

    folder = workdir(system) / "copywriter"
    folder.mkdir(parents=True, exist_ok=True)
    store = Store(f"sqlite:///{folder / 'store.db'}")
    store.reset(Path(shared) / "retail")
    deps = SimpleNamespace(store=store, settings=SimpleNamespace(shared_data_dir=Path(shared)),
                           detect_language=detect_language, llm_enabled=False)

    def score(case: CopyCase):
        d = write_listing(ListingRequest(product_name=case.product_name, platform=case.platform, market=case.market,
                                         language=case.lang), deps)
        if not isinstance(d, ListingDraft):
            return [ev.Check("draft", False, f"{d.code}: {d.message}")], d.message, {"problem": d.code}
        errors = [f for f in d.findings if f.severity == "error"]
        limit_errors = [f for f in errors if f.rule.startswith(LIMIT_RULES)]
        other_errors = [f for f in errors if f not in limit_errors]
        kr = d.keyword_report
        out = {"limits": not limit_errors, "compliance": not other_errors, "coverage": kr.coverage,
               "title_coverage": kr.title_coverage, "similar_titles": kr.similar_titles,
               "warnings": sum(f.severity == "warning" for f in d.findings), "untranslated": d.untranslated,
               "mined": [k.term if k.language == "en" else f"{k.term} [{k.language}]" for k in kr.mined][:6], "missing": kr.missing}
        if case.sample:
            out["draft"] = {"title": d.title.text, "bullets": [b.text for b in d.bullets],
                            "description": d.description.text, "keywords": d.keywords,
                            "price": d.price.text if d.price else None}
        checks = [ev.Check("limits", not limit_errors, "; ".join(f"{f.field} {f.rule}" for f in limit_errors)),
                  ev.Check("compliance", not other_errors, "; ".join(f"{f.field} {f.rule} {f.excerpt}"
                                                                     for f in other_errors))]
        return checks, d.title.text, out

    try:
        return score_cases(cases, score, progress)
    finally:
        store.close()


def _figures(rows) -> list:
    n = len(rows)
    cov = [d["coverage"] for _, d in rows if d.get("coverage") is not None]
    tcov = [d["title_coverage"] for _, d in rows if d.get("title_coverage") is not None]
    return [n, round(sum(d.get("limits", False) for _, d in rows) / n, 4),
            round(sum(d.get("compliance", False) for _, d in rows) / n, 4),
            round(sum(cov) / len(cov), 4) if cov else None, round(sum(tcov) / len(tcov), 4) if tcov else None,
            round(sum(d.get("warnings", 0) for _, d in rows) / n, 2),
            len({u for _, d in rows for u in d.get("untranslated", [])})]


def summarize(result) -> dict:
    pairs = details(result)
    if not pairs:
        return {}
    cols = ["language", "drafts", "limits pass", "compliance pass", "keyword coverage", "title coverage",
            "warnings/draft", "untranslated terms"]
    overall = _figures(pairs)
    by_lang = group(pairs, lambda p: p[0].lang)
    by_platform = group(pairs, lambda p: p[0].platform)
    with_titles = {c.product_name for c, d in pairs if d.get("coverage") is not None}
    out = {"limits_pass": overall[1], "compliance_pass": overall[2], "keyword_coverage": overall[3],
           "title_keyword_coverage": overall[4], "products_with_similar_titles": len(with_titles)}
    out |= {f"limits_pass.{lang}": _figures(rows)[1] for lang, rows in by_lang.items()}
    out |= {f"compliance_pass.{lang}": _figures(rows)[2] for lang, rows in by_lang.items()}
    out["headline"] = (f"{overall[0]} drafts: limits pass {overall[1]:.3f}, compliance pass {overall[2]:.3f}; "
                       f"keyword coverage {overall[3] if overall[3] is not None else '–'} (title "
                       f"{overall[4] if overall[4] is not None else '–'}) over the {len(with_titles)} of "
                       f"{len({c.product_name for c, _ in pairs})} products with similar real titles")
    en_rows = {c.product_name: d for c, d in pairs if c.lang == "en" and c.market == "US"}
    samples = [[c.lang, c.product_name, f"{c.platform} {c.market}", d["draft"]["title"],
                " | ".join(d["draft"]["bullets"][:2]), ", ".join(d["draft"]["keywords"][:8]), d["draft"]["price"]]
               for c, d in pairs if d.get("draft")]
    out["tables"] = {
        "drafts per language": table(cols, [["all", *overall]] + [[lang, *_figures(rows)]
                                                                  for lang, rows in by_lang.items()]),
        "drafts per platform": table(["platform", *cols[1:]], [[p, *_figures(rows)] for p, rows in by_platform.items()]),
        "keywords mined from similar real titles (Amazon US, English)": table(
            ["product", "similar titles", "top mined keywords", "coverage", "title coverage", "missing"],
            [[name, d["similar_titles"], ", ".join(d["mined"]), d["coverage"], d["title_coverage"],
              ", ".join(d["missing"][:4])] for name, d in sorted(en_rows.items()) if d.get("coverage") is not None]),
        "sample drafts per language (home market, default platform)": table(
            ["language", "product", "where", "title", "first two bullets", "keywords", "price"], samples),
    }
    return out
