"""Knowledge-base latency at 10k chunks: ingest throughput and query latency (dense,
keyword, hybrid; p50/p95), in a temporary embedded Chroma.

The 10k chunks are SYNTHETIC: each recombines sentences from 2-3 real sections of the
corpus (vectorstore/corpus/ plus the test fixtures), so the vocabulary and lengths are
realistic but the content is not knowledge; every synthetic chunk is titled
"[synthetic] ..." and lives in scope "synthetic". Queries are the multilingual fixture
questions plus section headings, each asked once cold (embedding not cached), and then
the first 50 again warm (from the query-embedding cache).

    .venv/bin/python benchmarks/kb_latency.py [--chunks 10000] [--out benchmarks/results/kb_latency.json]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import chuhai  # noqa: E402,F401  (telemetry off)
from vectorstore.corpus import Chunk, load_corpus  # noqa: E402
from vectorstore.kb import REPO_CORPUS, KnowledgeBase  # noqa: E402
from vectorstore.retrieval_eval import load_queries  # noqa: E402
from vectorstore.store import make_client  # noqa: E402

FIXTURES = ROOT / "tests" / "vectorstore" / "fixtures"


def synthetic_chunks(n: int, seed: int = 7) -> tuple[list[Chunk], list[Chunk]]:
    real = load_corpus(REPO_CORPUS)[0] + load_corpus(FIXTURES)[0]
    sents = [[s for s in re.split(r"(?<=[.!?])\s+", c.text) if len(s.split()) > 3] for c in real]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        picks = rng.sample(range(len(real)), rng.choice((2, 3)))
        text, words = [], 0
        while words < 150:
            s = rng.choice(sents[rng.choice(picks)] or ["(empty)"])
            text.append(s)
            words += len(s.split())
        base = real[picks[0]]
        out.append(Chunk(chunk_id=f"synthetic-{i // 8:05d}#part-{i % 8}", doc_id=f"synthetic-{i // 8:05d}",
                         title=f"[synthetic] {base.title}", section=f"{base.section} (recombined {i})",
                         text=" ".join(text), markets=base.markets, topics=base.topics, source="synthetic"))
    return real, out


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))], 2)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chunks", type=int, default=10_000)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "kb_latency.json")
    args = ap.parse_args(argv)

    load_start = [round(x, 2) for x in os.getloadavg()]
    real, synth = synthetic_chunks(args.chunks)
    queries = [q["query"] for q in load_queries(FIXTURES / "queries.jsonl")]
    queries += sorted({f"{c.section}?" for c in real})
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        kb = KnowledgeBase(make_client(path=Path(tmp)), "bench_kb")
        kb.embedder.embed_query("warm up")
        load_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        last = [0.0]

        def progress(done, total):
            if time.perf_counter() - last[0] > 15:
                last[0] = time.perf_counter()
                print(f"  embedded {done}/{total} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)

        rep = kb.ingest_chunks(synth, scope="synthetic", progress=progress)
        ingest_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = kb.ingest_chunks(synth, scope="synthetic")
        reingest_s = time.perf_counter() - t0
        kb._snap = None  # measure a cold start: a new process reads text and metadata back from Chroma
        t0 = time.perf_counter()
        kb.snapshot(force=True)  # text, metadata and the BM25 index, loaded on first search
        snapshot_s = time.perf_counter() - t0

        lat: dict[str, list[float]] = {"dense": [], "keyword": [], "hybrid": [], "hybrid_warm": [],
                                       "hybrid_market_DE": [], "hybrid_market_JP": []}
        for i, q in enumerate(queries):
            for mode in ("dense", "keyword", "hybrid"):
                qq = f"{q} [{mode}]" if mode != "keyword" else q  # a new string: the embedding cache is cold
                t0 = time.perf_counter()
                kb.search(qq, k=5, mode=mode)
                lat[mode].append((time.perf_counter() - t0) * 1000)
            for market in ("DE", "JP"):
                t0 = time.perf_counter()
                kb.search(f"{q} [{market}]", k=5, market=market)
                lat[f"hybrid_market_{market}"].append((time.perf_counter() - t0) * 1000)
        for q in queries[:50]:
            t0 = time.perf_counter()
            kb.search(f"{q} [hybrid]", k=5)
            lat["hybrid_warm"].append((time.perf_counter() - t0) * 1000)

    result = {
        "what": "KB latency at 10k SYNTHETIC chunks (recombined corpus sentences), embedded Chroma",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_at_start": load_start, "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        "embedder": kb.embedder.name, "chunks": rep.total, "queries": len(queries),
        "model_load_s": round(load_s, 2),
        "ingest": {"seconds": round(ingest_s, 1), "chunks_per_s": round(rep.added / ingest_s, 1),
                   "reingest_unchanged_s": round(reingest_s, 2), "reingest_counts": again.counts()},
        "snapshot_load_s": round(snapshot_s, 2),
        "latency_ms": {m: {"p50": pct(v, 50), "p95": pct(v, 95), "n": len(v)} for m, v in lat.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
