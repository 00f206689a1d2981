"""The seller's data: users, orders, products (tau-bench retail seed), handoffs and the
cleaned UCI Online Retail sales history, on SQLAlchemy 2 (SQLite by default).

    from store import Store, ActionRefused
    store = Store(settings.store_db_url)
    retail_dir, sales_csv = default_paths(settings.shared_data_dir)
    store.ensure_seeded(retail_dir, sales_csv)   # loads only what is empty
    store.cancel_pending_order("#W2611340", "no longer needed", acting_user_id="james_li_5688")

Write actions follow shared/data/retail/TOOLS.md exactly (choices where it leaves room are
listed in store/actions.py); a refusal raises ActionRefused and changes nothing.
"""
from .errors import ActionRefused
from .sales import clean_sales_frame
from .store import READ_ACTIONS, WRITE_ACTIONS, Store
from . import inbox  # noqa: E402,F401  (its sealed table on Base: created on open, re-sealed on key rotation)

__all__ = ["ActionRefused", "Store", "clean_sales_frame", "READ_ACTIONS", "WRITE_ACTIONS",
           "default_paths"]


def default_paths(shared_data_dir=None):
    """(retail_dir, sales_csv) under shared_data_dir (default Settings().shared_data_dir)."""
    from pathlib import Path

    if shared_data_dir is None:
        from chuhai.settings import Settings

        shared_data_dir = Settings().shared_data_dir
    base = Path(shared_data_dir)
    return base / "retail", base / "sales" / "online_retail.csv.gz"
