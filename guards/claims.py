"""Banned claims in listings and replies: unprovable superlatives ("best", "最好", "第一",
"Testsieger", "meilleur", "el mejor"), health cures, absolute safety, fake approvals
("FDA approved"). Patterns per language in ``guards/data/banned_claims.json``; the
compliance agent reuses ``find_claims``."""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files


@dataclass(frozen=True)
class Claim:
    id: str
    language: str
    start: int
    end: int
    text: str


@lru_cache(maxsize=1)
def _patterns() -> dict[str, list[tuple[str, re.Pattern]]]:
    data = json.loads((files("guards") / "data" / "banned_claims.json").read_text(encoding="utf-8"))
    return {lang: [(c["id"], re.compile(c["pattern"], re.I)) for c in claims]
            for lang, claims in data["claims"].items()}


def find_claims(text: str, language: str | None = None) -> list[Claim]:
    """Banned claims in ``text``: the ``any`` patterns plus the language's (all languages
    when ``language`` is None)."""
    norm = unicodedata.normalize("NFKC", text or "")
    pats = _patterns()
    langs = ["any"] + ([language] if language in pats else [k for k in pats if k != "any"])
    out: list[Claim] = []
    seen: set[tuple[int, int]] = set()
    for lang in langs:
        for cid, rx in pats.get(lang, []):
            for m in rx.finditer(norm):
                if (m.start(), m.end()) not in seen and m.end() > m.start():
                    seen.add((m.start(), m.end()))
                    out.append(Claim(cid, lang, m.start(), m.end(), norm[m.start():m.end()]))
    return sorted(out, key=lambda c: c.start)
