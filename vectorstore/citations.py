"""Hits -> `RunResult.citations`: enough to show the reader where a fact came from
(document, section, file) plus the quoted text, which DESIGN.md's contract names."""
from __future__ import annotations

from typing import Iterable

from vectorstore.models import Hit


def citations(hits: Iterable[Hit], max_text: int = 300) -> list[dict]:
    """One citation per chunk, in rank order, duplicates dropped."""
    out, seen = [], set()
    for h in hits:
        if h.chunk_id in seen:
            continue
        seen.add(h.chunk_id)
        text = h.text if len(h.text) <= max_text else h.text[:max_text].rsplit(" ", 1)[0] + " …"
        out.append({"doc_id": h.doc_id, "title": h.title, "section": h.section, "source": h.source,
                    "chunk_id": h.chunk_id, "text": text})
    return out
