"""The append-only audit log: who (role; customers by pseudonym) did what (a tool, an
export, a privacy request) about whom (the customer's pseudonym), when, and the outcome.

Append-only is enforced by the database, not by convention: triggers refuse every
UPDATE and DELETE of ``audit_log`` (SQLite; a trigger function on Postgres), installed
each time a store opens. Rows hold no raw user id, e-mail or tool argument, so erasing a
customer never has to touch them (docs/DATA_SECURITY.md says why they are kept).

Each entry is its own small write, committed before the caller gets its result: an
audit row is not lost with a crash that happens later in the run. On SQLite it is one
autocommitted INSERT on a pooled DBAPI connection (~50 us of CPU; through SQLAlchemy's
connection, transaction and statement layers it was ~300 us, on every tool call).
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Engine, func, insert, select

from .engine import WRITE_OPTION
from .models import AuditEntry
from .pseudonyms import Pseudonymizer

APPEND_ONLY_MESSAGE = "audit_log is append-only"
_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{op.lower()} BEFORE {op} ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
    for op in ("UPDATE", "DELETE")]
_COLUMNS = ("at", "actor", "action", "subject", "outcome", "detail")
_INSERT = insert(AuditEntry)
_SQLITE_INSERT = f"INSERT INTO audit_log ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
_POSTGRES_DDL = [
    "CREATE OR REPLACE FUNCTION chuhai_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION chuhai_audit_append_only()",
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION chuhai_audit_append_only()",
]


def install_append_only(conn) -> None:
    """(Re)create the guards; idempotent, run inside the store's set-up transaction."""
    name = conn.dialect.name
    statements = _SQLITE_TRIGGERS if name == "sqlite" else _POSTGRES_DDL if name == "postgresql" else None
    if statements is None:
        raise RuntimeError(f"no append-only guard for the audit log on {name}: add one in store/audit.py")
    for stmt in statements:
        conn.exec_driver_sql(stmt)


def subject_of(acting_user_id: str | None, args: dict, result) -> str | None:
    """The customer a tool call concerns: the authenticated customer, else a user_id
    argument, else the user_id in the result (a look-up's answer, an order's owner)."""
    if acting_user_id:
        return acting_user_id
    if isinstance(args, dict) and isinstance(args.get("user_id"), str):
        return args["user_id"]
    if isinstance(result, dict) and isinstance(result.get("user_id"), str):
        return result["user_id"]
    return None


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class AuditLog:
    """Writes and reads the audit log of one store (``Store.audit``)."""

    def __init__(self, engine: Engine, lock, pseudonyms: Pseudonymizer, clock=_utcnow):
        self.engine, self._lock, self.pseudonyms, self.clock = engine, lock, pseudonyms, clock
        self._sqlite = engine.dialect.name == "sqlite"

    def record(self, role: str, action: str, *, subject_user_id: str | None = None, outcome: str = "ok",
               detail: str | None = None) -> None:
        row = {"at": self.clock(), "actor": self.pseudonyms.actor(role)[:120], "action": action[:80],
               "subject": self.pseudonyms.user(subject_user_id) if subject_user_id else None,
               "outcome": outcome[:32], "detail": detail[:300] if detail else None}
        if self._sqlite:  # the store's connections are in autocommit mode (store/engine.py)
            params = [row[c] for c in _COLUMNS]
            params[0] = params[0].isoformat(" ", "microseconds")  # SQLAlchemy's SQLite DATETIME text
            with self._lock:
                raw = self.engine.raw_connection()
                try:
                    raw.driver_connection.execute(_SQLITE_INSERT, params)
                finally:
                    raw.close()
            return
        with self._lock, self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                conn.execute(_INSERT, row)

    def record_tool_call(self, role: str, tool: str, *, acting_user_id: str | None, args: dict, result,
                         outcome: str) -> None:
        """One tool call; arguments and results are never stored, only whom they concerned."""
        self.record(role, f"tool:{tool}", subject_user_id=subject_of(acting_user_id, args, result),
                    outcome=outcome)

    def entries(self, *, subject_user_id: str | None = None, limit: int | None = None) -> list[dict]:
        """Entries oldest first (of one customer when subject_user_id is given)."""
        stmt = select(AuditEntry.__table__).order_by(AuditEntry.id)
        if subject_user_id is not None:
            stmt = stmt.where(AuditEntry.subject == self.pseudonyms.user(subject_user_id))
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._lock, self.engine.connect() as conn, conn.begin():
            rows = conn.execute(stmt).all()
        return [{"id": r.id, "at": r.at.isoformat(), "actor": r.actor, "action": r.action, "subject": r.subject,
                 "outcome": r.outcome, "detail": r.detail} for r in rows]

    def count(self, *, subject_user_id: str | None = None) -> int:
        stmt = select(func.count()).select_from(AuditEntry)
        if subject_user_id is not None:
            stmt = stmt.where(AuditEntry.subject == self.pseudonyms.user(subject_user_id))
        with self._lock, self.engine.connect() as conn, conn.begin():
            return int(conn.execute(stmt).scalar())
