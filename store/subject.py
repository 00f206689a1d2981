"""One customer's rows in the store: everything held about them, and erasing it.

A customer's rows are the user, their payment methods, their orders with the orders'
items, fulfillments and payment history, and the handoffs recorded for them.
"""
from __future__ import annotations

from sqlalchemy import Connection, delete, select

from .models import Fulfillment, Handoff, Order, OrderItem, PaymentMethod, PaymentTransaction, User
from .serialize import build_orders, build_users


def subject_email(conn: Connection, user_id: str) -> str | None:
    return conn.execute(select(User.email).where(User.id == user_id)).scalar()


def subject_record(conn: Connection, user_id: str) -> dict | None:
    """{"user", "orders", "handoffs"} of user_id, None when the store holds nothing of them."""
    users = build_users(conn, [user_id])
    order_ids = list(conn.execute(select(Order.id).where(Order.user_id == user_id).order_by(Order.seq)).scalars())
    handoffs = conn.execute(select(Handoff.__table__).where(Handoff.user_id == user_id)
                            .order_by(Handoff.created_at)).all()
    if not users and not order_ids and not handoffs:
        return None
    return {"user": users.get(user_id), "orders": build_orders(conn, order_ids) if order_ids else {},
            "handoffs": [{"id": h.id, "summary": h.summary, "status": h.status,
                          "created_at": h.created_at.isoformat()} for h in handoffs]}


def erase_subject(conn: Connection, user_id: str) -> dict[str, int]:
    """Delete every row of user_id (children first); returns rows deleted per table."""
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
    return {model.__tablename__: conn.execute(delete(model).where(cond)).rowcount for model, cond in steps}
