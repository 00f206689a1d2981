"""HTTP mode end to end: signed Slack requests to POST /slack/events on the API app, the
real Bolt app and run engine, and a local fake of the Slack Web API that records what the
app sends (progress updates, Block Kit answers, approvals, ephemeral refusals)."""
import json
import time

from conftest import OPERATOR
from fake_slack import TEAM
from slack_payloads import (block_text, direct_message, event_callback, mention, signed_headers,
                            slash_command)

DELIVERED = "#W2611340"   # james_li_5688's, tracking 357962501027


def post_event(client, payload: dict, **sign):
    body = json.dumps(payload)
    return client.post("/slack/events", content=body, headers=signed_headers(body, **sign))


def post_form(client, body: str, **sign):
    return client.post("/slack/events", content=body, headers=signed_headers(body, content_type="form", **sign))


def answer_of(fake, channel: str, thread_ts: str, nth: int = 0) -> tuple[str, dict]:
    """(ts, final chat.update args) of the nth status message Chuhai posted in the thread,
    once the run has replaced it by its answer."""
    status = fake.wait_for(lambda: fake.messages_in(channel, thread_ts)[nth:], what="the status message")[0]
    ts = status.reply["ts"]
    update = fake.wait_for(lambda: [u for u in fake.updates_of(ts) if "*Status*" in block_text(u.args.get("blocks"))
                                    or ":warning:" in block_text(u.args.get("blocks"))], what="the answer")[-1]
    return ts, update.args


def test_url_verification_and_refused_signatures(slack):
    client, _, fake, _ = slack
    challenge = {"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                 "type": "url_verification"}
    r = post_event(client, challenge)
    assert r.status_code == 200 and r.json()["challenge"] == challenge["challenge"]

    payload = mention(f"where is order {DELIVERED}?", OPERATOR)
    forged = post_event(client, payload, secret="not-the-signing-secret")
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "invalid_slack_signature"
    replayed = post_event(client, payload, timestamp=int(time.time()) - 6 * 60)   # correctly signed, but stale
    assert replayed.status_code == 401
    body = json.dumps(payload)
    unsigned = client.post("/slack/events", content=body, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401
    tampered = signed_headers(body)
    assert client.post("/slack/events", content=body.replace("where", "cancel"), headers=tampered).status_code == 401
    assert fake.calls == []   # nothing was run or answered


def test_mention_answers_in_its_thread_with_progress_then_block_kit(slack):
    client, _, fake, runner = slack
    payload = mention(f"where is order {DELIVERED}?", OPERATOR)
    r = post_event(client, payload)
    assert r.status_code == 200   # acknowledged before the run ends
    event = payload["event"]
    ts, answer = answer_of(fake, "C0SALES", event["ts"])   # the reply is in the mention's thread
    first = fake.messages_in("C0SALES", event["ts"])[0]
    assert "Working on it" in first.args["text"]
    progress = [block_text(u.args["blocks"]) for u in fake.updates_of(ts)][:-1]
    assert any("Routed to *support*" in p for p in progress), progress
    assert any("`get_order_details`" in p for p in progress), progress
    text = block_text(answer["blocks"])
    assert "357962501027" in answer["text"] and "357962501027" in text
    assert "*Route*\nsupport" in text and "Completed" in text and "get_order_details" in text
    assert not any(b["type"] == "actions" for b in answer["blocks"])
    thread = f"slack:{TEAM}:C0SALES:{event['ts']}"
    assert runner.thread(thread)["transcript"][-1]["content"].count("357962501027") == 1

    # a mention inside the thread continues the same Chuhai thread
    follow = mention("and what did it contain?", OPERATOR, thread_ts=event["ts"])
    assert post_event(client, follow).status_code == 200
    answer_of(fake, "C0SALES", event["ts"], nth=1)
    assert len([t for t in runner.thread(thread)["transcript"] if t["role"] == "user"]) == 2


def test_direct_messages_answer_and_bot_posts_and_edits_are_ignored(slack):
    client, _, fake, runner = slack
    ignored = [direct_message("I am the bot talking", OPERATOR, bot_id="B0BOT"),
               direct_message("edited", OPERATOR, subtype="message_changed"),
               event_callback({"type": "message", "channel": "C0SALES", "user": OPERATOR, "text": "chatter",
                               "ts": "1712345999.000100", "channel_type": "channel"})]
    for payload in ignored:
        assert post_event(client, payload).status_code == 200
    dm = direct_message(f"status of {DELIVERED}", OPERATOR)
    assert post_event(client, dm).status_code == 200
    _, answer = answer_of(fake, "D0DIRECT", dm["event"]["ts"])
    assert "357962501027" in answer["text"]
    # one run at a time (conftest): the ignored events were handled before the DM, and left nothing
    assert [c.args["channel"] for c in fake.calls_to("chat.postMessage")] == ["D0DIRECT"]
    assert [t["thread_id"] for t in runner.threads.threads("admin", 10, None)[0]] == \
        [f"slack:{TEAM}:D0DIRECT:{dm['event']['ts']}"]

    # Slack delivering the same event again (a late ack) does not run it twice
    assert post_event(client, dm).status_code == 200
    again = direct_message("help", OPERATOR)
    post_event(client, again)
    fake.wait_for(lambda: fake.messages_in("D0DIRECT", again["event"]["ts"]), what="the help reply")
    assert len(fake.messages_in("D0DIRECT", dm["event"]["ts"])) == 1


def test_slash_command_posts_the_request_and_answers_in_its_thread(slack):
    client, _, fake, _ = slack
    r = post_form(client, slash_command(f"where is order {DELIVERED}?", OPERATOR))
    assert r.status_code == 200
    root = fake.wait_for(lambda: [c for c in fake.calls_to("chat.postMessage") if "thread_ts" not in c.args],
                         what="the thread root")[0]
    assert root.args["channel"] == "C0SALES" and root.args["text"].startswith(f"<@{OPERATOR}> asked:")
    _, answer = answer_of(fake, "C0SALES", root.reply["ts"])
    assert "357962501027" in answer["text"]

    help_reply = post_form(client, slash_command("help", OPERATOR))
    assert help_reply.status_code == 200 and "/chuhai" in help_reply.text   # shown to the user only


def test_slash_command_where_the_bot_cannot_post_says_what_to_do(slack):
    client, _, fake, _ = slack
    fake.fail("chat.postMessage", "not_in_channel")
    respond_url = fake.base_url.removesuffix("/api/") + "/api/response_url"
    assert post_form(client, slash_command("where is order #W2611340?", OPERATOR, response_url=respond_url)).status_code == 200
    said = fake.wait_for(lambda: fake.calls_to("response_url"), what="the response_url reply")[0]
    assert "not_in_channel" in said.args["text"] and "/invite @Chuhai" in said.args["text"]
    assert said.args["response_type"] == "ephemeral"
