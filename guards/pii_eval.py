"""Precision and recall of the PII guard per entity type.

Two sets: the presidio-research synthetic sentences (``pii/presidio_synth.json`` in the
shared data; report on its ``test`` split, develop on ``train``) and the project's own
multilingual set ``evals/datasets/pii_multilingual.jsonl`` (en/zh/es/de/fr/ja with hard
negatives: order ids, item ids, tracking ids, prices, dates, zip codes, and identifiers
with a wrong check digit).

Matching is span-level and lenient: a found span is a true positive when it overlaps a
gold span of the same type; a gold span is recalled when some found span of its type
overlaps it. ``covered`` is the share of gold spans whose characters are all inside
found spans of any type, i.e. what redaction actually hides.

Run: ``python -m guards.pii_eval [--split test|train]``.
"""
from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from pathlib import Path

from guards.pii import ALL_KINDS, detect

# presidio label -> ours (labels not listed are not PII types of this guard)
PRESIDIO_MAP = {
    "PERSON": "PERSON", "STREET_ADDRESS": "STREET_ADDRESS", "CREDIT_CARD": "CARD",
    "PHONE_NUMBER": "PHONE", "EMAIL_ADDRESS": "EMAIL", "IBAN_CODE": "IBAN", "US_SSN": "US_SSN",
}
STRUCTURED = ("EMAIL", "PHONE", "CARD", "IBAN", "US_SSN", "CN_RESIDENT_ID")
MULTILINGUAL = Path(__file__).resolve().parents[1] / "evals" / "datasets" / "pii_multilingual.jsonl"

Row = dict  # {"text": str, "spans": [{"type", "start", "end"}], "lang"?: str}


def load_presidio(shared_data: Path, split: str = "test") -> list[Row]:
    data = json.loads((Path(shared_data) / "pii" / "presidio_synth.json").read_text(encoding="utf-8"))
    rows = []
    for r in data:
        if r.get("split") != split:
            continue
        spans = [{"type": PRESIDIO_MAP[s["entity_type"]], "start": s["start_position"], "end": s["end_position"]}
                 for s in r["spans"] if s["entity_type"] in PRESIDIO_MAP]
        rows.append({"text": r["full_text"], "spans": spans, "lang": "en"})
    return rows


def load_multilingual(path: Path = MULTILINGUAL) -> list[Row]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(rows: Iterable[Row], find: Callable[[str], list] | None = None,
             kinds: Iterable[str] = ALL_KINDS) -> dict:
    """Per-type and overall counts and rates; ``find(text)`` returns objects with kind/start/end."""
    find = find or (lambda text: detect(text, kinds))
    kinds = sorted(kinds)
    stats = {k: {"tp": 0, "fp": 0, "fn": 0, "gold": 0, "covered": 0} for k in kinds}
    errors: list[dict] = []
    n_rows = 0
    for row in rows:
        n_rows += 1
        text, gold = row["text"], [g for g in row["spans"] if g["type"] in stats]
        found = [e for e in find(text) if e.kind in stats]
        for e in found:
            hit = any(g["type"] == e.kind and e.start < g["end"] and g["start"] < e.end for g in gold)
            stats[e.kind]["tp" if hit else "fp"] += 1
            if not hit:
                errors.append({"error": "fp", "type": e.kind, "value": text[e.start:e.end], "text": text})
        for g in gold:
            st = stats[g["type"]]
            st["gold"] += 1
            if not any(e.kind == g["type"] and e.start < g["end"] and g["start"] < e.end for e in found):
                st["fn"] += 1
                errors.append({"error": "fn", "type": g["type"], "value": text[g["start"]:g["end"]], "text": text})
            chars = set(range(g["start"], g["end"])) - {i for i in range(g["start"], g["end"]) if text[i].isspace()}
            if chars and all(any(e.start <= i < e.end for e in found) for i in chars):
                st["covered"] += 1
    per_type = {}
    for k, st in stats.items():
        if not st["gold"] and not st["fp"]:
            continue
        pred = st["tp"] + st["fp"]
        per_type[k] = {
            "gold": st["gold"], "found": pred,
            "precision": round(st["tp"] / pred, 4) if pred else None,
            "recall": round((st["gold"] - st["fn"]) / st["gold"], 4) if st["gold"] else None,
            "covered": round(st["covered"] / st["gold"], 4) if st["gold"] else None,
        }
    structured = [stats[k] for k in STRUCTURED if k in stats]
    s_gold = sum(s["gold"] for s in structured)
    s_pred = sum(s["tp"] + s["fp"] for s in structured)
    return {
        "rows": n_rows,
        "per_type": per_type,
        "structured": {
            "gold": s_gold,
            "recall": round((s_gold - sum(s["fn"] for s in structured)) / s_gold, 4) if s_gold else None,
            "precision": round(sum(s["tp"] for s in structured) / s_pred, 4) if s_pred else None,
        },
        "errors": errors,
    }


def report(shared_data: Path, split: str = "test") -> dict:
    return {
        "presidio_" + split: evaluate(load_presidio(shared_data, split)),
        "multilingual": evaluate(load_multilingual()),
    }


def _print(name: str, res: dict, show_errors: int) -> None:
    print(f"\n## {name} ({res['rows']} sentences)")
    print(f"{'type':16} {'gold':>5} {'found':>5} {'precision':>9} {'recall':>7} {'covered':>8}")
    for k, v in res["per_type"].items():
        print(f"{k:16} {v['gold']:>5} {v['found']:>5} {v['precision']!s:>9} {v['recall']!s:>7} {v['covered']!s:>8}")
    s = res["structured"]
    print(f"structured (all checksum/format types): recall {s['recall']} precision {s['precision']} (n={s['gold']})")
    for err in res["errors"][:show_errors]:
        print(f"  {err['error']} {err['type']}: {err['value']!r} in {err['text'][:120]!r}")


def main() -> None:
    from chuhai.settings import Settings

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="test", choices=["test", "train"])
    ap.add_argument("--errors", type=int, default=0, help="print this many errors per set")
    ap.add_argument("--json", help="write the figures (without errors) to this file")
    args = ap.parse_args()
    res = report(Settings().shared_data_dir, args.split)
    for name, r in res.items():
        _print(name, r, args.errors)
    if args.json:
        Path(args.json).write_text(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "errors"}
                                               for k, v in res.items()}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
