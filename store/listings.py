"""Published listing copy per product (and optionally per variant), market and language.

The retail seed has no listing text: a product is a name and its variants' options. The
copywriter agent publishes listings here; the compliance auditor audits the latest
published listing of a product for a market when there is one, and a listing built from
the product name and options otherwise. Each publish adds a version (nothing is
overwritten), so an audit can say which version it read.

The table lives on the store's declarative Base but in this module, and is created on
first use (``ensure_table``), so stores opened before this module was imported get it too.
No foreign key to ``products``: reloading the seed must not fail on published copy.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base

STATUSES = ("draft", "published", "withdrawn")


class ListingRow(Base):
    __tablename__ = "listings"
    __table_args__ = (Index("ix_listings_key", "product_id", "market", "language", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product_id: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[str | None] = mapped_column(String(32))  # None: every variant of the product
    market: Mapped[str] = mapped_column(String(8))             # US, EU, DE, FR, ES, IT, UK, JP, CN
    language: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="published")
    title: Mapped[str] = mapped_column(String(500))
    bullets: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


_READY: set[int] = set()


def ensure_table(store) -> None:
    """Create the listings table if this store does not have it yet (once per engine)."""
    if id(store.engine) in _READY:
        return
    with store.transaction(write=True) as conn:
        ListingRow.__table__.create(conn, checkfirst=True)
    _READY.add(id(store.engine))


def publish_listing(store, *, product_id: str, market: str, language: str, title: str, bullets: list[str] | None = None,
                    description: str = "", keywords: list[str] | None = None, attributes: dict | None = None,
                    item_id: str | None = None, status: str = "published", created_by: str = "") -> dict:
    """Store a new version of a listing; returns it as a dict (``listing_view``)."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}")
    if not title.strip():
        raise ValueError("a listing needs a title")
    ensure_table(store)
    key = dict(product_id=product_id, item_id=item_id, market=market.upper(), language=language)
    with store.transaction(write=True) as conn:
        version = (conn.execute(select(func.max(ListingRow.version)).where(*_key_filter(key))).scalar() or 0) + 1
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        new_id = conn.execute(insert(ListingRow).values(
            **key, version=version, status=status, title=title, bullets=list(bullets or []),
            description=description or "", keywords=list(keywords or []), attributes=dict(attributes or {}),
            created_by=created_by[:120], created_at=now)).inserted_primary_key[0]
        row = conn.execute(select(ListingRow.__table__).where(ListingRow.id == new_id)).first()
    return listing_view(row)


def published_listings(store, *, product_id: str | None = None, market: str | None = None) -> list[dict]:
    """The latest published version of every (product, variant, market, language), oldest first."""
    ensure_table(store)
    stmt = select(ListingRow.__table__).order_by(ListingRow.id)
    if product_id is not None:
        stmt = stmt.where(ListingRow.product_id == product_id)
    if market is not None:
        stmt = stmt.where(ListingRow.market == market.upper())
    with store.transaction() as conn:
        rows = conn.execute(stmt).all()
    latest: dict[tuple, Any] = {}
    for r in rows:  # ids grow with versions: the last row of a key is its latest version
        latest[(r.product_id, r.item_id, r.market, r.language)] = r
    return [listing_view(r) for r in latest.values() if r.status == "published"]


def listing_view(row) -> dict:
    return {"listing_id": row.id, "product_id": row.product_id, "item_id": row.item_id, "market": row.market,
            "language": row.language, "version": row.version, "status": row.status, "title": row.title,
            "bullets": list(row.bullets or []), "description": row.description or "",
            "keywords": list(row.keywords or []), "attributes": dict(row.attributes or {}),
            "created_by": row.created_by, "created_at": row.created_at.isoformat() + "Z"}


def _key_filter(key: dict) -> list:
    item = ListingRow.item_id.is_(None) if key["item_id"] is None else ListingRow.item_id == key["item_id"]
    return [ListingRow.product_id == key["product_id"], item, ListingRow.market == key["market"],
            ListingRow.language == key["language"]]


__all__ = ["ListingRow", "ensure_table", "listing_view", "publish_listing", "published_listings"]
