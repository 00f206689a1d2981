"""Where a customer's data lives outside the store's tables: checkpointed conversation
threads (LangGraph checkpointer) and FAQ entries the knowledge base learned from them.

Both parts are duck-typed (a checkpointer with ``list``/``get_tuple``/``delete_thread``;
a knowledge base with ``ingest``) so store/ does not depend on graphs/ or vectorstore/.
"""
from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

THREAD_FIELDS = ("channel", "role", "thread_language", "sessions", "transcript")
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)


def _strings(obj: Any) -> Iterator[str]:
    """Every string inside a checkpointed value (keys too)."""
    stack = [obj]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            yield x
        elif isinstance(x, dict):
            stack.extend(x.keys())
            stack.extend(x.values())
        elif isinstance(x, (list, tuple, set)):
            stack.extend(x)
        elif hasattr(x, "__dict__"):
            stack.append(vars(x))


def thread_owner(values: dict) -> str | None:
    """The customer a thread belongs to: the support session's authenticated user, or the
    customer key the thread was opened with."""
    session_user = ((values.get("sessions") or {}).get("support") or {}).get("user_id")
    role = values.get("role") or ""
    return session_user or (role.split(":", 1)[1] if role.startswith("customer:") else None)


class ThreadsPart:
    def __init__(self, checkpointer):
        self.saver = checkpointer

    def find(self, user_id: str, needles: list[str]) -> dict[str, str]:
        """thread id -> "owner" (the customer's own conversation) or "mention" (another
        thread whose state names the customer, e.g. an operator looking them up). Every
        checkpoint is read, not only the latest: a customer named once still counts."""
        found: dict[str, str] = {}
        lowered = [n.lower() for n in needles if n]
        for tup in self.saver.list(None):
            tid = tup.config["configurable"]["thread_id"]
            if found.get(tid) == "owner":
                continue
            values = (tup.checkpoint or {}).get("channel_values") or {}
            if thread_owner(values) == user_id:
                found[tid] = "owner"
            elif tid not in found and any(n in s.lower() for s in _strings((values, tup.pending_writes))
                                          for n in lowered):
                found[tid] = "mention"
        return found

    def existing(self, thread_ids: list[str]) -> list[str]:
        """Those of thread_ids that have a checkpoint (an inbox ticket names its thread
        before triage has run it)."""
        return [tid for tid in dict.fromkeys(thread_ids)
                if self.saver.get_tuple({"configurable": {"thread_id": tid}}) is not None]

    def export(self, threads: dict[str, str]) -> list[dict]:
        out = []
        for tid, why in sorted(threads.items()):
            tup = self.saver.get_tuple({"configurable": {"thread_id": tid}})
            values = (tup.checkpoint or {}).get("channel_values", {}) if tup else {}
            state = {k: values.get(k) for k in THREAD_FIELDS if k in values}
            out.append({"thread_id": tid, "relation": why, **json.loads(json.dumps(state, default=str))})
        return out

    def erase(self, thread_ids: list[str]) -> int:
        """Delete the threads' checkpoints and pending writes (``delete_thread``). On a
        SQLite checkpointer also every other row keyed by those thread ids in the same
        database (the thread index's titles and run results, graphs/threads.py); freed
        pages are zeroed (secure_delete) and the WAL is checkpointed and truncated."""
        for tid in thread_ids:
            self.saver.delete_thread(tid)
        conn = getattr(self.saver, "conn", None)
        if thread_ids and isinstance(conn, sqlite3.Connection) and hasattr(self.saver, "cursor"):
            with self.saver.cursor() as cur:
                cur.execute("PRAGMA secure_delete=ON")
                tables = [name for (name,) in cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                          .fetchall()]
                keyed = [t for t in tables
                         if "thread_id" in {r[1] for r in cur.execute(f'PRAGMA table_info("{t}")').fetchall()}]
                for t in keyed:
                    cur.executemany(f'DELETE FROM "{t}" WHERE thread_id = ?', [(tid,) for tid in thread_ids])
            with self.saver.cursor(transaction=False) as cur:
                cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(thread_ids)


ERASING_TOOLS = frozenset({"erase_customer_data"})


def forget_thread_if_erased(checkpointer, thread_id: str, executed: list[dict] | None) -> bool:
    """After a run that executed an erasure (an admin approved it on this thread): delete
    the thread. The erasure already deleted it, since it names the customer (their id is
    in the proposal); the run's own write-back (the last checkpoint, the thread index's
    row and RunResult) then wrote it again, the id and the erasure's report in it. The
    run's RunResult still goes back to the caller; the erasure request is the record."""
    if not any(e.get("tool") in ERASING_TOOLS and e.get("ok") for e in executed or ()):
        return False
    ThreadsPart(checkpointer).erase([thread_id])
    return True


class KnowledgePart:
    """Learned FAQ entries (vectorstore/faq.py): Markdown files whose front matter names
    the support thread they came from (``source_thread_id``) and who approved them."""

    def __init__(self, learned_dir: Path | None, kb_factory: Callable[[], Any] | None):
        self.learned_dir, self.kb_factory = learned_dir, kb_factory

    def find(self, thread_ids: set[str], needles: list[str]) -> list[Path]:
        if self.learned_dir is None or not Path(self.learned_dir).is_dir():
            return []
        lowered = [n.lower() for n in needles if n]
        hits = []
        for path in sorted(Path(self.learned_dir).glob("*.md")):
            text = path.read_text(encoding="utf-8")
            m = _FRONT.match(text)
            meta = (yaml.safe_load(m.group(1)) or {}) if m else {}
            if str(meta.get("source_thread_id")) in thread_ids or any(n in text.lower() for n in lowered):
                hits.append(path)
        return hits

    @staticmethod
    def export(paths: list[Path]) -> list[dict]:
        return [{"file": p.name, "text": p.read_text(encoding="utf-8")} for p in paths]

    def erase(self, paths: list[Path], *, reindex: bool = False) -> dict[str, int]:
        """Delete the files, then re-ingest the learned folder, which removes their chunks
        from the index (nothing else is re-embedded: unchanged files are skipped).
        ``reindex`` re-ingests even with no file to delete (finishing an erasure whose
        re-ingest failed after the files were gone)."""
        if not paths and not reindex:
            return {"faq_entries": 0, "chunks_removed": 0}
        for p in paths:
            p.unlink(missing_ok=True)
        if self.kb_factory is None:
            return {"faq_entries": len(paths), "chunks_removed": 0}
        from vectorstore.faq import LEARNED_SCOPE

        report = self.kb_factory().ingest(Path(self.learned_dir), scope=LEARNED_SCOPE)
        return {"faq_entries": len(paths), "chunks_removed": report.deleted}
