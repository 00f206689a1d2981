"""Support-inbox triage (the `support_inbox` job): every new ticket is classified (intent
model, escalation check), answered by the support specialist on a thread of its own
(`inbox.<ticket id>`), and marked triaged, so a re-run does nothing new.

Who the sender is: a ticket comes with the sender's e-mail address, and the reply would
go back to that address. So the address alone decides whose account the support agent
may look at: when it belongs to a customer, the thread runs as that customer
(`customer:<user_id>`, as if a customer key had sent it); otherwise it runs as an
anonymous storefront visitor with every personal detail (e-mails, names, addresses)
removed from the text, so that naming someone else's e-mail or name + zip in a body
cannot open their account, and the drafted reply asks the sender to identify themselves.
Writes the agent proposes wait for the customer's explicit yes (nobody says it here:
they are drafts for a person to follow up). Angry or threatening tickets are handed to a
person by the support agent itself (transfer_to_human_agents).
"""
from __future__ import annotations

from graphs.result import RunRequest, RunResult
from guards.pii import ALL_KINDS, redact
from scheduler.jobs import JobContext, Stopped, result_artifact
from store import ActionRefused, inbox

BATCH = 100  # tickets per run; the rest wait for the next run


def triage_inbox(ctx: JobContext) -> str:
    store = ctx.deps.store
    new = inbox.tickets(store, status=inbox.NEW, limit=BATCH)
    failed = 0
    for ticket in new:
        ctx.check_stop()
        try:
            ctx.artifacts.append(triage_ticket(ctx, ticket))
        except Stopped:
            raise
        except Exception as e:  # one bad ticket does not stop the others; it is retried next run
            after = inbox.mark_attempt_failed(store, ticket["ticket_id"], f"{type(e).__name__}: {e}")
            ctx.artifacts.append({"ticket_id": ticket["ticket_id"], "status": "error", "error": str(e)[:300],
                                  "ticket_status": after["status"] if after else None})
            failed += 1
    done = [a for a in ctx.artifacts if a.get("status") != "error"]
    escalated = sum(1 for a in done if a["escalated"])
    proposals = sum(1 for a in done if a["pending_action_ids"])
    if failed and not done:
        raise RuntimeError(f"none of the {len(new)} new tickets could be triaged")
    return (f"{len(new)} new ticket(s): {len(done)} triaged, {escalated} escalated to a person, "
            f"{proposals} with a proposed action awaiting the customer's yes, {failed} failed")


def triage_ticket(ctx: JobContext, ticket: dict) -> dict:
    deps, runner = ctx.deps, ctx.runner
    text = "\n\n".join(x for x in (ticket["subject"], ticket["body"]) if x)
    red = redact(text, kinds=ALL_KINDS).text
    intent = deps.intents.predict(red) if deps.intents is not None else None
    escalation = deps.assess_escalation(text) if deps.assess_escalation is not None else None
    user_id = sender_account(deps.store, ticket["email"])
    thread_id = f"inbox.{ticket['ticket_id']}"
    result = earlier_result(runner, thread_id)
    if result is None:
        role, message = (f"customer:{user_id}", text) if user_id else ("scheduler", red)
        limit = deps.settings.max_input_chars
        result = runner.run(RunRequest(input=message[:limit], channel="customer", thread_id=thread_id), role=role)
    art = result_artifact(result)
    handed_over = any(c.get("tool") == "transfer_to_human_agents" and c.get("ok") for c in result.tool_calls)
    inbox.mark_triaged(
        deps.store, ticket["ticket_id"], ctx.now(), ctx.run["run_id"], user_id=user_id, thread_id=thread_id,
        intent=intent.intent if intent else None, category=intent.category if intent else None,
        intent_confidence=round(intent.confidence, 4) if intent else None, escalated=handed_over,
        escalation=_escalation(escalation), draft_reply=result.output.text,
        pending_action_ids=art["pending_action_ids"])
    # the run record keeps no personal data: ids, labels and the thread, not the texts
    return {"ticket_id": ticket["ticket_id"], "thread_id": thread_id, "run_id": art["run_id"],
            "status": art["status"], "route": art["route"], "customer_known": user_id is not None,
            "intent": intent.intent if intent else None, "escalated": handed_over,
            "pending_action_ids": art["pending_action_ids"]}


def sender_account(store, email: str) -> str | None:
    try:
        return store.find_user_id_by_email(email)
    except ActionRefused:
        return None


def earlier_result(runner, thread_id: str) -> RunResult | None:
    """The run an earlier, interrupted triage already made on this ticket's thread (the
    agent ran, the ticket was not marked): used as it is, never run twice."""
    if runner.thread(thread_id) is None:
        return None
    runs, _ = runner.threads.runs(thread_id, 1)
    return RunResult.model_validate(runs[0]) if runs else None


def _escalation(esc) -> dict | None:
    if esc is None:
        return None
    return {"angry": esc.angry, "threat": esc.threat, "score": round(esc.score, 3),
            "reasons": [r.split(":", 1)[0] for r in esc.reasons]}
