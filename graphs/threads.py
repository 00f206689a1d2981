"""An index of threads, their runs' results and their pending actions, for listing.

LangGraph's checkpoint tables can answer "what is thread X's state" but not "which
threads does customer Y have" or "what waits for approval" without reading every
checkpoint. So the runner keeps two small tables next to the checkpoints, in the same
SQLite database, written through the checkpointer's own connection and lock:

- `chuhai_threads`: one row per thread (owner = the role that started it, channel,
  title = its first redacted message, times, last status, pending actions as JSON);
- `chuhai_runs`: the RunResult of every run and resume, for thread history.

Correct under several API processes sharing the file: every write is one transaction;
a thread's row only moves forward, to a later checkpoint (LangGraph's checkpoint ids
sort in time order per thread), so a slow process cannot overwrite a newer state with
an older one; and a new Runner re-indexes threads whose latest checkpoint is ahead of
their row (`stale_threads`): threads from before the index existed, or a process that
died between saving the checkpoint and its row (that run's RunResult is then missing
from history; the transcript, in the checkpoint, has it).

Cost: one transaction of two rows per run, ~0.1 ms on this machine. Handing the writes
to a background thread was tried and measured worse on two busy cores: the writer
shares the checkpointer's lock and, descheduled while holding it, stalled runs by
milliseconds, and its CPU per run was higher than writing in place.
"""
from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from contextlib import contextmanager
from typing import Any

from guards.pii import ALL_KINDS, PII_FIELDS, redact, redact_json
from store.crypto import is_sealed

TITLE_CHARS = 120
SCHEMA = """
CREATE TABLE IF NOT EXISTS chuhai_threads (
    thread_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    channel TEXT NOT NULL,
    title TEXT NOT NULL,
    created_ns INTEGER NOT NULL,
    updated_ns INTEGER NOT NULL,
    checkpoint_id TEXT NOT NULL,
    last_run_id TEXT NOT NULL,
    status TEXT NOT NULL,
    route TEXT NOT NULL,
    pending TEXT NOT NULL,
    pending_count INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chuhai_threads_by_created ON chuhai_threads (created_ns, thread_id);
CREATE INDEX IF NOT EXISTS chuhai_threads_by_owner ON chuhai_threads (owner, created_ns, thread_id);
CREATE INDEX IF NOT EXISTS chuhai_threads_pending ON chuhai_threads (updated_ns, thread_id) WHERE pending_count > 0;
CREATE TABLE IF NOT EXISTS chuhai_runs (
    thread_id TEXT NOT NULL,
    checkpoint_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    created_ns INTEGER NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (thread_id, checkpoint_id)
);
"""
UPSERT = """
INSERT INTO chuhai_threads (thread_id, owner, channel, title, created_ns, updated_ns, checkpoint_id, last_run_id,
                            status, route, pending, pending_count)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (thread_id) DO UPDATE SET
    channel = excluded.channel, updated_ns = excluded.updated_ns, checkpoint_id = excluded.checkpoint_id,
    last_run_id = excluded.last_run_id, status = excluded.status, route = excluded.route,
    pending = excluded.pending, pending_count = excluded.pending_count
WHERE excluded.checkpoint_id > chuhai_threads.checkpoint_id
"""
THREAD_COLUMNS = ("thread_id, owner, channel, title, created_ns, updated_ns, last_run_id, status, route, "
                  "pending_count, (SELECT COUNT(*) FROM chuhai_runs r WHERE r.thread_id = t.thread_id) AS runs")
SEES_ALL = ("admin", "operator")


RESULT_LABEL = "thread_run_result"


class BadCursor(ValueError):
    """A pagination cursor this index did not hand out."""


