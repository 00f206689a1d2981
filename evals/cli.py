"""``chuhai eval``: run suites in-process or against a server, write the reports, record
the run in the history, optionally compare with an earlier run and apply the gate."""
from __future__ import annotations

import json
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from evals.history import History
from evals.runner import SuiteResult, run_suite
from evals.suites import SUITES, get_suite

GATE_FILE = Path(__file__).resolve().parent / "gate.json"


def llm_factory_for(model: str, settings) -> Callable[[], Any] | None:
    """``none`` | ``bundled`` | ``fake`` | ``openai`` | a ``.gguf`` path | ``default`` (settings)."""
    from llm import make_llm

    if model == "none":
        return None
    if model == "default":
        return None if settings.llm_backend == "none" else (lambda: make_llm(settings))
    if model == "bundled":
        cfg = settings.model_copy(update={"llm_backend": "llama_cpp", "llm_model_path": None})
    elif model in ("fake", "openai"):
        cfg = settings.model_copy(update={"llm_backend": model})
    elif model.endswith(".gguf"):
        if not Path(model).is_file():
            raise ValueError(f"no GGUF file at {model}")
        cfg = settings.model_copy(update={"llm_backend": "llama_cpp", "llm_model_path": Path(model)})
    else:
        raise ValueError(f"unknown --model {model!r}: use none, bundled, fake, openai, default or a .gguf path")
    return lambda: make_llm(cfg)


def git_rev() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, timeout=5,
                               cwd=Path(__file__).resolve().parent).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "") if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def choose_suites(names: list[str], fast: bool) -> list[str]:
    if names:
        for n in names:
            get_suite(n)
        return names
    return [n for n, s in SUITES.items() if s.fast or not fast]


def gate_failures(results: list[SuiteResult], gate: dict | None = None) -> list[str]:
    """Metrics below the floors in evals/gate.json (floors are measured values, never
    lowered to pass; see the file's notes)."""
    gate = gate if gate is not None else json.loads(GATE_FILE.read_text())["floors"]
    out = []
    for r in results:
        for metric, floor in gate.get(r.suite, {}).items():
            value = r.metrics.get(metric)
            if value is None or value < floor:
                out.append(f"{r.suite}.{metric} = {value} < floor {floor}")
    return out


def run(settings, suites: list[str], *, model: str = "default", k: int = 1, url: str | None = None,
        api_key: str | None = None, workers: int = 2, limit: int | None = None, system=None,
        progress: bool = True) -> tuple[list[SuiteResult], Any]:
    """Run the suites; returns (results, system info). ``system`` overrides the choice."""
    from evals.systems import HTTPSystem, InProcessSystem

    if system is None:
        if url:
            system = HTTPSystem(url, api_key or _admin_key(settings), settings.shared_data_dir)
        else:
            import ml

            for name in ml.REQUEST_PATH:
                if not ml.is_trained(name, settings.models_dir):
                    ml.train(name, settings.models_dir, settings.shared_data_dir)
            system = InProcessSystem(settings.shared_data_dir, settings.models_dir, model=model,
                                     llm_factory=llm_factory_for(model, settings))
    results = []
    try:
        for name in suites:
            suite = get_suite(name)
            results.append(_with_progress(lambda cb: run_suite(suite, system, settings.shared_data_dir, k=k,
                                                               workers=workers, progress=cb, limit=limit),
                                          name, progress))
    finally:
        info = {"system": system.name, "model": system.model}
        system.close()
    return results, info


def _with_progress(fn, label: str, show: bool):
    if not show:
        return fn(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=True) as bar:
        task = bar.add_task(label, total=None)
        return fn(lambda n: bar.advance(task, n))


def _admin_key(settings) -> str:
    keys = settings.api_keys or {}
    path = settings.data_dir / "api_keys.json"
    if not keys and path.is_file():
        keys = json.loads(path.read_text())
    for key, role in keys.items():
        if role == "admin":
            return key
    raise ValueError("no admin API key: pass --api-key (cases that write reset and export the store)")


def report_and_record(settings, results: list[SuiteResult], info: dict, *, k: int,
                      compare: str | None = None, out_dir: Path | None = None) -> dict:
    """Write the reports, append the run to the history, compare if asked."""
    from evals import report

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_dir = out_dir or settings.data_dir / "evals" / stamp
    info = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "git": git_rev(),
            "machine": f"{platform.machine()}, {_cores()} cores, Python {platform.python_version()}",
            **info, "k": k}
    history = History(settings.data_dir / "evals" / "history.db")
    run_id = history.record(results, git_rev=info["git"], system=info["system"], model=info["model"], k=k,
                            report=str(out_dir))
    comparison = None
    if compare:
        other = history.previous(run_id, [r.suite for r in results]) if compare == "last" else int(compare)
        comparison = {"against": history.run_info(other) if other else {},
                      "suites": history.compare(run_id, other) if other else {}}
    paths = report.write(results, {"run": run_id, **info}, out_dir, comparison)
    return {"run_id": run_id, "paths": paths, "comparison": comparison}


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
