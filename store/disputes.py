"""Card disputes (chargebacks) raised against the store's orders.

A dispute names its card network, the reason code (from shared/data/disputes/
card_reason_codes.csv), the order and customer, the disputed amount, when it was opened,
the response deadline and its status (open -> submitted -> won | lost). Submitting
keeps the exact evidence bundle that was sent, sealed like the other personal columns
(store/crypto.py), and a reference to it (``sha256:<hash>`` of the bundle JSON).

The table lives on the store's declarative Base (so ``Store()`` creates it); it has no
foreign keys so a retail reset or an erasure never fails on it. The seed (docs/DISPUTES.md):
``seed_disputes`` draws ``SEED_COUNT`` disputes with a fixed random seed over the real
card-paid orders that a cardholder could dispute (processed, delivered, cancelled),
with reason codes that fit each order's situation; dates are offsets from the day the
store is seeded, so "due this week" always has answers in a fresh store.
"""
from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from sqlalchemy import DateTime, Double, Integer, String, delete, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .crypto import EncryptedJSON
from .errors import ActionRefused
from .models import Base, Order, PaymentMethod, PaymentTransaction

STATUSES = ("open", "submitted", "won", "lost")
NETWORKS = ("Visa", "Mastercard")
SEED = 20261123
SEED_COUNT = 120
RESPONSE_DAYS = 20
"""The seller's deadline after a dispute opens: processors give 7-20 days (the networks
give acquirers 30 (Visa) or 45 (Mastercard)); see vectorstore/corpus/chargeback-*.md."""
CODES_FILE = Path("disputes") / "card_reason_codes.csv"

# order status -> [(weight, {network: [reason codes]})]: what a cardholder plausibly
# disputes in that situation (a cancelled order was refunded; a processed one is in transit)
SEED_PLAN: dict[str, list[tuple[int, dict[str, list[str]]]]] = {
    "delivered": [(35, {"Visa": ["10.4"], "Mastercard": ["4837", "4863"]}),          # fraud
                  (20, {"Visa": ["13.3", "13.3", "13.4", "13.5"], "Mastercard": ["4853"]}),  # not as described
                  (20, {"Visa": ["13.1"], "Mastercard": ["4855"]}),                  # not received
                  (15, {"Visa": ["12.6", "12.5"], "Mastercard": ["4834", "4831"]}),  # processing error
                  (5, {"Visa": ["11.3"], "Mastercard": ["4808"]})],                  # authorisation
    "processed": [(60, {"Visa": ["13.1"], "Mastercard": ["4855"]}),
                  (35, {"Visa": ["10.4"], "Mastercard": ["4837"]}),
                  (5, {"Visa": ["11.3"], "Mastercard": ["4808"]})],
    "cancelled": [(60, {"Visa": ["13.6"], "Mastercard": ["4860"]}),                  # credit not processed
                  (25, {"Visa": ["13.7"], "Mastercard": ["4853"]}),                  # cancelled merchandise
                  (15, {"Visa": ["12.6"], "Mastercard": ["4834"]})],
}