class ThreadIndex:
    """The index over a SqliteSaver. It also wraps the saver's `put` to learn which
    checkpoint each run ended on (the graph and graphs/direct.py both save through it)."""

    def __init__(self, saver, keyring=None):
        """`keyring`: the store's keys; run results are then sealed at rest (AES-256-GCM)
        like the checkpoints. Pending actions are listed with their PII fields redacted:
        the real arguments stay in the (encrypted) checkpoint the approval resumes from."""
        self.saver, self.keyring = saver, keyring
        self._latest: dict[str, str] = {}
        self._latest_lock = threading.Lock()
        with saver.cursor() as cur:
            cur.executescript(SCHEMA)
        put = saver.put

        def tracked_put(config, checkpoint, metadata, new_versions):
            saved = put(config, checkpoint, metadata, new_versions)
            conf = config["configurable"]
            if not conf.get("checkpoint_ns"):
                with self._latest_lock:
                    if checkpoint["id"] > self._latest.get(conf["thread_id"], ""):
                        self._latest[conf["thread_id"]] = checkpoint["id"]
            return saved

        saver.put = tracked_put
        delete = saver.delete_thread

        def delete_thread(thread_id):
            """Deleting a thread (privacy erasure) deletes its rows here too."""
            delete(thread_id)
            with saver.cursor() as cur:
                cur.execute("DELETE FROM chuhai_runs WHERE thread_id = ?", (str(thread_id),))
                cur.execute("DELETE FROM chuhai_threads WHERE thread_id = ?", (str(thread_id),))

        saver.delete_thread = delete_thread

    # -- writes -------------------------------------------------------------------------
    @contextmanager
    def tracking(self, thread_id: str):
        """Forget what a run that raised had saved: its row is left to the next run or
        to the next start's `stale_threads`."""
        try:
            yield
        except BaseException:
            with self._latest_lock:
                self._latest.pop(thread_id, None)
            raise

    def record(self, thread_id: str, values: dict, status: str, pending: list[dict],
               result_json: str | None, checkpoint_id: str | None = None) -> None:
        """The thread's row as of the run that just ended, and the run's RunResult.
        `checkpoint_id` defaults to the last checkpoint this process saved for the thread."""
        with self._latest_lock:
            saved = self._latest.pop(thread_id, None)
        checkpoint_id = checkpoint_id or saved or self._head_id(thread_id)
        if checkpoint_id is None:
            return
        now = time.time_ns()
        run_id = values.get("run_id", "")
        actions = [{**redact_json(a), "summary": _redacted_summary(a), "proposed_ns": now} for a in pending]
        if result_json is not None and self.keyring is not None:
            result_json = self.keyring.seal(result_json, RESULT_LABEL)
        row = (thread_id, values.get("role", ""), values.get("channel", ""),
               (values.get("redacted") or "")[:TITLE_CHARS], now, now, checkpoint_id, run_id, status,
               json.dumps(values.get("route", [])), json.dumps(actions, ensure_ascii=False, default=str) if actions
               else "[]", len(actions))
        with self.saver.cursor() as cur:
            cur.execute(UPSERT, row)
            if result_json is not None:
                cur.execute("INSERT OR IGNORE INTO chuhai_runs VALUES (?, ?, ?, ?, ?)",
                            (thread_id, checkpoint_id, run_id, now, result_json))

    def stale_threads(self) -> list[str]:
        """Threads whose latest checkpoint is newer than their row, or that have none."""
        with self.saver.cursor(transaction=False) as cur:
            return [r[0] for r in cur.execute(
                "SELECT c.thread_id FROM (SELECT thread_id, MAX(checkpoint_id) AS head FROM checkpoints "
                "WHERE checkpoint_ns = '' GROUP BY thread_id) c LEFT JOIN chuhai_threads t USING (thread_id) "
                "WHERE t.checkpoint_id IS NULL OR t.checkpoint_id < c.head")]

    def _head_id(self, thread_id: str) -> str | None:
        saved = self.saver.get_tuple({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}})
        return saved.checkpoint["id"] if saved else None

    # -- reads --------------------------------------------------------------------------
    def threads(self, viewer: str, limit: int, cursor: str | None = None) -> tuple[list[dict], str | None]:
        """Threads `viewer` may see, newest first, and the cursor of the next page."""
        where, args = _visible(viewer)
        if cursor:
            created_ns, thread_id = _decode(cursor, 2)
            where.append("(created_ns, thread_id) < (?, ?)")
            args += [created_ns, thread_id]
        sql = (f"SELECT {THREAD_COLUMNS} FROM chuhai_threads t {_where(where)} "
               "ORDER BY created_ns DESC, thread_id DESC LIMIT ?")
        rows = self._query(sql, [*args, limit + 1])
        page = [_thread(r) for r in rows[:limit]]
        more = _encode(rows[limit - 1]["created_ns"], rows[limit - 1]["thread_id"]) if len(rows) > limit else None
        return page, more

    def thread(self, thread_id: str) -> dict | None:
        rows = self._query(f"SELECT {THREAD_COLUMNS} FROM chuhai_threads t WHERE thread_id = ?", [thread_id])
        return _thread(rows[0]) if rows else None

    def runs(self, thread_id: str, limit: int, cursor: str | None = None) -> tuple[list[dict], str | None]:
        """The thread's RunResults, oldest first, and the cursor of the next page."""
        args: list[Any] = [thread_id]
        after = ""
        if cursor:
            (checkpoint_id,) = _decode(cursor, 1)
            after, args = "AND checkpoint_id > ?", [thread_id, checkpoint_id]
        rows = self._query(f"SELECT checkpoint_id, result FROM chuhai_runs WHERE thread_id = ? {after} "
                           "ORDER BY checkpoint_id LIMIT ?", [*args, limit + 1])
        more = _encode(rows[limit - 1]["checkpoint_id"]) if len(rows) > limit else None
        return [json.loads(self._open(r["result"])) for r in rows[:limit]], more

    def _open(self, stored: str) -> str:
        return self.keyring.open(stored, RESULT_LABEL) if is_sealed(stored) and self.keyring else stored

    def pending(self, viewer: str, limit: int, cursor: str | None = None, agent: str | None = None,
                tool: str | None = None) -> tuple[list[dict], str | None]:
        """Actions awaiting approval on threads `viewer` may see, newest first."""
        where, args = _visible(viewer, "t.")
        where.append("t.pending_count > 0")
        for field, value in (("agent", agent), ("tool", tool)):
            if value:
                where.append(f"json_extract(j.value, '$.{field}') = ?")
                args.append(value)
        if cursor:
            updated_ns, thread_id, idx = _decode(cursor, 3)
            where.append("(t.updated_ns, t.thread_id, j.key) < (?, ?, ?)")
            args += [updated_ns, thread_id, idx]
        sql = ("SELECT t.thread_id, t.owner, t.channel, t.updated_ns, j.key AS idx, j.value AS action "
               f"FROM chuhai_threads t, json_each(t.pending) j {_where(where)} "
               "ORDER BY t.updated_ns DESC, t.thread_id DESC, j.key DESC LIMIT ?")
        rows = self._query(sql, [*args, limit + 1])
        now = time.time_ns()
        page = [_approval(r, now) for r in rows[:limit]]
        last = rows[limit - 1] if len(rows) > limit else None
        return page, _encode(last["updated_ns"], last["thread_id"], last["idx"]) if last else None

    def _query(self, sql: str, args: list) -> list[dict]:
        with self.saver.cursor(transaction=False) as cur:
            cur.execute(sql, args)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row)) for row in cur.fetchall()]


