"""The chargeback suite: natural operator requests in six languages through the whole
pipeline (``evals/datasets/chargeback_requests.jsonl``: routed to chargeback, the reply
names the expected dispute), and one bundle check per seeded dispute.

A bundle check builds the dispute's bundle with the ``build_dispute_bundle`` tool on a
fresh seeded store where a few disputed customers first talked to support, and compares
it with what the store holds, computed here independently: from ``Store.export()`` (the
retail JSON), the disputes table read with plain SQL, the thread index and transcripts
read through the Runner's public API, and the requirement list in
agents/data/chargeback_evidence.yaml (data, not code). Checks: every item the store
holds is in the bundle with the store's facts; exactly the items it lacks are named as
missing; the completeness score; the letter only quotes numbers from the records; and
the bundle is built in under 10 s.
"""
from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

import yaml

from evals import evaluators as ev
from evals.cases import Case
from evals.model_suite import details, group, table, workdir
from evals.runner import CaseResult, Trial, run_trial
from evals.suites import DATASETS
from evals.systems import Reply

REQUESTS = DATASETS / "chargeback_requests.jsonl"
REQUIREMENTS = Path(__file__).resolve().parents[1] / "agents" / "data" / "chargeback_evidence.yaml"
DISPUTES = 120  # the seed's size (docs/DISPUTES.md)
BUNDLE_SECONDS = 10.0
TALKERS = 6  # disputed customers who talk to support before the bundles are built
DELIVERED = ("delivered", "return requested", "exchange requested")
CREDIT = {"held": 1.0, "partial": 0.5, "not_held": 0.0}


def load(shared: Path) -> list[Case]:
    from evals.cases import load_cases

    requests = load_cases(REQUESTS, suite="chargeback")
    bundles = [Case(id=f"cb-bundle-{n:04d}", suite="chargeback", channel="operator", turns=[f"DSP-{n:04d}"],
                    tags=["bundle_check"]) for n in range(1, DISPUTES + 1)]
    return requests + bundles


# ------------------------------------------------------------------ the independent reading
def _family(req: dict, network: str, code: str) -> str | None:
    return next((f for f, spec in req["families"].items() if code in (spec["codes"].get(network) or [])), None)


def _same_address(a: dict, b: dict) -> bool:
    return all(str(a.get(k, "")).strip().lower() == str(b.get(k, "")).strip().lower()
               for k in ("address1", "address2", "city", "state", "zip", "country"))


def expected_items(d: dict, req: dict, export: dict, messages: dict[str, list[str]]) -> dict[str, tuple[str, dict]]:
    """item -> (expected status, facts the bundle must carry) for dispute row d."""
    family = _family(req, d["network"], d["reason_code"])
    spec = req["families"][family]
    wanted = {**spec["evidence"], **(spec.get("extra_by_code") or {}).get(d["reason_code"], {})}
    order, user = export["orders"][d["order_id"]], export["users"].get(d["user_id"])
    pay = order["payment_history"]
    others = [o for o in (user or {}).get("orders", []) if o != d["order_id"]]
    tracking = sorted(t for f in order["fulfillments"] for t in f["tracking_id"])
    refunds = [p["amount"] for p in pay if p["transaction_type"] == "refund"]
    said = messages.get(d["user_id"], [])
    facts = {
        "order_record": ("held", {"item_ids": [i["item_id"] for i in order["items"]]}),
        "payment_record": ("held" if pay else "not_held", {"charged_to_card": round(sum(
            p["amount"] for p in pay if p["transaction_type"] == "payment"
            and p["payment_method_id"] == d["payment_method_id"]), 2)}),
        "customer_account": ("held", {"email": user["email"]}) if user else ("not_held", {}),
        "shipping_address": ("held", {"address": order["address"]}),
        "account_address_match": ("held", {"matches": _same_address(order["address"], user["address"])})
        if user else ("not_held", {}),
        "fulfillment_tracking": ("held", {"tracking": tracking}) if tracking else ("not_held", {}),
        "delivery_confirmation": ("held" if order["status"] in DELIVERED else "not_held", {}),
        "prior_orders": ("held", {"order_ids": sorted(others)}) if others else ("not_held", {}),
        "customer_messages": ("held", {"messages": said}) if said else ("not_held", {}),
        "support_thread": ("held" if said else "not_held", {}),
        "store_policy": ("held", {"chunk_ids": spec["policy"]}) if spec.get("policy") else ("not_held", {}),
        "refund_record": ("held", {"refunded_total": round(sum(refunds), 2)}) if refunds else ("not_held", {}),
        "cancellation_record": (("held" if order.get("cancel_reason") else "partial") if order["status"] == "cancelled"
                                else "not_held", {}),
        "return_record": ("held", {}),
        "product_listing": ("partial", {}),
        "agreed_amount": ("held", {"charged": round(sum(p["amount"] for p in pay if p["transaction_type"] == "payment"),
                                                    2)}),
        "other_charges": ("held", {}),
    }
    out = {}
    for item, weight in wanted.items():
        if weight == 0:
            continue
        if req["items"][item]["gather"] == "not_held":
            out[item] = ("not_held", {})
        else:
            out[item] = facts[item]
    return out


