"""The retrieval suite: questions written per knowledge-base document
(``evals/datasets/retrieval_questions.jsonl``, six languages), asked of the repo corpus
ingested into a fresh embedded Chroma with the default embedder, hybrid search, k = 5.

A case passes when the expected document is among the top 5 hits (recall@5) **and** the
first citation (``vectorstore.citations``, what a reply would cite first) names the
expected document's file. Ranks are document-level; the scoring is
``vectorstore.retrieval_eval``'s, shared with ``python -m vectorstore.retrieval_eval``.
"""
from __future__ import annotations

from pathlib import Path

from evals import evaluators as ev
from evals.cases import Case
from evals.model_suite import details, group, score_cases, table, workdir
from evals.suites import DATASETS

QUESTIONS = DATASETS / "retrieval_questions.jsonl"
K = 5
MODE = "hybrid"


class RetrievalCase(Case):
    expected_source: str = ""   # the cited file the answer must name (corpus-relative path)


def load(shared: Path, path: Path = QUESTIONS) -> list[RetrievalCase]:
    from vectorstore.retrieval_eval import load_queries

    cases = []
    for q in load_queries(path):
        if not q.get("id") or not q.get("doc_id"):
            raise ValueError(f"{path.name}: every line needs an id and a doc_id ({q['query'][:60]!r})")
        cases.append(RetrievalCase(id=f"{q['id']}-{q['lang']}", suite="retrieval", lang=q["lang"],
                                   turns=[q["query"]], expected_label=q["doc_id"],
                                   expected_source=q.get("source") or f"{q['doc_id']}.md"))
    return cases


def build_kb(folder: Path):
    """The repo corpus in a new embedded collection under ``folder``."""
    from vectorstore.kb import REPO_CORPUS, KnowledgeBase
    from vectorstore.store import make_client

    kb = KnowledgeBase(make_client(path=Path(folder)), "eval_retrieval")
    report = kb.ingest(REPO_CORPUS, scope="corpus")
    if report.problems:
        raise RuntimeError(f"corpus ingest problems: {report.problems[:3]}")
    return kb


def measure(cases: list[RetrievalCase], system, shared: Path, progress=None):
    import tempfile

    from vectorstore.citations import citations
    from vectorstore.retrieval_eval import ranks

    with tempfile.TemporaryDirectory(dir=workdir(system), prefix="kb-") as tmp:
        kb = build_kb(Path(tmp))

        def score(case: RetrievalCase):
            query = {"query": case.turns[0], "chunk_id": None, "doc_id": case.expected_label}
            rank, _, hits = ranks(kb, query, K, MODE)
            cited = citations(hits)[:1]
            cited_source = cited[0]["source"] if cited else None
            top = [h.doc_id for h in hits]
            checks = [ev.Check(f"recall@{K}", rank is not None, f"{case.expected_label} not in top {K}: {top}"),
                      ev.Check("citation", cited_source == case.expected_source,
                               f"first citation {cited_source}, expected {case.expected_source}")]
            return checks, "top: " + ", ".join(top), {"rank": rank, "cited": cited_source, "top": top}

        return score_cases(cases, score, progress)


def summarize(result) -> dict:
    from vectorstore.retrieval_eval import summarize as rank_summary

    pairs = details(result)
    if not pairs:
        return {}

    def figures(rows):
        s = rank_summary([(d["rank"], d["rank"]) for _, d in rows], K)
        cited = round(sum(d["cited"] == c.expected_source for c, d in rows) / len(rows), 4)
        return {"n": s["n"], "recall@1": s["recall@1"], f"recall@{K}": s[f"recall@{K}"], "mrr": s["mrr"],
                "citation@1": cited}

    overall = figures(pairs)
    by_lang = {lang: figures(rows) for lang, rows in group(pairs, lambda p: p[0].lang).items()}
    by_doc = {doc: figures(rows) for doc, rows in group(pairs, lambda p: p[0].expected_label).items()}
    weakest = sorted(by_doc.items(), key=lambda kv: (kv[1][f"recall@{K}"], kv[1]["mrr"]))[:10]
    cols = ["n", "recall@1", f"recall@{K}", "mrr", "citation@1"]
    out = {f"{key}": overall[key] for key in cols[1:]}
    out |= {f"{key}.{lang}": f[key] for lang, f in by_lang.items() for key in (f"recall@{K}", "mrr", "citation@1")}
    out["by_agent"] = {}   # per-document figures are in the tables
    out["headline"] = (f"recall@{K} {overall[f'recall@{K}']:.3f}, MRR {overall['mrr']:.3f}, citation@1 "
                       f"{overall['citation@1']:.3f} over {overall['n']} questions ({MODE}, k={K}); per language "
                       + " ".join(f"{lang} {f[f'recall@{K}']:.2f}" for lang, f in by_lang.items()))
    out["tables"] = {
        "retrieval per language": table(["language"] + cols, [[lang] + [f[c] for c in cols]
                                                              for lang, f in [("all", overall), *by_lang.items()]]),
        "ten weakest documents": table(["document"] + cols, [[doc] + [f[c] for c in cols] for doc, f in weakest]),
    }
    return out
