"""An in-memory copy of the collection's chunk text and metadata, with the BM25 index.

Reading 10k chunks back from Chroma takes seconds, and so does tokenizing them, while a
query should take milliseconds; so each process keeps one snapshot, tagged with the
collection's `generation`. The snapshot serves the keyword side, the metadata filters
(boolean masks) and the text of dense hits (Chroma is then asked only for ids and
distances, which is several times faster than fetching metadata with them). An ingest in
this process patches the snapshot (re-tokenizing only the changed chunks); a change made
by another process bumps the generation and the snapshot is reloaded.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from vectorstore.filters import matches
from vectorstore.keyword import BM25Index, tokenize


def keyword_text(meta: dict, doc: str) -> str:
    return f"{meta.get('title', '')}. {meta.get('section', '')}.\n{doc}"


class Snapshot:
    def __init__(self, generation: int, ids: list[str], metas: list[dict], docs: list[str],
                 counts: list[Counter] | None = None):
        self.generation, self.ids, self.metas, self.docs = generation, ids, metas, docs
        self.counts = counts if counts is not None else [Counter(tokenize(keyword_text(m, d)))
                                                         for m, d in zip(metas, docs)]
        self.bm25 = BM25Index(ids, self.counts)
        self.pos = self.bm25.pos
        self._masks: dict = {}

    @classmethod
    def load(cls, col, generation: int, page: int = 5000) -> "Snapshot":
        ids, metas, docs, offset = [], [], [], 0
        while True:
            got = col.get(include=["metadatas", "documents"], limit=page, offset=offset)
            ids += got["ids"]
            metas += got["metadatas"]
            docs += [d or "" for d in got["documents"]]
            if len(got["ids"]) < page:
                return cls(generation, ids, metas, docs)
            offset += page

    def patched(self, generation: int, added: list[tuple[str, dict, str]], removed: set[str]) -> "Snapshot":
        """A new snapshot with `removed` ids dropped and `added` (id, meta, doc) replacing
        or extending; unchanged chunks keep their term counts."""
        replace = removed | {cid for cid, _, _ in added}
        keep = [i for i, cid in enumerate(self.ids) if cid not in replace]
        ids = [self.ids[i] for i in keep] + [a[0] for a in added]
        metas = [self.metas[i] for i in keep] + [a[1] for a in added]
        docs = [self.docs[i] for i in keep] + [a[2] for a in added]
        counts = [self.counts[i] for i in keep] + [Counter(tokenize(keyword_text(m, d))) for _, m, d in added]
        return Snapshot(generation, ids, metas, docs, counts)

    def mask(self, language: str | None = None, market: str | None = None, topic: str | None = None) -> np.ndarray:
        """Positions in `language` (when given) that pass the market/topic filter; cached."""
        key = (language, market, topic)
        if key not in self._masks:
            if len(self._masks) > 512:
                self._masks.clear()
            self._masks[key] = np.array([(language is None or m.get("language", "en") == language)
                                         and matches(m, market, topic) for m in self.metas], dtype=bool)
        return self._masks[key]
