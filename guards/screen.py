"""The fast path: the input and output guards as plain functions (no guardrails-ai
machinery), returning what the graph stores. ``guards/validators.py`` wraps the same
checks as guardrails-ai validators; ``benchmarks/guard_overhead.py`` measures both.

``screen_input(text, injection_model, language)`` -> ``InputScreen``: redacted text,
the placeholder map, whether to block, the refusal, and ``guardrails`` entries
(``{name, action: pass|redacted|blocked, detail}``, the RunResult shape).
``screen_output(text, language, keep)`` -> ``OutputScreen``: the same for a reply
(policy promises block, PII is redacted except the ``keep`` values).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from guards.injection import check_injection, refusal
from guards.pii import ALL_KINDS, Redaction, redact
from guards.policy import check_reply


@dataclass
class InputScreen:
    redaction: Redaction
    blocked: bool
    refusal: str = ""
    guardrails: list[dict] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.redaction.text


@dataclass
class OutputScreen:
    redaction: Redaction
    blocked: bool
    guardrails: list[dict] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.redaction.text


def _pii_entry(name: str, red: Redaction) -> dict:
    return {"name": name, "action": "redacted" if red.found else "pass",
            "detail": ", ".join(red.kinds) if red.found else ""}


def screen_input(text: str, injection_model: Any = None, language: str | None = None, *,
                 kinds: Iterable[str] = ALL_KINDS, source: str = "user") -> InputScreen:
    verdict = check_injection(text, injection_model, source=source)
    red = redact(text, kinds=kinds)
    entries = [{"name": "injection", "action": "blocked" if verdict.flagged else "pass",
                "detail": verdict.detail if verdict.flagged else ""}, _pii_entry("pii", red)]
    return InputScreen(red, verdict.flagged, refusal(language) if verdict.flagged else "", entries)


def screen_output(text: str, language: str | None = None, keep: set[str] | None = None, *,
                  kinds: Iterable[str] = ALL_KINDS) -> OutputScreen:
    decision = check_reply(text, language)
    red = redact(text, keep=keep, kinds=kinds)
    entries = [decision.guardrail("policy_reply"), _pii_entry("pii_output", red)]
    return OutputScreen(red, not decision.allowed, entries)
