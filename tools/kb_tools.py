"""Knowledge-base search as a typed tool. Every chunk it returns has passed the indirect
prompt-injection rules (guards.injection.filter_retrieved): a KB document or a learned
FAQ entry that carries instructions never reaches an answer or a prompt.

Rules only, not the classifier: trained on short prompts (promptshield), it flagged 144
of the 266 chunks of the project's own corpus; the rules flag none."""
from __future__ import annotations

from pydantic import BaseModel, Field

from guards.injection import filter_retrieved
from tools.base import ToolContext, ToolFailure, tool

ALL_AGENTS = ("selection", "copywriter", "pricing", "support", "chargeback", "compliance")


class KbSearchIn(BaseModel):
    query: str = Field(min_length=2, max_length=1000)
    k: int = Field(5, ge=1, le=20)
    market: str | None = Field(None, max_length=8, description="market code, e.g. DE, US, UK, JP, CN")
    topic: str | None = Field(None, max_length=40, description="topic tag, e.g. store-policy, returns, batteries")


class KbPassage(BaseModel):
    chunk_id: str
    doc_id: str
    title: str
    section: str
    source: str
    text: str
    score: float
    similarity: float | None = None


class KbSearchOut(BaseModel):
    passages: list[KbPassage]
    withheld: int = Field(0, description="chunks dropped by the injection filter")


@tool("search_knowledge_base", KbSearchIn, KbSearchOut, agents=ALL_AGENTS)
def search_knowledge_base(ctx: ToolContext, a: KbSearchIn) -> KbSearchOut:
    """Search the knowledge base (store policy, consumer law, customs and VAT, chargeback
    reason codes, product safety, advertising claims, data protection, platform rules).
    Returns the best passages with their source, for citing."""
    kb = getattr(ctx.deps, "kb", None)
    if kb is None:
        raise ToolFailure("The knowledge base is not configured.", "unavailable")
    hits = kb.search(a.query, k=a.k, market=a.market, topic=a.topic)
    _, dropped = filter_retrieved([h.text for h in hits], None)
    withheld = {i for i, _ in dropped}
    passages = [KbPassage(chunk_id=h.chunk_id, doc_id=h.doc_id, title=h.title, section=h.section, source=h.source,
                          text=h.text, score=h.score, similarity=h.similarity)
                for i, h in enumerate(hits) if i not in withheld]
    return KbSearchOut(passages=passages, withheld=len(hits) - len(passages))


KB_TOOLS = [search_knowledge_base]
