"""Chroma knowledge base (embedded PersistentClient by default): arrives with the
knowledge-base and guardrails issue. Empty until then."""
