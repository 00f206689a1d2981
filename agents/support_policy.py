"""General questions about the store's policy ("how long do refunds take?", "can I change
the address after ordering?") answered from the knowledge base, with citations.

Reading the policy needs no account, so these are answered before authentication. Only
documents tagged `store-policy` (the store's policy, its FAQ and FAQ entries learned from
resolved tickets) are quoted: market law is not the store's promise. The answer quotes
the passage's own sentences; nothing is paraphrased by a model.

A message counts as a general question when it is phrased as a question, names no order,
gives no e-mail or zip and has no personal marker ("my order", "I want", "please", "can
you", Chinese 我, Japanese 私): those are requests about the customer's own orders and go
through the normal flow.
"""
from __future__ import annotations

import re

from agents import support_parse as sp
from vectorstore.citations import citations as to_citations

STORE_POLICY_TOPIC = "store-policy"
MIN_SIMILARITY = 0.3      # below this the best passage is not about the question (measured: off-topic <= 0.11)
MAX_SENTENCES = 3
MAX_EXCERPT_CHARS = 600

QUESTION_END = re.compile(r"[?？]|(吗|呢|か|かな|ですか|ますか)[。.!！]?\s*$")
QUESTION_START = re.compile(
    r"^\s*(what|how|when|can|could|do|does|is|are|why|which|may|qu[eé]|c[oó]mo|cu[aá]nto|cu[aá]ndo|puedo|se puede|"
    r"was|wie|wann|kann|gibt es|muss|quel|quelle|comment|combien|quand|puis-je|est-ce|peut-on)\b", re.I)
PERSONAL = re.compile(
    r"\b(my|mine|me|i'd|i'm|i've|i want|i need|i would like|i bought|i ordered|i received|i got|please|"
    r"can you|could you|would you|will you|mi|mis|quiero|quisiera|necesito|por favor|puede usted|"
    r"mein|meine|meinen|meiner|meinem|mir|mich|ich möchte|ich will|ich brauche|bitte|können sie|"
    r"ma|mon|mes|moi|je veux|je voudrais|j'aimerais|pouvez-vous|s'il vous pla[iî]t)\b"
    r"|我|请|私|僕|わたし|注文した|買った|したい|ください|お願い", re.I)
SENTENCE_SPLIT = re.compile(r"(?<=[.!?。！？])\s+|\n+")
WORD = re.compile(r"\w{3,}", re.U)


def is_general_question(text: str) -> bool:
    if sp.find_order_ids(text) or sp.find_emails(text) or sp.find_zips(text) or PERSONAL.search(text) \
            or sp.has_any(text, sp.KEYWORDS["human"]):
        return False
    return bool(QUESTION_END.search(text.strip()) or QUESTION_START.search(text))


def answer(turn, text: str) -> bool:
    """Answer from the store-policy documents; False when the KB has nothing close enough
    (or no KB is configured), and the message goes on through the normal flow."""
    res = turn.call("search_knowledge_base", query=turn.req.redacted_text, k=3, topic=STORE_POLICY_TOPIC)
    passages = res.result["passages"] if res.ok else []
    best = max(passages, key=lambda p: p["similarity"] or 0.0, default=None)
    if best is None or (best["similarity"] or 0.0) < MIN_SIMILARITY:
        return False
    turn.say("policy_answer", title=best["section"] or best["title"], excerpt=excerpt(best["text"], text))
    if turn.lang != "en":
        turn.say("policy_in_english")
    turn.say("policy_followup")
    turn.citations.extend(to_citations([_as_hit(best)]))
    turn.data["policy_answer"] = {"doc_id": best["doc_id"], "chunk_id": best["chunk_id"],
                                  "similarity": round(best["similarity"], 3)}
    return True


def excerpt(passage: str, question: str) -> str:
    """The passage's sentences that share most words with the question, in their order;
    the opening sentences when none do (a question in another language than the text)."""
    sentences = [s.strip() for s in SENTENCE_SPLIT.split(passage) if s.strip() and not s.lstrip().startswith("#")]
    if not sentences:
        return passage[:MAX_EXCERPT_CHARS]
    asked = {w.lower() for w in WORD.findall(question)}
    scored = [(len(asked & {w.lower() for w in WORD.findall(s)}), i) for i, s in enumerate(sentences)]
    picked = sorted(i for score, i in sorted(scored, key=lambda x: (-x[0], x[1]))[:MAX_SENTENCES] if score > 0)
    chosen = [sentences[i] for i in picked] or sentences[:MAX_SENTENCES]
    out = " ".join(chosen)
    return out if len(out) <= MAX_EXCERPT_CHARS else out[:MAX_EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"


def _as_hit(passage: dict):
    from vectorstore.models import Hit

    return Hit(**{k: passage[k] for k in ("chunk_id", "doc_id", "title", "section", "text", "score", "source",
                                          "similarity")})
