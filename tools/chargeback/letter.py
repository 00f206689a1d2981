"""The rebuttal letter to the card network, drafted from templates
(prompts/chargeback/en.json "letter") filled with the gathered evidence.

Only held or partly held items that support the merchant become sentences; every
sentence's values come from an item's facts, so the letter states nothing the store
does not hold. Letters go to card networks, so they are written in English whatever
language the operator uses. No LLM is involved: a small model rewording a letter of
record could only add risk (and the design forbids it to add facts).
"""
from __future__ import annotations

from prompts import load_templates


from tools.chargeback.evidence import EvidenceItem, corpus_chunk

LETTER_LANGUAGE = "en"


def templates(lang: str) -> dict:
    return load_templates("chargeback", lang)


def money(amount: float, currency: str = "USD") -> str:
    return f"{amount:,.2f} {currency}"


def address_line(a: dict) -> str:
    street = ", ".join(x for x in (a.get("address1"), a.get("address2")) if x)
    return f"{street}, {a.get('city')}, {a.get('state')} {a.get('zip')}, {a.get('country')}"


def _items(items: list[dict], price_key: str = "price") -> str:
    return "; ".join(f"{i['name']} ({', '.join(str(v) for v in i['options'].values())}) {money(i[price_key])}"
                     for i in items)


def _first_sentences(text: str, n: int = 2) -> str:
    parts = [p.strip() for p in text.replace("\n", " ").split(". ") if p.strip()]
    out = ". ".join(parts[:n])
    return out if out.endswith(".") else out + "."


def _fields(item: EvidenceItem, dispute: dict) -> dict | None:
    """The template fields of one item, or None when it adds no sentence in our favour."""
    f = item.facts
    match item.item:
        case "order_record":
            return {"order_id": f["order_id"], "items": _items(f["items"]), "total": money(f["items_total"])}
        case "payment_record":
            card = f.get("card") or {}
            if not card.get("last_four"):
                return None
            return {"brand": str(card.get("brand") or "").title(), "last_four": card["last_four"],
                    "charged": money(f["charged_to_card"])}
        case "customer_account":
            return {k: f[k] for k in ("user_id", "name", "email")}
        case "shipping_address":
            return {"address": address_line(f["address"])}
        case "account_address_match":
            return {} if f.get("matches") else None
        case "fulfillment_tracking":
            ids = [t for p in f["parcels"] for t in p["tracking_ids"]]
            return {"parcels": len(f["parcels"]), "tracking": ", ".join(ids)}
        case "delivery_confirmation":
            return {"status": f["status"]}
        case "prior_orders":
            good = [o["order_id"] for o in f["orders"] if not o["disputed"] and o["status"] in
                    ("delivered", "return requested", "exchange requested") and (o["same_card"] or o["same_address"])]
            return {"n": len(good), "orders": ", ".join(good)} if good else None
        case "customer_messages":
            return {"n": f["count"]}
        case "support_thread":
            return {"threads": len(f["threads"]), "handoffs": len(f["handoffs"])}
        case "store_policy":
            return {"quote": _first_sentences(f["sections"][0]["text"])}
        case "refund_record":
            return {"refunded": money(f["refunded_total"]), "to_card": money(f["refunded_to_disputed_card"])}
        case "cancellation_record":
            return {"reason": f" at the customer's request ({f['reason']})" if f.get("reason") else ""}
        case "return_record":
            return None if f.get("return_or_exchange_requested") else {}
        case "product_listing":
            return {"items": _items(f["items"], "price_paid")}
        case "agreed_amount":
            return {"charged": money(f["charged"]), "total": money(f["items_total"])} if f["matches"] else None
        case "other_charges":
            if f["charges_on_this_order"] != 1:
                return None
            others = sorted({c["order_id"] for c in f["charges"]
                             if c["order_id"] != dispute["order_id"] and c["type"] == "payment"})
            t = templates(LETTER_LANGUAGE)["letter"]["facts"]["other_charges_others"]
            return {"others": t.format(orders=", ".join(others)) if others else ""}
    return None


def draft_letter(dispute: dict, family: str, items: list[EvidenceItem], today: str) -> tuple[str, list[str]]:
    """(letter text, item ids it relies on)."""
    t = templates(LETTER_LANGUAGE)
    L, labels = t["letter"], t["items"]
    lines = [L["header"].format(network=dispute["network"], id=dispute["id"], code=dispute["reason_code"],
                                reason=dispute["reason"], order_id=dispute["order_id"],
                                amount=money(dispute["amount"], dispute["currency"]), date=today),
             "", L["opening"][family], ""]
    used = []
    for item in items:
        if item.status == "not_held" or item.supports == "cardholder" or item.weight == 0:
            continue
        template = L["facts"].get(item.item)
        fields = _fields(item, dispute) if template else None
        if fields is None:
            continue
        lines.append("- " + template.format(**fields))
        used.append(item.item)
    enclosed = [labels[i.item] for i in items if i.status != "not_held" and i.weight > 0]
    lines += ["", L["closing"], "", L["enclosures"].format(items="; ".join(enclosed)), "", L["signature"],
              "", L["footer"]]
    return "\n".join(lines), used


def kb_citations(family_spec: dict) -> list[dict]:
    """The family's knowledge-base sections, in vectorstore/citations.py format."""
    from vectorstore.citations import citations
    from vectorstore.models import Hit

    hits = []
    for cid in [*family_spec.get("cite", []), *family_spec.get("policy", [])]:
        c = corpus_chunk(cid)
        hits.append(Hit(chunk_id=c.chunk_id, doc_id=c.doc_id, title=c.title, section=c.section, text=c.text,
                        score=1.0, source=c.source, markets=c.markets, topics=c.topics, language=c.language))
    return citations(hits)
