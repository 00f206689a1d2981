"""Runs suites through a system: each case k times, in parallel where the system allows,
each trial scored by the evaluators; then per-suite metrics. A case that crashes fails
with the error recorded; it never stops the run."""
from __future__ import annotations

import statistics
import time
import traceback
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from evals import evaluators as ev
from evals.cases import Case
from evals.leakage import leaked_cases
from evals.suites import Suite, SuiteSkipped
from evals.systems import Reply, System


@dataclass
class Trial:
    checks: list[ev.Check]
    replies: list[Reply]
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and all(c.passed for c in self.checks)

    @property
    def failed_checks(self) -> list[ev.Check]:
        return [c for c in self.checks if not c.passed]

    def check(self, name: str) -> ev.Check | None:
        return next((c for c in self.checks if c.name == name), None)


@dataclass
class CaseResult:
    case: Case
    trials: list[Trial] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """pass^k: every one of the k trials passed."""
        return bool(self.trials) and all(t.passed for t in self.trials)


@dataclass
class SuiteResult:
    suite: str
    kind: str
    heldout: bool
    cases: list[CaseResult]
    excluded: list[tuple[str, str, str]]   # (case id, model, turn) found in training data
    seconds: float
    k: int
    metrics: dict = field(default_factory=dict)
    skipped: str | None = None

    @property
    def failures(self) -> list[CaseResult]:
        return [c for c in self.cases if not c.passed]


Progress = Callable[[int], None]


def run_suite(suite: Suite, system: System, shared: Path, *, k: int = 1, workers: int = 2,
              progress: Progress | None = None, limit: int | None = None) -> SuiteResult:
    started = time.perf_counter()
    cases = suite.load(Path(shared))
    excluded = leaked_cases(cases, suite.checked_against, Path(shared))
    leaked_ids = {cid for cid, _, _ in excluded}
    cases = [c for c in cases if c.id not in leaked_ids][:limit]
    progress = progress or (lambda n: None)
    if suite.kind == "classification":
        intents = getattr(system, "intents", None)
        if intents is None:
            return SuiteResult(suite.name, suite.kind, suite.heldout, [], excluded, 0.0, k,
                               skipped="model-level suite: runs in-process only")
        results = _classify(cases, intents, progress)
    elif suite.measure is not None:
        try:
            results = suite.measure(cases, system, Path(shared), progress)
        except SuiteSkipped as e:
            return SuiteResult(suite.name, suite.kind, suite.heldout, [], excluded, 0.0, k, skipped=str(e))
    else:
        results = _converse(cases, system, k, workers, progress, suite.writes, suite.check_route)
    out = SuiteResult(suite.name, suite.kind, suite.heldout, results, excluded,
                      round(time.perf_counter() - started, 2), k)
    out.metrics = metrics(out)
    if suite.summarize is not None:
        out.metrics.update(suite.summarize(out))
    return out


# -- conversation suites -------------------------------------------------------------------
def _converse(cases: list[Case], system: System, k: int, workers: int, progress: Progress,
              writes: str = "exact", check_route: bool = True) -> list[CaseResult]:
    store_pii = system.store_pii
    results = {c.id: CaseResult(c) for c in cases}
    jobs = [(c, i) for c in cases for i in range(k)]

    def one(job):
        case, _ = job
        trial = run_trial(case, system, store_pii, writes, check_route)
        progress(1)
        return case.id, trial

    parallel = [j for j in jobs if system.parallel_ok(j[0])]
    serial = [j for j in jobs if not system.parallel_ok(j[0])]
    with ThreadPoolExecutor(max(1, workers)) as pool:
        done = list(pool.map(one, parallel))
    done += [one(j) for j in serial]
    for cid, trial in done:
        results[cid].trials.append(trial)
    return [results[c.id] for c in cases]


