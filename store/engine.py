"""Engine set-up: SQLite (the default) in WAL mode with a busy timeout, or any other URL.

SQLite note: pysqlite normally opens transactions lazily and in DEFERRED mode, so two
writers can both read an order, both pass the checks, and only then fight over the write
lock. We switch pysqlite's own transaction handling off and emit BEGIN ourselves:
``BEGIN IMMEDIATE`` for connections marked with the execution option ``chuhai_write``
(the write lock is taken *before* anything is read), plain ``BEGIN`` otherwise. In WAL
mode readers never block the writer and see a consistent snapshot.

In-memory SQLite is one connection shared by all threads (StaticPool); the store puts a
process lock around every transaction for it (see ``is_memory_sqlite``).
"""
from __future__ import annotations

from pathlib import Path

try:  # optional speed-up: export decodes ~5,000 small JSON values (options, tracking ids)
    import orjson

    _ENGINE_KW: dict = {"json_deserializer": orjson.loads}
except ImportError:  # pragma: no cover - the standard library decoder is fine, just slower
    _ENGINE_KW = {}

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

WRITE_OPTION = "chuhai_write"
BUSY_TIMEOUT_S = 30


def is_memory_sqlite(url: str) -> bool:
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return False
    db = u.database or ""
    return db in ("", ":memory:") or "mode=memory" in str(u)


def create_store_engine(url: str) -> Engine:
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        # Postgres & co.: writes lock the user's row with SELECT ... FOR UPDATE instead.
        return create_engine(u, pool_pre_ping=True, **_ENGINE_KW)

    memory = is_memory_sqlite(url)
    kwargs: dict = {"connect_args": {"check_same_thread": False, "timeout": BUSY_TIMEOUT_S},
                    **_ENGINE_KW}
    if memory:
        kwargs["poolclass"] = StaticPool
    elif u.database and not u.database.startswith("file:"):
        Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(u, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see module doc)
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # durable enough in WAL, much faster
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
