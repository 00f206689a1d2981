"""Retrieval quality: recall@k and MRR of a query set against a knowledge base, by
language and retrieval mode, plus a comparison of embedders (how the default was chosen).

A query set is JSONL, one target per line: `{"chunk_id": "doc#section", "q": {"en": ...,
"de": ...}}` (a line may name `doc_id` instead, for document-level targets).

    python -m vectorstore.retrieval_eval --corpus tests/vectorstore/fixtures \
        --queries tests/vectorstore/fixtures/queries.jsonl --embedders use-m3 hash-ngram-1024
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from vectorstore.embeddings import EMBEDDERS
from vectorstore.kb import KnowledgeBase
from vectorstore.store import make_client


def load_queries(path: Path) -> list[dict]:
    """Flatten to [{lang, query, chunk_id|None, doc_id}] (plus the line's ``id`` and
    ``source`` when it has them)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            cid = row.get("chunk_id")
            doc = row.get("doc_id") or (cid.split("#")[0] if cid else None)
            extra = {key: row[key] for key in ("id", "source") if key in row}
            out += [{"lang": lang, "query": q, "chunk_id": cid, "doc_id": doc, **extra}
                    for lang, q in row["q"].items()]
    return out


def ranks(kb: KnowledgeBase, q: dict, k: int = 5, mode: str = "hybrid") -> tuple[int | None, int | None, list]:
    """(rank of the target chunk or doc, rank of the first hit from the target doc, hits);
    a rank is None when it is not in the top ``k``."""
    hits = kb.search(q["query"], k=k, mode=mode)
    ids = [h.chunk_id for h in hits] if q["chunk_id"] else [h.doc_id for h in hits]
    target = q["chunk_id"] or q["doc_id"]
    rank = ids.index(target) + 1 if target in ids else None
    doc_rank = next((i for i, h in enumerate(hits, 1) if h.doc_id == q["doc_id"]), None)
    return rank, doc_rank, hits


def summarize(rows: list[tuple[int | None, int | None]], k: int = 5) -> dict:
    """Recall@1, recall@k, MRR and docR@1 of (rank, doc rank) pairs."""
    return {"n": len(rows), "recall@1": _share(rows, 1), f"recall@{k}": _share(rows, k),
            "mrr": round(sum(1 / x for x, _ in rows if x) / len(rows), 3),
            "doc_recall@1": round(sum(1 for _, d in rows if d == 1) / len(rows), 3)}


def evaluate(kb: KnowledgeBase, queries: list[dict], modes=("dense", "keyword", "hybrid"), k: int = 5) -> dict:
    """{mode: {"all": metrics, "<lang>": metrics}}; a hit is the target chunk (or doc)."""
    report = {}
    for mode in modes:
        rows = defaultdict(list)
        for q in queries:
            rank, doc_rank, _ = ranks(kb, q, k, mode)
            for key in ("all", q["lang"]):
                rows[key].append((rank, doc_rank))
        report[mode] = {key: summarize(r, k) for key, r in rows.items()}
    return report


def _share(rows, k) -> float:
    return round(sum(1 for r, _ in rows if r and r <= k) / len(rows), 3)


def compare(corpus: Path, queries: list[dict], names: list[str]) -> dict:
    """Per embedder: load time, ms per document chunk (batched), ms per query (uncached),
    and the quality report."""
    out = {}
    for name in names:
        t0 = time.perf_counter()
        emb = EMBEDDERS[name]()
        emb.embed_query("warm up")
        load_s = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as tmp:
            kb = KnowledgeBase(make_client(path=Path(tmp)), "eval_kb", emb)
            t0 = time.perf_counter()
            rep = kb.ingest(corpus, scope="eval")
            ingest_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            for q in queries:
                emb.embed_query(q["query"] + " ")  # a new string: the LRU cache is not hit
            query_ms = (time.perf_counter() - t0) * 1000 / len(queries)
            chunks = kb.col.get(include=["documents"])["documents"]
            t0 = time.perf_counter()
            emb.embed_documents(chunks)
            doc_ms = (time.perf_counter() - t0) * 1000 / max(1, len(chunks))
            out[name] = {"dim": emb.dim, "load_s": round(load_s, 2), "chunks": rep.total,
                         "ingest_s": round(ingest_s, 2), "ms_per_chunk_batched": round(doc_ms, 1),
                         "ms_per_query": round(query_ms, 1), "quality": evaluate(kb, queries)}
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--queries", type=Path, required=True)
    ap.add_argument("--embedders", nargs="+", default=list(EMBEDDERS))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    result = compare(args.corpus, load_queries(args.queries), args.embedders)
    for name, r in result.items():
        print(f"{name}: dim {r['dim']}, load {r['load_s']} s, {r['ms_per_chunk_batched']} ms/chunk, "
              f"{r['ms_per_query']} ms/query")
        for mode, by_lang in r["quality"].items():
            langs = " ".join(f"{lang} {m['recall@1']:.2f}" for lang, m in by_lang.items() if lang != "all")
            a = by_lang["all"]
            print(f"  {mode:8} R@1 {a['recall@1']:.3f} R@5 {a['recall@5']:.3f} MRR {a['mrr']:.3f} "
                  f"docR@1 {a['doc_recall@1']:.3f} | R@1 by lang: {langs}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
