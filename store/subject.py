"""One customer's rows in the store: everything held about them, and erasing it.

A customer's rows are the user, their payment methods, their orders with the orders'
items, fulfillments and payment history, the handoffs recorded for them, their support
inbox tickets (store/inbox.py: sent from their account or address, or naming them) and
the card disputes over their orders (store/disputes.py).

Erasure deletes all of it except the disputes, which are pseudonymised instead: a
dispute is the seller's record of a legal claim, so its case facts (reason code, amount,
dates, status) stay and who it was about goes (``disputes.pseudonymise_subject``).
"""
from __future__ import annotations

from sqlalchemy import Connection, delete, select

from . import disputes, inbox
from .crypto import keyring_of
from .models import Fulfillment, Handoff, Order, OrderItem, PaymentMethod, PaymentTransaction, User
from .pseudonyms import Pseudonymizer
from .serialize import build_orders, build_users


def subject_email(conn: Connection, user_id: str) -> str | None:
    return conn.execute(select(User.email).where(User.id == user_id)).scalar()


def subject_record(conn: Connection, user_id: str) -> dict | None:
    """{"user", "orders", "handoffs", "inbox_tickets", "disputes"} of user_id, None when
    the store holds nothing of them."""
    users = build_users(conn, [user_id])
    order_ids = list(conn.execute(select(Order.id).where(Order.user_id == user_id).order_by(Order.seq)).scalars())
    handoffs = conn.execute(select(Handoff.__table__).where(Handoff.user_id == user_id)
                            .order_by(Handoff.created_at)).all()
    tickets = inbox.subject_tickets(conn, user_id, subject_email(conn, user_id))
    own_disputes = disputes.subject_disputes(conn, user_id)
    if not users and not order_ids and not handoffs and not tickets and not own_disputes:
        return None
    return {"user": users.get(user_id), "orders": build_orders(conn, order_ids) if order_ids else {},
            "handoffs": [{"id": h.id, "summary": h.summary, "status": h.status,
                          "created_at": h.created_at.isoformat()} for h in handoffs],
            "inbox_tickets": tickets, "disputes": own_disputes}


def erase_subject(conn: Connection, user_id: str) -> dict[str, int]:
    """Delete every row of user_id (children first) and pseudonymise their disputes;
    returns rows deleted (disputes: rows pseudonymised) per table."""
    tickets = inbox.subject_tickets(conn, user_id, subject_email(conn, user_id))  # before the e-mail goes
    counts = {"inbox_tickets": inbox.delete_tickets(conn, [t["ticket_id"] for t in tickets]),
              "disputes": disputes.pseudonymise_subject(conn, user_id,
                                                        Pseudonymizer(keyring_of(conn.dialect).pseudonym_key))}
    orders = select(Order.id).where(Order.user_id == user_id).scalar_subquery()
    steps = [
        (PaymentTransaction, (PaymentTransaction.order_id.in_(orders)) | (PaymentTransaction.user_id == user_id)),
        (Fulfillment, Fulfillment.order_id.in_(orders)),
        (OrderItem, OrderItem.order_id.in_(orders)),
        (Order, Order.user_id == user_id),
        (PaymentMethod, PaymentMethod.user_id == user_id),
        (Handoff, Handoff.user_id == user_id),
        (User, User.id == user_id),
    ]
    counts.update({model.__tablename__: conn.execute(delete(model).where(cond)).rowcount for model, cond in steps})
    return counts