class Dispute(Base):
    __tablename__ = "disputes"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # DSP-0001
    seq: Mapped[int] = mapped_column(Integer, index=True)
    network: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(120))     # the code's description in the CSV
    category: Mapped[str] = mapped_column(String(40))    # the code's category in the CSV
    order_id: Mapped[str] = mapped_column(String(40), index=True)  # 40: an erased order's pseudonym (o_ + 32 hex)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    payment_method_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[float] = mapped_column(Double)
    currency: Mapped[str] = mapped_column(String(3))
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    due_at: Mapped[datetime] = mapped_column(DateTime, index=True)  # end of the deadline day, UTC
    status: Mapped[str] = mapped_column(String(16), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    bundle_ref: Mapped[str | None] = mapped_column(String(80))
    submitted_bundle: Mapped[dict | None] = mapped_column(EncryptedJSON("dispute.bundle"))


@dataclass(frozen=True)
class ReasonCode:
    network: str
    code: str
    description: str
    category: str
    note: str = ""


@lru_cache(maxsize=4)
def _read_codes(path: str) -> tuple[ReasonCode, ...]:
    with open(path, encoding="utf-8", newline="") as fh:
        return tuple(ReasonCode(r["network"], r["reason_code"], r["description"], r["category"], r.get("note") or "")
                     for r in csv.DictReader(fh))


def reason_codes(shared_data_dir: Path | None = None) -> tuple[ReasonCode, ...]:
    """The CSV's rows. Visa 11.2 appears twice there (the source's typo for 11.1 Card
    Recovery Bulletin, see its note); ``reason_code`` picks the row without a typo note."""
    if shared_data_dir is None:
        from chuhai.settings import Settings

        shared_data_dir = Settings().shared_data_dir
    path = Path(shared_data_dir) / CODES_FILE
    if not path.is_file():
        raise FileNotFoundError(f"reason code table missing: {path}")
    return _read_codes(str(path))


def reason_code(codes: tuple[ReasonCode, ...], network: str, code: str) -> ReasonCode | None:
    rows = [r for r in codes if r.network.lower() == network.lower() and r.code == code]
    clean = [r for r in rows if "typo" not in r.note]
    return (clean or rows or [None])[0]


# ------------------------------------------------------------------ seed
def _card_payments(conn) -> list[tuple[str, str, str, int, str, str, float]]:
    """(order id, user id, status, seq, method id, brand, amount) of each disputable order's
    first card payment, in seed order."""
    rows = conn.execute(
        select(Order.id, Order.user_id, Order.status, Order.seq, PaymentTransaction.payment_method_id,
               PaymentMethod.brand, PaymentTransaction.amount)
        .join(PaymentTransaction, PaymentTransaction.order_id == Order.id)
        .join(PaymentMethod, (PaymentMethod.user_id == PaymentTransaction.user_id)
              & (PaymentMethod.id == PaymentTransaction.payment_method_id))
        .where(Order.status.in_(tuple(SEED_PLAN)), PaymentTransaction.transaction_type == "payment",
               PaymentMethod.source == "credit_card")
        .order_by(Order.seq, PaymentTransaction.position)).all()
    seen, out = set(), []
    for r in rows:
        if r.id not in seen and (r.brand or "").lower() in ("visa", "mastercard"):
            seen.add(r.id)
            out.append(tuple(r))
    return out


def _weighted(rng: random.Random, plan: list[tuple[int, dict]]) -> dict[str, list[str]]:
    return rng.choices([p for _, p in plan], weights=[w for w, _ in plan])[0]


def seed_rows(conn, anchor: date, codes: tuple[ReasonCode, ...], count: int = SEED_COUNT) -> list[dict]:
    """The seeded disputes as rows (deterministic for a given store and anchor day)."""
    rng = random.Random(SEED)
    candidates = _card_payments(conn)
    picked = rng.sample(candidates, min(count, len(candidates)))
    start = datetime.combine(anchor, time(), tzinfo=None)
    rows = []
    for n, (order_id, user_id, status, _, method_id, brand, amount) in enumerate(picked, 1):
        network = "Visa" if brand.lower() == "visa" else "Mastercard"
        code = rng.choice(_weighted(rng, SEED_PLAN[status])[network])
        found = reason_code(codes, network, code)
        if found is None:
            raise ValueError(f"seed plan names {network} {code}, which is not in the reason code table")
        opened = start - timedelta(days=rng.randint(0, 38)) + timedelta(minutes=rng.randint(6 * 60, 22 * 60))
        due = datetime.combine(opened.date() + timedelta(days=RESPONSE_DAYS), time(23, 59, 59))
        row = {"id": f"DSP-{n:04d}", "seq": n, "network": network, "reason_code": code,
               "reason": found.description, "category": found.category, "order_id": order_id,
               "user_id": user_id, "payment_method_id": method_id, "amount": round(float(amount), 2),
               "currency": "USD", "opened_at": opened, "due_at": due, "status": "open",
               "submitted_at": None, "bundle_ref": None, "submitted_bundle": None}
        roll = rng.random()
        if due.date() < anchor:  # past its deadline: mostly answered (outside Chuhai) and decided
            row["status"] = "won" if roll < 0.3 else "lost" if roll < 0.5 else "submitted" if roll < 0.9 else "open"
        elif roll < 0.15:
            row["status"] = "submitted"
        if row["status"] != "open":
            row["submitted_at"] = min(due, opened + timedelta(days=rng.randint(2, RESPONSE_DAYS - 1)))
        rows.append(row)
    return rows


def seed_disputes(conn, anchor: date | None = None, shared_data_dir: Path | None = None) -> int:
    """Replace the disputes with the seed (inside the caller's write transaction). Called
    by store/seed.py each time the retail seed is loaded (Store.reset / ensure_seeded).
    Without the reason code table the store is left with no disputes, and says so."""
    anchor = anchor or datetime.now(timezone.utc).date()
    conn.execute(delete(Dispute))
    try:
        codes = reason_codes(shared_data_dir)
    except FileNotFoundError as e:
        from chuhai.logs import get_logger

        get_logger("chuhai.store").warning("disputes_not_seeded", reason=str(e))
        return 0
    rows = seed_rows(conn, anchor, codes)
    if rows:
        conn.execute(insert(Dispute), rows)
    return len(rows)


def reseed(store, anchor: date | None = None, shared_data_dir: Path | None = None) -> int:
    with store.transaction(write=True) as conn:
        return seed_disputes(conn, anchor, shared_data_dir)


def ensure_disputes(store) -> None:
    """Seed a store that has orders but no disputes yet (one opened before disputes existed)."""
    with store.transaction() as conn:
        if conn.execute(select(Dispute.id).limit(1)).first() is not None:
            return
        if conn.execute(select(Order.id).limit(1)).first() is None:
            return
    with store.transaction(write=True) as conn:  # re-check under the write lock
        if conn.execute(select(Dispute.id).limit(1)).first() is None:
            seed_disputes(conn)


# ------------------------------------------------------------------ reads and the one write
_PUBLIC = [c for c in Dispute.__table__.columns if c.name != "submitted_bundle"]


def _as_dict(row) -> dict:
    d = dict(row._mapping)
    for k in ("opened_at", "due_at", "submitted_at"):
        if d.get(k) is not None:
            d[k] = d[k].replace(tzinfo=timezone.utc).isoformat()
    d.pop("seq", None)
    return d


def list_disputes(store, *, status: str | None = None, due_from: datetime | None = None,
                  due_to: datetime | None = None, order_id: str | None = None,
                  user_id: str | None = None) -> list[dict]:
    """Disputes by due date (soonest first), filtered; datetimes are naive UTC."""
    ensure_disputes(store)
    stmt = select(*_PUBLIC).order_by(Dispute.due_at, Dispute.seq)
    for col, value in ((Dispute.status, status), (Dispute.order_id, order_id), (Dispute.user_id, user_id)):
        if value is not None:
            stmt = stmt.where(col == value)
    if due_from is not None:
        stmt = stmt.where(Dispute.due_at >= due_from)
    if due_to is not None:
        stmt = stmt.where(Dispute.due_at <= due_to)
    with store.transaction() as conn:
        return [_as_dict(r) for r in conn.execute(stmt)]


def get_dispute(store, dispute_id: str) -> dict:
    ensure_disputes(store)
    with store.transaction() as conn:
        row = conn.execute(select(*_PUBLIC).where(Dispute.id == dispute_id)).first()
    if row is None:
        raise ActionRefused(f"Dispute {dispute_id} was not found (ids look like DSP-0012).", code="not_found")
    return _as_dict(row)


def submitted_bundle(store, dispute_id: str) -> dict | None:
    with store.transaction() as conn:
        return conn.execute(select(Dispute.submitted_bundle).where(Dispute.id == dispute_id)).scalar()


def mark_submitted(store, dispute_id: str, bundle: dict, bundle_ref: str, now: datetime) -> dict:
    """open -> submitted, keeping the bundle sent. Refused (nothing changes) for an unknown
    dispute, one that is not open, or one whose deadline has passed."""
    now = now.astimezone(timezone.utc).replace(tzinfo=None) if now.tzinfo else now
    with store.transaction(write=True) as conn:
        row = conn.execute(select(Dispute.status, Dispute.due_at).where(Dispute.id == dispute_id)).first()
        if row is None:
            raise ActionRefused(f"Dispute {dispute_id} was not found.", code="not_found")
        if row.status != "open":
            raise ActionRefused(f"Dispute {dispute_id} is {row.status}; only an open dispute can be submitted.")
        if row.due_at < now:
            raise ActionRefused(f"The response deadline of dispute {dispute_id} passed on "
                                f"{row.due_at.date().isoformat()}; it can no longer be submitted.")
        conn.execute(update(Dispute).where(Dispute.id == dispute_id).values(
            status="submitted", submitted_at=now, bundle_ref=bundle_ref, submitted_bundle=bundle))
    return get_dispute(store, dispute_id)


# ------------------------------------------------------------------ privacy (store/subject.py)
def subject_disputes(conn, user_id: str) -> list[dict]:
    """One customer's disputes as stored, with the evidence bundle that was submitted."""
    rows = conn.execute(select(Dispute.__table__).where(Dispute.user_id == user_id).order_by(Dispute.seq))
    return [_as_dict(r) for r in rows]


def pseudonymise_subject(conn, user_id: str, pseudonyms) -> int:
    """Erasure of a disputing customer. A dispute is the seller's record of a legal claim
    (GDPR art. 17(3)(e)), so its case facts stay: network, reason code, amount, currency,
    opened/due/submitted dates, status and bundle_ref (the hash of what was sent). Who it
    was about does not: the user, order and payment-method ids become keyed pseudonyms
    (the same ones as the audit log and the analytics export), and the submitted evidence
    bundle (name, e-mail, addresses, messages) is deleted. Returns disputes changed."""
    rows = conn.execute(select(Dispute.id, Dispute.order_id, Dispute.payment_method_id)
                        .where(Dispute.user_id == user_id)).all()
    for r in rows:
        conn.execute(update(Dispute).where(Dispute.id == r.id).values(
            user_id=pseudonyms.user(user_id), order_id=pseudonyms.of("o", r.order_id),
            payment_method_id=pseudonyms.of("pm", f"{user_id}\x00{r.payment_method_id}"), submitted_bundle=None))
    return len(rows)
