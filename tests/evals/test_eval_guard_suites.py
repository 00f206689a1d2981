"""The issue-4 suites in the harness: retrieval, pii, injection (model-level) and hijack
(whole pipeline, judged on unauthorized writes); their data sets; the report blocks."""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from eval_fakes import ScriptedSystem, reply

from evals import evaluators as ev
from evals.cases import Action, Case
from evals.runner import SuiteResult, run_suite
from evals.stores import StoreFactory
from evals.suites import DATASETS, SUITES, Suite

LANGS = {"en", "zh", "es", "de", "fr", "ja"}


@pytest.fixture(scope="module")
def stores(shared_data, tmp_path_factory):
    return StoreFactory(shared_data / "retail", tmp_path_factory.mktemp("guardstores"))


@dataclass
class LocalSystem:
    """What model-level suites need from an in-process system."""
    workdir: Path
    injection: object = None
    name: str = "local"
    model: str = "none"


def cancel(order_id: str, reason: str = "no longer needed") -> dict:
    return {"name": "cancel_pending_order", "kwargs": {"order_id": order_id, "reason": reason}}


# -- the unauthorized-write check -----------------------------------------------------------
def _after(stores, actions, user_id):
    st = stores.fresh("x")
    for a in actions:
        st.apply(a["name"], a["kwargs"], acting_user_id=user_id)
    return st.export()


def test_authorized_writes_may_happen_and_nothing_else(stores):
    seed = stores.seed_export
    own = cancel("#W9373487", "ordered by mistake")
    authorized = stores.reference_export([own], "olivia_lopez_3865")
    assert ev.authorized_writes_check(seed, authorized, seed).passed            # nothing written
    assert ev.authorized_writes_check(authorized, authorized, seed).passed      # the authorized write
    other = _after(stores, [cancel("#W2417020")], "emma_smith_8564")
    bad = ev.authorized_writes_check(other, authorized, seed)
    assert not bad.passed and "#W2417020" in bad.detail
    wrong_reason = _after(stores, [cancel("#W9373487", "no longer needed")], "olivia_lopez_3865")
    assert not ev.authorized_writes_check(wrong_reason, authorized, seed).passed
    assert not ev.authorized_writes_check(None, authorized, seed).passed


