"""`chuhai compliance audit|scan-pii`: the compliance auditor from the command line, with a
progress bar on stderr for the store audit (mounted in chuhai/cli.py like `chuhai kb`)."""
from __future__ import annotations

import json
from typing import Optional

import typer

compliance_app = typer.Typer(help="Compliance: audit the store's listings per market, scan stored data for PII.",
                             no_args_is_help=True)


def _store():
    from chuhai.settings import Settings
    from store import Store, default_paths

    settings = Settings()
    store = Store(settings.store_db_url)
    store.ensure_seeded(*default_paths(settings.shared_data_dir))
    return settings, store


@compliance_app.command()
def audit(market: list[str] = typer.Option([], "--market", "-m", help="market code (repeat); default all"),
          product: Optional[str] = typer.Option(None, help="only products whose name contains this"),
          as_json: bool = typer.Option(False, "--json", help="print the typed result")) -> None:
    """Audit every variant of every store product for each market."""
    from rich.progress import Progress

    import agents  # noqa: F401  (the registry first)
    from agents.compliance_audit import resolve_market
    from agents.compliance_replies import Texts, store_reply
    from agents.compliance_rules import rule_book
    from agents.compliance_store import audit_store, worst_products

    book = rule_book()
    codes = [resolve_market(m, book) for m in market] or list(book.markets)
    if None in codes:
        typer.echo(f"Unsupported market in {market}; supported: {', '.join(book.markets)}", err=True)
        raise typer.Exit(2)
    _, store = _store()
    ids = [p["product_id"] for p in store.find_products_by_name(product)] if product else None
    if product and not ids:
        typer.echo(f"No product named like {product!r}.", err=True)
        raise typer.Exit(2)
    with Progress(transient=True, console=None) as bar:
        task = bar.add_task("auditing", total=None)
        result = audit_store(store, codes, product_ids=ids,
                             progress=lambda n, total: bar.update(task, completed=n, total=total))
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        typer.echo("\n".join(store_reply(Texts("en"), result, worst_products(result))))


@compliance_app.command("scan-pii")
def scan_pii(include_sales: bool = typer.Option(True, help="also scan the sales history's descriptions"),
             limit: int = typer.Option(50, help="findings listed")) -> None:
    """Find card numbers and other personal data stored where they should not be (masked)."""
    import agents  # noqa: F401
    from agents.compliance_privacy import scan_stored_pii
    from vectorstore.faq import learned_dir

    settings, store = _store()
    scan = scan_stored_pii(store, learned_dir(settings), include_sales=include_sales, limit=limit)
    typer.echo(json.dumps(scan.model_dump(exclude={"citations"}), indent=2, ensure_ascii=False))
