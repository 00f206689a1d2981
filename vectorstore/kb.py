"""The knowledge base: idempotent ingestion and hybrid (dense + BM25) retrieval.

Chroma holds the vectors, the section text and the metadata, and is the manifest too:
every chunk carries its content hash and the `scope` (which ingested root it came from),
so re-ingesting a root embeds only new or changed chunks and deletes the chunks of
removed files or sections of that root, and nothing else. Keyword search, filters and
hit text come from a per-process snapshot (vectorstore/snapshot.py), kept current by a
`generation` counter in the collection metadata.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable, Literal

from vectorstore.corpus import Chunk, load_corpus
from vectorstore.embeddings import DEFAULT_EMBEDDER, Embedder, load_embedder
from vectorstore.filters import chroma_where, chunk_flags
from vectorstore.keyword import identifier_terms, tokenize
from vectorstore.models import Hit, IngestReport
from vectorstore.snapshot import Snapshot
from vectorstore.store import client_from_settings, open_collection

REPO_CORPUS = Path(__file__).resolve().parent / "corpus"
RRF_K = 60  # the usual reciprocal-rank-fusion constant: rank 1 counts 1/61, rank 10 1/70
Mode = Literal["hybrid", "dense", "keyword"]
Progress = Callable[[int, int], None]


def _meta(c: Chunk, scope: str) -> dict:
    return {"doc_id": c.doc_id, "title": c.title, "section": c.section, "source": c.source, "scope": scope,
            "hash": c.content_hash, "language": c.language, "markets": ",".join(c.markets),
            "topics": ",".join(c.topics), "doc_sources": "\n".join(c.doc_sources), "updated": c.updated,
            **chunk_flags(c.markets, c.topics)}


def _split(s: str | None) -> list[str]:
    return [x for x in (s or "").split(",") if x]


class KnowledgeBase:
    overfetch_min, overfetch_factor = 200, 20  # filtered dense search: candidates before filtering

    def __init__(self, client, collection: str = "chuhai_kb", embedder: Embedder | None = None,
                 refresh_s: float = 5.0, detect_language: Callable[[str], str] | None = None,
                 learned_dir: Path | None = None):
        """`refresh_s`: how often a search checks whether another process changed the
        collection. `detect_language` (default ml.language's) picks the keyword terms.
        `learned_dir`: where `add_faq` writes (from_settings: CHUHAI_DATA_DIR/kb/learned)."""
        self.learned_dir = learned_dir
        if detect_language is None:
            from ml.language import detect_language
        self.detect_language = detect_language
        self.client, self.name = client, collection
        self._embedder = embedder  # loaded on first use: an unchanged re-ingest needs no model
        self.col = open_collection(client, collection, embedder.name if embedder else DEFAULT_EMBEDDER)
        self.refresh_s = refresh_s
        self._lock = threading.RLock()
        self._snap: Snapshot | None = None
        self._checked = 0.0

    @classmethod
    def from_settings(cls, settings, embedder: Embedder | None = None) -> "KnowledgeBase":
        from vectorstore.faq import learned_dir

        return cls(client_from_settings(settings), settings.kb_collection, embedder,
                   learned_dir=learned_dir(settings))

    def add_faq(self, question: str, answer: str, source_thread_id: str, approved_by: str, **kw):
        """Turn an approved support answer into a searchable FAQ entry (see vectorstore/faq.py)."""
        from vectorstore.faq import add_faq

        if self.learned_dir is None:
            raise RuntimeError("this KnowledgeBase has no learned_dir (use KnowledgeBase.from_settings)")
        return add_faq(self, self.learned_dir, question, answer, source_thread_id, approved_by, **kw)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = load_embedder(DEFAULT_EMBEDDER)
        return self._embedder

    def count(self) -> int:
        return self.col.count()

    def warm(self) -> None:
        """Load the model and the snapshot now (at start-up) rather than on the first query."""
        self.embedder.embed_query("warm up")
        self.snapshot(force=True)

    # ---------- snapshot ----------
    def _generation(self) -> int:
        return int((self.client.get_collection(self.name).metadata or {}).get("generation", 0))

    def snapshot(self, force: bool = False) -> Snapshot:
        with self._lock:
            now = time.monotonic()
            if self._snap is not None and not force and now - self._checked < self.refresh_s:
                return self._snap
            gen = self._generation()
            self._checked = now
            if self._snap is None or self._snap.generation != gen:
                self._snap = Snapshot.load(self.col, gen)
            return self._snap

    # ---------- ingestion ----------
    def ingest(self, root: Path, scope: str | None = None, progress: Progress | None = None) -> IngestReport:
        """Bring the chunks of `scope` (default: the root's path) in line with the Markdown
        files under `root`. A missing folder counts as empty."""
        root = Path(root)
        chunks, problems = load_corpus(root) if root.is_dir() else ([], [f"{root}: no such folder"])
        report = self.ingest_chunks(chunks, scope or str(root.resolve()), progress)
        report.problems = problems + report.problems
        return report

    def ingest_chunks(self, chunks: list[Chunk], scope: str, progress: Progress | None = None,
                      batch: int = 256) -> IngestReport:
        with self._lock:
            snap = self.snapshot(force=True)
            existing = dict(zip(snap.ids, snap.metas))
            rep, todo, seen = IngestReport(), [], set()
            for c in chunks:
                if c.chunk_id in seen:
                    rep.problems.append(f"{c.source}: duplicate chunk id {c.chunk_id}; kept the first")
                    continue
                seen.add(c.chunk_id)
                old = existing.get(c.chunk_id)
                if old is not None and old.get("hash") == c.content_hash and old.get("scope") == scope:
                    rep.unchanged += 1
                    continue
                rep.updated += old is not None
                rep.added += old is None
                todo.append(c)
            gone = {i for i, m in existing.items() if m.get("scope") == scope and i not in seen}
            added = self._write(todo, gone, existing, scope, progress, batch)
            rep.deleted = len(gone)
            if todo or gone:
                meta = dict(self.client.get_collection(self.name).metadata or {})
                gen = int(meta.get("generation", 0))
                meta["generation"] = gen + 1
                self.col.modify(metadata=meta)
                # patch our snapshot unless another process changed the collection meanwhile
                self._snap = snap.patched(gen + 1, added, gone) if gen == snap.generation else None
            rep.total = self.col.count()
            return rep

    def _write(self, todo: list[Chunk], gone: set[str], existing: dict, scope: str,
               progress: Progress | None, batch: int) -> list[tuple[str, dict, str]]:
        """Embed and store `todo` batch by batch (a crash loses at most one batch of
        updates, which the next ingest re-adds), then delete `gone`."""
        added = []
        if progress:
            progress(0, len(todo))
        for i in range(0, len(todo), batch):
            part = todo[i:i + batch]
            vecs = self.embedder.embed_documents([c.embed_text for c in part])
            replaced = [c.chunk_id for c in part if c.chunk_id in existing]
            if replaced:  # delete+add, not upsert: a dropped market or topic flag must go too
                self.col.delete(ids=replaced)
            metas = [_meta(c, scope) for c in part]
            self.col.add(ids=[c.chunk_id for c in part], embeddings=vecs.tolist(),
                         documents=[c.text for c in part], metadatas=metas)
            added += [(c.chunk_id, m, c.text) for c, m in zip(part, metas)]
            if progress:
                progress(min(i + batch, len(todo)), len(todo))
        gone_list = sorted(gone)
        for i in range(0, len(gone_list), 5000):
            self.col.delete(ids=gone_list[i:i + 5000])
        return added

    # ---------- retrieval ----------
    def dense(self, query: str, n: int, market: str | None = None, topic: str | None = None) -> list[Hit]:
        """Nearest chunks by cosine similarity. With a filter, an unfiltered over-fetch is
        filtered by the snapshot's masks (Chroma's own `where` was 10-30x slower at 10k
        chunks); only when too few pass is Chroma asked with the `where` clause."""
        total = self.col.count()
        if not total or not query.strip():
            return []
        snap = self.snapshot()
        vec = [self.embedder.embed_query(query).tolist()]
        filtered = bool(market or topic)
        fetch = min(total, max(self.overfetch_min, self.overfetch_factor * n) if filtered else n)
        res = self.col.query(query_embeddings=vec, n_results=fetch, include=["distances"])
        pairs = list(zip(res["ids"][0], res["distances"][0]))
        if filtered:
            mask = snap.mask(None, market, topic)
            pairs = [(cid, d) for cid, d in pairs if cid in snap.pos and mask[snap.pos[cid]]]
            if len(pairs) < n and fetch < total:
                res = self.col.query(query_embeddings=vec, n_results=n, where=chroma_where(market, topic),
                                     include=["distances"])
                pairs = list(zip(res["ids"][0], res["distances"][0]))
        pairs = pairs[:n]
        rows = self._rows(snap, [cid for cid, _ in pairs])
        return [self._hit(cid, *rows[cid], score=1.0 - d, similarity=1.0 - d, dense_rank=r)
                for r, (cid, d) in enumerate(pairs, start=1) if cid in rows]

    def keyword(self, query: str, n: int, market: str | None = None, topic: str | None = None) -> list[Hit]:
        """BM25 with all query terms over chunks in the query's language, and with only its
        language-neutral terms (acronyms, numbers) over the others: across languages, word
        matches are mostly false friends (French "pays", Spanish "no") that would outvote a
        close dense ranking in the fusion."""
        snap = self.snapshot()
        lang = self.detect_language(query)
        wanted = snap.mask(None, market, topic)
        in_lang = snap.mask(lang)
        ranked = (snap.bm25.search_terms(tokenize(query), n, in_lang & wanted)
                  + snap.bm25.search_terms(identifier_terms(query), n, ~in_lang & wanted))
        ranked = sorted(ranked, key=lambda x: (-x[1], x[0]))[:n]
        return [self._hit(cid, snap.metas[snap.pos[cid]], snap.docs[snap.pos[cid]], score=s, keyword_rank=r)
                for r, (cid, s) in enumerate(ranked, start=1)]

    def search(self, query: str, k: int = 5, market: str | None = None, topic: str | None = None,
               mode: Mode = "hybrid", candidates: int = 30) -> list[Hit]:
        """Top `k` chunks. Hybrid fuses the dense and keyword rankings by reciprocal rank
        fusion (no score calibration between the two needed)."""
        if mode == "dense":
            return self.dense(query, k, market, topic)
        if mode == "keyword":
            return self.keyword(query, k, market, topic)
        n = max(candidates, 4 * k)
        fused: dict[str, Hit] = {}
        for hits in (self.dense(query, n, market, topic), self.keyword(query, n, market, topic)):
            for h in hits:
                cur = fused.get(h.chunk_id)
                if cur is None:
                    fused[h.chunk_id] = cur = h.model_copy(update={"score": 0.0})
                else:
                    cur.keyword_rank = h.keyword_rank
                cur.score += 1.0 / (RRF_K + (h.dense_rank or h.keyword_rank))
        return sorted(fused.values(), key=lambda h: (-h.score, h.chunk_id))[:k]

    def _rows(self, snap: Snapshot, ids: list[str]) -> dict[str, tuple[dict, str]]:
        """(metadata, text) per id from the snapshot; ids it does not know yet (another
        process just added them) are fetched from Chroma."""
        rows = {cid: (snap.metas[snap.pos[cid]], snap.docs[snap.pos[cid]]) for cid in ids if cid in snap.pos}
        missing = [cid for cid in ids if cid not in rows]
        if missing:
            got = self.col.get(ids=missing, include=["metadatas", "documents"])
            rows.update({cid: (m, d or "") for cid, m, d in zip(got["ids"], got["metadatas"], got["documents"])})
        return rows

    @staticmethod
    def _hit(cid: str, m: dict, text: str, **kw) -> Hit:
        return Hit(chunk_id=cid, doc_id=m.get("doc_id", cid.split("#")[0]), title=m.get("title", ""),
                   section=m.get("section", ""), text=text, source=m.get("source", ""),
                   markets=_split(m.get("markets")), topics=_split(m.get("topics")),
                   language=m.get("language", "en"), **kw)


def ingest_all(kb: KnowledgeBase, settings, progress: Progress | None = None) -> IngestReport:
    """The default ingestion: the repo's corpus (scope "corpus") and the FAQ entries
    learned from support answers (scope "learned"), counts added up."""
    from vectorstore.faq import LEARNED_SCOPE, learned_dir

    total = IngestReport()
    for root, scope in ((REPO_CORPUS, "corpus"), (learned_dir(settings), LEARNED_SCOPE)):
        if root.is_dir():
            r = kb.ingest(root, scope=scope, progress=progress)
            for f in ("added", "updated", "deleted", "unchanged"):
                setattr(total, f, getattr(total, f) + getattr(r, f))
            total.problems += r.problems
    total.total = kb.count()
    return total


def corpus_kb(path: Path, collection: str = "corpus_kb") -> KnowledgeBase:
    """An embedded KB at `path` holding the repo's corpus (tests, evals, benchmarks)."""
    from vectorstore.store import make_client

    kb = KnowledgeBase(make_client(path=Path(path)), collection)
    kb.ingest(REPO_CORPUS, scope="corpus")
    return kb
