"""The knowledge base learns from resolved tickets.

An approved support answer becomes a FAQ document under `CHUHAI_DATA_DIR/kb/learned/`
(state, not the repo: it is the seller's own knowledge), written in the corpus format so
that the same ingestion indexes it, and ingested at once. E-mails, card and phone numbers
are redacted before anything is written: a customer's details must not become knowledge.
"""
from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel

from guards.pii import redact
from vectorstore.kb import KnowledgeBase
from vectorstore.models import IngestReport

LEARNED_SCOPE = "learned"
STORE_POLICY_TOPIC = "store-policy"  # what the support agent may quote to customers


class LearnedFaq(BaseModel):
    doc_id: str
    path: str
    chunk_ids: list[str]
    redacted: list[str]  # kinds of PII that were replaced
    report: IngestReport


def learned_dir(settings) -> Path:
    return Path(settings.state_dir) / "kb" / "learned"


def add_faq(kb: KnowledgeBase, folder: Path, question: str, answer: str, source_thread_id: str, approved_by: str,
            markets: list[str] | None = None, topics: list[str] | None = None, language: str = "en",
            today: date | None = None) -> LearnedFaq:
    """Write `faq-<hash>.md` (the same question again overwrites it) and ingest the folder."""
    q, a = redact(" ".join(question.split())), redact(answer.strip())
    if not q.text or not a.text:
        raise ValueError("a FAQ entry needs a question and an answer")
    doc_id = "faq-" + hashlib.sha256(q.text.lower().encode("utf-8")).hexdigest()[:12]
    front = {"id": doc_id, "title": q.text, "markets": list(markets or []), "topics": ["faq", STORE_POLICY_TOPIC, *(topics or [])],
             "language": language, "sources": [f"support thread {source_thread_id}"],
             "updated": (today or date.today()).isoformat(), "approved_by": approved_by,
             "source_thread_id": source_thread_id}
    body = f"---\n{yaml.safe_dump(front, allow_unicode=True, sort_keys=False)}---\n\n## {q.text}\n\n{a.text}\n"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{doc_id}.md"
    path.write_text(body, encoding="utf-8")
    report = kb.ingest(folder, scope=LEARNED_SCOPE)
    chunk_ids = sorted(i for i in kb.col.get(where={"doc_id": doc_id}, include=[])["ids"])
    return LearnedFaq(doc_id=doc_id, path=str(path), chunk_ids=chunk_ids,
                      redacted=sorted(set(q.kinds) | set(a.kinds)), report=report)
