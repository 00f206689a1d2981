"""The output guard's policy check: a reply that promises what the store policy does not
allow (guards.policy.check_reply: a double refund, a refund without a return, a
guaranteed delivery date, ...) never leaves. Replies are templates filled with tool
results, so this catches a wrong template or an LLM's polish; the customer gets a safe
holding answer and the run records what was stopped."""
from __future__ import annotations

from guards.policy import check_reply

HOLDING_REPLY = {
    "en": "I can't confirm that here. A member of our team will review your request and get back to you.",
    "zh": "这一点我无法在此确认。我们的团队成员会审核您的请求并尽快回复您。",
    "es": "No puedo confirmarlo aquí. Un miembro de nuestro equipo revisará su solicitud y le responderá.",
    "de": "Das kann ich hier nicht zusagen. Ein Mitglied unseres Teams prüft Ihr Anliegen und meldet sich bei Ihnen.",
    "fr": "Je ne peux pas le confirmer ici. Un membre de notre équipe va examiner votre demande et vous répondre.",
    "ja": "この場ではお約束できません。担当者がご依頼を確認のうえ、改めてご連絡いたします。",
}


def guard_reply(text: str, language: str) -> tuple[str, dict]:
    """(the text to send, the run's `guardrails` entry for the reply policy)."""
    decision = check_reply(text, language)
    if decision.allowed:
        return text, decision.guardrail("reply_policy")
    return HOLDING_REPLY.get(language, HOLDING_REPLY["en"]), decision.guardrail("reply_policy")
