"""A customer's support inbox tickets and the triage threads made of them, in their privacy
export and erasure: real triage (scheduler job, graph, support agent), real SQLite
checkpointer, store/privacy.py's service."""
from __future__ import annotations

from datetime import timedelta

from store import inbox
from store.privacy import PrivacyService
from store.privacy_parts import ThreadsPart

OMAR, OMAR_EMAIL = "omar_johnson_2562", "omar.johnson6791@example.com"
JAMES_EMAIL = "james.li4495@example.com"


def test_tickets_and_their_threads_are_exported_and_erased(make_service, sched_deps, runner):
    deps = sched_deps
    for job_id in ("repricing", "disputes", "selection_report", "compliance_sweep"):
        setattr(deps.settings, f"schedule_{job_id}_enabled", False)

    def ticket(email, subject, body, minutes):
        at = deps.clock() + timedelta(minutes=minutes)
        return inbox.add_ticket(deps.store, email, subject, body, at)["ticket_id"]

    own = ticket(OMAR_EMAIL, "Order", "Where is my order #W2809253?", 0)
    wife = ticket("wife@home.example", "For my husband", f"His account is {OMAR_EMAIL}. Where is his order?", 1)
    james = ticket(JAMES_EMAIL, "Order", "Where is my order #W2611340?", 2)
    assert make_service().run_now("support_inbox", "operator")["status"] == "completed"
    threads = {k: inbox.get_ticket(deps.store, t)["thread_id"] for k, t in (("own", own), ("wife", wife),
                                                                            ("james", james))}
    # the wife's thread ran as an anonymous visitor with the e-mail redacted: only the
    # ticket links it to Omar
    found = ThreadsPart(runner.checkpointer).find(OMAR, [OMAR, OMAR_EMAIL])
    assert found.get(threads["own"]) == "owner" and threads["wife"] not in found

    service = PrivacyService(deps.store, checkpointer=runner.checkpointer)
    out = service.export(OMAR, "admin")
    assert [t["ticket_id"] for t in out["store"]["inbox_tickets"]] == [own, wife]
    relations = {t["thread_id"]: t["relation"] for t in out["threads"]}
    assert relations[threads["own"]] == "owner" and relations[threads["wife"]] == "ticket"
    assert threads["james"] not in relations

    done = service.erase(OMAR, "admin")
    assert done["status"] == "completed" and done["parts"]["store"]["inbox_tickets"] == 2
    assert done["parts"]["threads"]["inbox_tickets"] == 1 and done["parts"]["threads"]["owned"] == 1
    assert "redacted as it is written" in done["parts"]["logs"]["note"]
    assert runner.thread(threads["own"]) is None and runner.thread(threads["wife"]) is None
    assert [t["ticket_id"] for t in inbox.tickets(deps.store)] == [james]
    assert runner.thread(threads["james"])["role"] == "customer:james_li_5688"
    assert service.erase(OMAR, "admin")["parts"]["nothing_held"] is True
