"""The `chuhai` command: serve, ask, store, models."""
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


def _settings():
    from chuhai.logs import configure_logging
    from chuhai.settings import Settings

    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    return settings


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Start the agent API (OpenAPI at /docs)."""
    import uvicorn

    settings = _settings()
    from api.auth import load_keys
    from chuhai.deps import build_deps

    typer.echo("Preparing store and models (first start seeds the store and trains the models)...", err=True)
    build_deps(settings)  # seed and train once here, before workers start
    keys = load_keys(settings)
    if not settings.api_keys:
        typer.echo(f"API keys: {settings.state_dir / 'api_keys.json'}", err=True)
    typer.echo(f"Serving on http://{host}:{port} (roles: {sorted(set(keys.values()))})", err=True)
    uvicorn.run("api.asgi:app", host=host, port=port, workers=workers, log_level="warning")


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
def store_export(out: Optional[str] = typer.Option(None, help="file to write; default stdout")) -> None:
    """Export users, orders and products in the retail JSON schema."""
    settings = _settings()
    from store import Store

    data = json.dumps(Store(settings.store_db_url).export(), indent=1)
    if out:
        open(out, "w", encoding="utf-8").write(data)
    else:
        sys.stdout.write(data + "\n")


@models_app.command("train")
def models_train(name: Optional[str] = typer.Argument(None, help="router | intents; default all")) -> None:
    """Train models and write their model cards under CHUHAI_DATA_DIR/models."""
    settings = _settings()
    import ml

    for model in [name] if name else list(ml.MODELS):
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


def _headline(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if isinstance(v, (int, float, str))}


def _progress(label: str):
    from rich.console import Console

    return Console(stderr=True).status(label + "...")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
