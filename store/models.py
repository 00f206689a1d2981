"""Tables of the seller's data (SQLAlchemy 2 declarative models).

The retail seed (tau-bench's users/orders/products JSON) is normalised into real tables so
that orders, their items and their payments can be queried; small nested values that are
only ever read whole (variant options, fulfillment tracking ids, exchange/return item
lists) stay JSON columns. ``seq`` / ``position`` columns keep the order of the JSON files
(dict key order, list order) so that ``Store.export()`` reproduces the files exactly.

Personal columns (names, e-mail, addresses, payment details, handoff summaries) are
stored sealed with AES-256-GCM (store/crypto.py); look-ups by e-mail or by name + zip go
through keyed blind-index columns. ``AuditEntry`` (append-only) and ``PrivacyRequest``
(erasure requests and their deadlines) hold pseudonyms, never raw ids or e-mails.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, Boolean, DateTime, Double, ForeignKey, ForeignKeyConstraint,
                        Index, Integer, String)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .crypto import Encrypted, EncryptedJSON


class Base(DeclarativeBase):
    pass


NullableJSON = JSON(none_as_null=True)
"""Python None is stored as SQL NULL (plain JSON would store the JSON text 'null')."""


class _Address:
    """The six address fields shared by users and orders (zip is a string: "02134"), sealed."""

    address1: Mapped[str] = mapped_column(Encrypted("address1"))
    address2: Mapped[str] = mapped_column(Encrypted("address2"))
    city: Mapped[str] = mapped_column(Encrypted("city"))
    country: Mapped[str] = mapped_column(Encrypted("country"))
    state: Mapped[str] = mapped_column(Encrypted("state"))
    zip: Mapped[str] = mapped_column(Encrypted("zip"))


class User(_Address, Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    first_name: Mapped[str] = mapped_column(Encrypted("first_name"))
    last_name: Mapped[str] = mapped_column(Encrypted("last_name"))
    email: Mapped[str] = mapped_column(Encrypted("email"))
    # blind indexes (Keyring.email_index / name_zip_index): the look-ups' only way in
    email_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    name_zip_bidx: Mapped[str | None] = mapped_column(String(64), index=True)


class PaymentMethod(Base):
    __tablename__ = "payment_methods"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(32))  # credit_card | gift_card | paypal
    brand: Mapped[str | None] = mapped_column(Encrypted("pm.brand"))
    last_four: Mapped[str | None] = mapped_column(Encrypted("pm.last_four"))
    balance: Mapped[float | None] = mapped_column(Double)  # gift cards only
    extra: Mapped[dict | None] = mapped_column(EncryptedJSON("pm.extra"))  # any other key of the seed, verbatim


class Product(Base):
    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)


class Variant(Base):
    __tablename__ = "variants"

    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    options: Mapped[dict] = mapped_column(JSON)
    available: Mapped[bool] = mapped_column(Boolean)
    price: Mapped[float] = mapped_column(Double)


class Order(_Address, Base):
    __tablename__ = "orders"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # "#W2611340"
    seq: Mapped[int] = mapped_column(Integer, index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    user_seq: Mapped[int] = mapped_column(Integer)  # position in the user's "orders" list
    status: Mapped[str] = mapped_column(String(40), index=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(64))
    exchange_items: Mapped[list | None] = mapped_column(NullableJSON)
    exchange_new_items: Mapped[list | None] = mapped_column(NullableJSON)
    exchange_payment_method_id: Mapped[str | None] = mapped_column(String(64))
    exchange_price_difference: Mapped[float | None] = mapped_column(Double)
    return_items: Mapped[list | None] = mapped_column(NullableJSON)
    return_payment_method_id: Mapped[str | None] = mapped_column(String(64))


class OrderItem(Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(32), index=True)
    price: Mapped[float] = mapped_column(Double)
    options: Mapped[dict] = mapped_column(JSON)


class Fulfillment(Base):
    __tablename__ = "fulfillments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    tracking_ids: Mapped[list] = mapped_column(JSON)
    item_ids: Mapped[list] = mapped_column(JSON)


class PaymentTransaction(Base):
    """One entry of an order's payment_history (payment or refund)."""

    __tablename__ = "payment_transactions"
    __table_args__ = (
        ForeignKeyConstraint(["user_id", "payment_method_id"],
                             ["payment_methods.user_id", "payment_methods.id"]),
        Index("ix_payment_transactions_method", "user_id", "payment_method_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(64))  # the order's user; owner of the method
    position: Mapped[int] = mapped_column(Integer)
    transaction_type: Mapped[str] = mapped_column(String(16))  # payment | refund
    amount: Mapped[float] = mapped_column(Double)
    payment_method_id: Mapped[str] = mapped_column(String(64))


class Handoff(Base):
    """A conversation handed to a person (transfer_to_human_agents); not part of export."""

    __tablename__ = "handoffs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    summary: Mapped[str] = mapped_column(Encrypted("handoff.summary"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")


class AuditEntry(Base):
    """One tool call or data access. Append-only: triggers refuse UPDATE and DELETE
    (store/audit.py). Subjects and customer actors are pseudonyms, so an erasure never
    needs to touch this table."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime)  # UTC; rows are in time order by id
    actor: Mapped[str] = mapped_column(String(120))  # role; customer:<pseudonym>
    action: Mapped[str] = mapped_column(String(80))  # tool:<name>, store.export, privacy.erasure, ...
    subject: Mapped[str | None] = mapped_column(String(64), index=True)  # the customer's pseudonym
    outcome: Mapped[str] = mapped_column(String(32))  # ok | not_found | forbidden | invalid | refused | error
    detail: Mapped[str | None] = mapped_column(String(300))  # never personal data


class PrivacyRequest(Base):
    """An erasure request: received, due (received + CHUHAI_ERASURE_DEADLINE_DAYS), done.
    ``subject_ref`` (the raw user id, sealed) is kept only while the request is open, so
    an interrupted erasure can be finished; it is cleared on completion."""

    __tablename__ = "privacy_requests"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # erasure
    subject: Mapped[str] = mapped_column(String(64), index=True)  # pseudonym
    subject_ref: Mapped[str | None] = mapped_column(Encrypted("privacy.subject_ref"))
    requested_by: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), index=True)  # open | completed
    received_at: Mapped[datetime] = mapped_column(DateTime)
    deadline_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    parts: Mapped[dict | None] = mapped_column(NullableJSON)  # what was erased, per part
    error: Mapped[str | None] = mapped_column(String(500))


class SalesLine(Base):
    """One cleaned invoice line of the UCI Online Retail history (see store/sales.py)."""

    __tablename__ = "sales_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    invoice_no: Mapped[str] = mapped_column(String(16), index=True)
    stock_code: Mapped[str] = mapped_column(String(16), index=True)
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    invoice_date: Mapped[datetime] = mapped_column(DateTime, index=True)
    unit_price: Mapped[float] = mapped_column(Double)
    customer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    country: Mapped[str] = mapped_column(String(64), index=True)


RETAIL_TABLES = [PaymentTransaction, Fulfillment, OrderItem, Order, PaymentMethod, User,
                 Variant, Product]
"""Retail tables in an order that is safe for deleting (children first)."""
