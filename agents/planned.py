"""The five specialists whose issues have not landed yet. Routing to them already works;
each answers that it is not available yet (in the user's language), and nothing else."""
from __future__ import annotations

from agents.base import AgentOutput, AgentRequest

DESCRIPTIONS = {
    "selection": "product-selection research (what to sell, stock or stop restocking per market)",
    "copywriter": "listing copy (titles, bullet points, descriptions, keywords, translations)",
    "pricing": "pricing (competitor prices, margins, landed cost, duties, VAT, FX, repricing)",
    "chargeback": "chargeback rebuttals (reason codes, evidence, dispute letters, deadlines)",
    "compliance": "compliance audits (market rules, required marks, banned claims, data handling)",
}
NOT_AVAILABLE = {
    "en": "The {what} specialist is not available yet in this version of Chuhai.",
    "zh": "本版本的出海尚未提供{what}专员（{name}）。",
    "es": "El especialista de {what} aún no está disponible en esta versión de Chuhai.",
    "de": "Der Spezialist für {what} ist in dieser Version von Chuhai noch nicht verfügbar.",
    "fr": "Le spécialiste {what} n'est pas encore disponible dans cette version de Chuhai.",
    "ja": "このバージョンのChuhaiでは、{what}の担当エージェント（{name}）はまだ利用できません。",
}


def make_planned_agent(name: str):
    def run(req: AgentRequest) -> AgentOutput:
        template = NOT_AVAILABLE.get(req.language, NOT_AVAILABLE["en"])
        text = template.format(what=DESCRIPTIONS[name], name=name)
        return AgentOutput(agent=name, text=text, data={"available": False})

    run.__doc__ = f"Planned specialist: {DESCRIPTIONS[name]}."
    return run
