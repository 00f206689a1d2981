"""``Store``: the seller's data behind one thread-safe object (see store/__init__.py)."""
from __future__ import annotations

import gc
import inspect
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Connection, bindparam, event, func, insert, select

from . import actions, rekey, sales, seed, subject
from .audit import AuditLog, install_append_only
from .crypto import KEYRING_ATTR, Keyring
from .engine import WRITE_OPTION, create_store_engine, is_memory_sqlite
from .errors import ActionRefused
from .models import Base, Handoff, Order, Product, SalesLine, User
from .pseudonyms import Pseudonymizer
from .serialize import build_orders, build_products, build_users

READ_ACTIONS = ("find_user_id_by_email", "find_user_id_by_name_zip", "get_user_details",
                "get_order_details", "get_product_details", "list_all_product_types",
                "find_products_by_name")
WRITE_ACTIONS = ("cancel_pending_order", "modify_pending_order_address", "modify_user_address",
                 "modify_pending_order_payment", "modify_pending_order_items",
                 "exchange_delivered_order_items", "return_delivered_order_items")
_OWNED_READS = ("get_user_details", "get_order_details")
_DRY_RUN: ContextVar[bool] = ContextVar("chuhai_store_dry_run", default=False)
"""Set by check_action: write transactions roll back instead of committing."""
# authentication look-ups by blind index (the columns are sealed), built once (building a
# statement costs more than running it)
_USER_BY_EMAIL = select(User.id).where(User.email_bidx == bindparam("bidx")).order_by(User.seq).limit(1)
_USER_BY_NAME_ZIP = select(User.id).where(User.name_zip_bidx == bindparam("bidx")).order_by(User.seq).limit(1)


