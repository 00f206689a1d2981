"""Typed results of the knowledge base: search hits and ingestion reports."""
from __future__ import annotations

from pydantic import BaseModel, Field


class Hit(BaseModel):
    chunk_id: str
    doc_id: str
    title: str
    section: str
    text: str
    score: float = Field(description="fused RRF score (hybrid) or the single retriever's score")
    source: str
    markets: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    language: str = "en"
    similarity: float | None = Field(None, description="cosine similarity when the dense retriever found it")
    dense_rank: int | None = None
    keyword_rank: int | None = None


class IngestReport(BaseModel):
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    total: int = 0  # chunks in the collection afterwards
    problems: list[str] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"added": self.added, "updated": self.updated, "deleted": self.deleted, "unchanged": self.unchanged}
