"""The append-only audit log: one row per tool call (who, what, whom, when, outcome),
pseudonyms instead of ids, and the database refusing every UPDATE and DELETE."""
from __future__ import annotations

import sqlite3
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DatabaseError

from store.audit import APPEND_ONLY_MESSAGE
from store.models import AuditEntry
from tools import ToolContext, call_tool

OMAR = "omar_johnson_2562"


def ctx(store, role="operator", acting=None):
    return ToolContext(deps=SimpleNamespace(store=store), role=role, acting_user_id=acting)


def test_every_tool_call_is_one_row_with_pseudonyms(store):
    p = store.pseudonyms
    assert call_tool("find_user_id_by_email", ctx(store), {"email": "omar.johnson6791@example.com"}).ok
    assert call_tool("get_order_details", ctx(store, f"customer:{OMAR}", OMAR), {"order_id": "#W2809253"}).ok
    refused = call_tool("get_order_details", ctx(store, f"customer:{OMAR}", OMAR), {"order_id": "#W2611340"})
    assert not refused.ok and refused.code == "forbidden"
    assert call_tool("get_order_details", ctx(store), {"order_id": "W1"}).code == "invalid"
    assert call_tool("no_such_tool", ctx(store), {}).code == "not_found"
    rows = store.audit.entries()
    assert [(r["actor"], r["action"], r["subject"], r["outcome"]) for r in rows] == [
        ("operator", "tool:find_user_id_by_email", p.user(OMAR), "ok"),  # whom the answer named
        (f"customer:{p.user(OMAR)}", "tool:get_order_details", p.user(OMAR), "ok"),
        (f"customer:{p.user(OMAR)}", "tool:get_order_details", p.user(OMAR), "forbidden"),
        ("operator", "tool:get_order_details", None, "invalid"),
        ("operator", "tool:no_such_tool", None, "not_found"),
    ]
    assert all(r["at"] for r in rows) and store.audit.count(subject_user_id=OMAR) == 3
    # no raw id, e-mail or argument anywhere in the table
    with store.transaction() as conn:
        dump = repr(conn.execute(text("SELECT * FROM audit_log")).all())
    assert OMAR not in dump and "example.com" not in dump and "#W2809253" not in dump


def test_rows_cannot_be_changed_or_deleted(store):
    store.audit.record("admin", "store.export")
    store.audit.record("operator", "tool:get_user_details", subject_user_id=OMAR)
    before = store.audit.entries()
    for stmt in (update(AuditEntry).values(outcome="ok"), delete(AuditEntry),
                 delete(AuditEntry).where(AuditEntry.id == before[0]["id"])):
        with pytest.raises(DatabaseError, match=APPEND_ONLY_MESSAGE):
            with store.transaction(write=True) as conn:
                conn.execute(stmt)
    # nor around the store, with a plain SQLite connection to the file
    con = sqlite3.connect(store.engine.url.database)
    with pytest.raises(sqlite3.DatabaseError, match=APPEND_ONLY_MESSAGE):
        con.execute("UPDATE audit_log SET subject = NULL")
    with pytest.raises(sqlite3.DatabaseError, match=APPEND_ONLY_MESSAGE):
        con.execute("DELETE FROM audit_log")
    con.close()
    assert store.audit.entries() == before


def test_reset_and_reopen_keep_the_log_and_its_guards(store, retail_dir):
    store.audit.record("admin", "store.export")
    store.reset(retail_dir)
    assert [r["action"] for r in store.audit.entries()] == ["store.export"]
    from store import Store

    again = Store(str(store.engine.url))  # re-installs the triggers idempotently
    again.audit.record("admin", "store.reset")
    with pytest.raises(DatabaseError, match=APPEND_ONLY_MESSAGE):
        with again.transaction(write=True) as conn:
            conn.execute(delete(AuditEntry))
    assert again.audit.count() == 2
    again.close()


def test_deps_without_an_audit_log_still_call_tools(store):
    bare = SimpleNamespace(get_order_details=store.get_order_details)  # a fake store, as unit tests use
    out = call_tool("get_order_details", ToolContext(deps=SimpleNamespace(store=bare)), {"order_id": "#W2809253"})
    assert out.ok and store.audit.count() == 0
