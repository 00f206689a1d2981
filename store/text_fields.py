"""Every free-text value the store holds, with where it lives and which kinds of personal
data that place is meant to hold, for the compliance agent's data-handling audit
(agents/compliance_privacy.py): a card number in a handoff summary, an e-mail address in
a product name or a listing, a phone number in an audit-log detail are data stored where
they should not be.

Sealed columns are read through the store's keyring like every other read (the values
are decrypted in memory and never returned by this module's callers unmasked).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from .listings import ListingRow, ensure_table
from .models import AuditEntry, Handoff, Order, OrderItem, PaymentMethod, Product, SalesLine, User, Variant

CONTACT = frozenset({"EMAIL", "PHONE", "PERSON", "STREET_ADDRESS"})
NONE: frozenset[str] = frozenset()
_ADDRESS = ("address1", "address2", "city", "state", "country", "zip")


@dataclass(frozen=True)
class TextField:
    location: str          # table.column
    record: str            # which row: "user:<id>", "product:<id>", ...
    text: str
    allowed: frozenset[str]  # kinds of personal data this place is meant to hold


def _values(obj) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield str(k)
            yield from _values(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _values(v)
    elif obj is not None:
        yield str(obj)


def iter_text_fields(store, *, include_sales: bool = True) -> Iterator[TextField]:
    """Free-text values of the store, table by table (customers, orders, payment methods,
    handoffs, catalogue, published listings, audit-log details, sales descriptions)."""
    ensure_table(store)
    with store.transaction() as conn:
        for u in conn.execute(select(User.id, User.first_name, User.last_name, User.email,
                                     *[getattr(User, c) for c in _ADDRESS])):
            rec = f"user:{u.id}"
            yield TextField("users.name", rec, f"{u.first_name} {u.last_name}", CONTACT)
            yield TextField("users.email", rec, u.email or "", CONTACT)
            yield TextField("users.address", rec, ", ".join(str(getattr(u, c) or "") for c in _ADDRESS), CONTACT)
        for o in conn.execute(select(Order.id, Order.cancel_reason, *[getattr(Order, c) for c in _ADDRESS])):
            rec = f"order:{o.id}"
            yield TextField("orders.address", rec, ", ".join(str(getattr(o, c) or "") for c in _ADDRESS), CONTACT)
            if o.cancel_reason:
                yield TextField("orders.cancel_reason", rec, o.cancel_reason, NONE)
        for pm in conn.execute(select(PaymentMethod.user_id, PaymentMethod.id, PaymentMethod.brand,
                                      PaymentMethod.last_four, PaymentMethod.extra)):
            rec = f"payment_method:{pm.user_id}/{pm.id}"
            yield TextField("payment_methods.brand", rec, pm.brand or "", NONE)
            for value in _values(pm.extra):
                yield TextField("payment_methods.extra", rec, value, NONE)
        for h in conn.execute(select(Handoff.id, Handoff.summary)):
            yield TextField("handoffs.summary", f"handoff:{h.id}", h.summary or "", CONTACT)
        for p in conn.execute(select(Product.id, Product.name)):
            yield TextField("products.name", f"product:{p.id}", p.name, NONE)
        for v in conn.execute(select(Variant.product_id, Variant.item_id, Variant.options)):
            for value in _values(v.options):
                yield TextField("variants.options", f"item:{v.item_id}", value, NONE)
        for it in conn.execute(select(OrderItem.order_id, OrderItem.item_id, OrderItem.name, OrderItem.options)):
            yield TextField("order_items.name", f"order:{it.order_id}", it.name, NONE)
            for value in _values(it.options):
                yield TextField("order_items.options", f"order:{it.order_id}", value, NONE)
        for lst in conn.execute(select(ListingRow.id, ListingRow.product_id, ListingRow.title, ListingRow.bullets,
                                       ListingRow.description, ListingRow.keywords, ListingRow.attributes)):
            rec = f"listing:{lst.id} (product {lst.product_id})"
            for value in _values([lst.title, lst.bullets, lst.description, lst.keywords, lst.attributes]):
                yield TextField("listings.text", rec, value, NONE)
        for a in conn.execute(select(AuditEntry.id, AuditEntry.detail).where(AuditEntry.detail.is_not(None))):
            yield TextField("audit_log.detail", f"audit:{a.id}", a.detail, NONE)
        if include_sales:
            for (desc,) in conn.execute(select(SalesLine.description).distinct()):
                yield TextField("sales_lines.description", "sales history", desc or "", NONE)


__all__ = ["CONTACT", "TextField", "iter_text_fields"]
