"""The brand's voice from a sample of its own copy ("in the voice of: ..."): its tone
(casual or neutral: picks the template register) and, when the sample is in the listing's
language, up to two of its sentences to open the description. Every sentence is checked
for the market first (banned claims, promotional phrases, what the market's rules forbid):
a sentence that fails is left out and the finding says so."""
from __future__ import annotations

import re

from pydantic import BaseModel, Field

from agents.copy_check import content_findings
from tools.copy_schemas import Finding

MAX_SENTENCES = 2
MAX_SENTENCE_CHARS = 200
CASUAL_CUES = {
    "en": r"!|\byou(r|'re|'ll)?\b|\blet's\b|\b\w+'(s|re|ll|ve)\b",
    "de": r"!|\b(du|dein|deine|dich|dir)\b",
    "es": r"!|¡|\b(tú|tu|tus|te|contigo)\b",
    "fr": r"!|\b(tu|ton|ta|tes|toi)\b",
    "zh": r"！|!|你|吧|哦|啦",
    "ja": r"！|!|よね|だよ|してね|ちゃ|じゃん",
}
SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")


class Voice(BaseModel):
    style: str = "neutral"                   # casual | neutral
    language: str | None = None              # the sample's language
    sentences: list[str] = Field(default_factory=list)   # usable in the listing, checked
    removed: list[Finding] = Field(default_factory=list)
    tone_only: bool = False                  # the sample is in another language than the listing


def read_voice(sample: str | None, language: str, market: str, detect_language) -> Voice:
    """The voice of ``sample`` for a ``language`` listing in ``market``."""
    sample = " ".join((sample or "").split())
    if not sample:
        return Voice()
    sample_lang = detect_language(sample)
    style = "casual" if re.search(CASUAL_CUES.get(sample_lang, CASUAL_CUES["en"]), sample, re.I) else "neutral"
    voice = Voice(style=style, language=sample_lang, tone_only=sample_lang != language)
    for sentence in [s.strip() for s in SENTENCE_END.split(sample) if s.strip()]:
        problems = content_findings(sentence, language if not voice.tone_only else sample_lang, market)
        if problems:
            voice.removed += [f.model_copy(update={"excerpt": sentence, "action": "removed",
                                                   "severity": "warning"}) for f in problems[:1]]
        elif not voice.tone_only and len(voice.sentences) < MAX_SENTENCES and len(sentence) <= MAX_SENTENCE_CHARS:
            voice.sentences.append(sentence)
    return voice
