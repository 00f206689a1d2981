"""Privacy: erase or export one customer across the store, threads, knowledge base and
logs (store/privacy.py), and the pseudonymised analytics export.

Admin only, except that a customer key may export its own data (``GET
/v1/privacy/export/{its own user id}``): a data subject's right of access, through the
key that already authenticates them. Erasure stays admin-only: it cannot be undone.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from api.auth import require, role_for
from api.errors import APIError
from store.privacy import ErasureIncomplete, PrivacyService
from store.pseudonyms import pseudonymized_export

router = APIRouter(prefix="/v1/privacy", tags=["privacy"])
USER_ID = r"^[A-Za-z0-9_.-]+$"


class ErasureRequest(BaseModel):
    user_id: str = Field(min_length=1, max_length=64, pattern=USER_ID, description="the customer to erase")


def _service(request: Request) -> PrivacyService:
    from vectorstore.faq import learned_dir

    deps = request.app.state.deps
    settings = deps.settings
    kb = getattr(deps, "kb", None)

    def kb_factory():
        if kb is not None:
            return kb
        from vectorstore.kb import KnowledgeBase

        return KnowledgeBase.from_settings(settings)

    runner = getattr(request.app.state, "runner", None)
    return PrivacyService(deps.store, checkpointer=getattr(runner, "checkpointer", None),
                          learned_dir=learned_dir(settings), kb_factory=kb_factory,
                          deadline_days=settings.erasure_deadline_days)


@router.post("/erasure")
def erase(body: ErasureRequest, request: Request, role: str = Depends(role_for)) -> dict:
    """Erase one customer everywhere now (their disputes are pseudonymised, not deleted:
    docs/DATA_SECURITY.md); the request (received, deadline, completed, what each part
    erased) is kept. Asking again is a recorded no-op, or finishes an
    erasure that a failing part left open."""
    require(role, "admin")
    try:
        return _service(request).erase(body.user_id, role)
    except ErasureIncomplete as e:
        raise APIError(503, "erasure_incomplete",
                       f"Erasure request {e.request['request_id']} is not finished ({e.error}); it stays open "
                       f"until {e.request['deadline_at']}. Fix the cause and POST the same user_id again.") from None


@router.get("/erasure")
def list_erasures(request: Request, status: str | None = Query(None, pattern="^(open|completed)$"),
                  role: str = Depends(role_for)) -> list[dict]:
    """Erasure requests, oldest first, with their deadlines (`overdue` marks open ones past it)."""
    require(role, "admin")
    return _service(request).requests(status=status)


@router.get("/erasure/{request_id}")
def get_erasure(request_id: str, request: Request, role: str = Depends(role_for)) -> dict:
    require(role, "admin")
    found = _service(request).request(request_id)
    if found is None:
        raise APIError(404, "not_found", f"No erasure request {request_id}. GET /v1/privacy/erasure lists them.")
    return found


@router.get("/export/{user_id}")
def export(user_id: str, request: Request, role: str = Depends(role_for)) -> dict:
    """Everything held about one customer: store rows (their support inbox tickets and
    card disputes included), threads, learned FAQ entries, their (pseudonymous) audit
    entries and privacy requests."""
    if role != f"customer:{user_id}":
        require(role, "admin")
    found = _service(request).export(user_id, role)
    if found is None:
        raise APIError(404, "not_found", f"Nothing is held about user {user_id} (store, threads and knowledge "
                                         "base searched).")
    return found


@router.get("/pseudonymized-export")
def analytics_export(request: Request, role: str = Depends(role_for)) -> dict:
    """The store for analytics and training: ids as keyed pseudonyms, no names, e-mails,
    streets, zips or card digits (store/pseudonyms.py)."""
    require(role, "admin")
    store = request.app.state.deps.store
    out = pseudonymized_export(store.export(), store.pseudonyms)
    store.audit.record(role, "store.pseudonymized_export")
    return out
