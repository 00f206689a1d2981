"""The runner on a scripted system: k trials and pass^k, crashes recorded (not raised),
real store end states compared, and cases a model was trained on excluded."""
import itertools

import pytest
from eval_fakes import ScriptedSystem, reply

from evals.cases import Action, Case
from evals.runner import run_suite
from evals.stores import StoreFactory
from evals.suites import Suite


@pytest.fixture(scope="module")
def stores(shared_data, tmp_path_factory):
    return StoreFactory(shared_data / "retail", tmp_path_factory.mktemp("evstores"))


def suite_of(cases, name="t"):
    return Suite(name, "test suite", lambda shared: cases)


CANCEL = Action(name="cancel_pending_order", kwargs={"order_id": "#W5442520", "reason": "no longer needed"})


def test_flaky_case_fails_pass_k(stores, shared_data):
    outcomes = itertools.cycle([True, True, False])

    def respond(case, turn, text, store):
        return reply("order #W1 is fine" if next(outcomes) else "no idea")

    cases = [Case(id="a", turns=["status of #W1?"], expected_route=["support"], must_contain=["#W1"])]
    r = run_suite(suite_of(cases), ScriptedSystem(stores, respond), shared_data, k=3, workers=1)
    assert r.metrics["success"] == pytest.approx(2 / 3, abs=1e-3)
    assert r.metrics["pass^3"] == 0.0 and len(r.cases[0].trials) == 3


def test_crash_is_a_failed_trial_not_a_crash(stores, shared_data):
    def respond(case, turn, text, store):
        return RuntimeError("boom") if case.id == "bad" else reply("ok")

    cases = [Case(id="bad", turns=["x"], expected_route=["support"]),
             Case(id="good", turns=["y"], expected_route=["support"])]
    r = run_suite(suite_of(cases), ScriptedSystem(stores, respond), shared_data, workers=2)
    assert r.metrics["errors"] == 1 and r.metrics["success"] == 0.5
    assert "boom" in r.failures[0].trials[0].error


@pytest.mark.parametrize("apply, passes", [(True, True), (False, False)])
def test_store_end_state_against_reference(stores, shared_data, apply, passes):
    def respond(case, turn, text, store):
        if turn == 2 and apply:
            store.apply(CANCEL.name, CANCEL.kwargs, acting_user_id="olivia_ito_3591")
        return reply("done" if turn == 2 else "shall I cancel #W5442520?")

    cases = [Case(id="w", turns=["cancel #W5442520", "yes"], user_id="olivia_ito_3591",
                  expected_route=["support"], expected_actions=[CANCEL])]
    r = run_suite(suite_of(cases), ScriptedSystem(stores, respond), shared_data)
    assert r.metrics["store_rate"] == (1.0 if passes else 0.0)
    if not passes:
        detail = r.failures[0].trials[0].check("store").detail
        assert "orders/#W5442520.status: expected 'cancelled', got 'pending'" in detail


def test_cases_a_model_was_trained_on_are_excluded(stores, shared_data):
    from ml.router_eval import load_examples, split

    trained = split(load_examples(), "train")[0]["text"]
    cases = [Case(id="seen", turns=[trained.upper() + "!"], expected_route=[]),
             Case(id="new", turns=["a sentence no training set has, surely 12345"], expected_route=["support"])]
    r = run_suite(suite_of(cases), ScriptedSystem(stores, lambda *a: reply("ok")), shared_data)
    assert [c.case.id for c in r.cases] == ["new"]
    assert r.metrics["excluded_as_trained_on"] == 1 and r.excluded[0][:2] == ("seen", "router")
