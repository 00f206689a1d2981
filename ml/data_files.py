"""JSON data shipped with the package under ``ml/data/`` (cue lexicons, keyword maps,
check sets), read once per process."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any


@lru_cache(maxsize=None)
def read_json(name: str) -> Any:
    """The parsed ``ml/data/<name>``; cached, so callers must not mutate it."""
    return json.loads((files("ml") / "data" / name).read_text(encoding="utf-8"))


def shared_file(shared_data: Path, relative: Path) -> Path:
    """A data set file given the shared data folder, the data set's own folder, or the
    file itself (``relative`` is e.g. ``support_intents/bitext_customer_support.csv``)."""
    shared_data, relative = Path(shared_data), Path(relative)
    for candidate in (shared_data / relative, shared_data / relative.name, shared_data):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no {relative} under {shared_data}")
