"""Hybrid retrieval on the fixture documents: multilingual queries find the right
section, filters by market and topic hold on both retrievers, citations are well formed."""
import json
from pathlib import Path

import pytest

from vectorstore import citations

QUERIES = [json.loads(line) for line in
           (Path(__file__).parent / "fixtures" / "queries.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("lang", ["en", "de", "fr", "es", "zh", "ja"])
def test_multilingual_queries_find_the_right_section(shared_kb, lang):
    """Every target section is in the top 5 for every language (measured: recall@5 1.0,
    recall@1 0.83 over the 78 queries; see docs/NOTES.md), and the right document is
    first for most."""
    top1_doc = 0
    for row in QUERIES:
        hits = shared_kb.search(row["q"][lang], k=5)
        assert row["chunk_id"] in [h.chunk_id for h in hits], (lang, row["q"][lang], [h.chunk_id for h in hits])
        top1_doc += hits[0].doc_id == row["chunk_id"].split("#")[0]
    assert top1_doc >= 10  # of 13


def test_keyword_side_catches_exact_terms_and_ignores_false_friends(shared_kb):
    hits = shared_kb.search("IOSS", k=3, mode="keyword")
    assert hits[0].chunk_id == "eu-vat-oss#import-one-stop-shop-for-low-value-parcels"
    # Chinese query with a language-neutral acronym: the acronym still matches English text
    assert shared_kb.search("IOSS是什么？", k=1, mode="keyword")[0].doc_id == "eu-vat-oss"
    # French "pays" (country) must not match English "pays" (to pay)
    assert shared_kb.search("le pays du client", k=5, mode="keyword") == []
    fused = shared_kb.search("registration number on Japanese invoices", k=3)
    assert fused[0].chunk_id == "jp-consumption-tax#the-qualified-invoice-system"
    assert fused[0].dense_rank and fused[0].keyword_rank and fused[0].similarity > 0.2


def test_market_and_topic_filters(shared_kb):
    for mode in ("hybrid", "dense", "keyword"):
        hits = shared_kb.search("tax registration threshold", k=10, market="JP", mode=mode)
        assert hits and {h.doc_id for h in hits} == {"jp-consumption-tax"}, mode
        de = shared_kb.search("tax registration threshold", k=10, market="de", mode=mode)
        assert de and all({"DE", "EU"} & set(h.markets) for h in de), mode  # EU-wide documents count for DE
        assert "us-sales-tax" not in {h.doc_id for h in de}
        vat = shared_kb.search("registration", k=10, topic="vat", mode=mode)
        assert vat and {h.doc_id for h in vat} == {"eu-vat-oss"}, mode
    assert shared_kb.search("tax", market="BR") == []


def test_citations_from_hits(shared_kb):
    hits = shared_kb.search("Who must register packaging in Germany?", k=2)
    cites = citations(hits + hits)
    assert len(cites) == 2
    assert cites[0] == {"doc_id": "de-packaging", "title": "Germany packaging law (VerpackG) and LUCID registration",
                        "section": "Who must register in LUCID", "source": "de-packaging.md",
                        "chunk_id": "de-packaging#who-must-register-in-lucid", "text": cites[0]["text"]}
    assert cites[0]["text"].startswith("Every business that first places packaged goods") and len(cites[0]["text"]) <= 302


def test_empty_collection_and_blank_query(kb):
    assert kb.search("anything") == [] and kb.search("   ", mode="dense") == []


def test_query_embeddings_are_cached(shared_kb):
    cache = shared_kb.embedder.query_cache
    shared_kb.search("a question asked twice about VAT")
    hits_before = cache.hits
    shared_kb.search("a question   asked twice about VAT")
    assert cache.hits == hits_before + 1


def test_filtered_dense_search_falls_back_to_chroma_where(loaded_kb):
    """Few candidates pass the filter in the over-fetch: Chroma's `where` answers instead."""
    loaded_kb.overfetch_min, loaded_kb.overfetch_factor = 1, 1
    hits = loaded_kb.dense("consumption tax", 2, market="JP")
    assert [h.doc_id for h in hits] == ["jp-consumption-tax"] * 2
    assert {h.doc_id for h in loaded_kb.dense("register", 3, topic="packaging")} == {"de-packaging"}


def test_a_change_by_another_process_is_seen(loaded_kb, tmp_path):
    """Two KnowledgeBase objects on one Chroma folder stand for two processes."""
    from vectorstore.kb import KnowledgeBase
    from vectorstore.store import make_client

    reader = KnowledgeBase(make_client(path=tmp_path / "chroma"), "test_kb", refresh_s=0)
    assert reader.search("lithium batteries by air", k=1, mode="keyword") == []
    other = tmp_path / "other"
    other.mkdir()
    (other / "air.md").write_text("---\nid: air\ntitle: Air freight\n---\n\n## Lithium batteries\n\n"
                                  "Lithium batteries by air need a state of charge of at most 30 percent.\n")
    loaded_kb.ingest(other, scope="other")
    assert reader.search("lithium batteries by air", k=1, mode="keyword")[0].doc_id == "air"
    assert reader.search("lithium batteries by air", k=1)[0].doc_id == "air"