def _carries(item: str, want: dict, got: dict) -> bool:
    """Whether the bundle item's facts carry the store's facts."""
    f = got["facts"]
    checks = {
        "order_record": lambda: [i["item_id"] for i in f["items"]] == want["item_ids"],
        "payment_record": lambda: abs(f["charged_to_card"] - want["charged_to_card"]) < 0.005,
        "customer_account": lambda: f["email"] == want["email"],
        "shipping_address": lambda: f["address"] == want["address"],
        "account_address_match": lambda: f["matches"] == want["matches"],
        "fulfillment_tracking": lambda: sorted(t for p in f["parcels"] for t in p["tracking_ids"]) == want["tracking"],
        "prior_orders": lambda: sorted(o["order_id"] for o in f["orders"]) == want["order_ids"],
        "customer_messages": lambda: sorted(m for t in f["threads"] for m in t["messages"]) == sorted(want["messages"]),
        "store_policy": lambda: [s["chunk_id"] for s in f["sections"]] == want["chunk_ids"],
        "refund_record": lambda: abs(f["refunded_total"] - want["refunded_total"]) < 0.005,
        "agreed_amount": lambda: abs(f["charged"] - want["charged"]) < 0.005,
    }
    check = checks.get(item)
    try:
        return True if check is None or not want else bool(check())
    except (KeyError, TypeError):  # the bundle lacks the fact's field
        return False


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


def _record_numbers(d: dict, export: dict) -> set[str]:
    order, user = export["orders"][d["order_id"]], export["users"].get(d["user_id"], {})
    records = [d, order, user, [export["orders"].get(o) for o in user.get("orders", [])]]
    text = json.dumps(records)
    found = _numbers(text) | {f"{float(x):.2f}" for x in re.findall(r"\d+\.\d+", text)}
    return found | {str(n) for n in range(0, 50)}  # counts (parcels, messages, orders)


# ------------------------------------------------------------------ measure
def _talk(system, runner, disputes: list[dict], req: dict) -> dict[str, list[str]]:
    """One support message from a disputed customer of each family; returns user -> the
    redacted messages the Runner's own thread API shows for that customer."""
    from graphs.result import RunRequest

    seen, talkers = set(), []
    for d in disputes:
        fam = _family(req, d["network"], d["reason_code"])
        if fam not in seen and len(talkers) < TALKERS:
            seen.add(fam)
            talkers.append(d)
    for d in talkers:
        runner.run(RunRequest(input=f"hi, about my order {d['order_id']}: can you tell me its status?",
                              channel="customer"), f"customer:{d['user_id']}")
    flush = getattr(runner.threads, "flush", None)  # group-committed index writes, where the index has them
    if flush is not None:
        flush()
    out: dict[str, list[str]] = {}
    page, _ = runner.threads.threads("admin", 200)
    for row in page:
        state = runner.thread(row["thread_id"]) or {}
        owner = (row["owner"] or "").split(":", 1)[1] if (row["owner"] or "").startswith("customer:") else \
            state.get("authenticated_user_id")
        if owner:
            out.setdefault(owner, []).extend(t["content"] for t in state.get("transcript", []) if t["role"] == "user")
    return out


def measure(cases: list[Case], system, shared: Path, progress=None):
    from graphs.runner import Runner
    from tools import call_tool
    from tools.base import ToolContext

    workdir(system)
    progress = progress or (lambda n: None)
    out = []
    for case in [c for c in cases if "bundle_check" not in c.tags]:
        trial = run_trial(case, system, system.store_pii)
        if trial.replies and trial.error is None:  # the reply comes in the operator's language
            got = (trial.replies[0].result.get("output") or {}).get("language")
            trial.checks.append(ev.Check("language", got == case.lang, f"replied in {got}, asked in {case.lang}"))
        out.append(CaseResult(case, [trial]))
        progress(1)
    bundle_cases = [c for c in cases if "bundle_check" in c.tags]
    if not bundle_cases:
        return out
    req = yaml.safe_load(REQUIREMENTS.read_text(encoding="utf-8"))
    store = system.stores.fresh("chargeback")
    deps = system.deps(store)
    runner = Runner(deps)
    try:
        with sqlite3.connect(store.url[len("sqlite:///"):]) as raw:
            raw.row_factory = sqlite3.Row
            rows = {r["id"]: dict(r) for r in raw.execute("SELECT * FROM disputes ORDER BY seq")}
        messages = _talk(system, runner, list(rows.values()), req)
        export = store.export()
        for case in bundle_cases:
            out.append(_check_bundle(case, rows.get(case.turns[0]), req, export, messages, deps, call_tool,
                                     ToolContext))
            progress(1)
    finally:
        conn = getattr(runner.checkpointer, "conn", None)
        if conn is not None:
            conn.close()
        from evals.stores import discard

        discard(store)
    return out


