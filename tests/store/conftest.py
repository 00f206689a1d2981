"""Store fixtures: the seed JSON as dicts; fresh stores come from tests/conftest.py's make_store
(a seeded SQLite file built once per session and copied per test)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from store import Store, default_paths
from store_picks import clone


@pytest.fixture(scope="session")
def data_paths(shared_data) -> tuple[Path, Path]:
    return default_paths(shared_data)


@pytest.fixture(scope="session")
def retail_dir(data_paths) -> Path:
    return data_paths[0]


@pytest.fixture
def fresh_db(seed_data) -> dict:
    return clone(seed_data)


@pytest.fixture
def store(make_store) -> Store:
    return make_store()


@pytest.fixture(scope="module")
def shared_store(store_template, tmp_path_factory):
    """One seeded store for a whole module: only for reads and refusals, which must leave
    it unchanged (the tests that use it check exactly that)."""
    path = tmp_path_factory.mktemp("shared_store") / "store.db"
    shutil.copyfile(store_template, path)
    st = Store(f"sqlite:///{path}")
    yield st
    st.close()


def load_tasks(retail_dir: Path, name: str) -> list[dict]:
    return json.loads((retail_dir / name).read_text(encoding="utf-8"))
