"""Reading an operator's compliance request deterministically (en, zh, es, de, fr, ja):
what to do (audit a pasted listing, a store product, the whole store; scan stored data
for card numbers and other personal data; erase a customer; say which rules apply), for
which markets, about which product or customer. Words and market names are data
(agents/data/compliance_requests.yaml); no LLM is involved.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import yaml

from agents.compliance_rules import DATA, normalize, term_regex
from tools.compliance_schemas import Listing

REQUESTS_FILE = DATA / "compliance_requests.yaml"
# a pasted listing: quoted text, or what follows the request's colon
_QUOTES = re.compile(r"[\"“”„«»「『]\s*([^\"“”„«»「」『』]{4,}?)\s*[\"“”«»」』]")
_COLON = re.compile(r"^([^:：\n]{3,160})[:：]\s*(.{6,})$", re.S)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ID10 = re.compile(r"(?<!\d)\d{10}(?!\d)")
CUSTOMER_WORDS = ("customer", "client", "user", "kunde", "kundin", "nutzer", "cliente", "usuario", "utilisateur",
                  "客户", "顾客", "用户", "顧客", "お客様", "ユーザー", "data", "daten", "données", "datos", "数据", "データ")


@dataclass
class ParsedRequest:
    intent: str                     # erase | scan_pii | audit_text | audit_product | audit_store | requirements | help
    markets: list[str] = field(default_factory=list)
    eu_members: list[str] = field(default_factory=list)   # named member states audited as "EU"
    unsupported: list[str] = field(default_factory=list)  # market names with no rules here
    listing: Listing | None = None
    products: list[str] = field(default_factory=list)     # store product names mentioned
    ids: list[str] = field(default_factory=list)          # 10-digit product or item ids
    customer: str | None = None     # user id or e-mail of an erasure
    request_text: str = ""          # the request without the pasted listing


@lru_cache(maxsize=1)
def _data() -> dict:
    data = yaml.safe_load(REQUESTS_FILE.read_text(encoding="utf-8"))

    def rx(terms: list[str]) -> re.Pattern:
        return re.compile("|".join(f"(?:{term_regex(t)})" for t in terms))

    return {
        "markets": {code: rx(names) for code, names in data["markets"].items()},
        "codes": re.compile(r"(?<![A-Za-z])(" + "|".join(data["codes"]) + r")(?![A-Za-z])"),
        "eu_members": rx(data["eu_members"]),
        "unsupported": rx(data["unsupported"]),
        "intents": {name: rx(terms) for name, terms in data["intents"].items()},
        "customer_id": re.compile(data["customer_id_pattern"]),
    }


def _has(intent: str, folded: str) -> bool:
    return _data()["intents"][intent].search(folded) is not None


def find_markets(text: str) -> tuple[list[str], list[str], list[str]]:
    """(supported market codes in order of mention, EU member states named, unsupported names)."""
    data, raw = _data(), normalize(text)
    folded = raw.lower()
    found: list[tuple[int, str]] = []
    for code, rx in data["markets"].items():
        found.extend((m.start(), code) for m in rx.finditer(folded))
    found.extend((m.start(), {"GB": "UK"}.get(m.group(1), m.group(1))) for m in data["codes"].finditer(raw))
    members = [m.group(0) for m in data["eu_members"].finditer(folded)]
    if members:
        found.append((folded.find(members[0]), "EU"))
    unsupported = list(dict.fromkeys(m.group(0) for m in data["unsupported"].finditer(folded)))
    markets = list(dict.fromkeys(code for _, code in sorted(found)))
    return markets, members, unsupported


def split_listing(text: str) -> tuple[str, str | None]:
    """(the request, the pasted listing text or None)."""
    quoted = _QUOTES.findall(text)
    if quoted:
        rest = _QUOTES.sub(" ", text)
        return rest, "\n".join(q.strip() for q in quoted)
    m = _COLON.match(text.strip())
    if m and _has("audit", normalize(m.group(1)).lower()):
        return m.group(1), m.group(2).strip()
    return text, None


def listing_from_text(pasted: str, language: str | None) -> Listing:
    """A pasted listing: first line the title, further lines bullets."""
    lines = [ln.strip(" -•*\t") for ln in pasted.splitlines() if ln.strip(" -•*\t")]
    return Listing(title=lines[0][:500], bullets=lines[1:30], language=language, source="given")


def find_customer(text: str) -> str | None:
    m = _EMAIL.search(text)
    if m:
        return m.group(0)
    m = _data()["customer_id"].search(normalize(text).lower())
    return m.group(0) if m else None


def find_products(text: str, names: list[str]) -> list[str]:
    """Store product names mentioned (English or glossary names), the most specific first;
    ties are all kept ("kettle" names both kettles)."""
    from agents.support_parse import product_mention

    scores = {name: product_mention(name, text) for name in names}
    best = max(scores.values(), default=0)
    return [n for n, s in scores.items() if s and s == best]


def parse(text: str, product_names: list[str], language: str | None = None) -> ParsedRequest:
    request, pasted = split_listing(text)
    folded = normalize(request).lower()
    markets, members, unsupported = find_markets(request)
    common = dict(markets=markets, eu_members=members, unsupported=unsupported, request_text=request)
    customer = find_customer(text)
    if _has("erase", folded) and (customer or any(w in folded for w in CUSTOMER_WORDS)) and not pasted:
        return ParsedRequest("erase", customer=customer, **common)
    if _has("pii", folded) and _has("stored", folded) and not pasted:
        return ParsedRequest("scan_pii", **common)
    if pasted:
        return ParsedRequest("audit_text", listing=listing_from_text(pasted, language), **common)
    if _has("store_wide", folded):
        return ParsedRequest("audit_store", **common)
    ids = list(dict.fromkeys(_ID10.findall(request)))
    products = find_products(request, product_names)
    if products or ids:
        return ParsedRequest("audit_product", products=products, ids=ids, **common)
    if markets or unsupported or _has("audit", folded):
        return ParsedRequest("requirements", **common)
    return ParsedRequest("help", **common)


__all__ = ["ParsedRequest", "find_customer", "find_markets", "find_products", "listing_from_text", "parse",
           "split_listing"]
