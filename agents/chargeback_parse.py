"""Deterministic reading of an operator's chargeback request (en zh es de fr ja): which
dispute or order it names, what it wants (the evidence bundle and letter, a list of
disputes, submitting a rebuttal, or a general question), the deadline window, a status
filter, and card networks or markets the store's disputes do not cover. Keywords are
data: agents/data/chargeback_requests.json."""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

KEYWORDS = Path(__file__).resolve().parent / "data" / "chargeback_requests.json"
DISPUTE_ID = re.compile(r"(?<![A-Za-z0-9])DSP[-_ ]?(\d{1,4})(?!\d)", re.I)
ORDER_ID = re.compile(r"(?<![A-Za-z0-9])#?\s?W(\d{7})(?!\d)")
_LATIN = re.compile(r"^[a-zà-ÿ' ]+$")


@dataclass
class ChargebackRequest:
    kind: str                        # bundle | list | submit | question
    dispute_ids: list[str]
    order_ids: list[str]
    window_days: int | None = None   # open disputes due within N days
    overdue: bool = False
    status: str | None = None
    html: bool = False
    unsupported_network: str | None = None
    unsupported_market: str | None = None


@lru_cache(maxsize=1)
def keywords() -> dict:
    return json.loads(KEYWORDS.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _pattern(word: str) -> re.Pattern:
    """Latin keywords match at a word start ("vencid" -> "vencidas", not "machine" for "chine");
    CJK keywords anywhere."""
    prefix = r"(?<![a-zà-ÿ])" if _LATIN.match(word) else ""
    return re.compile(prefix + re.escape(word))


def _has(text: str, words: list[str]) -> bool:
    return any(_pattern(w).search(text) for w in words)


def _first_key(text: str, table: dict[str, list[str]]) -> str | None:
    return next((k for k, words in table.items() if _has(text, words)), None)


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _window(low: str) -> int | None:
    kw = keywords()
    m = re.search(kw["days_pattern"], low)
    if m:
        return int(m.group(1))
    found = _first_key(low, kw["windows"])
    return int(found) if found is not None else None


def parse(text: str) -> ChargebackRequest:
    kw, low = keywords(), normalise(text)
    raw = unicodedata.normalize("NFKC", text)
    disputes = list(dict.fromkeys(f"DSP-{int(m.group(1)):04d}" for m in DISPUTE_ID.finditer(raw)))
    orders = list(dict.fromkeys(f"#W{m.group(1)}" for m in ORDER_ID.finditer(raw)))
    req = ChargebackRequest(kind="question", dispute_ids=disputes, order_ids=orders, html=_has(low, kw["html"]),
                            unsupported_network=_first_key(low, kw["networks_unsupported"]),
                            unsupported_market=_first_key(low, kw["markets_unsupported"]))
    req.overdue = _has(low, kw["overdue"])
    req.window_days = _window(low)
    req.status = _first_key(low, kw["statuses"])
    if _has(low, kw["submit"]):
        req.kind = "submit"
    elif disputes or orders:
        req.kind = "bundle"
    elif req.overdue or req.window_days is not None or _has(low, kw["due"]) or _has(low, kw["list"]) \
            or req.status is not None:
        req.kind = "list"
    if req.kind == "list" and req.window_days is None and not req.overdue and _has(low, kw["due"]):
        req.window_days = 7  # "which disputes are due?" without a window: the coming week
    return req