def _redacted_summary(action: dict) -> str:
    """The summary with the action's own PII argument values taken out (exactly, whatever
    the detector finds), then any other PII the detector finds."""
    summary = action.get("summary") or ""
    for key, value in (action.get("args") or {}).items():
        if key in PII_FIELDS and isinstance(value, str) and value.strip():
            summary = summary.replace(value, f"<{PII_FIELDS[key]}>")
    return redact(summary, kinds=ALL_KINDS).text


def can_see(viewer: str, owner: str | None) -> bool:
    """Admins and operators see every thread; any other key only the threads it started."""
    return viewer in SEES_ALL or (owner is not None and owner == viewer)


def _visible(viewer: str, prefix: str = "") -> tuple[list[str], list[Any]]:
    return ([], []) if viewer in SEES_ALL else ([f"{prefix}owner = ?"], [viewer])


def _where(clauses: list[str]) -> str:
    return "WHERE " + " AND ".join(clauses) if clauses else ""


def _iso(ns: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 1_000_000_000)) + f".{ns % 10**9 // 10**6:03d}Z"


def _thread(r: dict) -> dict:
    return {"thread_id": r["thread_id"], "owner": r["owner"], "channel": r["channel"], "title": r["title"],
            "created_at": _iso(r["created_ns"]), "updated_at": _iso(r["updated_ns"]), "status": r["status"],
            "last_run_id": r["last_run_id"], "route": json.loads(r["route"]), "runs": r["runs"],
            "pending_count": r["pending_count"]}


def _approval(r: dict, now: int) -> dict:
    action = json.loads(r["action"])
    proposed = action.get("proposed_ns", r["updated_ns"])
    return {"thread_id": r["thread_id"], "owner": r["owner"], "channel": r["channel"],
            "action_id": action["action_id"], "agent": action.get("agent"), "tool": action["tool"],
            "args": action["args"], "summary": action["summary"], "proposed_at": _iso(proposed),
            "age_s": round(max(0, now - proposed) / 1e9, 3)}


def _encode(*key) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def _decode(cursor: str, n: int) -> list:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, ValueError) as e:
        raise BadCursor("The cursor is not one this API returned; start again without it.") from e
    if not isinstance(key, list) or len(key) != n or not all(isinstance(k, (int, str)) for k in key):
        raise BadCursor("The cursor is not one this API returned; start again without it.")
    return key
