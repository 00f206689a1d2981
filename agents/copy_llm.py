"""The one place the copywriter asks a language model: polishing an English description
written from templates. The model supplies no facts: its text is kept only if it passes the
same limit and compliance checks as the template text, keeps every number and option value
of the template, adds no number, and names no price or shipping; otherwise it is discarded
and the reason is reported with the field."""
from __future__ import annotations

import re

from agents.copy_check import content_findings, measure, promotional_in

PROMPT = ("You edit product descriptions for an online shop. Rewrite the text so it reads naturally. "
          "Keep every fact, number, unit and option value exactly as given. Do not add claims, superlatives, "
          "prices, shipping or guarantees. Answer with the rewritten text only.")
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
MONEY_OR_SHIPPING = re.compile(r"[$€£¥]|\b(price|shipping|delivery|free|guarantee\w*|warrant\w*)\b", re.I)


def polish(llm, text: str, terms: list[str], limit: int | None, unit: str, market: str) -> tuple[str | None, str]:
    """(the polished text, "") or (None, why it was discarded)."""
    try:
        out = llm.complete([{"role": "system", "content": PROMPT}, {"role": "user", "content": text}],
                           max_tokens=400, temperature=0.0).text.strip()
    except Exception as e:  # noqa: BLE001 - a failing model leaves the template text in place
        return None, f"model error: {str(e)[:120]}"
    return (out, "") if not (reason := rejection(out, text, terms, limit, unit, market)) else (None, reason)


def rejection(out: str, template: str, terms: list[str], limit: int | None, unit: str, market: str) -> str:
    """Why a polished text may not replace the template text ("" when it may)."""
    if not out:
        return "empty answer"
    if " ".join(out.split()) == " ".join(template.split()):
        return "returned the text unchanged"
    if limit is not None and measure(out, unit) > limit:
        return f"over the length limit ({measure(out, unit)} > {limit})"
    problems = content_findings(out, "en", market, field="description")
    if problems:
        return f"compliance: {problems[0].rule} '{problems[0].excerpt}'"
    if promotional_in(out, "en"):
        return "promotional phrase"
    if MONEY_OR_SHIPPING.search(out) and not MONEY_OR_SHIPPING.search(template):
        return "mentions price, shipping or a guarantee"
    want, got = set(NUMBER.findall(template)), set(NUMBER.findall(out))
    if want - got:
        return f"dropped numbers {sorted(want - got)[:3]}"
    if got - want:
        return f"added numbers {sorted(got - want)[:3]}"
    lost = [t for t in terms if t.lower() not in out.lower()]
    if lost:
        return f"dropped option values {lost[:3]}"
    return ""
