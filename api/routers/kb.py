"""The knowledge base over HTTP: search it, and teach it from resolved tickets.

`POST /v1/kb/faq` is how an approved support answer becomes a FAQ entry: an operator
names a thread and the run whose answer was right (the question is the customer message
that run answered). The thread's stored transcript is already redacted (names, streets,
e-mails, cards...), and vectorstore/faq.py redacts again before anything is written.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from api.auth import require, role_for
from api.errors import APIError
from vectorstore.citations import citations

router = APIRouter(prefix="/v1/kb", tags=["knowledge base"])


class LearnFaqIn(BaseModel):
    thread_id: str = Field(min_length=1, max_length=128)
    run_id: str = Field(min_length=1, max_length=64, description="the run whose answer was approved")
    question: str | None = Field(None, max_length=2000, description="override the customer's wording")
    answer: str | None = Field(None, max_length=6000, description="override the answer text")
    markets: list[str] = Field(default_factory=list, max_length=20)
    topics: list[str] = Field(default_factory=list, max_length=20)


def _kb(request: Request):
    kb = getattr(request.app.state.deps, "kb", None)
    if kb is None:
        raise APIError(503, "unavailable", "The knowledge base is not configured on this server.")
    return kb


@router.get("/search")
def search(request: Request, q: str = Query(min_length=2, max_length=1000), k: int = Query(5, ge=1, le=20),
           market: str | None = None, topic: str | None = None, role: str = Depends(role_for)) -> dict:
    require(role, "admin", "operator", "scheduler")
    hits = _kb(request).search(q, k=k, market=market, topic=topic)
    return {"query": q, "citations": citations(hits)}


@router.post("/faq", status_code=201)
def learn_faq(body: LearnFaqIn, request: Request, role: str = Depends(role_for)) -> dict:
    require(role, "admin", "operator")
    kb = _kb(request)
    thread = request.app.state.runner.thread(body.thread_id)
    if thread is None:
        raise APIError(404, "not_found", f"Thread {body.thread_id} does not exist.")
    turns = [t for t in thread["transcript"] if t.get("run_id") == body.run_id]
    asked = next((t["content"] for t in turns if t["role"] == "user"), None)
    answered = next((t["content"] for t in turns if t["role"] == "assistant"), None)
    if asked is None or answered is None:
        raise APIError(404, "not_found", f"Run {body.run_id} has no question and answer on thread {body.thread_id}.")
    learned = kb.add_faq(body.question or asked, body.answer or answered, source_thread_id=body.thread_id,
                         approved_by=role, markets=body.markets, topics=body.topics,
                         language=thread.get("language") or "en")
    request.app.state.deps.store.audit.record(role, "kb.faq.add", detail=f"{learned.doc_id} from {body.thread_id}")
    return learned.model_dump()
