"""The CI gate: the fast eval subset through the harness, held to the floors in
evals/gate.json (measured values; never lowered to pass). The full run is `make eval`."""
import pytest

from evals.cli import gate_failures
from evals.report import failure_text
from evals.runner import run_suite
from evals.suites import SUITES

GATED = [name for name, suite in SUITES.items() if suite.fast]


@pytest.mark.parametrize("name", GATED)
def test_fast_suite_meets_its_floor(name, eval_system, shared_data):
    result = run_suite(SUITES[name], eval_system, shared_data, workers=2)
    print(f"\n{name}: " + ", ".join(f"{k}={v}" for k, v in result.metrics.items() if not isinstance(v, dict)))
    for failure in result.failures[:10]:
        print(failure_text(failure))
    assert not result.skipped
    assert not gate_failures([result])


def test_every_fast_suite_has_a_floor():
    import json

    from evals.cli import GATE_FILE

    floors = json.loads(GATE_FILE.read_text())["floors"]
    assert set(GATED) <= set(floors), "a fast suite without floors gates nothing"
