"""The one registry of eval suites. A suite names its cases (files in ``evals/datasets``
or test splits in the shared data), the models whose training data must not contain them,
and whether it is part of the fast CI subset. A later capability adds its suite here."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from evals.cases import Case, load_cases

DATASETS = Path(__file__).resolve().parent / "datasets"


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    load: Callable[[Path], list[Case]]     # shared data dir -> cases
    kind: str = "conversation"             # conversation | classification
    checked_against: tuple[str, ...] = ("router", "intents")  # models whose training data it must avoid
    heldout: bool = False                  # never used to tune anything
    fast: bool = False                     # in the fast subset (CI gate)
    defaults: dict | None = None           # fields every case gets unless it sets them


def _files(*names: str, defaults: dict | None = None) -> Callable[[Path], list[Case]]:
    def load(shared: Path) -> list[Case]:
        cases = []
        for name in names:
            for case in load_cases(DATASETS / name, suite=Path(name).stem):
                if defaults:
                    case = case.model_copy(update={k: v for k, v in defaults.items()
                                                   if getattr(case, k) is None})
                cases.append(case)
        return cases
    return load


def _routing(shared: Path) -> list[Case]:
    from ml.router_eval import load_examples, split

    return [Case(id=f"rt-{i:04d}", suite="routing", lang=ex.get("lang", "en"), channel="operator",
                 turns=[ex["text"]], expected_route=list(ex.get("labels") or []))
            for i, ex in enumerate(split(load_examples(), "test"), 1)]


def _intents(shared: Path) -> list[Case]:
    from ml.intents_eval import load_splits

    _, test = load_splits(shared)
    return [Case(id=f"in-{i:04d}", suite="intents", turns=[row.instruction], expected_label=row.intent)
            for i, row in enumerate(test.itertuples(), 1)]


SUPPORT = {"expected_route": ["support"]}

SUITES: dict[str, Suite] = {s.name: s for s in (
    Suite("routing", "the router's held-apart split of ml/datasets/routing.jsonl (6 languages, "
          "7 labels, ordered multi-agent plans), through the whole pipeline", _routing, heldout=True, fast=True),
    Suite("intents", "Bitext support intents, test split (model-level: the intent classifier)",
          _intents, kind="classification", heldout=True, fast=True),
    Suite("support", "natural multilingual support conversations, development sets "
          "(support_natural 1-3: failures were fixed after the first measurement)",
          _files("support_natural.jsonl", "support_natural2.jsonl", "support_natural3.jsonl", defaults=SUPPORT)),
    Suite("support_heldout", "natural support conversations written blind, never used to tune",
          _files("support_blind3.jsonl", defaults=SUPPORT), heldout=True, fast=True),
    Suite("tasks_dev", "the retail tasks_dev.json tasks as a customer would type them",
          _files("support_tasks_dev.jsonl", defaults=SUPPORT), heldout=True),
    Suite("adversarial", "out-of-scope, other customers' data, prompt injection, PII probes, "
          "policy abuse and multi-agent operator requests", _files("adversarial.jsonl"), heldout=True, fast=True),
)}


def get_suite(name: str) -> Suite:
    if name not in SUITES:
        raise KeyError(f"unknown suite {name!r}; suites: {', '.join(SUITES)}")
    return SUITES[name]

