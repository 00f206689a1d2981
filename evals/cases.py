"""Eval cases as files: one JSON object per line (``.jsonl``) or a YAML list (``.yaml``).

A conversation case holds the customer's or operator's turns and what must be true after
them; a routing case is one message and its expected plan; a classification case is one
text and its label. One model covers all three so a report can treat them alike.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator


class Action(BaseModel):
    name: str
    kwargs: dict[str, Any] = Field(default_factory=dict)


class Case(BaseModel):
    id: str
    suite: str = ""
    lang: str = "en"
    channel: str = "customer"
    turns: list[str] = Field(min_length=1)
    user_id: str | None = None
    expected_route: list[str] | None = None    # plan of the first turn; None = not checked
    expected_actions: list[Action] | None = None  # None = store not checked; [] = store unchanged
    expected_outcome: str | None = None
    expected_label: str | None = None         # classification suites
    must_contain: list[str] = Field(default_factory=list)
    must_not_contain: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    notes: str = ""

    @field_validator("turns")
    @classmethod
    def _no_empty_turn(cls, turns: list[str]) -> list[str]:
        if any(not t.strip() for t in turns):
            raise ValueError("a turn is empty")
        return turns

    @property
    def writes(self) -> bool:
        """Whether the case may change the store (then it needs a store of its own)."""
        return self.expected_actions is None or bool(self.expected_actions) or len(self.turns) > 1

    @property
    def agent(self) -> str:
        """The gold agent for per-agent figures ("none", one agent, or "multi")."""
        route = self.expected_route
        if route is None:
            return "?"
        return "none" if not route else route[0] if len(route) == 1 else "multi"


class CaseFileError(ValueError):
    """A case file that cannot be read; the message names the file and line."""


def load_cases(path: Path, suite: str = "") -> list[Case]:
    """Cases from a ``.jsonl`` or ``.yaml`` file; a bad line raises CaseFileError."""
    path = Path(path)
    if path.suffix in (".yaml", ".yml"):
        import yaml

        rows = [(i + 1, row) for i, row in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")) or [])]
    else:
        rows = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    rows.append((n, json.loads(line)))
                except json.JSONDecodeError as e:
                    raise CaseFileError(f"{path.name}:{n}: not JSON ({e.msg})") from None
    cases, seen = [], set()
    for n, row in rows:
        try:
            case = Case.model_validate({**row, "suite": suite or row.get("suite", "")})
        except ValidationError as e:
            raise CaseFileError(f"{path.name}:{n}: {e.errors()[0]['loc']}: {e.errors()[0]['msg']}") from None
        if case.id in seen:
            raise CaseFileError(f"{path.name}:{n}: duplicate id {case.id}")
        seen.add(case.id)
        cases.append(case)
    return cases
