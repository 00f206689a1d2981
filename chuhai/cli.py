"""The `chuhai` command: serve, ask, store, kb, models, eval."""
from __future__ import annotations

import json
import sys
from typing import Optional

import typer

app = typer.Typer(help="Chuhai: a self-hosted crew of AI agents for cross-border sellers.", no_args_is_help=True)
store_app = typer.Typer(help="The seller's store: reset to the seed, export.", no_args_is_help=True)
models_app = typer.Typer(help="Classical models: train, report.", no_args_is_help=True)
app.add_typer(store_app, name="store")
app.add_typer(models_app, name="models")


def _add_kb_app() -> None:
    """`chuhai kb ingest|search`: commands and logic live in vectorstore/cli.py."""
    from vectorstore.cli import kb_app

    app.add_typer(kb_app, name="kb")


_add_kb_app()


def _settings():
    from chuhai.logs import configure_logging
    from chuhai.settings import Settings

    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    return settings


from agents.compliance_cli import compliance_app  # noqa: E402  (`chuhai compliance audit|scan-pii`; logs configured)
app.add_typer(compliance_app, name="compliance", callback=_settings)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          workers: Optional[int] = typer.Option(None, help="API processes; default CHUHAI_WORKERS")) -> None:
    """Start the agent API (OpenAPI at /docs), and Slack when configured."""
    import uvicorn

    settings = _settings()
    workers = workers or settings.workers
    from api.auth import load_keys
    from chuhai.deps import build_deps

    typer.echo("Preparing store and models (first start seeds the store and trains the models)...", err=True)
    deps = build_deps(settings)  # seed and train once here, before workers start
    from slack_app.socket_mode import start_for_server

    _slack, slack_line = start_for_server(settings, deps)  # Socket Mode: this process, next to the API
    typer.echo(slack_line, err=True)
    keys = load_keys(settings)
    if not settings.api_keys:
        typer.echo(f"API keys: {settings.state_dir / 'api_keys.json'}", err=True)
    typer.echo(f"Serving on http://{host}:{port} (roles: {sorted(set(keys.values()))})", err=True)
    if workers > 1:
        _multiprocess_metrics(settings.state_dir / "prometheus")
    from scheduler.service import start_for_serve

    scheduler, scheduler_line = start_for_serve(settings, deps)  # this (parent) process only: runs once
    typer.echo(scheduler_line, err=True)
    typer.echo(_train_missing_in_background(settings), err=True)
    try:
        uvicorn.run("api.asgi:app", host=host, port=port, workers=workers, log_level="warning", access_log=False)
    finally:
        if scheduler is not None:
            scheduler.stop()


def _train_missing_in_background(settings) -> str:
    """The specialists' models (forecast, elasticity, reviews, ...) are not on the request
    path: the first start trains the missing ones in a low-priority child process while
    the service already answers (a few minutes on 2 cores); until then those specialists
    say the model is being trained."""
    import os
    import subprocess
    import sys

    import ml

    missing = [n for n in ml.MODELS if not ml.is_trained(n, settings.models_dir)]
    if not missing or not settings.train_missing_models:
        return "Models: all trained." if not missing else \
            f"Models not trained: {', '.join(missing)} (run `chuhai models train --missing`)."
    log_path = settings.state_dir / "logs" / "models-train.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        subprocess.Popen([sys.executable, "-m", "chuhai.cli", "models", "train", "--missing"],
                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         preexec_fn=lambda: os.nice(10), start_new_session=True)
    return f"Training in the background: {', '.join(missing)} (log: {log_path})."


def _multiprocess_metrics(path) -> None:
    """Worker processes write their metrics under `path` and /metrics adds them up
    (api/metrics.py). An earlier server's files would be counted too: start empty."""
    import os
    import shutil

    from api.metrics import MULTIPROCESS_ENV

    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.environ[MULTIPROCESS_ENV] = str(path)


@app.command()
def ask(text: str, channel: str = "operator", thread: Optional[str] = None, language: Optional[str] = None,
        auto_approve: bool = False, as_json: bool = typer.Option(False, "--json")) -> None:
    """One run in-process, as the local operator; prints the reply (or the RunResult with --json)."""
    settings = _settings()
    from chuhai.deps import build_deps
    from graphs.result import RunRequest
    from graphs.runner import Runner

    runner = Runner(build_deps(settings))
    result = runner.run(RunRequest(input=text, channel=channel, thread_id=thread, language=language,
                                   auto_approve=auto_approve), role="operator")
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    typer.echo(result.output.text)
    for a in result.pending_actions:
        typer.echo(f"[awaiting approval] {a.action_id}: {a.summary}")
    typer.echo(f"(thread {result.thread_id}, route {result.route or '-'}, status {result.status})", err=True)


@store_app.command("reset")
def store_reset(with_sales: bool = typer.Option(True, help="also (re)load the sales history")) -> None:
    """Reload the seed store (retail users/orders/products and the sales history)."""
    settings = _settings()
    from store import Store

    shared = settings.shared_data_dir
    with _progress("Resetting store"):
        counts = Store(settings.store_db_url).reset(
            shared / "retail", shared / "sales" / "online_retail.csv.gz" if with_sales else None)
    typer.echo(json.dumps(counts))


