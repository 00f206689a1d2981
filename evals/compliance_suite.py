"""The compliance suite: listings with known violations per market, and clean ones, audited
by the rule engine (agents/compliance_audit.py; model-level, in-process).

Two sets, documented in ``evals/datasets/EVAL_SETS.md``: ``compliance_listings.jsonl``
(88 listings, written before the rules existed) and ``compliance_listings_heldout.jsonl``
(39 listings, written after the first rules and run once blind). A case names the rule
families it violates (``expected_families``; [] for a clean listing) and passes when the
audit finds exactly those families. The summary reports precision and recall per family
(a family counts once per listing), micro-averaged figures, per set and per market.
"""
from __future__ import annotations

import json
from pathlib import Path

from evals import evaluators as ev
from evals.cases import Case
from evals.model_suite import details, group, score_cases, table, workdir
from evals.suites import DATASETS

SETS = {"dev": DATASETS / "compliance_listings.jsonl", "heldout": DATASETS / "compliance_listings_heldout.jsonl"}


class ListingCase(Case):
    market: str = ""
    listing: dict = {}
    expected_families: list[str] = []


def load(shared: Path, sets: dict[str, Path] = SETS) -> list[ListingCase]:
    cases, seen = [], set()
    for name, path in sets.items():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row["id"] in seen:
                raise ValueError(f"{path.name}:{n}: duplicate id {row['id']}")
            seen.add(row["id"])
            cases.append(ListingCase(id=row["id"], suite="compliance", lang=row.get("lang", "en"), channel="operator",
                                     turns=[row["listing"]["title"]], expected_label=name, market=row["market"],
                                     listing=row["listing"], expected_families=sorted(row["expected_families"]),
                                     notes=row.get("notes", "")))
    return cases


def measure(cases: list[ListingCase], system, shared: Path, progress=None):
    from agents.compliance_audit import audit
    from agents.compliance_rules import rule_book
    from tools.compliance_schemas import Listing

    workdir(system)
    book = rule_book()

    def score(case: ListingCase):
        listing = Listing(**case.listing, market=case.market, language=case.lang)
        report = audit(listing, case.market, book)
        got, want = set(report.families), set(case.expected_families)
        detail = "; ".join(x for x in (f"missed {sorted(want - got)}" if want - got else "",
                                       f"extra {sorted(got - want)}" if got - want else "") if x)
        return ([ev.Check("families", got == want, detail)],
                ", ".join(sorted({f.rule_id for f in report.findings})) or "(clean)",
                {"got": sorted(got), "expected": sorted(want), "rules": sorted({f.rule_id for f in report.findings})})

    return score_cases(cases, score, progress)


def family_scores(pairs) -> dict[str, dict]:
    """Per family: listings labelled, flagged, true positives, precision, recall; plus 'micro'."""
    fams = sorted({f for c, d in pairs for f in (*c.expected_families, *d["got"])})
    out = {}
    for fam in [*fams, "micro"]:
        tp = fp = fn = 0
        for c, d in pairs:
            want = set(c.expected_families) if fam == "micro" else {fam} & set(c.expected_families)
            got = set(d["got"]) if fam == "micro" else {fam} & set(d["got"])
            tp, fp, fn = tp + len(want & got), fp + len(got - want), fn + len(want - got)
        out[fam] = {"labelled": tp + fn, "flagged": tp + fp, "tp": tp,
                    "precision": round(tp / (tp + fp), 4) if tp + fp else None,
                    "recall": round(tp / (tp + fn), 4) if tp + fn else None}
    return out


def summarize(result) -> dict:
    pairs = details(result)
    if not pairs:
        return {}
    out: dict = {"by_agent": {}}
    cols = ["labelled", "flagged", "tp", "precision", "recall"]
    tables, headline = {}, []
    for name, rows in [("all", pairs), *group(pairs, lambda p: p[0].expected_label).items()]:
        scores = family_scores(rows)
        exact = round(sum(d["got"] == c.expected_families for c, d in rows) / len(rows), 4)
        prefix = "" if name == "all" else f"{name}."
        out |= {f"{prefix}{fam}.{k}": v[k] for fam, v in scores.items() for k in ("precision", "recall")}
        out[f"{prefix}exact"] = exact
        micro = scores["micro"]
        headline.append(f"{name} ({len(rows)} listings): precision {micro['precision']}, recall {micro['recall']}, "
                        f"exact {exact}")
        tables[f"{name}: per rule family ({len(rows)} listings)"] = table(
            ["family"] + cols, [[fam] + [v[c] for c in cols] for fam, v in scores.items()])
    per_market = {m: family_scores(rows)["micro"] for m, rows in group(pairs, lambda p: p[0].market).items()}
    tables["per market (both sets)"] = table(["market"] + cols, [[m] + [v[c] for c in cols] for m, v in
                                                                 per_market.items()])
    out["headline"] = "; ".join(headline)
    out["tables"] = tables
    return out
