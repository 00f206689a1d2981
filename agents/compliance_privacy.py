"""The compliance agent's data-handling audit: personal data stored where it should not be,
and a customer's erasure request run end to end.

Scan: every free-text value of the store (store/text_fields.py) and every learned FAQ
file of the knowledge base (data_dir/kb/learned) goes through ``guards.pii.detect``. A
place meant to hold contact data (a customer's address, a handoff summary) is checked for
card, bank-account and identity numbers only; every other place (catalogue, listings,
audit-log details, sales descriptions, the knowledge base) for those and for e-mail
addresses and phone numbers too. Findings name the place and record and show the value
masked (``mask``), never in full.

Erasure: ``privacy_service(deps)`` builds store/privacy.py's PrivacyService (store, the
checkpointed threads, the learned FAQ folder) for the ``erase_customer_data`` tool, which
only runs once a person approved the compliance agent's pending action.
"""
from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agents.compliance_rules import RuleBook, rule_book
from guards.pii import DEFAULT_KINDS, detect
from store.text_fields import CONTACT, TextField, iter_text_fields
from tools.compliance_schemas import PiiFinding, PiiScan

SENSITIVE = frozenset({"CARD", "IBAN", "US_SSN", "CN_RESIDENT_ID"})
KB_LOCATION = "knowledge_base.learned_faq"


def mask(kind: str, value: str) -> str:
    """A value shown without revealing it: the last four digits of a card or account,
    the first letter and the domain's first letter of an e-mail, nothing of an identity number."""
    digits = re.sub(r"\D", "", value)
    if kind == "CARD":
        return f"card ending {digits[-4:]} ({len(digits)} digits)"
    if kind == "IBAN":
        return f"{value[:2].upper()}** **** ending {digits[-4:]}"
    if kind == "EMAIL" and "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain[:1]}***.{domain.rsplit('.', 1)[-1]}" if "." in domain else f"{local[:1]}***@***"
    if kind == "PHONE":
        return f"phone ending {digits[-2:]}"
    if kind in ("US_SSN", "CN_RESIDENT_ID"):
        return f"{kind.lower()} ({len(digits)} digits, hidden)"
    return f"{value[:1]}*** ({len(value)} characters)"


def _kinds_for(place_allowed: frozenset[str]) -> frozenset[str]:
    """What to look for in a place: sensitive numbers everywhere; contact data only where
    the place is not meant to hold it."""
    return SENSITIVE if place_allowed >= CONTACT else frozenset(DEFAULT_KINDS)


def _learned_fields(learned_dir: Path | None) -> Iterator[TextField]:
    if learned_dir is None or not Path(learned_dir).is_dir():
        return
    for path in sorted(Path(learned_dir).glob("*.md")):
        yield TextField(KB_LOCATION, path.name, path.read_text(encoding="utf-8"), frozenset())


def scan_stored_pii(store, learned_dir: Path | None = None, *, include_sales: bool = True, limit: int = 100,
                    book: RuleBook | None = None) -> PiiScan:
    """Personal data stored where it should not be, in the store and the learned FAQ
    entries; at most ``limit`` findings are listed (all are counted)."""
    book = book or rule_book()
    started = time.perf_counter()
    rule_of = {kind: rule for rule in book.data_rules.values() for kind in rule.kinds}
    findings: list[PiiFinding] = []
    by_location, by_kind = Counter(), Counter()
    fields = files = total = 0
    sources = [iter_text_fields(store, include_sales=include_sales), _learned_fields(learned_dir)]
    for source in sources:
        for field in source:
            if field.location == KB_LOCATION:
                files += 1
            else:
                fields += 1
            for ent in detect(field.text, _kinds_for(field.allowed)):
                rule = rule_of.get(ent.kind)
                if rule is None:
                    continue
                total += 1
                by_location[field.location] += 1
                by_kind[ent.kind] += 1
                if len(findings) < limit:
                    findings.append(PiiFinding(rule_id=rule.id, severity=rule.severity, title=rule.title,
                                               location=field.location, record=field.record, kind=ent.kind,
                                               masked=mask(ent.kind, ent.value), fix=rule.fix, citation=rule.citation))
    cited = {f.citation for f in findings}
    return PiiScan(fields_scanned=fields, files_scanned=files, findings=findings, total_findings=total,
                   truncated=total > len(findings), by_location=dict(by_location), by_kind=dict(by_kind),
                   citations={c: book.citation(c) for c in sorted(cited)},
                   elapsed_s=round(time.perf_counter() - started, 3))


# ------------------------------------------------------------------ erasure
def learned_dir_of(deps) -> Path | None:
    settings = getattr(deps, "settings", None)
    if settings is None:
        return None
    from vectorstore.faq import learned_dir

    return learned_dir(settings)


@contextmanager
def privacy_service(deps):
    """store/privacy.py's PrivacyService over the deps' store, the checkpointed threads
    (the deps' checkpointer, else the runner's SQLite file under settings.checkpoint_path,
    opened for this call with the same encryption) and the learned FAQ folder (re-indexed
    through deps.kb)."""
    from store.privacy import PrivacyService

    settings = deps.settings
    kb = getattr(deps, "kb", None)
    saver, conn = getattr(deps, "checkpointer", None), None
    if saver is None and Path(settings.checkpoint_path).exists():
        from graphs.supervisor import sqlite_checkpointer  # the runner's own kind: encrypted with the store's keys

        saver = sqlite_checkpointer(settings.checkpoint_path, getattr(deps.store, "keyring", None))
        conn = saver.conn
    try:
        yield PrivacyService(deps.store, checkpointer=saver, learned_dir=learned_dir_of(deps),
                             kb_factory=(lambda: kb) if kb is not None else None,
                             deadline_days=settings.erasure_deadline_days)
    finally:
        if conn is not None:
            conn.close()


__all__ = ["PiiFinding", "PiiScan", "mask", "privacy_service", "scan_stored_pii"]
