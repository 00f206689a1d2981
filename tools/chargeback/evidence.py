"""What evidence a dispute's reason code needs (agents/data/chargeback_evidence.yaml) and
how each item is gathered from the store, the conversation store and the fraud model.

Every item comes back with a status: ``held`` (the store has it; its facts are in the
item), ``partial`` (the store has part of it; the note says what is missing) or
``not_held`` (the store does not have it, and the note says why). Nothing is inferred:
an item the store cannot show is missing, even when it would probably exist elsewhere
(the payment processor keeps AVS, 3-D Secure and authorisation records).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Literal

import yaml
from pydantic import BaseModel, Field

from tools.chargeback.threads import ThreadsFound, customer_threads

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "agents" / "data" / "chargeback_evidence.yaml"
CORPUS = REPO / "vectorstore" / "corpus"
CREDIT = {"held": 1.0, "partial": 0.5, "not_held": 0.0}
DELIVERED = ("delivered", "return requested", "exchange requested")
Status = Literal["held", "partial", "not_held"]


class EvidenceItem(BaseModel):
    item: str
    status: Status
    weight: float
    why: str
    facts: dict[str, Any] = Field(default_factory=dict)
    note: str = ""
    supports: Literal["merchant", "cardholder", "neutral"] = "neutral"


class Completeness(BaseModel):
    score: float = Field(description="held weight / required weight (partial items count half), 0-1")
    held: list[str]
    partial: list[str]
    missing: list[str]


@lru_cache(maxsize=1)
def requirements() -> dict:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def family_of(network: str, code: str) -> str | None:
    for name, fam in requirements()["families"].items():
        if code in (fam["codes"].get(network) or []):
            return name
    return None


def required_items(family: str, code: str) -> dict[str, float]:
    fam = requirements()["families"][family]
    return {**fam["evidence"], **(fam.get("extra_by_code") or {}).get(code, {})}


@lru_cache(maxsize=None)
def corpus_chunk(chunk_id: str):
    """A knowledge-base chunk of the repo corpus by id (doc#section)."""
    from vectorstore.corpus import parse_document

    doc = chunk_id.split("#", 1)[0]
    path = CORPUS / f"{doc}.md"
    return next(c for c in parse_document(path.read_text(encoding="utf-8"), path.name) if c.chunk_id == chunk_id)


@dataclass
class Context:
    """What the gatherers read, fetched once per dispute."""
    dispute: dict
    order: dict
    user: dict | None
    other_orders: dict[str, dict]
    disputed_orders: set[str]
    family: str
    catalog: list[dict]        # the current catalog entry of each ordered item
    handoffs: list[dict]
    threads_reader: Callable[[], ThreadsFound]
    fraud: Callable[["Context"], Any]   # (context) -> FraudScore | str (why it is unavailable)
    _threads: ThreadsFound | None = field(default=None, repr=False)

    @property
    def threads(self) -> ThreadsFound:
        if self._threads is None:
            self._threads = self.threads_reader()
        return self._threads

    @property
    def card(self) -> dict:
        return ((self.user or {}).get("payment_methods") or {}).get(self.dispute["payment_method_id"], {})


def _money(x: float) -> float:
    return round(float(x), 2)


def _paid(order: dict, kind: str = "payment", method: str | None = None) -> float:
    return _money(sum(p["amount"] for p in order["payment_history"]
                      if p["transaction_type"] == kind and (method is None or p["payment_method_id"] == method)))


def _same_address(a: dict, b: dict) -> bool:
    keys = ("address1", "address2", "city", "state", "zip", "country")
    return all(str(a.get(k, "")).strip().lower() == str(b.get(k, "")).strip().lower() for k in keys)


Gathered = tuple[Status, dict, str, str]  # status, facts, note, supports


def g_order_record(c: Context) -> Gathered:
    o = c.order
    items = [{k: i[k] for k in ("name", "item_id", "options", "price")} for i in o["items"]]
    return "held", {"order_id": o["order_id"], "status": o["status"], "items": items,
                    "items_total": _money(sum(i["price"] for i in o["items"]))}, "", "neutral"


def g_payment_record(c: Context) -> Gathered:
    pms = (c.user or {}).get("payment_methods") or {}
    tx = [{"type": p["transaction_type"], "amount": p["amount"], "payment_method_id": p["payment_method_id"],
           "source": pms.get(p["payment_method_id"], {}).get("source")} for p in c.order["payment_history"]]
    card = c.card
    facts = {"transactions": tx, "card": {"brand": card.get("brand"), "last_four": card.get("last_four")},
             "charged_to_card": _paid(c.order, "payment", c.dispute["payment_method_id"])}
    return ("held" if tx else "not_held"), facts, "" if tx else "no payment is recorded on the order", "neutral"


def g_customer_account(c: Context) -> Gathered:
    if c.user is None:
        return "not_held", {}, "the customer's account is no longer in the store", "neutral"
    u = c.user
    return "held", {"user_id": c.dispute["user_id"], "name": f"{u['name']['first_name']} {u['name']['last_name']}",
                    "email": u["email"], "default_address": u["address"],
                    "orders_on_account": len(u.get("orders") or [])}, "", "neutral"


def g_shipping_address(c: Context) -> Gathered:
    return "held", {"address": c.order["address"]}, "", "neutral"


def g_account_address_match(c: Context) -> Gathered:
    if c.user is None:
        return "not_held", {}, "no account address to compare with", "neutral"
    match = _same_address(c.order["address"], c.user["address"])
    note = "" if match else "the order was shipped to an address other than the account's default address"
    return "held", {"matches": match}, note, "merchant" if match else "cardholder"


def g_fulfillment_tracking(c: Context) -> Gathered:
    parcels = [{"tracking_ids": f["tracking_id"], "item_ids": f["item_ids"]} for f in c.order["fulfillments"]
               if f.get("tracking_id")]
    if not parcels:
        return "not_held", {}, f"the order has not shipped (status {c.order['status']})", "cardholder"
    shipped = {i for p in parcels for i in p["item_ids"]}
    all_items = all(i["item_id"] in shipped for i in c.order["items"])
    return "held", {"parcels": parcels, "all_items_shipped": all_items}, "", "merchant"


def g_delivery_confirmation(c: Context) -> Gathered:
    status = c.order["status"]
    if status in DELIVERED:
        return "held", {"status": status, "source": "the store's order status"}, "", "merchant"
    return "not_held", {"status": status}, f"the store records no delivery: the order is {status}", "cardholder"


def g_prior_orders(c: Context) -> Gathered:
    card_id, rows = c.dispute["payment_method_id"], []
    for oid, o in c.other_orders.items():
        rows.append({"order_id": oid, "status": o["status"], "paid": _paid(o),
                     "same_card": any(p["payment_method_id"] == card_id for p in o["payment_history"]),
                     "same_address": _same_address(o["address"], c.order["address"]),
                     "disputed": oid in c.disputed_orders})
    if not rows:
        return "not_held", {}, "the customer has no other orders", "neutral"
    good = [r for r in rows if not r["disputed"] and r["status"] in DELIVERED and (r["same_card"] or r["same_address"])]
    note = "the store keeps no order dates, so whether these orders came before this one is not known"
    return "held", {"orders": rows, "undisputed_delivered_same_card_or_address": len(good)}, note, \
        "merchant" if good else "neutral"


def g_customer_messages(c: Context) -> Gathered:
    found = c.threads
    msgs = [{"thread_id": t.thread_id, "messages": t.customer_messages} for t in found.threads if t.customer_messages]
    if msgs:
        return "held", {"threads": msgs, "count": sum(len(m["messages"]) for m in msgs)}, "", "neutral"
    note = found.note if not found.readable else "no conversation with this customer is recorded"
    return "not_held", {}, note, "neutral"


def g_support_thread(c: Context) -> Gathered:
    found = c.threads
    threads = [{"thread_id": t.thread_id, "channel": t.channel, "created_at": t.created_at,
                "updated_at": t.updated_at, "transcript": t.transcript} for t in found.threads]
    if threads or c.handoffs:
        return "held", {"threads": threads, "handoffs": c.handoffs}, "", "neutral"
    note = found.note if not found.readable else "no support conversation or hand-off with this customer is recorded"
    return "not_held", {}, note, "neutral"


def g_store_policy(c: Context) -> Gathered:
    ids = requirements()["families"][c.family].get("policy") or []
    sections = [{"chunk_id": cid, "section": corpus_chunk(cid).section, "text": corpus_chunk(cid).text} for cid in ids]
    if not sections:
        return "not_held", {}, "the store policy has no section on this", "neutral"
    return "held", {"sections": sections}, "the published support policy (vectorstore/corpus/policy-*.md)", "merchant"


def g_refund_record(c: Context) -> Gathered:
    refunds = [{"amount": p["amount"], "payment_method_id": p["payment_method_id"]}
               for p in c.order["payment_history"] if p["transaction_type"] == "refund"]
    if not refunds:
        return "not_held", {}, "no refund is recorded on this order", "cardholder" if c.family == "cancelled_credit" \
            else "neutral"
    to_card = _paid(c.order, "refund", c.dispute["payment_method_id"])
    return "held", {"refunds": refunds, "refunded_total": _money(sum(r["amount"] for r in refunds)),
                    "refunded_to_disputed_card": to_card}, "", "merchant"


def g_cancellation_record(c: Context) -> Gathered:
    o = c.order
    if o["status"] != "cancelled":
        return "not_held", {"status": o["status"]}, f"the order is {o['status']}, not cancelled", "neutral"
    reason = o.get("cancel_reason")
    if reason:
        return "held", {"status": "cancelled", "reason": reason}, "", "neutral"
    return "partial", {"status": "cancelled", "reason": None}, "the cancellation reason and time are not recorded", \
        "neutral"


def g_return_record(c: Context) -> Gathered:
    o = c.order
    facts = {k: o.get(k) for k in ("return_items", "return_payment_method_id", "exchange_items", "exchange_new_items")
             if o.get(k)}
    facts["status"] = o["status"]
    requested = bool(o.get("return_items") or o.get("exchange_items"))
    facts["return_or_exchange_requested"] = requested
    note = "" if requested else "no return or exchange was requested through the store"
    return "held", facts, note, "neutral" if requested else "merchant"


def g_product_listing(c: Context) -> Gathered:
    listing = c.catalog
    if not listing:
        return "not_held", {}, "the products are no longer in the catalog", "neutral"
    return "partial", {"items": listing}, "the current catalog entry, not a dated snapshot of the listing at " \
                                          "order time", "neutral"


def g_agreed_amount(c: Context) -> Gathered:
    total, paid = _money(sum(i["price"] for i in c.order["items"])), _paid(c.order)
    refunded = _paid(c.order, "refund")
    match = abs(total - paid) < 0.01
    return "held", {"items_total": total, "charged": paid, "refunded": refunded, "matches": match}, \
        "" if match else "the amount charged differs from the items' total", "merchant" if match else "cardholder"


def g_other_charges(c: Context) -> Gathered:
    card = c.dispute["payment_method_id"]
    charges = [{"order_id": oid, "type": p["transaction_type"], "amount": p["amount"]}
               for oid, o in [(c.order["order_id"], c.order), *c.other_orders.items()]
               for p in o["payment_history"] if p["payment_method_id"] == card]
    this = [x for x in charges if x["order_id"] == c.order["order_id"] and x["type"] == "payment"]
    return "held", {"card_payment_method_id": card, "charges": charges, "charges_on_this_order": len(this)}, "", \
        "merchant" if len(this) == 1 else "cardholder"


def g_fraud_risk(c: Context) -> Gathered:
    score = c.fraud(c)
    if isinstance(score, str):
        return "not_held", {}, score, "neutral"
    return "held", score.model_dump(), "internal triage only; not sent to the network", "neutral"


def g_not_held(c: Context) -> Gathered:
    return "not_held", {}, "", "neutral"


GATHERERS: dict[str, Callable[[Context], Gathered]] = {
    name[2:]: fn for name, fn in globals().items() if name.startswith("g_") and callable(fn)}


def gather(c: Context) -> list[EvidenceItem]:
    items = requirements()["items"]
    out = []
    for item, weight in required_items(c.family, c.dispute["reason_code"]).items():
        spec = items[item]
        status, facts, note, supports = GATHERERS[spec["gather"]](c)
        out.append(EvidenceItem(item=item, status=status, weight=float(weight), why=spec["why"], facts=facts,
                                note=note or spec.get("not_held", ""), supports=supports))
    return out


def completeness(items: list[EvidenceItem]) -> Completeness:
    scored = [i for i in items if i.weight > 0]
    total = sum(i.weight for i in scored)
    got = sum(i.weight * CREDIT[i.status] for i in scored)
    return Completeness(score=round(got / total, 4) if total else 1.0,
                        held=[i.item for i in scored if i.status == "held"],
                        partial=[i.item for i in scored if i.status == "partial"],
                        missing=[i.item for i in scored if i.status == "not_held"])


def load_context(deps, dispute: dict, family: str, fraud: Callable[[Context], Any]) -> Context:
    """Everything the gatherers read for one dispute, from the store (one read each)."""
    from store import disputes as store_disputes

    st = deps.store
    order = st.get_order_details(dispute["order_id"])
    try:
        user = st.get_user_details(dispute["user_id"])
    except Exception:  # an erased customer: the account evidence is then missing
        user = None
    others = {oid: st.get_order_details(oid) for oid in (user or {}).get("orders", []) if oid != order["order_id"]}
    disputed = {d["order_id"] for d in store_disputes.list_disputes(st, user_id=dispute["user_id"])
                if d["id"] != dispute["id"]}
    catalog = []
    for it in order["items"]:
        try:
            variant = st.get_product_details(it["product_id"])["variants"].get(it["item_id"])
        except Exception:
            variant = None
        if variant is not None:
            catalog.append({"name": it["name"], "item_id": it["item_id"], "options": variant["options"],
                            "price_now": variant["price"], "price_paid": it["price"],
                            "available": variant["available"]})
    handoffs = [{k: h[k] for k in ("id", "created_at", "status", "summary")} for h in st.list_handoffs()
                if h.get("user_id") == dispute["user_id"]]
    checkpoint_path = getattr(getattr(deps, "settings", None), "checkpoint_path", "")
    return Context(dispute=dispute, order=order, user=user, other_orders=others, disputed_orders=disputed,
                   family=family, catalog=catalog, handoffs=_redacted(handoffs),
                   threads_reader=lambda: customer_threads(checkpoint_path, dispute["user_id"],
                                                           getattr(st, "keyring", None)), fraud=fraud)


def _redacted(handoffs: list[dict]) -> list[dict]:
    """Hand-off summaries are free text about a customer: redacted like transcripts."""
    from guards.pii import ALL_KINDS, redact

    return [{**h, "summary": redact(h["summary"], kinds=ALL_KINDS).text} for h in handoffs]