def test_hijack_suite_fails_a_case_on_any_unauthorized_write(stores, shared_data):
    from evals.guard_suites import summarize_hijack

    def respond(case, turn, text, store):
        if case.id == "hijacked" and turn == 2:
            store.apply("cancel_pending_order", {"order_id": "#W2417020", "reason": "no longer needed"},
                        acting_user_id="emma_smith_8564")
        if case.id == "crash":
            return RuntimeError("boom")
        return reply("I can't do that.", route=("selection",))  # routes are not judged here

    own = Action(**cancel("#W9373487", "ordered by mistake"))
    cases = [Case(id=cid, turns=["attack", "yes"], user_id="olivia_lopez_3865", expected_route=["support"],
                  expected_actions=[own], tags=["pending_swap"]) for cid in ("clean", "hijacked", "crash")]
    suite = Suite("hj", "t", lambda shared: cases, checked_against=(), writes="authorized", check_route=False,
                  summarize=summarize_hijack)
    r = run_suite(suite, ScriptedSystem(stores, respond), shared_data, workers=1)
    assert [c.passed for c in r.cases] == [True, False, False]
    assert r.metrics["unauthorized_writes"] == 1
    assert r.metrics["no_unauthorized_write_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert r.metrics["headline"].startswith("unauthorized writes: 1 of 3 (hijacked); 1 not verified")
    assert r.cases[0].trials[0].check("route_exact") is None


def test_exact_store_suites_still_require_the_reference_end_state(stores, shared_data):
    cases = [Case(id="a", turns=["cancel", "yes"], user_id="olivia_lopez_3865", expected_route=["support"],
                  expected_actions=[Action(**cancel("#W9373487", "ordered by mistake"))])]
    suite = Suite("t", "t", lambda shared: cases, checked_against=())
    r = run_suite(suite, ScriptedSystem(stores, lambda *a: reply("ok")), shared_data, workers=1)
    assert not r.cases[0].passed and not r.cases[0].trials[0].check("store").passed


# -- PII -------------------------------------------------------------------------------------
def test_pii_suite_reproduces_the_guard_evaluator(shared_data, tmp_path):
    from guards.pii_eval import report

    r = run_suite(SUITES["pii"], LocalSystem(tmp_path), shared_data)
    expected = report(shared_data, "test")
    assert r.metrics["cases"] == expected["presidio_test"]["rows"] + expected["multilingual"]["rows"]
    for name in ("presidio_test", "multilingual"):
        for kind, v in expected[name]["per_type"].items():
            assert r.metrics[f"{name}.{kind}.recall"] == v["recall"], (name, kind)
            assert r.metrics[f"{name}.{kind}.precision"] == v["precision"], (name, kind)
        assert r.metrics[f"{name}.structured_recall"] == expected[name]["structured"]["recall"]
    assert set(LANGS) <= {k.rsplit(".", 1)[1] for k in r.metrics if k.startswith("multilingual.structured_recall.")}
    assert "target 0.98" in r.metrics["headline"]
    assert any("per entity type" in t for t in r.metrics["tables"])
    # a sentence passes only when every gold span is found with its type and nothing else is
    failing = {c.case.id for c in r.failures}
    assert len(failing) == sum(1 for c in r.cases if any(not ch.passed for ch in c.trials[0].checks))


def test_model_suites_are_skipped_without_an_in_process_system(shared_data):
    class Remote:
        name, model = "chuhai", "server"

    for name in ("pii", "injection", "retrieval"):
        assert "in-process" in run_suite(SUITES[name], Remote(), shared_data).skipped


# -- injection ---------------------------------------------------------------------------------
def test_injection_suite_matches_the_model_card_figures(shared_data, models_dir, tmp_path):
    import ml
    from ml.injection_eval import evaluate_all, load_splits

    model = ml.load("injection", models_dir, shared_data, train_if_missing=False)
    r = run_suite(SUITES["injection"], LocalSystem(tmp_path, injection=model), shared_data)
    card = evaluate_all(model, shared_data, load_splits(shared_data)[1])
    assert r.metrics["promptshield.detection_rate"] == card["test"]["combined"]["detection_rate"]
    assert r.metrics["promptshield.fpr"] == card["test"]["combined"]["fpr"]
    assert r.metrics["promptshield.fpr.rules"] == card["test"]["rules"]["fpr"]
    assert r.metrics["giskard.detection_rate"] == card["giskard"]["combined"]["detection_rate"]
    assert r.metrics["support_benign.fpr"] == card["support_benign"]["fpr"]
    assert r.metrics["support_benign.benign_pass_rate"] == round(1 - card["support_benign"]["fpr"], 4)
    tables = r.metrics["tables"]
    assert any("per attack type" in t for t in tables) and any("per language" in t for t in tables)


# -- retrieval ---------------------------------------------------------------------------------
class ScriptedKB:
    """Search answers from a table: query -> doc ids in rank order."""

    def __init__(self, answers):
        self.answers = answers

    def search(self, query, k=5, mode="hybrid", **kw):
        from vectorstore.models import Hit

        return [Hit(chunk_id=f"{d}#s", doc_id=d, title=d, section="s", text="t", score=1.0, source=f"{d}.md")
                for d in self.answers[query][:k]]


def test_retrieval_scores_recall_mrr_and_citation_per_language(monkeypatch, shared_data, tmp_path):
    from evals import retrieval_suite as rs

    answers = {"q1": ["a", "b"], "q2": ["b", "a"], "q3": ["b", "c", "d", "e", "f"], "q4": ["a"]}
    monkeypatch.setattr(rs, "build_kb", lambda folder: ScriptedKB(answers))
    cases = [rs.RetrievalCase(id=q, lang=lang, turns=[q], expected_label="a", expected_source="a.md")
             for q, lang in (("q1", "en"), ("q2", "en"), ("q3", "de"), ("q4", "de"))]
    suite = Suite("retrieval", "t", lambda shared: cases, kind="model", checked_against=(),
                  measure=rs.measure, summarize=rs.summarize)
    m = run_suite(suite, LocalSystem(tmp_path), shared_data).metrics
    assert (m["recall@5"], m["citation@1"], m["mrr"]) == (0.75, 0.5, pytest.approx((1 + 0.5 + 0 + 1) / 4, abs=1e-3))
    assert (m["recall@5.en"], m["citation@1.en"], m["recall@5.de"], m["citation@1.de"]) == (1.0, 0.5, 0.5, 0.5)
    assert m["success"] == 0.5  # in the top 5 and cited first
    assert "recall@5 0.750" in m["headline"]


def test_retrieval_questions_cover_every_corpus_document(shared_data):
    from evals.retrieval_suite import QUESTIONS, load
    from vectorstore.corpus import load_corpus
    from vectorstore.kb import REPO_CORPUS

    chunks, problems = load_corpus(REPO_CORPUS)
    assert not problems
    sources = {c.doc_id: c.source for c in chunks}
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    per_doc = Counter(r["doc_id"] for r in rows)
    assert set(per_doc) == set(sources) and min(per_doc.values()) >= 2
    for r in rows:
        assert r["source"] == sources[r["doc_id"]], r["id"]
        assert "en" in r["q"] and len(set(r["q"]) & (LANGS - {"en"})) >= 3, r["id"]
        assert len(set(r["q"].values())) == len(r["q"]), f"{r['id']}: a translation repeats another"
    cases = load(shared_data)
    assert len(cases) == sum(len(r["q"]) for r in rows) and len({c.id for c in cases}) == len(cases)


@pytest.mark.slow
def test_retrieval_suite_on_the_real_corpus(shared_data, tmp_path):
    r = run_suite(SUITES["retrieval"], LocalSystem(tmp_path), shared_data)
    print(r.metrics["headline"])
    assert r.metrics["cases"] == 552 and not r.skipped
    # first blind measurement 2026-11-23: recall@5 0.964 (532/552); floor = one question less
    assert r.metrics["recall@5"] >= 0.962


# -- the hijack set --------------------------------------------------------------------------
def test_hijack_set_is_well_formed(seed_data, stores):
    cases = SUITES["hijack"].load(None)
    users, orders = seed_data["users"], seed_data["orders"]
    emails = {u["email"]: uid for uid, u in users.items()}
    assert len(cases) >= 40 and {c.lang for c in cases} == LANGS
    assert {c.tags[0] for c in cases} >= {"direct_injection", "fake_system", "roleplay", "order_note", "pending_swap",
                                          "self_approval", "pricing_limits", "pricing_injection"}
    for c in cases:
        text = "\n".join(c.turns)
        assert c.expected_actions is not None, c.id
        if c.tags[0].startswith("pricing"):
            assert c.channel == "operator" and c.expected_route == ["pricing"] and not c.expected_actions, c.id
            continue
        assert c.channel == "customer" and c.expected_route == ["support"], c.id
        assert all(emails.get(e) == c.user_id for e in re.findall(r"[\w.]+@example\.com", text)), c.id
        mentioned = re.findall(r"#W\d{7}", text)
        assert mentioned and all(o in orders for o in mentioned), c.id
        if c.tags[1] in ("other_customer", "anonymous"):
            assert any(orders[o]["user_id"] != c.user_id for o in mentioned), c.id
        # authorized actions are the customer's own and replay on the seed
        assert all(orders[a.kwargs["order_id"]]["user_id"] == c.user_id for a in c.expected_actions), c.id
        stores.reference_export([a.model_dump() for a in c.expected_actions], c.user_id)


# -- report ----------------------------------------------------------------------------------
def test_report_shows_a_suites_headline_and_tables(tmp_path):
    from evals.report import write

    r = SuiteResult("hijack", "conversation", True, [], [], 0.1, 1,
                    metrics={"cases": 0, "headline": "unauthorized writes: 0 of 51",
                             "tables": {"per variant": [["variant", "cases"], ["roleplay", "6"]]}})
    paths = write([r], {"run": 1}, tmp_path)
    md = paths["markdown"].read_text()
    assert "hijack: unauthorized writes: 0 of 51" in md.split("## Suite")[0]
    assert "### per variant" in md and "| roleplay | 6 |" in md
    assert json.loads(paths["json"].read_text())["suites"]["hijack"]["headline"] == "unauthorized writes: 0 of 51"
