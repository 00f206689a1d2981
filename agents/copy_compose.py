"""Writing a listing from a product's facts with the language's templates
(prompts/copywriter/<lang>.json), the glossaries and the platform's limits: a title built
segment by segment while it fits the platform's recommendation (and its rules), five bullet
points, a description, and search keywords fitted to the keyword field."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from agents import copy_data as data
from agents.copy_check import description_text, measure, title_rule_findings
from agents.copy_localize import LocalOption, localize_option, option_label, price, value_term
from agents.copy_voice import Voice
from tools.copy_schemas import DraftField, KeywordReport, ListingDraft, MinedKeywords

# Options named in a title first (then the rest in the store's order; colours last, as a count).
TITLE_PRIORITY = ("type", "switch type", "processor", "screen size", "storage", "ram", "RAM", "capacity", "material",
                  "style", "connectivity", "resolution", "size", "length", "weight range", "pieces", "piece count")
LETTER_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
MAX_TITLE_VALUES = 3
MAX_SUGGESTED_KEYWORDS = 15
ELLIPSIS = "…"


@dataclass
class Facts:
    """What the listing may say about a product: only these facts."""
    name: str
    product_id: str | None
    options: dict[str, list[str]]
    combos: list[dict[str, str]]       # available variants' options
    prices: list[float]                # available variants' prices (USD)
    kinds: list[str] = field(default_factory=list)


def ordered(values: list[str]) -> list[str]:
    if all(v in LETTER_SIZES for v in values):
        return sorted(values, key=LETTER_SIZES.index)
    nums = [re.match(r"\d+(?:\.\d+)?", v) for v in values]
    if all(nums):
        return sorted(values, key=lambda v: (float(re.match(r"\d+(?:\.\d+)?", v).group(0)), v))
    return sorted(values, key=str.lower)


class Composer:
    def __init__(self, facts: Facts, platform: str, market: str, language: str, brand: str | None, voice: Voice):
        self.f, self.lang, self.market, self.brand, self.voice = facts, language, market, (brand or "").strip(), voice
        self.lim = data.platform(platform)
        self.t = data.templates(language)["listing"]
        display = data.product_display_name(facts.name, language)
        self.product = display or facts.name
        self.untranslated = [] if display or language == "en" else [facts.name]
        self.options: list[LocalOption] = [localize_option(k, ordered(v), language, market, facts.kinds)
                                           for k, v in facts.options.items()]
        self.untranslated += [u for o in self.options for u in o.untranslated]
        self.casual = voice.style == "casual"

    # -- helpers -------------------------------------------------------------------------------
    def tpl(self, key: str, **kw) -> str:
        casual = f"{key}_casual"
        return (self.t[casual] if self.casual and casual in self.t else self.t[key]).format(**kw)

    def join(self, items: list[str]) -> str:
        return self.t["list_sep"].join(items)

    def keys_text(self, options: list[LocalOption]) -> str:
        labels = [o.label.lower() if self.lang in ("en", "es", "fr") and o.label[1:].islower() else o.label
                  for o in options]
        return self.join(labels)

    # -- title ---------------------------------------------------------------------------------
    def title(self) -> str:
        base = f"{self.brand} {self.product}".strip()
        segments = [s for s in (self._segment(o) for o in self._title_order()) if s]
        title, added = base, 0
        target = self.lim.title.target or self.lim.title.max
        for seg in segments:
            joiner = self.t["title_joiner"] if added == 0 else self.t["segment_sep"]
            candidate = self._case(title + joiner + seg)
            if measure(candidate, self.lim.title.unit) > target:
                continue
            if self.lim.title.target_words and len(candidate.split()) > self.lim.title.target_words:
                continue
            if title_rule_findings(candidate, self.lang, self.lim, ""):
                continue
            title, added = title + joiner + seg, added + 1
        return fit(self._case(title), self.lim.title.max, self.lim.title.unit)

    def _title_order(self) -> list[LocalOption]:
        rank = {k: i for i, k in enumerate(TITLE_PRIORITY)}
        colours = [o for o in self.options if o.key == "color"]
        rest = [o for o in self.options if o.key != "color"]
        return sorted(rest, key=lambda o: rank.get(o.key, len(rank))) + colours

    def _segment(self, o: LocalOption) -> str:
        if o.key == "color" and len(o.values) > 2:
            return self.t["colour_count"].format(n=len(o.values))
        if o.key == "size" and len(o.values) > MAX_TITLE_VALUES and all(v in LETTER_SIZES for v in self.f.options["size"]):
            return self.t["size_range"].format(first=o.values[0].split(" (")[0], last=o.values[-1].split(" (")[0])
        shown = [t.split(" (")[0] for t, v in zip(o.values, self.f.options.get(o.key, o.values))
                 if v.lower() not in ("none", "no")]   # conversions in brackets stay in the bullets
        if len(shown) > MAX_TITLE_VALUES or o.key in ("brand", "compatibility"):
            return ""
        return self.t["values_sep"].join(shown)

    def _case(self, title: str) -> str:
        """English titles capitalise each word (Amazon's style guides)."""
        if self.lang != "en":
            return title
        small = {"and", "or", "for", "with", "of", "in", "to", "the", "a", "an", "on"}
        return re.sub(r"(?<![\w'-])([a-z][a-z'-]*)(?!\w)", lambda m: m.group(1) if m.group(1) in small
                      else m.group(1)[0].upper() + m.group(1)[1:], title)

    # -- bullets -------------------------------------------------------------------------------
    def bullets(self) -> list[str]:
        opts = self.options
        n = max(len(self.f.combos), 1)
        out = [self.tpl("bullet_intro", product=self.product, n=n, keys=self.keys_text(opts))]
        option_bullets = [self._option_line(o) for o in opts]
        if len(option_bullets) > 3:
            option_bullets = option_bullets[:2] + ["; ".join(option_bullets[2:])]
        out += option_bullets
        combos = self._combos()
        if combos:
            out.append(self.tpl("bullet_combos", combos=combos))
        out += [s for s in self.voice.sentences[:1]]
        out.append(self.tpl("bullet_choose", keys=self.keys_text(opts)))
        limit, unit = self.lim.bullets.max, self.lim.bullets.unit
        return [fit(_sentence_case(b), limit, unit) for b in out[:self.lim.bullets.count]]

    def _option_line(self, o: LocalOption) -> str:
        line = self.t["bullet_option"].format(label=o.label, values=self.join(o.values))
        return f"{line} ({self.t['size_note'].format(assumed=o.note)})" if o.note else line

    def _combos(self, n: int = 3) -> str:
        if len(self.options) < 2:
            return ""
        shown = []
        for combo in self.f.combos[:n]:
            parts = [value_term(k, v, self.lang, self.market)[0] for k, v in combo.items()
                     if not (k == "size" and "footwear" in self.f.kinds)]
            shown.append(" / ".join(parts))
        return self.join(shown)

    # -- description ---------------------------------------------------------------------------
    def description(self) -> str:
        parts = list(self.voice.sentences)
        parts.append(self.tpl("desc_intro", product=self.product, n=max(len(self.f.combos), 1)))
        for o in self.options:
            parts.append(self.t["desc_option"].format(label=o.label, values=self.join(o.values)))
            if o.note:
                parts.append(self.t["size_note"].format(assumed=o.note) + ("。" if self.lang in ("zh", "ja") else "."))
        parts.append(self.tpl("desc_close"))
        return "\n".join(_sentence_case(p) for p in parts)

    # -- keywords ------------------------------------------------------------------------------
    def keyword_candidates(self, mined: MinedKeywords | None) -> list[str]:
        out = [self.render_mined(k) for k in (mined.supported if mined else [])]
        names = data.product_names(self.f.name)
        out += [self.product.lower(), *names.get(self.lang, [])]
        if self.lang == "en":
            out += [self.f.name.lower(), *names.get("en", [])]
        out += [v.lower() for o in self._keyword_options() for v in o.values]
        out += self._value_phrases()
        seen, uniq = set(), []
        for k in out:
            k = " ".join(k.split())
            if k and k.lower() not in seen:
                seen.add(k.lower())
                uniq.append(k)
        return uniq

    def _value_phrases(self) -> list[str]:
        """"tactile keyboard", "clavier tactile", "RGBキーボード": a value the product has, with its head noun."""
        if self.lang not in ("en", "zh", "ja"):   # es/fr/de adjectives agree with the noun: no data for that
            return []
        out = []
        for o in self._keyword_options():
            for term, value in zip(o.values, ordered(self.f.options[o.key])):
                if value.lower() not in ("none", "no"):
                    out.append(f"{term}{self.product}" if self.lang != "en" else f"{term} {self.product.split()[-1]}".lower())
        return out

    def _keyword_options(self) -> list[LocalOption]:
        """Options whose values make search terms (not sizes, not "none", not brand names of others)."""
        return [o for o in self.options if o.key not in ("size", "brand", "compatibility") and
                all(len(v) > 2 and "(" not in v for v in o.values)]

    def render_mined(self, k) -> str:
        if k.language == self.lang or not k.concept:
            return k.term
        kind, _, what = k.concept.partition(":")
        if kind == "product":
            return self.product.lower()
        if kind == "key":
            return option_label(what, self.lang, self.f.kinds)[0].lower()
        key = next((o for o, vals in self.f.options.items() if what in vals), "")
        return value_term(key, what, self.lang, self.market)[0].lower()

    def keywords(self, candidates: list[str], title: str) -> list[str]:
        kw = self.lim.keywords
        if kw.kind == "backend":
            title_words = set(re.findall(r"\w+", title.lower()))
            chosen: list[str] = []
            for c in candidates:
                if set(re.findall(r"\w+", c.lower())) <= title_words:
                    continue
                if kw.max is None or measure(" ".join([*chosen, c]), kw.unit) <= kw.max:
                    chosen.append(c)
            return chosen
        if kw.kind == "tags":
            fitting = [c for c in candidates if kw.max_each is None or measure(c, kw.unit) <= kw.max_each]
            return fitting[:kw.count]
        return candidates[:MAX_SUGGESTED_KEYWORDS]


def fit(text: str, limit: int | None, unit: str) -> str:
    """``text`` cut at a separator so that it (with an ellipsis) fits ``limit``."""
    if limit is None or measure(text, unit) <= limit:
        return text
    room = limit - measure(ELLIPSIS, unit)
    cut = ""
    for ch in text:
        if measure(cut + ch, unit) > room:
            break
        cut += ch
    at = max(cut.rfind(s) for s in (", ", "、", "; ", " / ", " "))
    return (cut[:at] if at > len(cut) // 2 else cut).rstrip(" ,;/、") + ELLIPSIS


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def compose(facts: Facts, platform: str, market: str, language: str, *, brand: str | None, voice: Voice,
            mined: MinedKeywords | None) -> ListingDraft:
    """A draft with template text in every field (no findings yet: see copy_check)."""
    c = Composer(facts, platform, market, language, brand, voice)
    title = c.title()
    bullets = c.bullets()
    desc = c.description()
    keywords = c.keywords(c.keyword_candidates(mined), title)
    draft = ListingDraft(
        product_id=facts.product_id, product_name=facts.name, platform=platform, market=market, language=language,
        title=DraftField(text=title), bullets=[DraftField(text=b) for b in bullets],
        description=DraftField(text=desc), keywords=keywords, keywords_field=c.lim.keywords.kind,
        price=price(min(facts.prices), max(facts.prices), market, language) if facts.prices else None,
        attributes={k: ordered(v) for k, v in facts.options.items()},
        limits=c.lim.model_dump(exclude={"key"}), passed=False, checker="", untranslated=sorted(set(c.untranslated)))
    fit_description(draft)
    if language == "en" and market == "US":
        _us_spelling(draft, c.t.get("us_spelling", {}))
    draft.keyword_report = keyword_report(c, mined, draft)
    return draft


def fit_description(draft: ListingDraft) -> None:
    """Drop option lines from the end (never the opening or closing line) until the
    description, with the bullets where the platform has no bullet field, fits."""
    lim = data.platform(draft.platform).description
    lines = draft.description.text.split("\n")
    while lim.max is not None and measure(description_text(draft), lim.unit) > lim.max and len(lines) > 2:
        lines.pop(-2)
        draft.description.text = "\n".join(lines)
    if lim.max is not None and measure(description_text(draft), lim.unit) > lim.max:
        room = lim.max - (measure(description_text(draft), lim.unit) - measure(draft.description.text, lim.unit))
        draft.description.text = fit(draft.description.text, max(room, 0), lim.unit)


def _us_spelling(draft: ListingDraft, spelling: dict[str, str]) -> None:
    def fix(text: str) -> str:
        for uk, us in spelling.items():
            text = re.sub(rf"\b{uk}\b", us, text)
        return text
    draft.title.text = fix(draft.title.text)
    draft.description.text = fix(draft.description.text)
    for b in draft.bullets:
        b.text = fix(b.text)


def keyword_report(c: Composer, mined: MinedKeywords | None, draft: ListingDraft) -> KeywordReport:
    """How many of the mined keywords (rendered in the listing's language) the draft holds."""
    if not mined or not mined.supported:
        return KeywordReport(similar_titles=mined.similar_titles if mined else 0,
                             sources=mined.sources if mined else {},
                             to_verify=[k.term for k in mined.to_verify] if mined else [])
    text = " ".join([*draft.text_fields().values()]).lower()
    rendered = list(dict.fromkeys(c.render_mined(k) for k in mined.supported))
    covered = [r for r in rendered if _contains(text, r)]
    in_title = [r for r in rendered if _contains(draft.title.text.lower(), r)]
    return KeywordReport(similar_titles=mined.similar_titles, sources=mined.sources, mined=mined.supported,
                         to_verify=[k.term for k in mined.to_verify], coverage=round(len(covered) / len(rendered), 4),
                         title_coverage=round(len(in_title) / len(rendered), 4),
                         covered=covered, missing=[r for r in rendered if r not in covered])


def _contains(text: str, term: str) -> bool:
    term = term.lower()
    if re.search(r"[a-zà-ÿ]", term):
        stem = re.escape(re.sub(r"(?<=[a-z])s$", "", term)).replace(r"\ ", r"[\s/-]+")
        return re.search(rf"(?<![\w]){stem}(?:e?s)?(?![\w])", text) is not None
    return term in text