def _check_bundle(case, d, req, export, messages, deps, call_tool, ToolContext) -> CaseResult:
    started = time.perf_counter()
    if d is None:
        checks = [ev.Check("seeded", False, f"{case.turns[0]} is not in the seeded store")]
        return CaseResult(case, [Trial(checks, [Reply("", [], "failed", 0, 0.0)])])
    result = call_tool("build_dispute_bundle", ToolContext(deps=deps, role="operator"), {"dispute_id": d["id"]})
    seconds = time.perf_counter() - started
    if not result.ok:
        checks = [ev.Check("built", False, result.error)]
        return CaseResult(case, [Trial(checks, [Reply("", [], "failed", 0, seconds)])])
    b = result.result["bundle"]
    expected = expected_items(d, req, export, messages)
    got = {i["item"]: i for i in b["evidence"]}
    lacking = [i for i, (status, _) in expected.items() if status != "not_held"
               and (i not in got or got[i]["status"] != status)]
    wrong = [i for i, (status, want) in expected.items() if status != "not_held" and i not in lacking
             and not _carries(i, want, got[i])]
    missing_expected = sorted(i for i, (status, _) in expected.items() if status == "not_held")
    weights = {i: w for i, w in {**req["families"][b["family"]]["evidence"],
                                 **(req["families"][b["family"]].get("extra_by_code") or {}).get(
                                     d["reason_code"], {})}.items() if w > 0}
    score = sum(w * CREDIT[expected[i][0]] for i, w in weights.items()) / sum(weights.values())
    stray = sorted(_numbers(b["letter"]) - _record_numbers(d, export) - set(b["generated_at"][:10].split("-")))
    checks = [
        ev.Check("holds_all", not lacking and not wrong,
                 f"not held as the store holds: {lacking}; wrong facts: {wrong}"),
        ev.Check("names_missing", sorted(b["completeness"]["missing"]) == missing_expected,
                 f"missing {sorted(b['completeness']['missing'])}, expected {missing_expected}"),
        ev.Check("score", abs(b["completeness"]["score"] - score) < 1e-3,
                 f"score {b['completeness']['score']}, expected {round(score, 4)}"),
        ev.Check("letter_facts", not stray, f"letter numbers not in the records: {stray[:5]}"),
        ev.Check("time", seconds < BUNDLE_SECONDS, f"{seconds:.2f} s"),
    ]
    detail = {"family": b["family"], "score": b["completeness"]["score"], "seconds": round(seconds, 4),
              "talked": d["user_id"] in messages}
    return CaseResult(case, [Trial(checks, [Reply(f"{d['id']}: {b['completeness']['score']}", [], "completed", 0,
                                                  seconds, result=detail)])])


def summarize(result) -> dict:
    bundles = [(c, d) for c, d in details(result) if "bundle_check" in c.tags and d]
    requests = [c for c in result.cases if "bundle_check" not in c.case.tags]
    out: dict = {}
    if requests:
        out["requests_success"] = round(sum(c.passed for c in requests) / len(requests), 4)
        by_lang = group(requests, lambda c: c.case.lang)
        out |= {f"requests.{lang}": round(sum(c.passed for c in cs) / len(cs), 4) for lang, cs in by_lang.items()}
    if bundles:
        passed = [c for c in result.cases if "bundle_check" in c.case.tags]
        out["bundles_success"] = round(sum(c.passed for c in passed) / len(passed), 4)
        secs = sorted(d["seconds"] for _, d in bundles)
        out["bundle_seconds_max"] = secs[-1]
        out["bundle_seconds_p50"] = secs[len(secs) // 2]
        fams = group(bundles, lambda p: p[1]["family"])
        rows = [[f, len(ps), round(sum(d["score"] for _, d in ps) / len(ps), 3), min(d["score"] for _, d in ps),
                 max(d["score"] for _, d in ps)] for f, ps in fams.items()]
        out["tables"] = {"bundle completeness per family": table(["family", "disputes", "mean", "min", "max"], rows)}
    out["headline"] = (f"requests {out.get('requests_success')} ({len(requests)}), "
                       f"bundles {out.get('bundles_success')} "
                       f"({len(bundles)}), slowest bundle {out.get('bundle_seconds_max')} s")
    return out
