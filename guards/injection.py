"""The injection guard: rules + the trained classifier (``ml/injection.py``), for user
input and for retrieved or stored text that reaches a prompt (reviews, listings, KB
chunks, order notes: indirect injection).

``check_injection(text, model)`` is the plain fast path; ``model`` is the loaded
``InjectionClassifier`` (``ml.load("injection", ...)``) or None for rules only.
``filter_retrieved(chunks, model)`` drops flagged chunks and says which.
"""
from __future__ import annotations

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


def refusal(language: str | None) -> str:
    return REFUSAL.get(language or "en", REFUSAL["en"])
