"""The compliance agent's replies, from templates per language (prompts/compliance/<lang>.json)
filled with tool results. Rule titles and full fixes stay in the typed result (English,
from the rule data); the reply names each family and its short fix in the user's language."""
from __future__ import annotations

from prompts import load_templates


from tools.compliance_schemas import AuditReport, PiiScan, StoreAudit

MAX_LINES = 8


def _load(lang: str) -> dict[str, str]:
    return load_templates("compliance", lang)


class Texts:
    """Templates of one language, English where a key is missing."""

    def __init__(self, lang: str):
        self.lang = lang if _load(lang) else "en"
        self._t, self._en = _load(self.lang), _load("en")

    def t(self, key: str, **kw) -> str:
        return (self._t.get(key) or self._en.get(key, key)).format(**kw)

    def market(self, code: str) -> str:
        return self.t(f"market_{code}")

    def markets(self, codes: list[str]) -> str:
        return self.join([self.market(c) for c in codes])

    def family(self, name: str) -> str:
        return self.t(f"family_{name}")

    def severity(self, name: str) -> str:
        return self.t(f"severity_{name}")

    def fix(self, need: str) -> str:
        return self.t(f"fix_{need}")

    def join(self, parts: list[str]) -> str:
        return self.t("sep").join(parts)


def listing_reply(tx: Texts, reports: list[AuditReport]) -> list[str]:
    lines: list[str] = []
    for rep in reports:
        if not rep.findings:
            lines.append(tx.t("listing_clean", title=rep.title, rules=rep.rules_checked, market=tx.market(rep.market)))
            continue
        high = sum(f.severity == "high" for f in rep.findings)
        lines.append(tx.t("listing_findings", title=rep.title, market=tx.market(rep.market), n=len(rep.findings),
                          high=high))
        for i, f in enumerate(rep.findings[:MAX_LINES], 1):
            words = [w.strip("'") for w in f.found if not w.startswith(tuple(f"{k}:" for k in rep.kinds))]
            line = tx.t("finding_line", i=i, severity=tx.severity(f.severity), family=tx.family(f.family),
                        fix=tx.fix(f.need))
            if f.missing is None and words:
                line += tx.t("found_words", words=tx.join(words))
            lines.append(line)
        if len(rep.findings) > MAX_LINES:
            lines.append(tx.t("more_findings", n=len(rep.findings) - MAX_LINES))
    return lines


def product_reply(tx: Texts, result: StoreAudit) -> list[str]:
    lines: list[str] = []
    for p in result.product_audits:
        source = (tx.t("source_published", markets=tx.markets(p.published)) if p.published
                  else tx.t("source_options"))
        lines.append(tx.t("product_header", product=p.name, variants=p.variants, source=source))
        for market in result.markets:
            rules = p.failing.get(market) or {}
            if not rules:
                lines.append(tx.t("product_market_clean", market=tx.market(market)))
                continue
            lines.append(tx.t("product_market_line", market=tx.market(market), n=len(rules)))
            for rule_id, n in sorted(rules.items(), key=lambda kv: _severity_rank(result.rules[kv[0]].severity)):
                info = result.rules[rule_id]
                lines.append(tx.t("product_rule_item", severity=tx.severity(info.severity),
                                  family=tx.family(info.family), variants=n, total=p.variants, fix=tx.fix(info.need)))
    return lines


def store_reply(tx: Texts, result: StoreAudit, worst: list[tuple[str, int]]) -> list[str]:
    lines = [tx.t("store_summary", products=result.products, variants=result.variants,
                  markets=tx.markets(result.markets), audits=result.audits, seconds=f"{result.elapsed_s:.1f}",
                  failing=result.failing_audits, findings=result.findings, high=result.by_severity.get("high", 0))]
    if result.by_family:
        families = [f"{tx.family(k)} {v}" for k, v in result.by_family.items()]
        lines.append(tx.t("store_by_family", items=tx.join(families)))
    if len(result.markets) > 1 and result.by_market:
        per_market = [f"{tx.market(k)} {v}" for k, v in result.by_market.items()]
        lines.append(tx.t("store_by_market", items=tx.join(per_market)))
    if worst:
        lines.append(tx.t("store_worst", items=tx.join([f"{name} ({n})" for name, n in worst])))
    if not any(p.published for p in result.product_audits):
        lines.append(tx.t("store_source_note"))
    return lines


def pii_reply(tx: Texts, scan: PiiScan) -> list[str]:
    if not scan.total_findings:
        return [tx.t("pii_clean", fields=scan.fields_scanned, files=scan.files_scanned)]
    kinds = tx.join([f"{k} {v}" for k, v in scan.by_kind.items()])
    lines = [tx.t("pii_findings", fields=scan.fields_scanned, files=scan.files_scanned, n=scan.total_findings,
                  kinds=kinds)]
    for i, f in enumerate(scan.findings[:MAX_LINES], 1):
        lines.append(tx.t("pii_line", i=i, severity=tx.severity(f.severity), kind=f.kind, location=f.location,
                          record=f.record, masked=f.masked) + " " + tx.fix(f.rule_id))
    if scan.total_findings > MAX_LINES:
        lines.append(tx.t("more_findings", n=scan.total_findings - MAX_LINES))
    return lines


def _severity_rank(severity: str) -> int:
    return ("high", "medium", "low").index(severity) if severity in ("high", "medium", "low") else 3


__all__ = ["Texts", "listing_reply", "pii_reply", "product_reply", "store_reply"]
