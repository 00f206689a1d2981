"""Guard overhead per request: the input guard (injection rules + classifier, PII
redaction of every kind) and the output guard (policy promises, PII redaction), as plain
functions (``guards/screen.py``) and as guardrails-ai Guards (``guards/validators.py``).

Messages: every customer turn of ``evals/datasets/support_natural*.jsonl`` (six
languages). Replies: the support agent's reply templates (``prompts/support/<lang>.json``)
filled with sample values (a name, an e-mail, an order id, an amount, an address).
The injection model is trained once into a temporary folder (promptshield train split),
unless ``--models`` points at a trained one. Writes ``benchmarks/results/guard_overhead.json``.

    .venv/bin/python benchmarks/guard_overhead.py [--rounds 3] [--models var/models]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import chuhai  # noqa: E402,F401  (telemetry off first)
from common import RESULTS, dist, finish, header  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
FILL = {"name": "Sarah Mitchell", "first_name": "Sarah", "email": "sarah.mitchell82@gmail.com",
        "order_id": "#W4503264", "amount": "488.81", "status": "delivered", "items": "Office Chair",
        "item": "Office Chair", "address": "742 Evergreen Terrace, Springfield, IL 62704",
        "tracking": "357962501027", "method": "credit_card_7815826", "reason": "no longer needed",
        "date": "2024-05-03", "count": "2", "product": "Water Bottle"}


class _Fill(dict):
    def __missing__(self, key):
        return FILL.get(key, "Office Chair")


def messages() -> list[str]:
    out = []
    for path in sorted((ROOT / "evals" / "datasets").glob("support_natural*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out += json.loads(line)["turns"]
    return out


def replies() -> list[tuple[str, str]]:
    out = []
    for path in sorted((ROOT / "prompts" / "support").glob("*.json")):
        for template in json.loads(path.read_text(encoding="utf-8")).values():
            if isinstance(template, str):
                try:
                    out.append((path.stem, template.format_map(_Fill())))
                except (ValueError, IndexError, KeyError):
                    out.append((path.stem, template))
    return out


def timed(fn, items, rounds: int) -> list[float]:
    for it in items[:20]:
        fn(it)  # warm up
    ms = []
    for _ in range(rounds):
        for it in items:
            t = time.perf_counter()
            fn(it)
            ms.append((time.perf_counter() - t) * 1000)
    return ms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--models", help="folder with a trained injection.joblib")
    ap.add_argument("--out", default=str(RESULTS / "guard_overhead.json"))
    args = ap.parse_args()

    import ml
    from guards.screen import screen_input, screen_output

    report = header("guard_overhead")
    if args.models:
        model, how = ml.load("injection", Path(args.models), SHARED, train_if_missing=False), f"loaded from {args.models}"
    else:
        tmp = Path(tempfile.mkdtemp(prefix="guard_bench_"))
        ml.train("injection", tmp, SHARED)
        model, how = ml.load("injection", tmp, SHARED), "trained now (promptshield train split + benign in-domain rows)"
    msgs, reps = messages(), replies()

    plain_in = timed(lambda m: screen_input(m, model), msgs, args.rounds)
    plain_out = timed(lambda r: screen_output(r[1], r[0], keep={FILL["email"]}), reps, args.rounds)

    t = time.perf_counter()
    from guards.validators import input_guard, output_guard
    import_s = time.perf_counter() - t
    gin, gout = input_guard(model), output_guard()
    gr_in = timed(lambda m: gin.validate(m), msgs, args.rounds)
    gr_out = timed(lambda r: gout.validate(r[1], metadata={"keep": {FILL["email"]}, "language": r[0]}), reps,
                   args.rounds)
    blocked = sum(screen_input(m, model).blocked for m in msgs)
    report.update({
        "what": "per request, in-process: input guard = injection (rules + classifier) + PII redaction "
                "(all kinds); output guard = policy promises + PII redaction (all kinds)",
        "injection_model": how,
        "messages": len(msgs), "replies": len(reps), "rounds": args.rounds,
        "benign_messages_blocked": blocked,
        "plain_functions_ms": {"input": dist(plain_in), "output": dist(plain_out)},
        "guardrails_ai_guard_ms": {"input": dist(gr_in), "output": dist(gr_out),
                                   "import_guardrails_s": round(import_s, 2)},
    })
    finish(report, args.out)


if __name__ == "__main__":
    main()
