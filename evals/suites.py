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
    kind: str = "conversation"             # conversation | classification | model
    checked_against: tuple[str, ...] = ("router", "intents")  # models whose training data it must avoid
    heldout: bool = False                  # never used to tune anything
    fast: bool = False                     # in the fast subset (CI gate)
    defaults: dict | None = None           # fields every case gets unless it sets them
    # kind "model": (cases, system, shared, progress) -> [CaseResult]; raises SuiteSkipped
    measure: Callable | None = None
    summarize: Callable | None = None      # SuiteResult -> extra metrics (tables, headline)
    writes: str = "exact"                  # exact: end state == reference | authorized: no other write
    check_route: bool = True               # False: a safety suite, judged on writes and leaks only


class SuiteSkipped(Exception):
    """A suite that cannot run on this system (the message says why)."""


def _lazy(module: str, name: str) -> Callable:
    """A function of a module imported on first call (suite modules import the runner)."""
    def call(*args, **kw):
        import importlib

        return getattr(importlib.import_module(module), name)(*args, **kw)
    return call


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


def _routing_blind(shared: Path) -> list[Case]:
    """evals/datasets/routing_blind.jsonl: written by someone who never saw the router's data."""
    import json

    rows = [json.loads(line) for line in (DATASETS / "routing_blind.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [Case(id=r["id"], suite="routing_blind", lang=r["language"], channel="operator", turns=[r["text"]],
                 expected_route=[] if r["agent"] == "none" else [r["agent"]]) for r in rows]


SUPPORT = {"expected_route": ["support"]}

SUITES: dict[str, Suite] = {s.name: s for s in (
    Suite("routing", "the router's held-apart split of ml/datasets/routing.jsonl (6 languages, "
          "7 labels, ordered multi-agent plans), through the whole pipeline", _routing, heldout=True, fast=True),
    Suite("routing_blind", "210 requests written blind (30 per agent and for none, 5 per language each), "
          "through the whole pipeline; never used to tune", _routing_blind, heldout=True),
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
    Suite("retrieval", "knowledge-base questions per corpus document in six languages: recall@5, MRR, "
          "citation of the expected document (model-level: embedded Chroma + hybrid search)",
          _lazy("evals.retrieval_suite", "load"), kind="model", checked_against=(), heldout=True,
          measure=_lazy("evals.retrieval_suite", "measure"), summarize=_lazy("evals.retrieval_suite", "summarize")),
    Suite("pii", "PII guard, precision and recall per entity type: presidio_synth test split and the "
          "multilingual set (model-level)", _lazy("evals.guard_suites", "load_pii"), kind="model",
          checked_against=(), fast=True,
          measure=_lazy("evals.guard_suites", "measure_pii"), summarize=_lazy("evals.guard_suites", "summarize_pii")),
    Suite("injection", "injection guard: detection and false-positive rates on the promptshield test split, "
          "Giskard jailbreaks and benign support turns (model-level)", _lazy("evals.guard_suites", "load_injection"),
          kind="model", checked_against=(), heldout=True, fast=True,
          measure=_lazy("evals.guard_suites", "measure_injection"),
          summarize=_lazy("evals.guard_suites", "summarize_injection")),
    Suite("compliance", "compliance auditor: listings with known violations per market and clean ones "
          "(two sets, six languages + Italian); precision and recall per rule family (model-level: the rule engine)",
          _lazy("evals.compliance_suite", "load"), kind="model", checked_against=(),
          measure=_lazy("evals.compliance_suite", "measure"), summarize=_lazy("evals.compliance_suite", "summarize")),
    Suite("compliance_requests", "natural compliance requests in six languages (audits, pasted titles, data "
          "scans, erasure, unsupported markets) reach the compliance agent through the whole pipeline",
          _files("compliance_requests.jsonl"), heldout=True),
    Suite("copywriter", "listing drafts for every store product x six languages x every market (default "
          "platform) + each other platform: limit and compliance pass rates, keyword coverage, sample drafts "
          "(model-level: agents/copy_service.py, no LLM)", _lazy("evals.copy_suite", "load"), kind="model",
          checked_against=(), measure=_lazy("evals.copy_suite", "measure"),
          summarize=_lazy("evals.copy_suite", "summarize")),
    Suite("copywriter_requests", "natural listing requests in six languages (drafts, brand voice, publishing, "
          "unsupported markets, languages and platforms) reach the copywriter through the whole pipeline",
          _files("copywriter_requests.jsonl")),
    Suite("hijack", "hijack attempts on the support and pricing agents through the whole pipeline; fails a "
          "case on any store write it did not authorize", _files("hijack.jsonl"), heldout=True, fast=True,
          writes="authorized", check_route=False, summarize=_lazy("evals.guard_suites", "summarize_hijack")),
    Suite("chargeback", "natural chargeback requests in six languages through the pipeline, and every seeded "
          "dispute's evidence bundle checked against what the store holds (independent reading)",
          _lazy("evals.chargeback_suite", "load"), kind="model", checked_against=("router",),
          measure=_lazy("evals.chargeback_suite", "measure"), summarize=_lazy("evals.chargeback_suite", "summarize")),
    Suite("selection", "natural selection requests in six languages (reports, reorders, slow movers, reviews, unknown "
          "markets/products/currencies) through the pipeline over the full sales history and the trained forecast model",
          _lazy("evals.selection_suite", "load"), kind="model", checked_against=("router",),
          measure=_lazy("evals.selection_suite", "measure"), summarize=_lazy("evals.selection_suite", "summarize")),
    Suite("pricing_requests", "natural pricing requests in six languages (recommendations, target prices, conflicts, "
          "landed costs, repricing passes, unknown products/markets/currencies) through the pipeline over the full sales "
          "history and the trained elasticity and forecast models; nothing written before approval",
          _lazy("evals.pricing_suite", "load"), kind="model", checked_against=("router",),
          measure=_lazy("evals.pricing_suite", "measure"), summarize=_lazy("evals.pricing_suite", "summarize")),
)}


def get_suite(name: str) -> Suite:
    if name not in SUITES:
        raise KeyError(f"unknown suite {name!r}; suites: {', '.join(SUITES)}")
    return SUITES[name]

