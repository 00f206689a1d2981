"""The injection guard: rules + the trained classifier (``ml/injection.py``), for user
input and for retrieved or stored text that reaches a prompt (reviews, listings, KB
chunks, order notes: indirect injection).

``check_injection(text, model)`` is the plain fast path; ``model`` is the loaded
``InjectionClassifier`` (``ml.load("injection", ...)``) or None for rules only.
``filter_retrieved(chunks, model)`` drops flagged chunks and says which. ``blocks(verdict,
text)`` says whether a flag on user input blocks the run or is only recorded.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from guards.injection_rules import rule_hits

REFUSAL = {
    "en": "Sorry, I can't act on that message: it looks like an attempt to change my instructions. "
          "Please tell me what you need help with (an order, a return, an exchange, your address...).",
    "zh": "抱歉，这条消息看起来像是在修改我的指令，我无法处理。请告诉我您需要什么帮助（订单、退货、换货、地址等）。",
    "es": "Lo siento, no puedo atender ese mensaje: parece un intento de cambiar mis instrucciones. "
          "Dígame en qué puedo ayudarle (un pedido, una devolución, un cambio, su dirección...).",
    "de": "Entschuldigung, auf diese Nachricht kann ich nicht eingehen: Sie sieht wie ein Versuch aus, meine "
          "Anweisungen zu ändern. Sagen Sie mir gern, wobei ich helfen kann (Bestellung, Rückgabe, Umtausch, Adresse ...).",
    "fr": "Désolé, je ne peux pas donner suite à ce message : il ressemble à une tentative de modifier mes "
          "instructions. Dites-moi ce dont vous avez besoin (commande, retour, échange, adresse...).",
    "ja": "申し訳ありませんが、このメッセージは指示を変更しようとするもののようなので対応できません。"
          "ご用件（注文、返品、交換、住所など）をお知らせください。",
}


@dataclass
class InjectionVerdict:
    flagged: bool
    probability: float | None = None
    rules: list[str] = field(default_factory=list)
    source: str = "user"

    @property
    def detail(self) -> str:
        parts = list(self.rules)
        if self.probability is not None:
            parts.append(f"p={self.probability:.2f}")
        return ", ".join(parts)


def check_injection(text: str, model=None, *, source: str = "user") -> InjectionVerdict:
    if model is not None:
        s = model.score(text)
        return InjectionVerdict(s.flagged, s.probability, s.rules, source)
    hits = rule_hits(text)
    return InjectionVerdict(bool(hits), None, hits, source)


def filter_retrieved(chunks: Iterable[str], model=None, *, source: str = "retrieved"
                     ) -> tuple[list[str], list[tuple[int, InjectionVerdict]]]:
    """(chunks to keep, [(index, verdict) of the dropped ones])."""
    kept, dropped = [], []
    for i, chunk in enumerate(chunks):
        v = check_injection(chunk, model, source=source)
        (dropped.append((i, v)) if v.flagged else kept.append(chunk))
    return kept, dropped


# When a flag blocks the run (the input guard) rather than only being recorded. A rule hit
# always blocks. The classifier alone blocks when it is very sure, on a message long enough
# to judge, in mostly non-CJK script: it was trained on English prompts (promptshield) and
# its confident false alarms were short messages ("Ava Lopez, 92168") and Chinese ones.
# The input guard checks the PII-redacted text: digits of card numbers and IBANs made the
# classifier sure of an attack. Measured 2026-11-23 on redacted text: promptshield test
# detection 0.747 (rules alone 0.137), false positives 0/697; Giskard 34/35; benign
# support turns 0/353; operator requests 0/430; the PII dev set 3/130 (two IBANs with a
# wrong check digit, so not redacted, and "Social security number: <US_SSN_1>, ...").
BLOCK_PROBABILITY = 0.98
BLOCK_MIN_CHARS = 40
BLOCK_MAX_CJK_SHARE = 0.2
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def blocks(verdict: InjectionVerdict, text: str) -> bool:
    if verdict.rules:
        return True
    if verdict.probability is None or verdict.probability < BLOCK_PROBABILITY or len(text) < BLOCK_MIN_CHARS:
        return False
    return len(_CJK.findall(text)) < BLOCK_MAX_CJK_SHARE * len(text)


def refusal(language: str | None) -> str:
    return REFUSAL.get(language or "en", REFUSAL["en"])
