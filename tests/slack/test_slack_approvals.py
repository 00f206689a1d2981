"""Approve / Reject buttons over HTTP mode: only operator-group members decide; a decision
resumes the waiting run, changes the store, and replaces the buttons by who decided."""
from conftest import MEMBER, OPERATOR
from slack_payloads import block_action, block_text, buttons, mention
from test_slack_http import answer_of, post_event, post_form

PENDING = "#W8797321"   # omar_johnson_2562's pending order


def propose_cancel(client, fake, user=OPERATOR):
    payload = mention(f"Cancel order {PENDING}, the customer ordered it by mistake", user)
    assert post_event(client, payload).status_code == 200
    thread_ts = payload["event"]["ts"]
    ts, answer = answer_of(fake, "C0SALES", thread_ts)
    message = {"ts": ts, "thread_ts": thread_ts, "text": answer["text"], "blocks": answer["blocks"],
               "user": "U0BOT", "bot_id": "B0BOT"}
    return thread_ts, message


def click(client, user, message, label):
    button = next(b for b in buttons(message["blocks"]) if b["text"]["text"] == label)
    return post_form(client, block_action(user, "C0SALES", message, button))


def test_operator_approves_and_the_run_resumes(slack):
    client, deps, fake, runner = slack
    thread_ts, message = propose_cancel(client, fake)
    text = block_text(message["blocks"])
    assert "Awaiting approval" in text and "cancel_pending_order" in text
    assert [b["text"]["text"] for b in buttons(message["blocks"])] == ["Approve", "Reject"]
    assert deps.store.get_order_details(PENDING)["status"] == "pending"

    # a member outside the operator group is refused, in a note only they see; nothing changes
    assert click(client, MEMBER, message, "Approve").status_code == 200
    refusal = fake.wait_for(lambda: fake.calls_to("chat.postEphemeral"), what="the refusal")[0]
    assert refusal.args["user"] == MEMBER and "Only operators (<!subteam^S0OPS>)" in refusal.args["text"]
    assert deps.store.get_order_details(PENDING)["status"] == "pending"
    assert len(runner.pending_actions(f"slack:T0CHUHAI:C0SALES:{thread_ts}")) == 1

    assert click(client, OPERATOR, message, "Approve").status_code == 200
    resumed = fake.wait_for(lambda: fake.messages_in("C0SALES", thread_ts)[1:], what="the resumed run")[0]
    order = deps.store.get_order_details(PENDING)
    assert order["status"] == "cancelled" and order["cancel_reason"] == "ordered by mistake"
    assert "Completed" in block_text(resumed.args["blocks"])
    marked = [u for u in fake.updates_of(message["ts"]) if f"Approved by <@{OPERATOR}>" in block_text(u.args["blocks"])]
    assert marked and not buttons(marked[-1].args["blocks"])
    assert not runner.pending_actions(f"slack:T0CHUHAI:C0SALES:{thread_ts}")
    # membership was read once for both clicks (cached)
    assert len(fake.calls_to("usergroups.users.list")) == 1

    # the old buttons, clicked again: nothing runs twice, the clicker is told why
    ephemerals = len(fake.calls_to("chat.postEphemeral"))
    assert click(client, OPERATOR, message, "Approve").status_code == 200
    stale = fake.wait_for(lambda: fake.calls_to("chat.postEphemeral")[ephemerals:], what="the stale note")[0]
    assert "Nothing changed" in stale.args["text"]
    assert len(fake.messages_in("C0SALES", thread_ts)) == 2


def test_reject_changes_nothing(slack):
    client, deps, fake, _ = slack
    before = deps.store.export()
    thread_ts, message = propose_cancel(client, fake)
    assert click(client, OPERATOR, message, "Reject").status_code == 200
    fake.wait_for(lambda: fake.messages_in("C0SALES", thread_ts)[1:], what="the resumed run")
    assert any(f"Rejected by <@{OPERATOR}>" in block_text(u.args["blocks"]) for u in fake.updates_of(message["ts"]))
    assert deps.store.export() == before


def test_typed_yes_counts_only_from_operators(slack):
    client, deps, fake, _ = slack
    thread_ts, _ = propose_cancel(client, fake, user=MEMBER)   # anyone may ask
    post_event(client, mention("yes", MEMBER, thread_ts=thread_ts))
    refusal = fake.wait_for(lambda: fake.messages_in("C0SALES", thread_ts)[1:], what="the refusal")[0]
    assert "Only operators" in refusal.args["text"]
    post_event(client, mention("actually, where is my other order?", MEMBER, thread_ts=thread_ts))
    waiting = fake.wait_for(lambda: fake.messages_in("C0SALES", thread_ts)[2:], what="the second refusal")[0]
    assert "waiting for an operator" in waiting.args["text"]
    assert deps.store.get_order_details(PENDING)["status"] == "pending"

    post_event(client, mention("yes", OPERATOR, thread_ts=thread_ts))
    answer_of(fake, "C0SALES", thread_ts, nth=3)
    assert deps.store.get_order_details(PENDING)["status"] == "cancelled"


def test_forged_button_for_another_conversation_is_refused(slack):
    client, deps, fake, _ = slack
    _, message = propose_cancel(client, fake)
    button = next(b for b in buttons(message["blocks"]) if b["text"]["text"] == "Approve")
    post_form(client, block_action(OPERATOR, "C0OTHER", message, button))
    note = fake.wait_for(lambda: fake.calls_to("chat.postEphemeral"), what="the refusal")[0]
    assert "another conversation" in note.args["text"]
    assert deps.store.get_order_details(PENDING)["status"] == "pending"
