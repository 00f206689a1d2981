"""The support agent on the project's natural multilingual development sets, through the
API, scored by the eval harness: the store's end state against the reference actions on
a fresh copy, the facts the replies must and must not contain, routing, schema, PII.

support_natural2 and support_natural3 were written blind and first measured as held-out
(0.775 and 0.675 on 2026-11-23); their failures were then fixed, so they are development
sets now. The held-out figure (support_blind3) is in the eval gate (tests/evals)."""
from pathlib import Path

import pytest

from evals.cases import load_cases
from evals.runner import CaseResult, run_trial
from evals.report import failure_text

DATASETS = Path(__file__).resolve().parents[2] / "evals" / "datasets"
SUPPORT = ["support"]
CASES = [c.model_copy(update={"expected_route": SUPPORT})
         for name in ("support_natural.jsonl", "support_natural2.jsonl", "support_natural3.jsonl")
         for c in load_cases(DATASETS / name, suite=name)]
# bl-034 (German compound nouns for two items) still fails; it is not hidden: it counts
# against the `support` suite's floor in evals/gate.json.
KNOWN_FAILING = {"bl-034"}


@pytest.mark.parametrize("case", [c for c in CASES if c.id not in KNOWN_FAILING], ids=lambda c: c.id)
def test_natural_case(case, eval_system):
    trial = run_trial(case, eval_system, eval_system.store_pii)
    assert trial.passed, failure_text(CaseResult(case, [trial]))