@store_app.command("export")
def store_export(out: Optional[str] = typer.Option(None, help="file to write; default stdout"),
                 pseudonymized: bool = typer.Option(False, help="analytics/training form: keyed pseudonyms, "
                                                    "no names, e-mails, streets or card digits")) -> None:
    """Export users, orders and products in the retail JSON schema."""
    settings = _settings()
    from store import Store
    from store.pseudonyms import pseudonymized_export

    st = Store(settings.store_db_url)
    data = pseudonymized_export(st.export(), st.pseudonyms) if pseudonymized else st.export()
    st.audit.record("local:cli", "store.pseudonymized_export" if pseudonymized else "store.export")
    data = json.dumps(data, indent=1)
    if out:
        open(out, "w", encoding="utf-8").write(data)
    else:
        sys.stdout.write(data + "\n")


@store_app.command("rotate-key")
def store_rotate_key(new: bool = typer.Option(False, "--new", help="key-file mode: make a new data key first")) -> None:
    """Re-seal every encrypted value under the current key and refresh the blind indexes
    (key rotation and its procedure: docs/DATA_SECURITY.md)."""
    settings = _settings()
    from store import Store
    from store.keys import KeyConfigError, rotate_file_key

    try:
        if new:
            kid, old = rotate_file_key(settings)
            typer.echo(f"new data key {kid}; {old} retired (still read)", err=True)
        st = Store(settings.store_db_url)
        with _progress("Re-sealing"):
            counts = st.reencrypt()
    except KeyConfigError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None
    st.audit.record("local:cli", "store.rotate_key", detail=f"key={st.keyring.current}")
    typer.echo(json.dumps({"current_key": st.keyring.current, "resealed": counts, "values_per_key": st.key_usage()}))


@store_app.command("drop-old-keys")
def store_drop_old_keys() -> None:
    """Key-file mode: forget retired data keys that no stored value uses any more."""
    settings = _settings()
    from store import Store
    from store.keys import drop_retired_file_keys

    used = set(Store(settings.store_db_url).key_usage())
    typer.echo(json.dumps({"dropped": drop_retired_file_keys(settings, used), "still_used": sorted(used)}))


@models_app.command("train")
def models_train(name: Optional[str] = typer.Argument(None, help="one of ml.MODELS (router, intents, injection, "
                                                                 "forecast, elasticity, reviews, categories, ...); "
                                                                 "default all"),
                 missing: bool = typer.Option(False, help="only the models not trained yet")) -> None:
    """Train models and write their model cards under CHUHAI_DATA_DIR/models."""
    settings = _settings()
    import ml

    names = [name] if name else list(ml.MODELS)
    if missing:
        names = [n for n in names if not ml.is_trained(n, settings.models_dir)]
    with ml.training_marker(settings.models_dir, names):
        for model in names:
            with _progress(f"Training {model}"):
                metrics = ml.train(model, settings.models_dir, settings.shared_data_dir)
            typer.echo(f"{model}: {json.dumps(_headline(metrics))}")


@models_app.command("report")
def models_report() -> None:
    """Print the model cards."""
    settings = _settings()
    import ml

    for model in ml.MODELS:
        card = settings.models_dir / f"{model}.card.md"
        typer.echo(card.read_text() if card.exists() else f"# {model}\nnot trained: run `chuhai models train`\n")


@app.command("eval")
def eval_(suites: Optional[list[str]] = typer.Argument(None, help="suites to run; default all (see --list)"),
          model: str = typer.Option("default", help="LLM: default (settings) | none | bundled | fake | openai | PATH.gguf"),
          k: int = typer.Option(1, min=1, help="runs per case; pass^k = share of cases passing all k"),
          url: Optional[str] = typer.Option(None, help="a running server (else in-process)"),
          api_key: Optional[str] = typer.Option(None, help="admin key for --url (default: from settings)"),
          workers: int = typer.Option(2, min=1, help="cases run at once where that is safe"),
          fast: bool = typer.Option(False, help="only the fast subset (the CI gate's suites)"),
          gate: bool = typer.Option(False, help="exit 1 if a metric is under its floor in evals/gate.json"),
          compare: Optional[str] = typer.Option(None, help="'last' or a run id from the history"),
          limit: Optional[int] = typer.Option(None, help="at most this many cases per suite"),
          out: Optional[str] = typer.Option(None, help="report folder; default CHUHAI_DATA_DIR/evals/<time>"),
          list_suites: bool = typer.Option(False, "--list", help="list the suites and exit")) -> None:
    """Run eval suites; writes Markdown + HTML reports and records the run in the history."""
    from pathlib import Path

    from evals import cli as evals_cli
    from evals.suites import SUITES

    if list_suites:
        for name, s in SUITES.items():
            typer.echo(f"{name:16} {'fast ' if s.fast else '     '}{s.description}")
        return
    settings = _settings()
    try:
        names = evals_cli.choose_suites(list(suites or []), fast)
        results, info = evals_cli.run(settings, names, model=model, k=k, url=url, api_key=api_key,
                                      workers=workers, limit=limit)
    except (KeyError, ValueError, RuntimeError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None
    done = evals_cli.report_and_record(settings, results, info, k=k, compare=compare,
                                       out_dir=Path(out) if out else None)
    typer.echo(done["paths"]["markdown"].read_text().split("## Plots")[0].split("## Suite")[0])
    typer.echo(f"report: {done['paths']['html']} (run {done['run_id']})", err=True)
    if gate:
        failures = evals_cli.gate_failures(results)
        for f in failures:
            typer.echo(f"gate: {f}", err=True)
        if failures:
            raise typer.Exit(1)


def _headline(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if isinstance(v, (int, float, str))}


def _progress(label: str):
    from rich.console import Console

    return Console(stderr=True).status(label + "...")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