def run_trial(case: Case, system: System, store_pii: dict[str, str], writes: str = "exact",
              check_route: bool = True) -> Trial:
    """``writes``: "exact" = the store must end equal to the reference actions applied;
    "authorized" = the reference actions may happen, and any other store change fails.
    ``check_route=False``: the plan is not judged (safety suites)."""
    replies: list[Reply] = []
    try:
        session = system.open(case)
        try:
            for turn in case.turns:
                replies.append(session.send(turn))
            actual = session.export_store() if case.expected_actions is not None else None
        finally:
            session.close()
        checks = (ev.route_checks(case, replies) if check_route else []) + ev.fact_checks(case, replies)
        checks += [ev.schema_check(replies), ev.pii_check(case, replies, store_pii)]
        if case.expected_actions is not None:
            expected = _reference(system, case)
            checks.append(ev.store_check(actual, expected) if writes == "exact"
                          else ev.authorized_writes_check(actual, expected, system.stores.seed_export))
        return Trial(checks, replies)
    except Exception as e:  # a crash is a failed trial, with the reason kept
        return Trial([], replies, error=f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}")


def _reference(system: System, case: Case) -> dict:
    stores = getattr(system, "stores", None)
    if stores is None:
        raise RuntimeError("this system has no local store factory to compute reference end states")
    actions = [a.model_dump() for a in case.expected_actions or []]
    return stores.reference_export(actions, case.user_id)


# -- classification suites -----------------------------------------------------------------
def _classify(cases: list[Case], model, progress: Progress) -> list[CaseResult]:
    out = []
    for case in cases:
        started = time.perf_counter()
        pred = model.predict(case.turns[0])
        latency = time.perf_counter() - started
        label = getattr(pred, "intent", pred)
        reply = Reply(text=str(label), route=[], status="completed", llm_calls=0, latency_s=latency)
        ok = label == case.expected_label
        out.append(CaseResult(case, [Trial([ev.Check("label", ok, f"expected {case.expected_label}, got {label}")],
                                           [reply])]))
        progress(1)
    return out


# -- metrics -------------------------------------------------------------------------------
def _rate(xs: list[bool]) -> float | None:
    return round(sum(xs) / len(xs), 4) if xs else None


def _pct(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(q * len(xs)))], 4)


def metrics(result: SuiteResult) -> dict:
    trials = [t for c in result.cases for t in c.trials]
    turns = [r for t in trials for r in t.replies]
    lat = [r.latency_s for r in turns]
    m: dict = {
        "cases": len(result.cases),
        "excluded_as_trained_on": len({cid for cid, _, _ in result.excluded}),
        "success": _rate([t.passed for t in trials]),
        f"pass^{result.k}": _rate([c.passed for c in result.cases]),
        "latency_p50_s": _pct(lat, 0.50), "latency_p95_s": _pct(lat, 0.95), "latency_p99_s": _pct(lat, 0.99),
        "llm_calls_per_request": round(statistics.fmean(r.llm_calls for r in turns), 3) if turns else None,
        "llm_share": _rate([r.llm_calls > 0 for r in turns]),
        "errors": sum(t.error is not None for t in trials),
    }
    for name in ("route_exact", "route_set", "store", "facts", "forbidden", "schema", "pii", "label"):
        got = [c.passed for t in trials if (c := t.check(name))]
        if got:
            m[f"{name}_rate"] = _rate(got)
    by_lang, by_agent = defaultdict(list), defaultdict(list)
    for c in result.cases:
        for t in c.trials:
            key = "route_exact" if t.check("route_exact") and result.suite == "routing" else None
            ok = t.check(key).passed if key else t.passed
            by_lang[c.case.lang].append(ok)
            by_agent[c.case.agent if result.kind == "conversation" else c.case.expected_label].append(ok)
    m["by_language"] = {k: _rate(v) for k, v in sorted(by_lang.items())}
    m["by_agent"] = {k: _rate(v) for k, v in sorted(by_agent.items())}
    if result.kind == "classification":
        m["macro_f1"] = _macro_f1([(c.case.expected_label, c.trials[0].replies[0].text) for c in result.cases])
    return m


def _macro_f1(pairs: list[tuple[str, str]]) -> float | None:
    labels = {g for g, _ in pairs}
    if not labels:
        return None
    f1s = []
    for lab in labels:
        tp = sum(g == lab and p == lab for g, p in pairs)
        fp = sum(g != lab and p == lab for g, p in pairs)
        fn = sum(g == lab and p != lab for g, p in pairs)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return round(sum(f1s) / len(f1s), 4)
