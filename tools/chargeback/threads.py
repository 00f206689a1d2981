"""A customer's support conversations, read from the graph's checkpointer, as dispute
evidence (the customer's own messages and the whole thread).

The graph keeps every thread in its SQLite checkpointer (settings.checkpoint_path) and
the thread index (graphs/threads.py: ``chuhai_threads``) next to it. A customer's
threads are those on the customer channel that a ``customer:<id>`` key opened, or in
which the support agent authenticated that customer (``store.privacy_parts.thread_owner``,
the rule the privacy export uses). The file is opened read-only; a store without a
checkpoint file, or a Postgres checkpointer, holds no threads this reader can see, and
the evidence then says "not held" (never "no messages").

Transcripts are the checkpointed ones: already redacted (e-mails, cards, phones, names,
street addresses) by the input and output guards.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from store.privacy_parts import thread_owner


@dataclass
class CustomerThread:
    thread_id: str
    channel: str
    created_at: str | None
    updated_at: str | None
    transcript: list[dict] = field(default_factory=list)

    @property
    def customer_messages(self) -> list[str]:
        return [t.get("content", "") for t in self.transcript if t.get("role") == "user"]


@dataclass
class ThreadsFound:
    readable: bool            # False: no checkpointer this reader can open
    threads: list[CustomerThread]
    note: str = ""


def _open(path: str) -> sqlite3.Connection | None:
    if not path or "://" in path or not Path(path).is_file():
        return None
    return sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, check_same_thread=False)


def _saver(conn: sqlite3.Connection, keyring):
    """The graph's own reader: checkpoints are sealed with the store's keys when the runner
    has them (graphs/checkpoint_crypto.py)."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    from graphs.checkpoint_crypto import encrypted_serde

    saver = SqliteSaver(conn, serde=encrypted_serde(keyring) if keyring is not None else None)
    saver.is_setup = True  # read-only: never create tables
    return saver


def _iso(ns: int | None) -> str | None:
    return None if ns is None else datetime.fromtimestamp(ns / 1e9, timezone.utc).isoformat(timespec="seconds")


def _has(conn: sqlite3.Connection, table: str) -> bool:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    return found is not None


def _candidates(conn: sqlite3.Connection, user_id: str) -> list[tuple[str, str, str | None, str | None, bool]]:
    """(thread id, channel, created, updated, known to be the customer's) of the threads
    that may be the customer's: their own key's and customer-channel threads of other keys
    from the thread index, plus threads the index has not caught up with (its writes are
    group-committed after the run)."""
    out, indexed = [], set()
    if _has(conn, "chuhai_threads"):
        for tid, owner, ch, c, u in conn.execute(
                "SELECT thread_id, owner, channel, created_ns, updated_ns FROM chuhai_threads ORDER BY created_ns"):
            indexed.add(tid)
            if owner == f"customer:{user_id}" or ch == "customer":
                out.append((tid, ch, _iso(c), _iso(u), owner == f"customer:{user_id}"))
    for (tid,) in conn.execute("SELECT DISTINCT thread_id FROM checkpoints WHERE checkpoint_ns = ''"):
        if tid not in indexed:
            out.append((tid, "", None, None, False))
    return out


def customer_threads(checkpoint_path: str, user_id: str, keyring=None) -> ThreadsFound:
    conn = _open(checkpoint_path)
    if conn is None:
        return ThreadsFound(False, [], "no conversation store this agent can read (checkpointer file missing or "
                                       "not SQLite)")
    try:
        if not _has(conn, "checkpoints"):
            return ThreadsFound(True, [], "no conversation has been recorded yet")
        saver, found = _saver(conn, keyring), []
        for tid, channel, created, updated, own in _candidates(conn, user_id):
            tup = saver.get_tuple({"configurable": {"thread_id": tid, "checkpoint_ns": ""}})
            values = (tup.checkpoint or {}).get("channel_values") or {} if tup else {}
            if own or thread_owner(values) == user_id:
                found.append(CustomerThread(tid, channel or values.get("channel", ""), created, updated,
                                            list(values.get("transcript") or [])))
        return ThreadsFound(True, found)
    except (sqlite3.DatabaseError, ValueError, NotImplementedError) as e:  # unreadable file or key
        return ThreadsFound(False, [], f"the conversation store could not be read ({type(e).__name__})")
    finally:
        conn.close()
