"""`chuhai kb ingest|search` (mounted by chuhai/cli.py; the logic lives in this package)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

kb_app = typer.Typer(help="Knowledge base: ingest the corpus, search it.", no_args_is_help=True)


def _open(rebuild: bool = False):
    from chuhai.logs import configure_logging
    from chuhai.settings import Settings
    from vectorstore.kb import KnowledgeBase
    from vectorstore.store import client_from_settings

    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    client = client_from_settings(settings)
    if rebuild and settings.kb_collection in [c.name for c in client.list_collections()]:
        client.delete_collection(settings.kb_collection)
    return settings, KnowledgeBase(client, settings.kb_collection)


@kb_app.command("ingest")
def ingest(path: Optional[Path] = typer.Option(None, help="a folder of Markdown documents; default the repo "
                                                            "corpus and the learned FAQ entries"),
           rebuild: bool = typer.Option(False, help="drop the collection first (after changing the embedder)")) -> None:
    """Embed new and changed sections, delete removed ones; prints the counts."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from vectorstore.kb import ingest_all

    console = Console(stderr=True)
    with console.status("Loading the embedding model..."):
        settings, kb = _open(rebuild)
    if path is not None and not path.is_dir():
        typer.echo(f"error: {path} is not a folder", err=True)
        raise typer.Exit(2)
    with Progress(TextColumn("Embedding sections"), BarColumn(), MofNCompleteColumn(), console=console) as bar:
        task = bar.add_task("embed", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = kb.ingest(path, progress=progress) if path else ingest_all(kb, settings, progress)
    for p in report.problems:
        typer.echo(f"warning: {p}", err=True)
    typer.echo(json.dumps({**report.counts(), "total": report.total}))


@kb_app.command("search")
def search(query: str, market: Optional[str] = typer.Option(None, help="e.g. DE; EU-wide and global documents match too"),
           topic: Optional[str] = typer.Option(None, help="e.g. vat"), k: int = typer.Option(5, min=1, max=50),
           mode: str = typer.Option("hybrid", help="hybrid | dense | keyword"),
           as_json: bool = typer.Option(False, "--json", help="print the hits as JSON")) -> None:
    """Search the knowledge base (any language); prints ranked sections with their sources."""
    if mode not in ("hybrid", "dense", "keyword"):
        typer.echo("error: --mode must be hybrid, dense or keyword", err=True)
        raise typer.Exit(2)
    _, kb = _open()
    if not kb.count():
        typer.echo("The knowledge base is empty: run `chuhai kb ingest` first.", err=True)
    hits = kb.search(query, k=k, market=market, topic=topic, mode=mode)
    if as_json:
        typer.echo(json.dumps([h.model_dump() for h in hits], ensure_ascii=False, indent=1))
        return
    for i, h in enumerate(hits, 1):
        typer.echo(f"{i}. [{h.score:.4f}] {h.title} > {h.section}  ({h.chunk_id}; {h.source}; "
                   f"markets {','.join(h.markets) or 'all'})")
        typer.echo("   " + (h.text[:240] + ("…" if len(h.text) > 240 else "")))
