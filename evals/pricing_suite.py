"""The pricing suite: natural pricing requests in six languages
(``evals/datasets/pricing_requests.jsonl``) through the whole pipeline (input guard,
router, the pricing agent, approval interrupt, output guard) over a store holding the
full sales history and the trained elasticity and forecast models.

Checks per case: the route; the run finished (``completed``, or ``awaiting_approval``
when it proposed a price); the reply is in the request's language; the agent's data
validates as its typed result (``agents.pricing.PricingResult``); its kind, market and
first recommendation's status as tagged (``kind:``, ``market:``, ``status:``); a
``proposal:yes`` case returns pending ``apply_price`` actions whose arguments match the
result's proposals and a ``proposal:no`` case none; NOTHING is written before approval
(no price row, no change row); recommendations leave a Markdown report and a PNG chart.
Cases tagged ``approve`` are then approved through the Runner on their own store copy:
the change and an ``apply_price`` audit entry must be written. Unknown products,
markets and currencies must get their clear answer, never a crash.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from evals import evaluators as ev
from evals.cases import Case, load_cases
from evals.model_suite import case_tag, summarize_requests, workdir
from evals.runner import CaseResult, Trial
from evals.suites import DATASETS, SuiteSkipped
from evals.systems import Reply, reply_from_result

REQUESTS = DATASETS / "pricing_requests.jsonl"
PNG = b"\x89PNG\r\n\x1a\n"
MODELS = ("elasticity", "forecast")
FINISHED = ("completed", "awaiting_approval")


def load(shared: Path) -> list[Case]:
    return load_cases(REQUESTS, suite="pricing_requests")


_tag = case_tag


def _sales_store_file(system, shared: Path) -> Path:
    """A store file with the full sales history, built once per eval run."""
    from store import Store

    path = workdir(system) / "pricing_sales.db"
    if not path.exists():
        store = Store(f"sqlite:///{path}")
        store.ensure_seeded(shared / "retail", shared / "sales" / "online_retail.csv.gz")
        store.close()
    return path


def _open(system, template: Path, name: str, models: dict):
    """A Runner over a copy of the template store, with the trained models."""
    from graphs.runner import Runner
    from store import Store

    path = template.parent / f"{name}.db"
    shutil.copyfile(template, path)
    store = Store(f"sqlite:///{path}")
    deps = system.deps(store)
    for key, model in models.items():
        setattr(deps, key, model)
    return Runner(deps), store


def _models(shared: Path) -> dict:
    import ml
    from chuhai.settings import Settings

    models_dir = Settings().models_dir
    out = {}
    for name in MODELS:
        if not ml.is_trained(name, models_dir):
            raise SuiteSkipped(f"the {name} model is not trained under {models_dir}: run `chuhai models train {name}`")
        out[name] = ml.load(name, models_dir, shared, train_if_missing=False)
    return out


def _written(store) -> tuple[int, int]:
    """(price rows, change rows) in the store."""
    from sqlalchemy import func, select

    from store.prices import MarketPriceRow, PriceChangeRow, ensure_tables

    ensure_tables(store)
    with store.transaction() as conn:
        return tuple(int(conn.execute(select(func.count()).select_from(t)).scalar())
                     for t in (MarketPriceRow, PriceChangeRow))


def _checks(case: Case, reply: Reply, data_dir: Path, written: tuple[int, int]) -> list[ev.Check]:
    from agents.pricing import PricingResult

    out = reply.result.get("output") or {}
    checks = ev.route_checks(case, [reply]) + ev.fact_checks(case, [reply]) + [ev.schema_check([reply])]
    checks.append(ev.Check("finished", reply.status in FINISHED, reply.status))
    checks.append(ev.Check("language", out.get("language") == case.lang, f"{out.get('language')} for {case.lang}"))
    checks.append(ev.Check("nothing_written", written == (0, 0), f"price rows, change rows: {written}"))
    if "pricing" not in (case.expected_route or []) or "pricing" not in reply.route:
        return checks
    try:
        res = PricingResult.model_validate((out.get("data") or {}).get("pricing"))
    except Exception as e:  # noqa: BLE001 - a missing or malformed result is this check's failure
        checks.append(ev.Check("typed_result", False, f"{type(e).__name__}: {str(e)[:200]}"))
        return checks
    checks.append(ev.Check("typed_result", True, res.kind))
    kind, market, status, proposal = (_tag(case, k) for k in ("kind", "market", "status", "proposal"))
    if kind:
        checks.append(ev.Check("kind", res.kind == kind, f"{res.kind}, expected {kind}"))
    if market:
        checks.append(ev.Check("market", market in res.markets, f"{res.markets}, expected {market}"))
    if status:
        got = res.recommendations[0].status if res.recommendations else None
        checks.append(ev.Check("status", got == status, f"{got}, expected {status}"))
    pending = reply.result.get("pending_actions") or []
    if proposal is not None:
        want = proposal == "yes"
        checks.append(ev.Check("proposal", bool(pending) == want and (reply.status == "awaiting_approval") == want,
                               f"{len(pending)} pending, status {reply.status}"))
    ids = {p.action_id: p for p in res.proposals}
    matched = all(a["tool"] == ids[a["action_id"]].tool and a["args"].get("new_price") == ids[a["action_id"]].new_price
                  for a in pending if a["action_id"] in ids) and len(ids) == len(pending)
    checks.append(ev.Check("proposals_match", matched, f"{len(pending)} pending vs {len(ids)} in the result"))
    if res.kind == "recommendation":
        files = [data_dir / res.report_path] if res.report_path else []
        files += [data_dir / c["path"] for c in res.charts]
        ok = bool(res.report_path) and len(res.charts) >= 1 and all(f.is_file() for f in files) and \
            all(f.read_bytes().startswith(PNG) for f in files[1:])
        checks.append(ev.Check("report_files", ok, f"{res.report_path}, {len(res.charts)} charts"))
    return checks


def _approve(runner, store, result: dict) -> list[ev.Check]:
    """Approve every pending action of the run; the changes and audit entries must exist."""
    from store.prices import changes

    pending = result.get("pending_actions") or []
    if not pending:
        return [ev.Check("approved_write", False, "nothing to approve")]
    for action in pending:
        runner.decide(result["thread_id"], action["action_id"], "approve", "operator")
    applied = changes(store)
    proposed = {(a["args"]["product"], a["args"]["new_price"]) for a in pending}
    audited = [e for e in store.audit.entries() if e["action"] == "tool:apply_price" and e["outcome"] == "ok"]
    return [ev.Check("approved_write", {(c["product"], c["new_price"]) for c in applied} == proposed,
                     f"applied {[(c['product'], c['new_price']) for c in applied]}"),
            ev.Check("audited", len(audited) >= len(pending), f"{len(audited)} apply_price audit entries")]


def measure(cases: list[Case], system, shared: Path, progress=None):
    from graphs.result import RunRequest

    progress = progress or (lambda n: None)
    template = _sales_store_file(system, shared)
    models = _models(shared)
    runner, store = _open(system, template, "pricing_shared", models)
    out = []
    try:
        for case in cases:
            started = time.perf_counter()
            own = "approve" in case.tags
            r, st = _open(system, template, f"pricing_{case.id}", models) if own else (runner, store)
            try:
                result = r.run(RunRequest(input=case.turns[0], channel=case.channel), role="operator")
                reply = reply_from_result(result.model_dump(mode="json"), time.perf_counter() - started)
                checks = _checks(case, reply, Path(r.deps.settings.state_dir), _written(st))
                if own:
                    checks += _approve(r, st, reply.result)
                trial = Trial(checks, [reply])
            except Exception as e:  # noqa: BLE001 - a crash is a failed case, with its reason
                trial = Trial([], [], error=f"{type(e).__name__}: {e}")
            finally:
                if own:
                    _close(r, st)
            out.append(CaseResult(case, [trial]))
            progress(1)
        return out
    finally:
        _close(runner, store)


def _close(runner, store) -> None:
    conn = getattr(runner.checkpointer, "conn", None)
    if conn is not None:
        conn.close()
    store.close()


summarize = summarize_requests
