"""Compliance auditor speed: the full store audit (every product x variant x market), one
listing for one market, and the data-handling scan of the whole store.

Seeds a temporary SQLite store from the shared retail data (and the sales history for
the scan), loads the rule book (cold: corpus parsed, detectors compiled), then:

- audit_store: all 50 products x 591 variants x 9 markets (target < 60 s), ``--reps`` times,
  with a rich progress bar on stderr for the first run;
- audit one pasted listing for one market, ``--reps`` x 50 times (p50 / p95);
- scan_stored_pii over every free-text value of the store, sales descriptions included.

Figures go to benchmarks/results/compliance_audit.json.

    .venv/bin/python benchmarks/compliance_audit.py [--reps 3]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import chuhai  # noqa: E402,F401  (telemetry off)
from benchmarks.common import RESULTS, dist, finish, header  # noqa: E402

SHARED = Path(os.environ.get("CHUHAI_SHARED_DATA_DIR", ROOT.parent / "shared" / "data"))
TARGET_S = 60.0
LISTING = {"title": "Wireless Bluetooth Earbuds - the best sound, 30h battery",
           "bullets": ["Bluetooth 5.3", "Rechargeable lithium-ion battery", "CE marked"],
           "description": "Made for running and commuting."}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    from rich.progress import Progress

    import agents  # noqa: F401  (the registry first: the tool modules import it lazily)
    from agents.compliance_audit import audit
    from agents.compliance_privacy import scan_stored_pii
    from agents.compliance_rules import rule_book
    from agents.compliance_store import audit_store
    from store import Store
    from tools.compliance_schemas import Listing

    report = header("compliance_audit")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/store.db")
        store.reset(SHARED / "retail", SHARED / "sales" / "online_retail.csv.gz")
        started = time.perf_counter()
        book = rule_book()
        report["rule_book_load_s"] = round(time.perf_counter() - started, 3)
        report["rules"] = len(book.rules)
        markets = list(book.markets)

        runs = []
        for rep in range(args.reps):
            if rep == 0:
                with Progress(transient=True) as bar:
                    task = bar.add_task("auditing the store", total=None)
                    result = audit_store(store, markets, progress=lambda n, total: bar.update(task, completed=n,
                                                                                            total=total))
            else:
                result = audit_store(store, markets)
            runs.append(result.elapsed_s)
        report["store_audit"] = {"products": result.products, "variants": result.variants, "markets": len(markets),
                                 "audits": result.audits, "failing_audits": result.failing_audits,
                                 "findings": result.findings, "by_family": result.by_family,
                                 "wall_s": runs, "best_s": min(runs), "target_s": TARGET_S,
                                 "target_met": max(runs) < TARGET_S,
                                 "audits_per_s": round(result.audits / min(runs), 1)}

        listing = Listing(**LISTING)
        audit(listing, "DE", book)  # warm
        times = []
        for _ in range(args.reps * 50):
            t = time.perf_counter()
            audit(Listing(**LISTING), "DE", book)
            times.append((time.perf_counter() - t) * 1000)
        report["one_listing_one_market_ms"] = dist(times, (50, 95))

        started = time.perf_counter()
        scan = scan_stored_pii(store, None, include_sales=True)
        report["pii_scan"] = {"fields": scan.fields_scanned, "findings": scan.total_findings,
                              "wall_s": round(time.perf_counter() - started, 3)}
        store.close()
    finish(report, RESULTS / "compliance_audit.json")


if __name__ == "__main__":
    main()
