"""The compliance check every listing draft passes before it is returned:
``check_listing(listing, market) -> findings``.

Three parts:
- the platform's limits (agents/data/listing_limits.yaml): length of each field in the
  platform's unit, bullet count, keyword bytes or tags, title rules (banned characters,
  repeated words, ALL-CAPS words, promotional phrases) -> ``error`` when a hard limit or
  rule is broken, ``info`` when over a recommendation;
- banned claims per field in the listing's language (guards.claims.find_claims) -> ``error``;
- the compliance auditor's rules for the market (agents.compliance_audit.audit): content it
  forbids (superlatives, health, absolute safety, green claims) -> ``error``, placed on the
  field that holds it; evidence it requires that the store's data cannot give (CE or UKCA
  mark, WEEE registration, GPSR responsible person, fibre composition...) -> ``warning``:
  the seller must add it before publishing; the copywriter never invents it.

A draft *passes* when it has no ``error``.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from agents import copy_data as data
from guards.claims import find_claims
from tools.copy_schemas import Finding, ListingDraft

CHECKER = "copywriter limits + guards.claims + compliance_audit.audit"
LIMITS_SOURCE = "agents/data/listing_limits.yaml"
CONTENT_RULE_FAMILIES = ("health_claims", "superlatives", "misleading_claims")
FUNCTION_WORDS = frozenset("and or for with the a an of in on to und oder mit für der die das et ou avec pour le la "
                           "les de des y o con para el los las".split())


def measure(text: str, unit: str) -> int:
    """Length of ``text`` in a platform's unit (chars, utf8_bytes, width)."""
    text = unicodedata.normalize("NFC", text or "")
    if unit == "utf8_bytes":
        return len(text.encode("utf-8"))
    if unit == "width":
        return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
    return len(text)


def description_text(listing: ListingDraft) -> str:
    """The description as published: bullets first where the platform has no bullet field."""
    lim = data.platform(listing.platform)
    if lim.bullets.field:
        return listing.description.text
    lines = [f"• {b.text}" for b in listing.bullets] + [listing.description.text]
    return "\n".join(x for x in lines if x)


def check_listing(listing: ListingDraft, market: str) -> list[Finding]:
    """Every finding of the draft for ``market``: limits, banned claims, market rules."""
    findings = limit_findings(listing)
    fields = listing.text_fields()
    for field, text in fields.items():
        findings += claim_findings(text, listing.language, field)
    findings += market_findings(listing, market, fields, findings)
    return findings


def limit_findings(listing: ListingDraft) -> list[Finding]:
    lim = data.platform(listing.platform)
    src = f"{LIMITS_SOURCE} ({lim.source})"
    out: list[Finding] = []

    def over(field: str, text: str, spec, rule: str) -> None:
        n = measure(text, spec.unit)
        if spec.max is not None and n > spec.max:
            out.append(Finding(field=field, rule=f"{rule}.max", severity="error", source=src,
                               message=f"{n} {spec.unit} over the {lim.name} limit of {spec.max}"))
        elif spec.target is not None and n > spec.target:
            out.append(Finding(field=field, rule=f"{rule}.target", severity="info", source=src,
                               message=f"{n} {spec.unit}, over the {spec.target} {lim.name} recommends"))

    over("title", listing.title.text, lim.title, "title")
    if lim.title.target_words and len(listing.title.text.split()) > lim.title.target_words:
        out.append(Finding(field="title", rule="title.target_words", severity="info", source=src,
                           message=f"more than the {lim.title.target_words} words {lim.name} recommends"))
    out += title_rule_findings(listing.title.text, listing.language, lim, src)
    if len(listing.bullets) > lim.bullets.count:
        out.append(Finding(field="bullets", rule="bullets.count", severity="error", source=src,
                           message=f"{len(listing.bullets)} bullet points; {lim.bullets.count} at most"))
    elif len(listing.bullets) < lim.bullets.count:
        out.append(Finding(field="bullets", rule="bullets.count", severity="warning", source=src,
                           message=f"only {len(listing.bullets)} bullet points: the product's data gives no more "
                                   f"facts for the {lim.bullets.count} expected; add them by hand"))
    for i, b in enumerate(listing.bullets):
        over(f"bullets[{i}]", b.text, lim.bullets, "bullets")
    over("description", description_text(listing), lim.description, "description")
    out += keyword_findings(listing, lim, src)
    return out


def title_rule_findings(title: str, language: str, lim: data.PlatformLimits, src: str) -> list[Finding]:
    rules, out = lim.title_rules, []
    bad = sorted({ch for ch in title if ch in rules.banned_chars})
    if bad:
        out.append(Finding(field="title", rule="title.banned_chars", severity="error", source=src,
                           message=f"characters {lim.name} does not allow in titles", excerpt="".join(bad)))
    words = [w.lower() for w in re.findall(r"[^\W\d_]{3,}", title) if w.lower() not in FUNCTION_WORDS]
    if rules.max_word_repeats:
        repeated = sorted({w for w in words if words.count(w) > rules.max_word_repeats})
        if repeated:
            out.append(Finding(field="title", rule="title.word_repeats", severity="error", source=src,
                               message=f"words used more than {rules.max_word_repeats} times", excerpt=", ".join(repeated)))
    if rules.no_all_caps_words:
        allowed = _allowed_caps()
        caps = [w for w in re.findall(r"\b[A-Z]{4,}\b", title) if w not in allowed]
        if caps:
            out.append(Finding(field="title", rule="title.all_caps", severity="error", source=src,
                               message="ALL-CAPS words (only brands and abbreviations may be)", excerpt=", ".join(caps)))
    if rules.promotional_phrases:
        for phrase in promotional_in(title, language):
            out.append(Finding(field="title", rule="title.promotional", severity="error", source=src,
                               message="promotional phrase not allowed in titles", excerpt=phrase))
    return out


