"""Reading an operator's listing request in en zh es de fr ja into a ListingRequest, with
deterministic rules kept as data (agents/data/copy_request_terms.yaml): the product (a
store product named in any of the six languages through the support glossary, a product
id, or "product: NAME; option: a, b"), the platform, market and listing language, a brand,
a brand-voice sample after "in the voice of: ..." and whether to publish. Anything it
recognises but cannot serve (Amazon Brazil, Italian, Walmart) comes back as a problem."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import yaml

from agents import copy_data as data
from agents.support_parse import product_mention
from tools.copy_schemas import DescribedProduct, ListingProblem, ListingRequest

PRODUCT_ID = re.compile(r"(?<!\d)\d{10}(?!\d)")


@dataclass
class ParsedRequest:
    request: ListingRequest
    publish: bool = False
    problem: ListingProblem | None = None
    product_named: bool = False          # the text names a product (else: the thread's last draft)
    found: dict = field(default_factory=dict)


@lru_cache(maxsize=1)
def terms() -> dict:
    raw = yaml.safe_load((data.DATA / "copy_request_terms.yaml").read_text(encoding="utf-8"))
    out = dict(raw)
    for key in ("languages", "unsupported_languages", "markets", "unsupported_markets", "platforms",
                "unsupported_platforms"):
        out[key] = {name: re.compile("|".join(f"(?:{p})" for p in pats), re.I) for name, pats in raw[key].items()}
    for key in ("voice_markers", "brand_markers", "publish"):
        out[key] = re.compile("|".join(f"(?:{p})" for p in raw[key]), re.I)
    return out


def _first(patterns: dict[str, re.Pattern], text: str) -> str | None:
    """The name whose pattern matches earliest in ``text``."""
    hits = [(m.start(), name) for name, rx in patterns.items() if (m := rx.search(text))]
    return min(hits)[1] if hits else None


def split_voice(text: str) -> tuple[str, str | None]:
    """(the request, the brand-voice sample after its marker, quotes removed)."""
    m = terms()["voice_markers"].search(text)
    if not m:
        return text, None
    sample = text[m.end():].strip().strip("\"'“”„«»「」『』").strip()
    return text[:m.start()].rstrip(" ,;:-—"), sample or None


def parse(text: str, store) -> ParsedRequest:
    t = terms()
    norm = unicodedata.normalize("NFKC", text or "")
    request_text, voice = split_voice(norm)
    body, described = _described(request_text)
    parsed = ParsedRequest(request=ListingRequest(voice_sample=voice), publish=bool(t["publish"].search(body)))
    problem = _unsupported(body)
    if problem:
        parsed.problem = problem
        return parsed
    req = parsed.request
    req.language = _first(t["languages"], body)
    req.platform = _first(t["platforms"], body)
    req.market = _market(body)
    req.brand = _brand(body)
    if described is not None:
        req.product, parsed.product_named = described, True
        return parsed
    pid = PRODUCT_ID.search(body)
    if pid:
        req.product_id, parsed.product_named = pid.group(0), True
        return parsed
    names = _product_names(body, store)
    if len(names) == 1:
        req.product_name, parsed.product_named = names[0], True
    elif len(names) > 1:
        parsed.problem = ListingProblem(code="ambiguous_product", message="several products match", choices=names)
        parsed.product_named = True
    return parsed


def _unsupported(text: str) -> ListingProblem | None:
    t = terms()
    checks = (("unsupported_language", t["unsupported_languages"], data.LANGUAGES),
              ("unsupported_platform", t["unsupported_platforms"], data.platforms()),
              ("unsupported_market", t["unsupported_markets"], list(data.markets())))
    for code, patterns, choices in checks:
        name = _first(patterns, text)
        if name and not (code == "unsupported_language" and _first(t["languages"], text)):
            return ListingProblem(code=code, message=name, choices=list(choices))
    for m in re.finditer(r"\b([A-Z]{2})\b", text):
        if m.group(1) in t["unsupported_market_codes"]:
            return ListingProblem(code="unsupported_market", message=t["unsupported_market_codes"][m.group(1)],
                                  choices=list(data.markets()))
    return None


def _market(text: str) -> str | None:
    t = terms()
    codes = [(m.start(), t["market_codes"][m.group(1)]) for m in re.finditer(r"\b([A-Z]{2,3})\b", text)
             if m.group(1) in t["market_codes"]]
    named = [(m.start(), name) for name, rx in t["markets"].items() if (m := rx.search(text))]
    hits = sorted(codes + named)
    return hits[0][1] if hits else None


def _brand(text: str) -> str | None:
    m = terms()["brand_markers"].search(text)
    if not m:
        return None
    value = re.split(r"[;,，；\n]", text[m.end():].strip(), maxsplit=1)[0].strip().strip("\"'“”")
    return value[:60] or None


def _described(text: str) -> tuple[str, DescribedProduct | None]:
    """The text before a "product: ..." description, and the description."""
    keys = "|".join(re.escape(k) for k in terms()["described_product_keys"])
    m = re.search(rf"(?:^|[\s,;.])(?:{keys})\s*[:：]\s*", text, re.I)
    if not m:
        return text, None
    pairs = [p for p in re.split(r"[;；\n]", text[m.end():]) if p.strip()]
    name = re.split(r"[,，]", pairs[0])[0].strip()
    options: dict[str, list[str]] = {}
    price = None
    for pair in pairs[1:]:
        key, sep, values = re.split(r"\s*([:：=])\s*", pair.strip(), maxsplit=1) + [""] * (3 - len(re.split(
            r"\s*([:：=])\s*", pair.strip(), maxsplit=1)))
        if not sep or not key:
            continue
        if key.lower() in terms()["price_keys"]:
            num = re.search(r"\d+(?:[.,]\d+)?", values)
            price = float(num.group(0).replace(",", ".")) if num else None
        else:
            options[key.strip().lower()] = [v.strip() for v in re.split(r"[,，、]", values) if v.strip()]
    if not name:
        return text, None
    return text[:m.start()], DescribedProduct(name=name[:120], options=options, price_usd=price)


def _product_names(text: str, store) -> list[str]:
    """The store products named most specifically in the text (several on a tie). With no
    full name, a Chinese or Japanese head noun ("相机", "カメラ") names every product whose
    name ends with it, so the operator is asked which one."""
    names = list(store.list_all_product_types())
    scores = {name: product_mention(name, text) for name in names}
    best = max(scores.values(), default=0)
    if best > 0:
        return sorted(name for name, s in scores.items() if s == best)
    return sorted(name for name in names if any(_cjk_head(alias) and _cjk_head(alias) in text
                                                for lang in ("zh", "ja")
                                                for alias in data.product_names(name).get(lang, [])))


def _cjk_head(alias: str) -> str:
    """The last two characters of a CJK product name of three or more (its head noun)."""
    return alias[-2:] if len(alias) >= 3 and re.fullmatch(r"[\u3040-\u30ff\u4e00-\u9fff]+", alias) else ""
