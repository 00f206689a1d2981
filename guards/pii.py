"""Simple PII redaction: e-mails, payment card numbers (Luhn-checked), phone numbers.

Redacted text replaces each value with a typed placeholder (<EMAIL_1>); the mapping is
returned separately so a tool that needs the real value (e.g. authentication by e-mail)
can still use it, while prompts, logs and stored transcripts see only placeholders.
Order ids (#W1234567), item ids and zip codes are not PII for this purpose.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
CARD_RE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
PHONE_RE = re.compile(r"(?<![\w#])\+?\d{1,3}[ .-]?\(?\d{2,4}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}(?![\w])")


def luhn_ok(digits: str) -> bool:
    total, alt = 0, False
    for ch in reversed(digits):
        d = int(ch)
        if alt:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
        alt = not alt
    return total % 10 == 0


@dataclass
class Redaction:
    text: str
    found: dict[str, str] = field(default_factory=dict)  # placeholder -> original

    @property
    def kinds(self) -> list[str]:
        return sorted({p.strip("<>").rsplit("_", 1)[0] for p in self.found})


def redact(text: str, keep: set[str] | None = None) -> Redaction:
    """Replace PII in `text` with placeholders. Values in `keep` are left as they are."""
    keep = keep or set()
    found: dict[str, str] = {}
    counters: dict[str, int] = {}

    def sub(kind: str, value: str) -> str:
        if value in keep:
            return value
        for ph, v in found.items():
            if v == value:
                return ph
        counters[kind] = counters.get(kind, 0) + 1
        ph = f"<{kind}_{counters[kind]}>"
        found[ph] = value
        return ph

    out = EMAIL_RE.sub(lambda m: sub("EMAIL", m.group()), text)

    def card(m: re.Match) -> str:
        digits = re.sub(r"\D", "", m.group())
        return sub("CARD", m.group()) if 13 <= len(digits) <= 19 and luhn_ok(digits) else m.group()

    out = CARD_RE.sub(card, out)

    def phone(m: re.Match) -> str:
        digits = re.sub(r"\D", "", m.group())
        # 10+ digits with a separator or a leading +: a phone number, not an id or a zip
        if len(digits) >= 10 and (m.group().startswith("+") or re.search(r"[ .()-]", m.group())):
            return sub("PHONE", m.group())
        return m.group()

    out = PHONE_RE.sub(phone, out)
    return Redaction(text=out, found=found)


def redact_json(value):
    """Redact every string inside a JSON-like value (tool-call args and results before
    they are checkpointed or logged)."""
    if isinstance(value, str):
        return redact(value).text
    if isinstance(value, dict):
        return {k: redact_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    return value
