"""A customer's support inbox tickets and card disputes in the store's export and erasure
(store/subject.py): tickets are found by account, sender address or a mention in their
sealed texts and deleted; disputes keep their case facts and lose who they were about."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from store import disputes as D
from store import inbox

OMAR, OMAR_EMAIL = "omar_johnson_2562", "omar.johnson6791@example.com"
JAMES_EMAIL = "james.li4495@example.com"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def raw(store) -> bytes:
    path = Path(store.engine.url.database)
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


@pytest.fixture
def tickets(store):
    """Omar's tickets (one from his address, one triaged to his account from another address,
    one from a stranger naming his e-mail), and James's, which must survive."""
    own = inbox.add_ticket(store, OMAR_EMAIL.upper(), "Order", "Where is my order #W2809253?", NOW)
    work = inbox.add_ticket(store, "omar@work.example", "Return", "Can I return the kettle?",
                            NOW + timedelta(minutes=1))
    inbox.mark_triaged(store, work["ticket_id"], NOW, "run_1", user_id=OMAR, thread_id="inbox.x",
                       draft_reply="Yes, within 30 days.")
    other = inbox.add_ticket(store, "wife@home.example", "For my husband",
                             f"His account is {OMAR_EMAIL}; please stop the order.", NOW + timedelta(minutes=2))
    james = inbox.add_ticket(store, JAMES_EMAIL, "Hi", "Where is #W2611340?", NOW + timedelta(minutes=3))
    return [own["ticket_id"], work["ticket_id"], other["ticket_id"]], james["ticket_id"]


def test_tickets_are_exported_and_erased_with_the_customer(store, tickets):
    omars, james = tickets
    record = store.subject_record(OMAR)
    assert [t["ticket_id"] for t in record["inbox_tickets"]] == omars
    assert record["inbox_tickets"][1]["draft_reply"] == "Yes, within 30 days."
    assert record["disputes"] == []  # Omar disputed nothing

    counts = store.erase_subject(OMAR)
    assert counts["inbox_tickets"] == 3 and counts["users"] == 1 and counts["disputes"] == 0
    assert [t["ticket_id"] for t in inbox.tickets(store)] == [james]
    assert inbox.get_ticket(store, james)["body"] == "Where is #W2611340?"
    assert store.subject_record(OMAR) is None
    data = raw(store)
    for secret in (OMAR, OMAR_EMAIL, "omar@work.example", "wife@home.example"):
        assert secret.encode() not in data  # sealed while kept, zeroed once deleted
    assert store.erase_subject(OMAR)["inbox_tickets"] == 0  # a second erasure finds nothing


def test_a_ticket_only_mentioning_someone_else_is_not_theirs(store, tickets):
    _, james = tickets
    assert james not in [t["ticket_id"] for t in store.subject_record(OMAR)["inbox_tickets"]]
    assert store.subject_record("noah_brown_6181")["inbox_tickets"] == []


def test_disputes_keep_their_case_facts_and_lose_the_person(store):
    d = next(x for x in D.list_disputes(store, status="open")
             if datetime.fromisoformat(x["due_at"]).replace(tzinfo=None) > datetime.now())
    uid, order_id, pm_id = d["user_id"], d["order_id"], d["payment_method_id"]
    email = store.get_user_details(uid)["email"]
    bundle = {"customer": {"user_id": uid, "email": email}, "letter": f"Order {order_id} was delivered."}
    D.mark_submitted(store, d["id"], bundle, "sha256:" + "ab" * 32, datetime.now(timezone.utc))
    before = {x["id"]: x for x in D.list_disputes(store, user_id=uid)}
    exported = store.subject_record(uid)["disputes"]
    assert {x["id"] for x in exported} == set(before)
    assert next(x for x in exported if x["id"] == d["id"])["submitted_bundle"] == bundle

    counts = store.erase_subject(uid)
    assert counts["disputes"] == len(before) >= 1 and counts["users"] == 1
    p = store.pseudonyms
    for dispute_id, old in before.items():
        now = D.get_dispute(store, dispute_id)
        kept = ("network", "reason_code", "reason", "category", "amount", "currency", "opened_at", "due_at",
                "status", "submitted_at", "bundle_ref")
        assert {k: now[k] for k in kept} == {k: old[k] for k in kept}
        assert now["user_id"] == p.user(uid) and now["order_id"] == p.of("o", old["order_id"])
        assert now["payment_method_id"] == p.of("pm", f"{uid}\x00{old['payment_method_id']}")
    assert D.submitted_bundle(store, d["id"]) is None  # the evidence named the person
    assert D.get_dispute(store, d["id"])["bundle_ref"] == "sha256:" + "ab" * 32
    assert D.list_disputes(store, user_id=uid) == [] and store.subject_record(uid) is None
    data = raw(store)
    for secret in (uid, email, pm_id):
        assert secret.encode() not in data
    assert store.erase_subject(uid)["disputes"] == 0
