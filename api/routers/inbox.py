"""The support inbox (store/inbox.py): add an incoming ticket, list tickets and what
triage made of them (the `support_inbox` scheduled job). Admin and operator keys: the
tickets hold customers' messages and drafted replies."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from api.auth import require, role_for
from api.errors import APIError
from store import ActionRefused, inbox

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])


class TicketIn(BaseModel):
    email: str = Field(max_length=254, description="the sender's address: triage treats it as who is writing")
    subject: str = Field("", max_length=500)
    body: str = Field("", max_length=inbox.MAX_BODY_CHARS)
    received_at: datetime | None = Field(None, description="default: now")


@router.post("/tickets", status_code=201)
def add_ticket(body: TicketIn, request: Request, role: str = Depends(role_for)) -> dict:
    require(role, "admin", "operator")
    deps = request.app.state.deps
    try:
        ticket = inbox.add_ticket(deps.store, body.email, body.subject, body.body, body.received_at or deps.clock())
    except ActionRefused as e:
        raise APIError(422, "invalid_request", e.message) from e
    deps.store.audit.record(role, "inbox.add", detail=ticket["ticket_id"])
    return ticket


@router.get("/tickets")
def list_tickets(request: Request, role: str = Depends(role_for),
                 status: Literal["new", "triaged", "failed"] | None = Query(None),
                 limit: int = Query(50, ge=1, le=200)) -> dict:
    """Tickets newest first, with intent, escalation, drafted reply and pending action ids."""
    require(role, "admin", "operator")
    store = request.app.state.deps.store
    found = inbox.tickets(store, status=status, limit=limit, newest_first=True)
    store.audit.record(role, "inbox.list", detail=f"{len(found)} tickets")  # customers' messages were read
    return {"tickets": found}