@lru_cache(maxsize=1)
def _allowed_caps() -> frozenset[str]:
    g = data.glossary()
    words = {w for term in (*g["kept"], *g.get("proper_names", [])) for w in re.findall(r"[A-Z]{4,}", term)}
    return frozenset(words)


def promotional_in(text: str, language: str) -> list[str]:
    norm = unicodedata.normalize("NFKC", text).lower()
    phrases = set(data.promotional_phrases(language)) | set(data.promotional_phrases("en"))
    found = []
    for p in sorted(phrases):
        pattern = re.escape(p) if not re.search(r"[a-zà-ÿ]", p) else rf"(?<![\w-]){re.escape(p)}(?![\w-])"
        if re.search(pattern, norm):
            found.append(p)
    return found


def keyword_findings(listing: ListingDraft, lim: data.PlatformLimits, src: str) -> list[Finding]:
    kw, out = lim.keywords, []
    if kw.kind == "backend":
        n = measure(" ".join(listing.keywords), kw.unit)
        if kw.max is not None and n > kw.max:
            out.append(Finding(field="keywords", rule="keywords.max", severity="error", source=src,
                               message=f"{n} {kw.unit} over the {lim.name} limit of {kw.max}"))
        if kw.exclude_title_words:
            title_words = set(re.findall(r"\w+", listing.title.text.lower()))
            dup = [k for k in listing.keywords if set(re.findall(r"\w+", k.lower())) <= title_words]
            if dup:
                out.append(Finding(field="keywords", rule="keywords.title_words", severity="error", source=src,
                                   message="search terms already in the title", excerpt=", ".join(dup)))
    elif kw.kind == "tags":
        if kw.count is not None and len(listing.keywords) > kw.count:
            out.append(Finding(field="keywords", rule="keywords.count", severity="error", source=src,
                               message=f"{len(listing.keywords)} tags; {lim.name} allows {kw.count}"))
        long = [k for k in listing.keywords if kw.max_each is not None and measure(k, kw.unit) > kw.max_each]
        if long:
            out.append(Finding(field="keywords", rule="keywords.max_each", severity="error", source=src,
                               message=f"tags over {kw.max_each} {kw.unit}", excerpt=", ".join(long)))
    return out


def claim_findings(text: str, language: str, field: str) -> list[Finding]:
    """Banned claims in one text (the language's patterns and those of every language)."""
    return [Finding(field=field, rule=f"banned_claim:{c.id}", severity="error", excerpt=c.text,
                    message=f"banned claim ({c.id.replace('_', ' ')})", source="guards/data/banned_claims.json")
            for c in find_claims(text, language)]


def market_findings(listing: ListingDraft, market: str, fields: dict[str, str], already: list[Finding]) -> list[Finding]:
    """The compliance auditor's findings for the market, placed on the fields they are about."""
    from agents.compliance_audit import audit
    from tools.compliance_schemas import Listing

    attributes = {"product": listing.product_name, **listing.attributes}   # English: the auditor's kinds read them
    report = audit(Listing(title=listing.title.text, bullets=[b.text for b in listing.bullets],
                           description=listing.description.text, keywords=listing.keywords, attributes=attributes,
                           market=market, language=listing.language, product_id=listing.product_id,
                           source="given"), market)
    located = {(f.field, f.excerpt.lower()) for f in already}
    out = []
    for f in report.findings:
        source = f"agents/data/compliance_rules.yaml {f.rule_id} ({f.citation})"
        if f.missing is None and f.family in CONTENT_RULE_FAMILIES:
            for found in f.found:
                word = found.strip("'")
                where = [name for name, text in fields.items() if word.lower() in text.lower()] or ["listing"]
                out += [Finding(field=w, rule=f"market:{f.rule_id}", severity="error", excerpt=word, source=source,
                                message=f.title) for w in where if (w, word.lower()) not in located]
        else:
            out.append(Finding(field="listing", rule=f"market:{f.rule_id}",
                               severity="warning" if f.severity in ("high", "medium") else "info", source=source,
                               message=f"{f.title}: add {f.missing} before publishing (not in the store's data)"
                               if f.missing else f.title, excerpt=", ".join(f.found)))
    return out


def content_findings(text: str, language: str, market: str, field: str = "voice_sample") -> list[Finding]:
    """Banned content in a text that is about to go into a listing (a brand's own sentence):
    banned claims, promotional phrases, and what the market's rules forbid."""
    from agents.compliance_audit import audit
    from tools.compliance_schemas import Listing

    out = claim_findings(text, language, field)
    out += [Finding(field=field, rule="promotional", severity="error", excerpt=p, source=LIMITS_SOURCE,
                    message="promotional phrase") for p in promotional_in(text, language)]
    report = audit(Listing(title=text[:500], market=market, language=language), market)
    seen = {f.excerpt.lower() for f in out}
    for f in report.findings:
        if f.missing is None and f.family in CONTENT_RULE_FAMILIES:
            words = [w.strip("'") for w in f.found]
            if not any(w.lower() in seen for w in words):
                out.append(Finding(field=field, rule=f"market:{f.rule_id}", severity="error", excerpt=", ".join(words),
                                   message=f.title, source=f"agents/data/compliance_rules.yaml {f.rule_id}"))
    return out
