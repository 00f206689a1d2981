"""The chargeback eval suite on a few cases: requests through the API, bundle checks
against the store's own records, and a bundle that drops evidence is caught."""
from __future__ import annotations

from evals import chargeback_suite
from evals.runner import run_suite
from evals.suites import SUITES, Suite


def _mini(ids: set[str]) -> Suite:
    base = SUITES["chargeback"]
    return Suite("chargeback_mini", "", lambda shared: [c for c in base.load(shared) if c.id in ids],
                 kind="model", checked_against=(), measure=base.measure, summarize=base.summarize)


def test_cases_cover_six_languages_and_every_seeded_dispute(shared_data):
    cases = SUITES["chargeback"].load(shared_data)
    requests = [c for c in cases if "bundle_check" not in c.tags]
    assert {c.lang for c in requests} == {"en", "zh", "es", "de", "fr", "ja"}
    assert all(c.expected_route == ["chargeback"] and c.must_contain for c in requests)
    bundles = [c.turns[0] for c in cases if "bundle_check" in c.tags]
    assert bundles == [f"DSP-{n:04d}" for n in range(1, 121)]


def test_mini_run_passes(eval_system, shared_data):
    ids = {"cb-en-01", "cb-de-02", "cb-bundle-0001", "cb-bundle-0004", "cb-bundle-0066"}
    result = run_suite(_mini(ids), eval_system, shared_data)
    assert len(result.cases) == 5
    assert [c.case.id for c in result.failures] == []
    assert result.metrics["bundles_success"] == 1.0 and result.metrics["requests_success"] == 1.0
    assert result.metrics["bundle_seconds_max"] < chargeback_suite.BUNDLE_SECONDS


def test_a_bundle_that_drops_evidence_fails(eval_system, shared_data, monkeypatch):
    from tools.chargeback import evidence

    def no_tracking(c):
        return "not_held", {}, "dropped", "neutral"

    monkeypatch.setitem(evidence.GATHERERS, "fulfillment_tracking", no_tracking)
    result = run_suite(_mini({"cb-bundle-0004"}), eval_system, shared_data)
    (case,) = result.cases
    failed = {c.name for c in case.trials[0].failed_checks}
    assert {"holds_all", "names_missing", "score"} <= failed
