"""Shared fixtures: a seeded store template copied per test, models trained once per
session, and the API app on real parts (SQLite store, SQLite checkpointer, trained
router and intent models) with the LLM off unless a test injects a scripted fake."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import chuhai  # noqa: F401  (telemetry off before any library loads)
from chuhai.settings import Settings

SHARED = Path(os.environ.get("CHUHAI_SHARED_DATA_DIR", Path(__file__).resolve().parents[1].parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    assert (SHARED / "retail" / "users.json").is_file(), f"shared data not found under {SHARED}"
    return SHARED


@pytest.fixture(scope="session")
def seed_data(shared_data) -> dict:
    """The three retail JSON files as json.load gives them. Shared: never mutate, deepcopy first."""
    import json

    return {k: json.loads((shared_data / "retail" / f"{k}.json").read_text(encoding="utf-8"))
            for k in ("users", "orders", "products")}


@pytest.fixture(scope="session")
def store_template(tmp_path_factory, shared_data) -> Path:
    from store import Store

    path = tmp_path_factory.mktemp("store_template") / "template.db"
    st = Store(f"sqlite:///{path}")
    st.reset(shared_data / "retail")
    st.close()
    return path


@pytest.fixture
def make_store(store_template, tmp_path):
    """Factory of fresh seeded stores, each in its own SQLite file."""
    from store import Store

    opened = []

    def make(name: str = "store"):
        path = tmp_path / f"{name}_{len(opened)}.db"
        shutil.copyfile(store_template, path)
        st = Store(f"sqlite:///{path}")
        opened.append(st)
        return st

    yield make
    for st in opened:
        st.close()


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory, shared_data) -> Path:
    import ml

    out = tmp_path_factory.mktemp("models")
    for name in ml.REQUEST_PATH:
        ml.train(name, out, shared_data)
    return out


@pytest.fixture(scope="session")
def corpus_kb(tmp_path_factory):
    """The repo's knowledge-base corpus in a real embedded Chroma, ingested once (~10 s).
    Search-only: tests that add to a KB build their own."""
    from vectorstore.kb import corpus_kb

    return corpus_kb(tmp_path_factory.mktemp("corpus_kb"))


@pytest.fixture
def settings(tmp_path, shared_data) -> Settings:
    return Settings(data_dir=tmp_path / "var", shared_data_dir=shared_data, llm_backend="none",
                    api_keys={"admin-key": "admin", "op-key": "operator", "sched-key": "scheduler",
                              "cust-key": "customer:omar_johnson_2562"})


@pytest.fixture
def make_deps(settings, models_dir, make_store, shared_data, corpus_kb):
    import ml
    from chuhai.deps import Deps
    from ml.escalation import assess_escalation
    from ml.language import detect_language

    def make(llm=None, store=None):
        return Deps(settings=settings, store=store or make_store(),
                    router=ml.load("router", models_dir, shared_data, train_if_missing=False),
                    intents=ml.load("intents", models_dir, shared_data, train_if_missing=False),
                    injection=ml.load("injection", models_dir, shared_data, train_if_missing=False),
                    kb=corpus_kb, llm_factory=(lambda: llm) if llm is not None else None,
                    detect_language=detect_language, assess_escalation=assess_escalation)

    return make


@pytest.fixture
def api(make_deps):
    """(TestClient, deps) on real parts."""
    from fastapi.testclient import TestClient

    from api.main import create_app

    deps = make_deps()
    with TestClient(create_app(deps=deps)) as client:
        yield client, deps


@pytest.fixture(scope="session")
def eval_system(models_dir, shared_data, tmp_path_factory):
    """The eval harness's Chuhai system through the API (TestClient per case), no LLM."""
    from evals.systems import InProcessSystem

    system = InProcessSystem(shared_data, models_dir, model="none", via="api",
                             workdir=tmp_path_factory.mktemp("eval"))
    yield system
    system.close()
