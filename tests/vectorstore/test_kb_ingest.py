"""Ingestion is idempotent: unchanged chunks are skipped, edited sections re-embedded,
chunks of removed sections and files deleted, other scopes left alone."""
import re

import pytest


def test_ingest_is_idempotent_and_incremental(kb, corpus_dir, tmp_path):
    first = kb.ingest(corpus_dir, scope="fixtures")
    assert first.counts() == {"added": 13, "updated": 0, "deleted": 0, "unchanged": 0}
    assert first.total == kb.count() == 13 and not first.problems

    assert kb.ingest(corpus_dir, scope="fixtures").counts() == {"added": 0, "updated": 0, "deleted": 0,
                                                                "unchanged": 13}

    doc = corpus_dir / "eu-returns.md"
    doc.write_text(doc.read_text().replace("within 14 days of being told", "within fourteen days of notice"))
    assert kb.ingest(corpus_dir, scope="fixtures").counts() == {"added": 0, "updated": 1, "deleted": 0,
                                                                "unchanged": 12}
    got = kb.col.get(ids=["eu-returns#refund-deadline-and-return-shipping-costs"])
    assert "fourteen days of notice" in got["documents"][0]

    (corpus_dir / "us-sales-tax.md").unlink()
    rep = kb.ingest(corpus_dir, scope="fixtures")
    assert rep.counts() == {"added": 0, "updated": 0, "deleted": 2, "unchanged": 11}
    assert not kb.col.get(where={"doc_id": "us-sales-tax"})["ids"]
    assert all(h.doc_id != "us-sales-tax" for h in kb.search("sales tax nexus Wayfair", k=10))

    # a removed section, and a new one
    pkg = corpus_dir / "de-packaging.md"
    text = pkg.read_text()
    text = re.sub(r"## Joining a dual system.*", "## Fines\n\nFines reach 200,000 euros.\n", text, flags=re.S)
    pkg.write_text(text)
    assert kb.ingest(corpus_dir, scope="fixtures").counts() == {"added": 1, "updated": 0, "deleted": 1,
                                                                "unchanged": 10}

    # another root in another scope does not delete this one's chunks
    other = tmp_path / "other"
    other.mkdir()
    (other / "note.md").write_text("---\nid: note\ntitle: Note\n---\n\n## Only section\n\nA short note.\n")
    assert kb.ingest(other, scope="other").counts()["deleted"] == 0
    assert kb.count() == 12
    assert kb.ingest(corpus_dir, scope="fixtures").counts()["unchanged"] == 11


def test_vectors_of_another_embedder_are_refused(kb, corpus_dir):
    from vectorstore.embeddings import HashingEmbedder
    from vectorstore.kb import KnowledgeBase
    from vectorstore.store import EmbedderMismatch

    kb.ingest(corpus_dir, scope="fixtures")
    with pytest.raises(EmbedderMismatch, match="use-m3"):
        KnowledgeBase(kb.client, "test_kb", embedder=HashingEmbedder())
    other = KnowledgeBase(kb.client, "hash_kb", embedder=HashingEmbedder())
    other.ingest(corpus_dir, scope="fixtures")
    assert other.search("packaging register Germany", k=1)[0].doc_id == "de-packaging"
