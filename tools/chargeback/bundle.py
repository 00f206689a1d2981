"""A dispute's evidence bundle: the evidence its reason code needs (gathered from the
store), how complete it is and what is missing, the fraud score for fraud disputes, an
assessment, the rebuttal letter and the knowledge-base sections it rests on.

The bundle is plain data (``DisputeBundle``), exported as JSON (``model_dump``) and as a
self-contained HTML document (tools/chargeback/html.py). ``bundle_ref`` is a hash of
its content (not of when it was built), so a submitted bundle can be referred to.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any, Callable, Literal

from pydantic import BaseModel, Field

from tools.chargeback.evidence import (Completeness, Context, EvidenceItem, completeness, family_of, gather,
                                        load_context, requirements)
from tools.chargeback.letter import draft_letter, kb_citations, templates


class UnsupportedDispute(ValueError):
    """A dispute whose reason code has no evidence requirements."""


class Assessment(BaseModel):
    recommendation: Literal["contest", "consider_accepting"]
    against: list[str] = Field(description="evidence items whose facts support the cardholder")
    deciding_missing: list[str] = Field(description="missing items the knowledge base names as deciding (weight 2)")


class DisputeBundle(BaseModel):
    dispute: dict[str, Any]
    family: str
    family_label: str
    kb_doc: str
    evidence: list[EvidenceItem]
    completeness: Completeness
    fraud_risk: dict[str, Any] | None = None
    assessment: Assessment
    letter: str
    letter_language: str = "en"
    letter_uses: list[str]
    citations: list[dict]
    generated_at: str
    bundle_ref: str = Field(description="sha256 of the bundle's content (all but generated_at)")

    def item(self, name: str) -> EvidenceItem | None:
        return next((i for i in self.evidence if i.item == name), None)


FraudScorer = Callable[[Context], Any]


def content_ref(data: dict) -> str:
    body = {k: v for k, v in data.items() if k not in ("generated_at", "bundle_ref")}
    return "sha256:" + hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:32]


def assess(items: list[EvidenceItem]) -> Assessment:
    against = [i.item for i in items if i.weight > 0 and i.supports == "cardholder"]
    deciding_missing = [i.item for i in items if i.weight >= 2 and i.status == "not_held"]
    weak = any(i.weight >= 2 and i.supports == "cardholder" for i in items)
    return Assessment(recommendation="consider_accepting" if weak else "contest", against=against,
                      deciding_missing=deciding_missing)


def build_bundle(deps, dispute: dict, fraud: FraudScorer, now: datetime | None = None) -> DisputeBundle:
    family = family_of(dispute["network"], dispute["reason_code"])
    if family is None:
        raise UnsupportedDispute(f"No evidence requirements for {dispute['network']} {dispute['reason_code']}.")
    spec = requirements()["families"][family]
    ctx = load_context(deps, dispute, family, fraud)
    items = gather(ctx)
    now = now or datetime.now(timezone.utc)
    letter, used = draft_letter(dispute, family, items, now.date().isoformat())
    risk = next((i.facts for i in items if i.item == "fraud_risk" and i.status == "held"), None)
    data = {"dispute": dispute, "family": family, "family_label": spec["label"], "kb_doc": spec["kb_doc"],
            "evidence": [i.model_dump() for i in items], "completeness": completeness(items).model_dump(),
            "fraud_risk": risk, "assessment": assess(items).model_dump(), "letter": letter, "letter_uses": used,
            "citations": kb_citations(spec), "generated_at": now.isoformat(timespec="seconds")}
    data["bundle_ref"] = content_ref(data)
    return DisputeBundle.model_validate(data)


def item_label(item: str, lang: str = "en") -> str:
    return (templates(lang).get("items") or {}).get(item) or templates("en")["items"].get(item, item)
