"""The typed dependency container handed to graphs, agents and tools (never globals)."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

import ml
from chuhai.settings import Settings


@dataclass
class Deps:
    settings: Settings
    store: Any
    router: Any
    intents: Any | None = None
    injection: Any | None = None   # the prompt-injection classifier (ml/injection.py); None = rules only
    kb: Any | None = None          # vectorstore.kb.KnowledgeBase; None = answers without the knowledge base
    llm_factory: Callable[[], Any] | None = None
    detect_language: Callable[[str], str] = lambda text: "en"
    assess_escalation: Callable[[str], Any] | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    _llm: Any = field(default=None, repr=False)
    _llm_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def llm_enabled(self) -> bool:
        return self.llm_factory is not None

    @property
    def llm(self):
        """The LLM, created on first use (loading a GGUF is not on the start-up path)."""
        if self._llm is None:
            with self._llm_lock:
                if self._llm is None:
                    if self.llm_factory is None:
                        raise RuntimeError("No LLM configured.")
                    self._llm = self.llm_factory()
        return self._llm


def build_deps(settings: Settings | None = None, *, seed: bool = True) -> Deps:
    """Real dependencies from settings: SQLite store (seeded on first start), trained
    models (trained on first start if missing), the configured LLM backend."""
    from llm import make_llm
    from ml.escalation import assess_escalation
    from ml.language import detect_language
    from store import Store

    settings = settings or Settings()
    store = Store(settings.store_db_url)
    if seed:
        store.ensure_seeded(settings.shared_data_dir / "retail",
                            settings.shared_data_dir / "sales" / "online_retail.csv.gz")
    models_dir, shared = settings.models_dir, settings.shared_data_dir
    return Deps(
        settings=settings,
        store=store,
        router=ml.load("router", models_dir, shared),
        intents=ml.load("intents", models_dir, shared),
        injection=ml.load("injection", models_dir, shared),
        kb=_knowledge_base(settings, ingest=seed),
        llm_factory=(lambda: make_llm(settings)) if settings.llm_backend != "none" else None,
        detect_language=detect_language,
        assess_escalation=assess_escalation,
    )


def _knowledge_base(settings: Settings, *, ingest: bool):
    """The KB from settings. `ingest` brings it in line with the corpus and the learned
    FAQ first (incremental: unchanged files cost a hash each; the first start embeds
    the whole corpus, ~10 s on 2 cores)."""
    from vectorstore.kb import KnowledgeBase, ingest_all

    kb = KnowledgeBase.from_settings(settings)
    if ingest:
        ingest_all(kb, settings)
    return kb