def _secure_delete(dbapi_conn, _record) -> None:  # noqa: ANN001
    """Deleted rows are overwritten with zeros, not left in free pages (erasure)."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Export allocates ~40,000 acyclic dicts and lists; the cyclic GC would run dozens of
    times meanwhile (scanning every live object on full passes) for nothing: ~35% of
    export time. Pause it; whoever paused it re-enables it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Store:
    """The retail store (users, orders, products), handoffs and the sales history.

    Every public method runs in its own transaction; writes take the write lock before
    reading, so concurrent writes are serialised and each sees the other's result.
    Safe to share one instance between threads.
    """

    def __init__(self, url: str, *, keyring: Keyring | None = None):
        """keyring: the store's keys (store/keys.py); default: from Settings() (CHUHAI_STORE_KEY
        & co., else the key file under CHUHAI_DATA_DIR)."""
        if keyring is None:
            from chuhai.settings import Settings

            from .keys import load_keyring

            keyring = load_keyring(Settings(), url)
        self.url, self.keyring = url, keyring
        self.pseudonyms = Pseudonymizer(keyring.pseudonym_key)
        self.engine = create_store_engine(url)
        setattr(self.engine.dialect, KEYRING_ATTR, keyring)  # what the sealed column types use
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _secure_delete)
        # in-memory SQLite is a single shared connection: serialise whole transactions
        self._lock = threading.RLock() if is_memory_sqlite(url) else nullcontext()
        with self._tx(write=True) as conn:  # under the write lock: two processes may start at once
            legacy = rekey.needs_migration(conn)
            Base.metadata.create_all(conn)
            install_append_only(conn)
            if legacy:  # a store from before encryption: sealed now, in this same transaction
                rekey.add_index_columns(conn)
                counts = rekey.reencrypt(lambda write=False: nullcontext(conn), keyring, legacy_plaintext=True)
        if legacy:
            from chuhai.logs import get_logger

            get_logger("chuhai.store").warning("store_encrypted_on_open", rows=counts)
        self.audit = AuditLog(self.engine, self._lock, self.pseudonyms)

    def close(self) -> None:
        """Close pooled connections (SQLite then checkpoints and removes its WAL file)."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    def transaction(self, write: bool = False):
        """A transaction for store/ modules with statements of their own (privacy, rekey)."""
        return self._tx(write)

    @contextmanager
    def _tx(self, write: bool = False) -> Iterator[Connection]:
        with self._lock, self.engine.connect() as conn:
            if write:
                conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin() as trans:
                yield conn
                if write and _DRY_RUN.get():
                    trans.rollback()

    # ------------------------------------------------------------ seed, export, sales
    def reset(self, retail_dir: Path, sales_csv: Path | None = None) -> dict[str, int]:
        """Reload the retail seed from scratch (and the sales history if sales_csv is given).

        Handoffs are cleared too; the sales history is kept unless sales_csv is given.
        """
        rows = self._seed_rows(retail_dir)
        frame = sales.read_sales_csv(Path(sales_csv)) if sales_csv is not None else None
        with self._tx(write=True) as conn:
            seed.clear_retail(conn)
            counts = seed.insert_rows(conn, rows)
            if frame is not None:
                counts["sales_lines"] = sales.replace_sales(conn, frame)
        return counts

    def ensure_seeded(self, retail_dir: Path, sales_csv: Path | None = None) -> bool:
        """Seed what is empty (retail tables; sales too when sales_csv is given).

        Returns True if anything was loaded.
        """
        with self._tx() as conn:
            has_retail = conn.execute(select(func.count()).select_from(User)).scalar() > 0
            has_sales = conn.execute(select(SalesLine.id).limit(1)).first() is not None
        need_sales = sales_csv is not None and not has_sales
        if has_retail and not need_sales:
            return False
        rows = None if has_retail else self._seed_rows(retail_dir)
        frame = sales.read_sales_csv(Path(sales_csv)) if need_sales else None
        loaded = False
        with self._tx(write=True) as conn:  # re-check under the lock: another process may have won
            if rows is not None and not conn.execute(select(User.id).limit(1)).first():
                seed.clear_retail(conn)
                seed.insert_rows(conn, rows)
                loaded = True
            if frame is not None and not conn.execute(select(SalesLine.id).limit(1)).first():
                sales.replace_sales(conn, frame)
                loaded = True
        return loaded

    def _seed_rows(self, retail_dir: Path) -> dict[type, list[dict]]:
        rows = seed.to_rows(seed.read_retail(retail_dir))
        seed.add_blind_indexes(rows, self.keyring)
        return rows

    def load_sales(self, sales_csv: Path) -> int:
        """(Re)load only the cleaned sales history; returns the number of lines."""
        frame = sales.read_sales_csv(Path(sales_csv))
        with self._tx(write=True) as conn:
            return sales.replace_sales(conn, frame)

    def export(self) -> dict:
        """{"users", "orders", "products"} in exactly the schema of the retail JSON files."""
        with _gc_paused(), self._tx() as conn:
            return {"users": build_users(conn), "orders": build_orders(conn),
                    "products": build_products(conn)}

    def sales_summary(self) -> dict:
        with self._tx() as conn:
            return sales.summary(conn)

    # ------------------------------------------------------------ reads (TOOLS.md)
    def find_user_id_by_email(self, email: str) -> str:
        bidx = self.keyring.email_index(actions.text_arg(email, "email"))
        with self._tx() as conn:
            uid = conn.execute(_USER_BY_EMAIL, {"bidx": bidx}).scalar()
        if uid is None:
            raise ActionRefused(f"No user has the e-mail address {email}.", code="not_found")
        return uid

    def find_user_id_by_name_zip(self, first_name: str, last_name: str, zip: str) -> str:
        first = actions.text_arg(first_name, "first_name").strip().lower()
        last = actions.text_arg(last_name, "last_name").strip().lower()
        zip_code = actions.text_arg(zip, "zip").strip()
        bidx = self.keyring.name_zip_index(first, last, zip_code)
        with self._tx() as conn:
            uid = conn.execute(_USER_BY_NAME_ZIP, {"bidx": bidx}).scalar()
        if uid is None:
            raise ActionRefused(f"No user named {first_name} {last_name} with zip code "
                                f"{zip_code} was found.", code="not_found")
        return uid

    def get_user_details(self, user_id: str, *, acting_user_id: str | None = None) -> dict:
        user_id = actions.text_arg(user_id, "user_id")
        actions.check_owner(user_id, acting_user_id, f"User {user_id}")
        with self._tx() as conn:
            found = build_users(conn, [user_id])
        if not found:
            raise ActionRefused(f"User {user_id} was not found.", code="not_found")
        return found[user_id]

    def get_order_details(self, order_id: str, *, acting_user_id: str | None = None) -> dict:
        order_id = actions.text_arg(order_id, "order_id")
        with self._tx() as conn:
            found = build_orders(conn, [order_id])
        if not found:
            raise ActionRefused(f"Order {order_id} was not found.", code="not_found")
        actions.check_owner(found[order_id]["user_id"], acting_user_id, f"Order {order_id}")
        return found[order_id]

    def get_product_details(self, product_id: str) -> dict:
        product_id = actions.text_arg(product_id, "product_id")
        with self._tx() as conn:
            found = build_products(conn, [product_id])
        if not found:
            raise ActionRefused(f"Product {product_id} was not found (product ids are not item "
                                f"ids; see list_all_product_types).", code="not_found")
        return found[product_id]

    def list_all_product_types(self) -> dict[str, str]:
        with self._tx() as conn:
            rows = conn.execute(select(Product.name, Product.id)).all()
        return dict(sorted((name, pid) for name, pid in rows))

    def find_products_by_name(self, text: str) -> list[dict]:
        """Products whose name contains text (case-insensitive), full details, by name."""
        needle = actions.text_arg(text, "text").strip().lower()
        with self._tx() as conn:
            ids = conn.execute(select(Product.id).where(
                func.lower(Product.name).contains(needle, autoescape=True))
                .order_by(Product.name)).scalars().all()
            found = build_products(conn, ids)
        return [found[i] for i in ids]

    def list_orders(self, *, user_id: str | None = None, status: str | None = None) -> list[str]:
        """Order ids (seed order), optionally of one user and/or in one status."""
        stmt = select(Order.id).order_by(Order.seq)
        if user_id is not None:
            stmt = stmt.where(Order.user_id == user_id)
        if status is not None:
            stmt = stmt.where(Order.status == status)
        with self._tx() as conn:
            return list(conn.execute(stmt).scalars())

    # ------------------------------------------------------------ writes (TOOLS.md)
    def cancel_pending_order(self, order_id, reason, *, acting_user_id=None) -> dict:
        with self._tx(write=True) as conn:
            return actions.cancel_pending_order(conn, order_id, reason, acting_user_id)

    def modify_pending_order_address(self, order_id, address1, address2, city, state, country,
                                     zip, *, acting_user_id=None) -> dict:
        address = actions.address_fields(address1, address2, city, state, country, zip)
        with self._tx(write=True) as conn:
            return actions.modify_pending_order_address(conn, order_id, address, acting_user_id)

    def modify_user_address(self, user_id, address1, address2, city, state, country, zip, *,
                            acting_user_id=None) -> dict:
        address = actions.address_fields(address1, address2, city, state, country, zip)
        with self._tx(write=True) as conn:
            user = actions.modify_user_address(conn, user_id, address, acting_user_id)
            rekey.refresh_blind_indexes(conn, self.keyring, [str(user_id)])  # the zip is in one
            return user

    def modify_pending_order_payment(self, order_id, payment_method_id, *,
                                     acting_user_id=None) -> dict:
        with self._tx(write=True) as conn:
            return actions.modify_pending_order_payment(conn, order_id, payment_method_id,
                                                        acting_user_id)

    def modify_pending_order_items(self, order_id, item_ids, new_item_ids, payment_method_id, *,
                                   acting_user_id=None) -> dict:
        with self._tx(write=True) as conn:
            return actions.modify_pending_order_items(conn, order_id, item_ids, new_item_ids,
                                                      payment_method_id, acting_user_id)

    def exchange_delivered_order_items(self, order_id, item_ids, new_item_ids,
                                       payment_method_id, *, acting_user_id=None) -> dict:
        with self._tx(write=True) as conn:
            return actions.exchange_delivered_order_items(conn, order_id, item_ids,
                                                          new_item_ids, payment_method_id,
                                                          acting_user_id)

    def return_delivered_order_items(self, order_id, item_ids, payment_method_id, *,
                                     acting_user_id=None) -> dict:
        with self._tx(write=True) as conn:
            return actions.return_delivered_order_items(conn, order_id, item_ids,
                                                        payment_method_id, acting_user_id)

    def transfer_to_human_agents(self, summary: str, *, user_id: str | None = None) -> str:
        """Record a handoff to a person (no change to the exported store); returns its id."""
        summary = actions.text_arg(summary, "summary")
        handoff_id = f"handoff_{uuid.uuid4().hex[:16]}"
        with self._tx(write=True) as conn:
            conn.execute(insert(Handoff).values(id=handoff_id, user_id=user_id, summary=summary,
                                                created_at=datetime.now(timezone.utc)
                                                .replace(tzinfo=None), status="open"))
        return handoff_id

    def list_handoffs(self) -> list[dict]:
        with self._tx() as conn:
            rows = conn.execute(select(Handoff.__table__).order_by(Handoff.created_at)).all()
        return [{"id": r.id, "user_id": r.user_id, "summary": r.summary, "status": r.status,
                 "created_at": r.created_at.isoformat()} for r in rows]

    # ------------------------------------------------------------ privacy and keys
    def subject_record(self, user_id: str) -> dict | None:
        """What the store holds about one customer (store/subject.py); None if nothing."""
        with self._tx() as conn:
            return subject.subject_record(conn, user_id)

    def subject_email(self, user_id: str) -> str | None:
        with self._tx() as conn:
            return subject.subject_email(conn, user_id)

    def erase_subject(self, user_id: str) -> dict[str, int]:
        """Delete one customer's rows (zeroed on disk: secure_delete, then the WAL is
        checkpointed and truncated so no old page copy stays there)."""
        with self._tx(write=True) as conn:
            counts = subject.erase_subject(conn, user_id)
        if self.engine.dialect.name == "sqlite" and not is_memory_sqlite(self.url):
            with self._lock:
                raw = self.engine.raw_connection()
                try:
                    raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                finally:
                    raw.close()
        return counts

    def reencrypt(self) -> dict[str, int]:
        """Re-seal every value under the current key and refresh the blind indexes."""
        return rekey.reencrypt(self._tx, self.keyring)

    def key_usage(self) -> dict[str, int]:
        """Stored values per key id that sealed them."""
        return dict(rekey.key_usage(self._tx))

    # ------------------------------------------------------------ dispatch
    def check_action(self, name: str, kwargs: dict, *,
                     acting_user_id: str | None = None) -> str | None:
        """Dry run of apply(): None if the action would succeed right now, otherwise the
        refusal message. The write runs for real inside its transaction and is rolled back,
        so every check (ownership, status, balances, variants) is exactly apply()'s."""
        token = _DRY_RUN.set(True)
        try:
            self.apply(name, kwargs, acting_user_id=acting_user_id)
        except ActionRefused as exc:
            return exc.message
        finally:
            _DRY_RUN.reset(token)
        return None

    def apply(self, name: str, kwargs: dict, *, acting_user_id: str | None = None):
        """Run the action called name with kwargs (a task's reference action, a tool call).

        acting_user_id is the authenticated customer: writes and the user/order reads must
        concern that user; it is never taken from kwargs.
        """
        known = READ_ACTIONS + WRITE_ACTIONS + ("transfer_to_human_agents",)
        if name not in known:
            raise ActionRefused(f"Unknown action {name!r}; known actions: {', '.join(known)}.",
                                code="bad_argument")
        kwargs = dict(kwargs or {})
        if "acting_user_id" in kwargs:
            raise ActionRefused("acting_user_id cannot be passed as an argument.",
                                code="bad_argument")
        method = getattr(self, name)
        try:
            inspect.signature(method).bind(**kwargs)
        except TypeError as exc:
            raise ActionRefused(f"Bad arguments for {name}: {exc}.", code="bad_argument") from exc
        if name in WRITE_ACTIONS or name in _OWNED_READS:
            return method(**kwargs, acting_user_id=acting_user_id)
        if name == "transfer_to_human_agents":
            kwargs.setdefault("user_id", acting_user_id)
        return method(**kwargs)
