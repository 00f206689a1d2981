"""A full Chuhai run in a fresh interpreter with every outbound connection recorded and
refused from the first line, before any library is imported (telemetry that starts at
import time is caught too). Run by tests/test_no_outbound.py; prints one JSON object.

    python tests/no_outbound_run.py DATA_DIR [MODELS_DIR]

DATA_DIR: an empty folder for all state; MODELS_DIR: trained models to copy in (else
they are trained). CHUHAI_SHARED_DATA_DIR must point at the shared data.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# the script's folder (tests/, whose agents/ would shadow the package) gives way to the repo root
sys.path[0] = str(HERE.parent)
sys.path.append(str(HERE))
from netguard import NetGuard  # noqa: E402

guard = NetGuard().install()

import json  # noqa: E402
import shutil  # noqa: E402

TURNS = [  # (thread key, message): a status question, then a cancel proposed and confirmed
    ("status", "Hi, I'm James Li, zip 10083. Where is my order #W2611340?"),
    ("cancel", "olivia.lopez4535@example.com - please cancel my pending order #W9373487, I ordered it by mistake."),
    ("cancel", "yes"),
]


def main(data_dir: Path, models: Path | None) -> dict:
    import chromadb  # noqa: F401
    import guardrails  # noqa: F401
    import langchain_core  # noqa: F401
    import langgraph  # noqa: F401

    import chuhai  # noqa: F401  (telemetry switches)
    from chuhai.deps import build_deps
    from chuhai.settings import Settings
    from graphs.result import RunRequest
    from graphs.runner import Runner
    from guards.validators import input_guard, output_guard
    from vectorstore.citations import citations
    from vectorstore.kb import KnowledgeBase, ingest_all

    settings = Settings(data_dir=data_dir, llm_backend="none", api_keys={"admin-key": "admin"})
    if models is not None:
        shutil.copytree(models, settings.models_dir, dirs_exist_ok=True)
    deps = build_deps(settings)
    kb = getattr(deps, "kb", None) or KnowledgeBase.from_settings(settings)
    ingested = ingest_all(kb, settings).total
    hits = {q: [c["doc_id"] for c in citations(kb.search(q, k=3))]
            for q in ("How long do EU customers have to withdraw?", "Muss ich Verpackungen bei LUCID registrieren?",
                      "天猫国际谁可以开店？")}
    checked = input_guard(deps.injection).validate("I'm Sarah Mitchell, card 4526 0181 5908 3012, order #W4503264")
    replied = output_guard().validate("Your order #W2611340 is processed.")
    runner = Runner(deps)
    threads: dict[str, str | None] = {}
    runs = []
    for key, text in TURNS:
        res = runner.run(RunRequest(input=text, channel="customer", thread_id=threads.get(key)), "operator")
        threads[key] = res.thread_id
        runs.append({"status": res.status, "route": res.route, "text": res.output.text[:200]})
    order = deps.store.export()["orders"]["#W9373487"]
    return {"attempts": guard.attempts, "kb_chunks": ingested, "kb_hits": hits,
            "guard_output": checked.validated_output, "reply_passed": replied.validation_passed, "runs": runs,
            "cancelled": order["status"], "grpc_guarded": "grpc" not in sys.modules or guard.grpc_guarded}


if __name__ == "__main__":
    out = main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
    print(json.dumps(out, ensure_ascii=False))
