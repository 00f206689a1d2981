"""Knowledge-base fixtures: a copy of the fixture documents to edit, and a real Chroma
PersistentClient in tmp_path. The embedding model loads once per process."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def corpus_dir(tmp_path) -> Path:
    out = tmp_path / "corpus"
    out.mkdir()
    for p in FIXTURES.glob("*.md"):
        shutil.copy(p, out / p.name)
    return out


@pytest.fixture
def kb(tmp_path):
    from vectorstore.kb import KnowledgeBase
    from vectorstore.store import make_client

    return KnowledgeBase(make_client(path=tmp_path / "chroma"), "test_kb")


@pytest.fixture
def loaded_kb(kb, corpus_dir):
    kb.ingest(corpus_dir, scope="fixtures")
    return kb


@pytest.fixture(scope="session")
def shared_kb(tmp_path_factory):
    """The fixture documents ingested once, for tests that only search (never mutate it)."""
    from vectorstore.kb import KnowledgeBase
    from vectorstore.store import make_client

    kb = KnowledgeBase(make_client(path=tmp_path_factory.mktemp("shared_kb")), "shared_kb")
    kb.ingest(FIXTURES, scope="fixtures")
    return kb
