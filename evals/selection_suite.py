"""The selection suite: natural selection requests in six languages
(``evals/datasets/selection_requests.jsonl``) through the whole pipeline (input guard,
router, the selection agent, output guard) over a store holding the full sales history
and the trained forecast and review models.

Checks per case: the route; the run completed; the reply is in the request's language;
the agent's data validates as its typed result (``agents.selection.SelectionResult``);
the result's kind (``report``, ``unknown_market``, ``no_data``) and market as tagged
(``kind:<kind>``, ``market:<id>``, ``market:`` = all markets); the required strings; and
for reports a Markdown file and PNG charts on disk. Requests for unknown markets,
products or currencies must get their clear answer, never a crash.
"""
from __future__ import annotations

import time
from pathlib import Path

from evals import evaluators as ev
from evals.cases import Case, load_cases
from evals.model_suite import case_tag, summarize_requests, workdir
from evals.runner import CaseResult, Trial
from evals.suites import DATASETS, SuiteSkipped
from evals.systems import Reply, reply_from_result

REQUESTS = DATASETS / "selection_requests.jsonl"
PNG = b"\x89PNG\r\n\x1a\n"
MODELS = ("forecast", "reviews")


def load(shared: Path) -> list[Case]:
    return load_cases(REQUESTS, suite="selection")


_tag = case_tag


def _sales_store(system, shared: Path):
    """One store with the full sales history for every case (the agent only reads it)."""
    from store import Store

    path = workdir(system) / "selection_sales.db"
    store = Store(f"sqlite:///{path}")
    store.ensure_seeded(shared / "retail", shared / "sales" / "online_retail.csv.gz")
    return store


def _models(deps, shared: Path) -> None:
    """The trained forecast and review models of the settings' models folder (the eval's
    per-run data folders hold none)."""
    import ml
    from chuhai.settings import Settings

    models_dir = Settings().models_dir
    for name in MODELS:
        if not ml.is_trained(name, models_dir):
            raise SuiteSkipped(f"the {name} model is not trained under {models_dir}: run `chuhai models train {name}`")
        setattr(deps, name, ml.load(name, models_dir, shared, train_if_missing=False))


def _checks(case: Case, reply: Reply, data_dir: Path) -> list[ev.Check]:
    from agents.selection import SelectionResult

    out = reply.result.get("output") or {}
    checks = ev.route_checks(case, [reply]) + ev.fact_checks(case, [reply]) + [ev.schema_check([reply])]
    checks.append(ev.Check("completed", reply.status == "completed", reply.status))
    checks.append(ev.Check("language", out.get("language") == case.lang, f"{out.get('language')} for {case.lang}"))
    if "selection" not in (case.expected_route or []):
        return checks
    raw = (out.get("data") or {}).get("selection")
    try:
        res = SelectionResult.model_validate(raw)
    except Exception as e:  # noqa: BLE001 - a missing or malformed result is this check's failure
        checks.append(ev.Check("typed_result", False, f"{type(e).__name__}: {str(e)[:200]}"))
        return checks
    checks.append(ev.Check("typed_result", True, res.kind))
    kind, market = _tag(case, "kind"), _tag(case, "market")
    if kind:
        checks.append(ev.Check("kind", res.kind == kind, f"{res.kind}, expected {kind}"))
    if market is not None:
        checks.append(ev.Check("market", (res.market or "") == market, f"{res.market}, expected {market or 'all'}"))
    if res.kind == "report":
        files = [data_dir / res.report_path] if res.report_path else []
        files += [data_dir / c["path"] for c in res.charts]
        ok = bool(res.report_path) and all(f.is_file() for f in files) and \
            all(f.read_bytes().startswith(PNG) for f in files[1:]) and len(res.charts) >= 2
        checks.append(ev.Check("report_files", ok, f"{res.report_path}, {len(res.charts)} charts"))
    return checks


def measure(cases: list[Case], system, shared: Path, progress=None):
    from graphs.result import RunRequest
    from graphs.runner import Runner

    progress = progress or (lambda n: None)
    store = _sales_store(system, shared)
    try:
        deps = system.deps(store)
        _models(deps, shared)
        runner = Runner(deps)
        out = []
        for case in cases:
            started = time.perf_counter()
            try:
                result = runner.run(RunRequest(input=case.turns[0], channel=case.channel), role="operator")
                reply = reply_from_result(result.model_dump(mode="json"), time.perf_counter() - started)
                trial = Trial(_checks(case, reply, Path(deps.settings.state_dir)), [reply])
            except Exception as e:  # noqa: BLE001 - a crash is a failed case, with its reason
                trial = Trial([], [], error=f"{type(e).__name__}: {e}")
            out.append(CaseResult(case, [trial]))
            progress(1)
        conn = getattr(runner.checkpointer, "conn", None)
        if conn is not None:
            conn.close()
        return out
    finally:
        store.close()


summarize = summarize_requests
