"""The support inbox: incoming customer tickets (an e-mail address, a subject, a body) and
what triage made of them (scheduler/inbox_triage.py): intent, escalation, the customer
the sender address belongs to, the drafted reply, the thread and its pending actions.

The address, subject, body and draft are personal data, sealed like the store's other
personal columns (store/crypto.py). A ticket is `new` until triage marks it `triaged`
(or `failed` after MAX_ATTEMPTS errors), so a re-run of triage never touches it again.
Functions take the Store (its transactions, lock and keyring).
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, DateTime, Double, Integer, String, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .crypto import Encrypted
from .errors import ActionRefused
from .models import Base

NEW, TRIAGED, FAILED = "new", "triaged", "failed"
MAX_ATTEMPTS = 3
MAX_BODY_CHARS = 8000


class InboxTicket(Base):
    __tablename__ = "inbox_tickets"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    email: Mapped[str] = mapped_column(Encrypted("inbox.email"))
    subject: Mapped[str] = mapped_column(Encrypted("inbox.subject"))
    body: Mapped[str] = mapped_column(Encrypted("inbox.body"))
    status: Mapped[str] = mapped_column(String(16), index=True, default=NEW)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[str | None] = mapped_column(String(64), index=True)  # the sender's account, if any
    intent: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64))
    intent_confidence: Mapped[float | None] = mapped_column(Double)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation: Mapped[dict | None] = mapped_column(JSON)  # {"angry", "threat", "score", "reasons"}: pattern names
    thread_id: Mapped[str | None] = mapped_column(String(128))
    draft_reply: Mapped[str | None] = mapped_column(Encrypted("inbox.draft_reply"))
    pending_action_ids: Mapped[list | None] = mapped_column(JSON)
    triaged_at: Mapped[datetime | None] = mapped_column(DateTime)
    triage_run_id: Mapped[str | None] = mapped_column(String(24))
    error: Mapped[str | None] = mapped_column(String(500))


def _naive_utc(t: datetime) -> datetime:
    return t.astimezone(timezone.utc).replace(tzinfo=None) if t.tzinfo else t


TICKETS = InboxTicket.__table__


def _iso(d: datetime | None) -> str | None:
    return d.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z") if d else None


def _view(t) -> dict:
    """The API's view of an inbox_tickets row (a row mapping)."""
    return {"ticket_id": t["id"], "received_at": _iso(t["received_at"]), "email": t["email"],
            "subject": t["subject"], "body": t["body"], "status": t["status"], "attempts": t["attempts"],
            "user_id": t["user_id"], "intent": t["intent"], "category": t["category"],
            "intent_confidence": t["intent_confidence"], "escalated": bool(t["escalated"]),
            "escalation": t["escalation"], "thread_id": t["thread_id"], "draft_reply": t["draft_reply"],
            "pending_action_ids": t["pending_action_ids"] or [], "triaged_at": _iso(t["triaged_at"]),
            "triage_run_id": t["triage_run_id"], "error": t["error"]}


def add_ticket(store, email: str, subject: str, body: str, received_at: datetime) -> dict:
    email, subject, body = (email or "").strip(), (subject or "").strip(), (body or "").strip()
    if "@" not in email or len(email) > 254:
        raise ActionRefused(f"{email!r} is not an e-mail address.", code="bad_argument")
    if not body and not subject:
        raise ActionRefused("A ticket needs a subject or a body.", code="bad_argument")
    if len(body) > MAX_BODY_CHARS:
        raise ActionRefused(f"The body has {len(body)} characters; the limit is {MAX_BODY_CHARS}.", code="bad_argument")
    ticket_id = "tk_" + uuid.uuid4().hex[:16]
    with store.transaction(write=True) as conn:
        conn.execute(insert(InboxTicket).values(id=ticket_id, received_at=_naive_utc(received_at), email=email,
                                                subject=subject[:500], body=body, status=NEW, attempts=0))
    return get_ticket(store, ticket_id)


def get_ticket(store, ticket_id: str) -> dict | None:
    with store.transaction() as conn:
        t = conn.execute(select(TICKETS).where(TICKETS.c.id == ticket_id)).mappings().first()
        return _view(t) if t else None


def tickets(store, status: str | None = None, limit: int = 50, newest_first: bool = False) -> list[dict]:
    """Tickets oldest first (the order triage takes them in), or newest first."""
    order = (TICKETS.c.received_at.desc(), TICKETS.c.id.desc()) if newest_first else \
        (TICKETS.c.received_at, TICKETS.c.id)
    q = select(TICKETS).order_by(*order).limit(limit)
    if status:
        q = q.where(TICKETS.c.status == status)
    with store.transaction() as conn:
        return [_view(t) for t in conn.execute(q).mappings()]


def mark_triaged(store, ticket_id: str, now: datetime, run_id: str, **fields) -> dict:
    """Record what triage found; only a ticket still `new` changes (a second triage of the
    same ticket is refused by the database, not just by the caller)."""
    allowed = {"user_id", "intent", "category", "intent_confidence", "escalated", "escalation", "thread_id",
               "draft_reply", "pending_action_ids"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown ticket fields {sorted(unknown)}")
    with store.transaction(write=True) as conn:
        done = conn.execute(update(InboxTicket).where(InboxTicket.id == ticket_id, InboxTicket.status == NEW)
                            .values(status=TRIAGED, triaged_at=_naive_utc(now), triage_run_id=run_id, error=None,
                                    **fields)).rowcount
    if not done:
        raise ActionRefused(f"Ticket {ticket_id} is not new any more.", code="bad_status")
    return get_ticket(store, ticket_id)


def mark_attempt_failed(store, ticket_id: str, error: str) -> dict:
    """Count a failed triage; after MAX_ATTEMPTS the ticket is `failed` and left for a person."""
    with store.transaction(write=True) as conn:
        t = conn.execute(select(InboxTicket.attempts).where(InboxTicket.id == ticket_id,
                                                            InboxTicket.status == NEW)).scalar()
        if t is not None:
            attempts = t + 1
            conn.execute(update(InboxTicket).where(InboxTicket.id == ticket_id)
                         .values(attempts=attempts, error=error[:500],
                                 status=FAILED if attempts >= MAX_ATTEMPTS else NEW))
    return get_ticket(store, ticket_id)


# ------------------------------------------------------------------ privacy (store/subject.py)
def subject_tickets(conn, user_id: str, email: str | None) -> list[dict]:
    """One customer's tickets: sent from their account or their address, or naming their
    id or e-mail in the subject, body or drafted reply. Every ticket is opened (the texts
    are sealed, so SQL cannot search them)."""
    email = (email or "").strip().lower()
    needles = [n for n in (user_id.lower(), email) if n]
    found = []
    for t in conn.execute(select(TICKETS).order_by(TICKETS.c.received_at, TICKETS.c.id)).mappings():
        texts = " ".join(t[k] or "" for k in ("subject", "body", "draft_reply")).lower()
        if t["user_id"] == user_id or (email and t["email"].strip().lower() == email) \
                or any(n in texts for n in needles):
            found.append(_view(t))
    return found


def delete_tickets(conn, ticket_ids: list[str]) -> int:
    if not ticket_ids:
        return 0
    return conn.execute(InboxTicket.__table__.delete().where(InboxTicket.id.in_(ticket_ids))).rowcount
