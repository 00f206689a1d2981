"""Reply and document templates per agent and language: prompts/<agent>/<lang>.json."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def load_templates(agent: str, lang: str) -> dict[str, str]:
    """The agent's templates in `lang`; {} when that language has no file."""
    path = ROOT / agent / f"{lang}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
