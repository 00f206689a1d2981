"""The copywriter's replies in the operator's language, from prompts/copywriter/<lang>.json
filled with the draft's own fields: the draft with the path that produced each field, the
compliance findings next to the draft, and notes on defaults, glossary gaps, keywords,
the brand voice and the exchange rate."""
from __future__ import annotations

from agents import copy_data as data
from tools.copy_schemas import ListingDraft, ListingProblem

MAX_FINDINGS_SHOWN = 12


class Texts:
    def __init__(self, language: str):
        self.lang = language if language in data.LANGUAGES else "en"
        self.r = data.templates(self.lang)["reply"]

    def t(self, key: str, **kw) -> str:
        return self.r[key].format(**kw)

    def language(self, code: str) -> str:
        return data.language_name(code, self.lang)

    def market(self, code: str) -> str:
        return data.market_name(code, self.lang) if code in data.markets() else code

    def sep(self) -> str:
        return "、" if self.lang in ("zh", "ja") else ", "


def draft_reply(draft: ListingDraft, tx: Texts) -> str:
    lines = [tx.t("header", platform=data.platform_name(draft.platform, tx.lang), market=tx.market(draft.market),
                  language=tx.language(draft.language),
                  product=data.product_display_name(draft.product_name, tx.lang) or draft.product_name),
             tx.t("title", path=draft.title.path, text=draft.title.text),
             tx.t("bullets", path=_paths(draft))]
    lines += [tx.t("bullet", text=b.text) for b in draft.bullets]
    lines.append(tx.t("description", path=draft.description.path, text=draft.description.text))
    if draft.keywords_field == "none":
        lines.append(tx.t("keywords_none", platform=data.platform_name(draft.platform, tx.lang), text=tx.sep().join(draft.keywords)))
    else:
        lines.append(tx.t("keywords", field=draft.keywords_field, text=tx.sep().join(draft.keywords)))
    if draft.price:
        p = draft.price
        # "$1.00–$2.00": a bare "1.00-2.00" next to CJK text reads as a phone number to the PII guard
        usd = f"${p.usd_low:,.2f}" if p.usd_low == p.usd_high else f"${p.usd_low:,.2f}–${p.usd_high:,.2f}"
        lines.append(tx.t("price", price=p.text, usd=usd, rate=p.rate, currency=p.currency, as_of=p.as_of,
                          source="agents/data/fx.yaml"))
    lines += findings_lines(draft, tx)
    lines += notes_lines(draft, tx)
    if draft.passed and draft.product_id:
        lines.append(tx.t("publish_hint"))
    return "\n".join(lines)


def _paths(draft: ListingDraft) -> str:
    return "/".join(sorted({b.path for b in draft.bullets}))


def findings_lines(draft: ListingDraft, tx: Texts) -> list[str]:
    head = tx.t("passed" if draft.passed else "failed", market=tx.market(draft.market), checker=draft.checker)
    shown = [f for f in draft.findings if f.severity != "info"] + [f for f in draft.findings if f.severity == "info"]
    lines = [head]
    for f in shown[:MAX_FINDINGS_SHOWN]:
        excerpt = f" \"{f.excerpt[:80]}\"" if f.excerpt and f.field != "voice_sample" else ""
        action = f" ({f.action})" if f.action else ""
        lines.append(tx.t("finding", severity=f.severity, field=f.field, message=f.message, excerpt=excerpt,
                          action=action))
    return lines


def notes_lines(draft: ListingDraft, tx: Texts) -> list[str]:
    lines = []
    if draft.language not in data.LLM_LANGUAGES:
        lines.append(tx.t("template_only", language=tx.language(draft.language)))
    elif draft.description.path == "llm":
        lines.append(tx.t("llm_used"))
    elif draft.description.note.startswith("llm output discarded"):
        lines.append(tx.t("llm_discarded", reason=draft.description.note.split(": ", 1)[-1]))
    else:
        lines.append(tx.t("template_no_llm"))
    lines += voice_lines(draft, tx)
    if draft.assumed:
        lines.append(tx.t("assumed", what=", ".join(draft.assumed)))
    if draft.untranslated:
        lines.append(tx.t("untranslated", terms=", ".join(draft.untranslated)))
    kr = draft.keyword_report
    if kr.coverage is not None:
        lines.append(tx.t("coverage", covered=len(kr.covered), total=len(kr.covered) + len(kr.missing),
                          n=kr.similar_titles))
    else:
        lines.append(tx.t("no_titles"))
    if kr.to_verify:
        lines.append(tx.t("to_verify", terms=", ".join(kr.to_verify[:6])))
    for f in draft.findings:
        if f.field == "voice_sample" and f.action == "removed":
            # the sentence itself stays in the finding (data), not in the reply: a reply never repeats a banned claim
            lines.append(tx.t("voice_removed", rule=f.rule, market=tx.market(draft.market)))
    return lines


def voice_lines(draft: ListingDraft, tx: Texts) -> list[str]:
    v = draft.voice
    if v is None:
        return []
    if v.tone_only and v.language in data.LANGUAGES:
        return [tx.t("voice_tone_only", sample_language=tx.language(v.language), language=tx.language(draft.language))]
    return [tx.t("voice_used", style=tx.t(f"style_{v.style}"), n=len(v.sentences))]


def problem_reply(problem: ListingProblem, tx: Texts, store_names: list[str] | None = None) -> str:
    what = problem.message
    if problem.code == "unknown_product":
        return tx.t("unknown_product", choices=tx.sep().join(store_names or problem.choices))
    if problem.code == "ambiguous_product":
        return tx.t("ambiguous_product", choices=tx.sep().join(store_names or problem.choices))
    if problem.code == "unsupported_language":
        return tx.t("unsupported_language", what=what,
                    choices=tx.sep().join(tx.language(c) for c in problem.choices))
    if problem.code == "unsupported_platform":
        return tx.t("unsupported_platform", what=what,
                    choices=tx.sep().join(data.platform_name(p, tx.lang) for p in problem.choices))
    if problem.code == "platform_market":
        name = data.platform_name(problem.platform, tx.lang) if problem.platform in data.platforms() else problem.platform
        return tx.t("platform_market", what=tx.market(what), platform=name,
                    choices=tx.sep().join(tx.market(m) for m in problem.choices))
    return tx.t("unsupported_market", what=what, choices=tx.sep().join(tx.market(m) for m in problem.choices))
