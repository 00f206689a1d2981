"""PII detection and redaction, in English, Chinese, Spanish, German, French and Japanese.

Entity types: EMAIL, PHONE (E.164 and national formats, full-width digits too), CARD
(Luhn), IBAN (mod 97), US_SSN (issued ranges), CN_RESIDENT_ID (MOD 11-2 + birth date),
STREET_ADDRESS and PERSON (patterns and cues, see ``guards.pii_context``).

Redacted text replaces each value with a typed placeholder (<EMAIL_1>); the mapping is
returned separately so a tool that needs the real value (authentication by e-mail) can
still use it, while prompts, logs and stored transcripts see only placeholders. Order ids
(#W1234567), item and product ids, tracking ids, prices, dates and zip codes are not PII.

``redact(text, keep)`` keeps its original contract: by default it redacts the structured
kinds (``DEFAULT_KINDS``: e-mail, card, phone, plus IBAN, SSN and resident id, which are
checksum-validated); pass ``kinds=ALL_KINDS`` to redact names and street addresses too.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from guards.checksums import luhn_ok  # noqa: F401  (public since the first version)
from guards.pii_context import CONTEXT_FINDERS
from guards.pii_patterns import CARD_RE, EMAIL_RE, PHONE_RE, STRUCTURED_FINDERS, shadow  # noqa: F401

STRUCTURED_KINDS = ("EMAIL", "IBAN", "CN_RESIDENT_ID", "CARD", "US_SSN", "PHONE")
CONTEXT_KINDS = ("STREET_ADDRESS", "PERSON")
ALL_KINDS: frozenset[str] = frozenset(STRUCTURED_KINDS + CONTEXT_KINDS)
DEFAULT_KINDS: frozenset[str] = frozenset(STRUCTURED_KINDS)
_DIGIT = re.compile(r"\d")
MIN_DIGITS = 7  # the shortest structured value: a 7-digit phone number with a cue
# where two findings overlap, the earlier kind wins (a checksum beats a pattern)
PRIORITY = {k: i for i, k in enumerate(STRUCTURED_KINDS + CONTEXT_KINDS)}


@dataclass(frozen=True)
class Entity:
    kind: str
    start: int
    end: int
    value: str


@dataclass
class Redaction:
    text: str
    found: dict[str, str] = field(default_factory=dict)  # placeholder -> original

    @property
    def kinds(self) -> list[str]:
        return sorted({p.strip("<>").rsplit("_", 1)[0] for p in self.found})


def detect(text: str, kinds: Iterable[str] | None = None) -> list[Entity]:
    """PII entities in ``text``, sorted by start, never overlapping."""
    wanted = ALL_KINDS if kinds is None else frozenset(kinds)
    if not text:
        return []
    sh = shadow(text)
    if wanted <= DEFAULT_KINDS and "@" not in sh and len(_DIGIT.findall(sh)) < MIN_DIGITS:
        return []  # every structured kind is an e-mail or has 7+ digits: most strings end here
    cands: list[tuple[str, int, int]] = []
    for kind, finder in STRUCTURED_FINDERS.items():
        if kind in wanted:
            cands.extend(finder(sh))
    for kind, finders in CONTEXT_FINDERS.items():
        if kind in wanted:
            for finder in finders:
                cands.extend(finder(sh))
    return _resolve(text, cands)


def _resolve(text: str, cands: list[tuple[str, int, int]]) -> list[Entity]:
    # merge same-kind overlaps first (an address found by two patterns is one address)
    merged: list[list] = []
    for kind, s, e in sorted(cands, key=lambda c: (c[0], c[1], -c[2])):
        if merged and merged[-1][0] == kind and s < merged[-1][2]:
            merged[-1][2] = max(merged[-1][2], e)
        else:
            merged.append([kind, s, e])
    chosen: list[tuple[str, int, int]] = []
    for kind, s, e in sorted(merged, key=lambda c: (PRIORITY[c[0]], -(c[2] - c[1]), c[1])):
        if e <= s or any(s < ce and cs < e for _, cs, ce in chosen):
            continue
        chosen.append((kind, s, e))
    return [Entity(k, s, e, text[s:e]) for k, s, e in sorted(chosen, key=lambda c: c[1])]


def redact(text: str, keep: set[str] | None = None, kinds: Iterable[str] | None = None) -> Redaction:
    """Replace PII in ``text`` with placeholders. Values in ``keep`` are left as they are.
    ``kinds`` defaults to ``DEFAULT_KINDS`` (structured identifiers); ``ALL_KINDS`` adds
    person names and street addresses."""
    keep = keep or set()
    found: dict[str, str] = {}
    counters: dict[str, int] = {}
    out: list[str] = []
    pos = 0
    for ent in detect(text, DEFAULT_KINDS if kinds is None else kinds):
        if ent.value in keep:
            continue
        ph = next((p for p, v in found.items() if v == ent.value), None)
        if ph is None:
            counters[ent.kind] = counters.get(ent.kind, 0) + 1
            ph = f"<{ent.kind}_{counters[ent.kind]}>"
            found[ph] = ent.value
        out.append(text[pos:ent.start])
        out.append(ph)
        pos = ent.end
    out.append(text[pos:])
    return Redaction(text="".join(out), found=found)


# Fields of store records whose whole value is PII (a name or a street alone has no cue
# a text detector could rely on): replaced by their kind, whatever they hold.
PII_FIELDS = {"first_name": "PERSON", "last_name": "PERSON", "address1": "STREET_ADDRESS",
              "address2": "STREET_ADDRESS", "email": "EMAIL", "phone": "PHONE", "phone_number": "PHONE"}


def redact_json(value, kinds: Iterable[str] | None = None):
    """Redact every string inside a JSON-like value (tool-call args and results before
    they are checkpointed or logged); values of ``PII_FIELDS`` keys are replaced whole."""
    if isinstance(value, str):
        return redact(value, kinds=kinds).text
    if isinstance(value, dict):
        return {k: f"<{PII_FIELDS[k]}>" if k in PII_FIELDS and isinstance(v, str) and v
                else redact_json(v, kinds) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v, kinds) for v in value]
    return value


_PLACEHOLDER = re.compile(r"<(?:EMAIL|PHONE|CARD|IBAN|US_SSN|CN_RESIDENT_ID|STREET_ADDRESS|PERSON)_\d+>")


def restore(text: str, found: dict[str, str]) -> str:
    """Put the original values back into a redacted text (for a tool that needs them)."""
    return _PLACEHOLDER.sub(lambda m: found.get(m.group(), m.group()), text)
