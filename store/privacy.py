"""Erasure and export of one customer across every part that holds their data.

Parts, in the order an erasure runs them (each finds its data from the customer's user id
and e-mail, and from the threads found; the knowledge base goes first because its
entries are found through the threads):

1. knowledge base: learned FAQ entries from the customer's threads (files and chunks);
2. threads: checkpointed conversations the customer owns or is named in;
3. store: the user, payment methods, orders (items, fulfillments, payments), handoffs,
   support inbox tickets (their threads go with part 2); disputes are pseudonymised, not
   deleted (store/subject.py);
4. audit log: kept (append-only, pseudonymous; see docs/DATA_SECURITY.md), counted;
5. application log: redacted as it is written (chuhai/log_redaction.py), so it holds
   nothing to erase; the report says so.

A thread in which an admin approved the erasure is deleted again once its run has ended
(``privacy_parts.forget_thread_if_erased``, called by graphs/runner.py): the run's own
write-back names the customer.

An erasure is a stored request (``privacy_requests``): received, due by received +
CHUHAI_ERASURE_DEADLINE_DAYS, completed, and what each part erased. It runs at once; a
part that fails leaves the request open (with its error and the sealed user id), and
the same request is finished by asking again. Every step is idempotent, so asking again
after completion is a recorded no-op.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from .models import PrivacyRequest
from .privacy_parts import KnowledgePart, ThreadsPart

AUDIT_NOTE = ("kept: the append-only record of who accessed what; it holds the customer's pseudonym "
              "(HMAC-SHA256, CHUHAI_PSEUDONYM_KEY), never their id, e-mail or data")
LOG_NOTE = ("nothing to erase: the application log (stderr, kept by whoever runs the service) holds no customer "
            "identifiers in clear; every line is redacted as it is written (customer ids become <USER_ID>, e-mails, "
            "phones, cards, names and addresses placeholders: chuhai/log_redaction.py); the one log file under "
            "CHUHAI_DATA_DIR (logs/models-train.log) holds model training output only")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class ErasureIncomplete(Exception):
    """A part failed; the request stays open until it is asked again."""

    def __init__(self, request: dict, error: str):
        super().__init__(error)
        self.request, self.error = request, error


@dataclass
class PrivacyService:
    store: Any
    checkpointer: Any | None = None
    learned_dir: Path | None = None
    kb_factory: Callable[[], Any] | None = None
    deadline_days: int = 30
    clock: Callable[[], datetime] = _utcnow

    # ------------------------------------------------------------------ finding
    def _locate(self, user_id: str) -> tuple[dict | None, dict[str, str], list[Path], list[str]]:
        record = self.store.subject_record(user_id)
        user = (record or {}).get("user") or {}
        needles = [user_id] + ([user["email"]] if user.get("email") else [])
        threads: dict[str, str] = {}
        if self.checkpointer is not None:
            part = ThreadsPart(self.checkpointer)
            threads = part.find(user_id, needles)
            ticket_threads = [t["thread_id"] for t in (record or {}).get("inbox_tickets", []) if t["thread_id"]]
            threads.update({tid: "ticket" for tid in part.existing(ticket_threads) if tid not in threads})
        faqs = KnowledgePart(self.learned_dir, self.kb_factory).find(set(threads), needles)
        return record, threads, faqs, needles

    # ------------------------------------------------------------------ export
    def export(self, user_id: str, role: str) -> dict | None:
        """Everything held about user_id, or None when no part holds anything (the
        pseudonymous audit trail alone does not count: it is not data about them)."""
        record, threads, faqs, _ = self._locate(user_id)
        if record is None and not threads and not faqs:
            self.store.audit.record(role, "privacy.export", subject_user_id=user_id, outcome="not_found")
            return None
        out = {"user_id": user_id, "generated_at": self.clock().isoformat() + "Z",
               "store": record or {},
               "threads": ThreadsPart(self.checkpointer).export(threads) if threads else [],
               "knowledge_base": KnowledgePart.export(faqs),
               "audit_log": self.store.audit.entries(subject_user_id=user_id),
               "privacy_requests": self.requests(subject_user_id=user_id),
               "logs": LOG_NOTE}
        self.store.audit.record(role, "privacy.export", subject_user_id=user_id, outcome="ok",
                                detail=f"threads={len(threads)} faq={len(faqs)}")
        return out

    # ------------------------------------------------------------------ erasure
    def erase(self, user_id: str, role: str) -> dict:
        """Erase user_id everywhere; returns the completed request. Raises
        ErasureIncomplete (request left open) if a part fails."""
        request_id, resumed = self._open(user_id, role)
        parts: dict[str, Any] = {}
        try:
            _, threads, faqs, _ = self._locate(user_id)
            kb = KnowledgePart(self.learned_dir, self.kb_factory)
            parts["knowledge_base"] = kb.erase(faqs, reindex=resumed and self.kb_factory is not None)
            parts["threads"] = {"owned": sum(v == "owner" for v in threads.values()),
                                "mentioning": sum(v == "mention" for v in threads.values()),
                                "inbox_tickets": sum(v == "ticket" for v in threads.values()),
                                "deleted": ThreadsPart(self.checkpointer).erase(sorted(threads))
                                if threads else 0}
            parts["store"] = self.store.erase_subject(user_id)
            parts["audit_log"] = {"entries": self.store.audit.count(subject_user_id=user_id), "note": AUDIT_NOTE}
            parts["logs"] = {"note": LOG_NOTE}
        except Exception as e:  # noqa: BLE001 - any part's failure keeps the request open
            error = f"{type(e).__name__}: {e}"[:500]
            self._update(request_id, parts=parts, error=error)
            self.store.audit.record(role, "privacy.erasure", subject_user_id=user_id, outcome="error",
                                    detail=f"request={request_id}")
            raise ErasureIncomplete(self.request(request_id), error) from e
        erased = (parts["knowledge_base"]["faq_entries"] + parts["threads"]["deleted"]
                  + sum(parts["store"].values()))
        parts["nothing_held"] = erased == 0
        self._update(request_id, parts=parts, error=None, status="completed", completed_at=self.clock(),
                     subject_ref=None)
        self.store.audit.record(role, "privacy.erasure", subject_user_id=user_id, outcome="ok",
                                detail=f"request={request_id} rows={erased}")
        view = self.request(request_id)
        view["earlier_requests"] = [r["request_id"] for r in self.requests(subject_user_id=user_id)
                                    if r["request_id"] != request_id]
        return view

    def _open(self, user_id: str, role: str) -> tuple[str, bool]:
        """The open request for this customer (a failed earlier attempt: its deadline
        stands), else a new one. Returns (id, resumed)."""
        subject = self.store.pseudonyms.user(user_id)
        with self.store.transaction(write=True) as conn:
            found = conn.execute(select(PrivacyRequest.id).where(
                PrivacyRequest.subject == subject, PrivacyRequest.kind == "erasure",
                PrivacyRequest.status == "open").order_by(PrivacyRequest.received_at).limit(1)).scalar()
            if found:
                return found, True
            now = self.clock()
            request_id = "er_" + uuid.uuid4().hex[:16]
            conn.execute(insert(PrivacyRequest).values(
                id=request_id, kind="erasure", subject=subject, subject_ref=user_id,
                requested_by=self.store.pseudonyms.actor(role)[:120], status="open", received_at=now,
                deadline_at=now + timedelta(days=self.deadline_days)))
        return request_id, False

    def _update(self, request_id: str, **values) -> None:
        with self.store.transaction(write=True) as conn:
            conn.execute(update(PrivacyRequest).where(PrivacyRequest.id == request_id).values(**values))

    # ------------------------------------------------------------------ requests
    def request(self, request_id: str) -> dict | None:
        with self.store.transaction() as conn:
            row = conn.execute(select(PrivacyRequest.__table__).where(PrivacyRequest.id == request_id)).first()
        return self._view(row) if row else None

    def requests(self, *, subject_user_id: str | None = None, status: str | None = None) -> list[dict]:
        stmt = select(PrivacyRequest.__table__).order_by(PrivacyRequest.received_at)
        if subject_user_id is not None:
            stmt = stmt.where(PrivacyRequest.subject == self.store.pseudonyms.user(subject_user_id))
        if status is not None:
            stmt = stmt.where(PrivacyRequest.status == status)
        with self.store.transaction() as conn:
            rows = conn.execute(stmt).all()
        return [self._view(r) for r in rows]

    def _view(self, r) -> dict:
        now = self.clock()
        done = r.completed_at
        view = {"request_id": r.id, "kind": r.kind, "subject": r.subject, "status": r.status,
                "requested_by": r.requested_by, "received_at": r.received_at.isoformat() + "Z",
                "deadline_at": r.deadline_at.isoformat() + "Z",
                "completed_at": done.isoformat() + "Z" if done else None,
                "completed_in_s": round((done - r.received_at).total_seconds(), 3) if done else None,
                "within_deadline": (done or now) <= r.deadline_at, "overdue": done is None and now > r.deadline_at,
                "parts": r.parts, "error": r.error}
        if r.status == "open":  # who it is about, while it is still to be done
            view["user_id"] = r.subject_ref
        return view
