"""What the model-level suites (retrieval, pii, injection) share: one trial per case
scored in-process, the per-case details kept in the reply's ``result`` for the suite's
summary, and small table helpers for the report."""
from __future__ import annotations

import time
from collections import defaultdict
from typing import Any, Callable

from evals import evaluators as ev
from evals.cases import Case
from evals.runner import CaseResult, Trial
from evals.suites import SuiteSkipped
from evals.systems import Reply

LOCAL_ONLY = "model-level suite: runs in-process only"


def workdir(system):
    """The in-process system's work folder (an HTTP system has none: the suite is skipped)."""
    path = getattr(system, "workdir", None)
    if path is None:
        raise SuiteSkipped(LOCAL_ONLY)
    return path


def score_cases(cases: list[Case], score: Callable[[Case], tuple[list[ev.Check], str, dict[str, Any]]],
                progress) -> list[CaseResult]:
    """``score(case)`` -> (checks, reply text, details); one trial per case, timed."""
    out = []
    for case in cases:
        started = time.perf_counter()
        checks, text, details = score(case)
        reply = Reply(text=text, route=[], status="completed", llm_calls=0,
                      latency_s=time.perf_counter() - started, result=details)
        out.append(CaseResult(case, [Trial(checks, [reply])]))
        if progress:
            progress(1)
    return out


def details(result) -> list[tuple[Case, dict]]:
    """(case, details) for every scored case of a SuiteResult."""
    return [(c.case, c.trials[0].replies[0].result) for c in result.cases if c.trials and c.trials[0].replies]


def group(pairs, key: Callable) -> dict[str, list]:
    out: dict[str, list] = defaultdict(list)
    for pair in pairs:
        out[key(pair)].append(pair)
    return dict(sorted(out.items()))


def table(head: list[str], rows: list[list]) -> list[list[str]]:
    from evals.report import fmt

    return [head] + [[fmt(v) for v in row] for row in rows]


def case_tag(case, key: str) -> str | None:
    """The value of a case tag "key:value" (None when absent)."""
    return next((t.split(":", 1)[1] for t in case.tags if t.startswith(key + ":")), None)


def summarize_requests(result) -> dict:
    """Success per language and per `kind:` tag, and route accuracy, of a natural-request suite."""
    cases = result.cases
    if not cases:
        return {}
    out: dict = {"success": round(sum(c.passed for c in cases) / len(cases), 4)}
    for lang, cs in group(cases, lambda c: c.case.lang).items():
        out[f"success.{lang}"] = round(sum(c.passed for c in cs) / len(cs), 4)
    for kind, cs in group(cases, lambda c: case_tag(c.case, "kind") or "?").items():
        out[f"success.{kind}"] = round(sum(c.passed for c in cs) / len(cs), 4)
    routed = [c for c in cases if c.trials and c.trials[0].replies
              and c.trials[0].replies[0].route == c.case.expected_route]
    out["route_accuracy"] = round(len(routed) / len(cases), 4)
    out["headline"] = f"success {out['success']} over {len(cases)} requests, routed {out['route_accuracy']}"
    return out
