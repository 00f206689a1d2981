"""Keyword layer of the support-intent classifier: per-language regex maps for the 11
intents the store acts on (data in ``ml/data/intent_keywords.json``), used for messages
the English model cannot read, and for a few English phrasings Bitext lacks.

``KEYWORDS``: language -> intent -> [(regex, weight)]. Latin-script patterns see
lower-cased, accent-stripped text ("ruckerstattung"); zh/ja patterns see the text as
written. The best-weighted intent wins; on a tie the intent listed first wins, so the
more specific intents come first.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ml.data_files import read_json

KEYWORDS_FILE = "intent_keywords.json"


def _load_keywords() -> dict[str, dict[str, list[tuple[str, float]]]]:
    table = read_json(KEYWORDS_FILE)["keywords"]
    return {lang: {intent: [(pattern, weight) for pattern, weight in patterns]
                   for intent, patterns in intents.items()}
            for lang, intents in table.items()}


KEYWORDS: dict[str, dict[str, list[tuple[str, float]]]] = _load_keywords()


def _fold(text: str) -> str:
    """Lower-case and strip accents (Latin keyword matching only)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _compiled() -> dict[str, list[tuple[str, re.Pattern[str], float]]]:
    return {
        lang: [
            (intent, re.compile(pattern), weight)
            for intent, patterns in table.items()
            for pattern, weight in patterns
        ]
        for lang, table in KEYWORDS.items()
    }


_CJK = {"zh", "ja"}


def keyword_scores(text: str, language: str) -> dict[str, float]:
    """Scores of the per-language keyword map (the best pattern per intent counts)."""
    compiled = _compiled()
    if language not in compiled:
        return {}
    subject = text.lower() if language in _CJK else _fold(text)
    scores: dict[str, float] = {}
    for intent, pattern, weight in compiled[language]:
        if weight > scores.get(intent, 0.0) and pattern.search(subject):
            scores[intent] = weight
    return scores


def keyword_match(text: str, language: str) -> tuple[str, dict[str, float]] | None:
    """(language, scores) of the first map that fires: ``language``'s own, else another
    map of the same script (not English); None when none fires."""
    scores = keyword_scores(text, language)
    if not scores:  # detection may confuse neighbours (es/pt/it): try the others
        for other in _compiled():
            if other not in (language, "en") and (other in _CJK) == (language in _CJK):
                scores = keyword_scores(text, other)
                if scores:
                    return other, scores
        return None
    return language, scores
