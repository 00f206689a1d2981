"""JSON data shipped with the package under ``ml/data/`` (cue lexicons, keyword maps,
check sets), read once per process."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from typing import Any


@lru_cache(maxsize=None)
def read_json(name: str) -> Any:
    """The parsed ``ml/data/<name>``; cached, so callers must not mutate it."""
    return json.loads((files("ml") / "data" / name).read_text(encoding="utf-8"))
