"""Socket Mode for real: the Bolt app opens a WebSocket to the fake (apps.connections.open
with the app token), which pushes envelopes shaped like Slack's; the app acks them and
answers through the Web API, on the real run engine."""
import json
from urllib.parse import parse_qsl

import pytest
from conftest import MEMBER, OPERATOR
from slack_payloads import block_action, block_text, buttons, mention, slash_command
from test_slack_http import answer_of

from slack_app.socket_mode import start_for_server

PENDING = "#W8797321"


@pytest.fixture
def socket_settings(settings, fake_slack):
    return settings.model_copy(update={"slack_app_token": fake_slack.app_token, "slack_signing_secret": None})


def test_socket_mode_answers_mentions_commands_and_buttons(socket_settings, make_deps, fake_slack):
    fake, deps = fake_slack, make_deps()
    deps.settings = socket_settings
    handler, line = start_for_server(socket_settings, deps)
    try:
        assert line == "Slack: Socket Mode connected." and handler is not None
        opened = fake.calls_to("apps.connections.open")
        assert len(opened) == 1 and opened[0].token == fake.app_token

        event = mention(f"Cancel order {PENDING}, ordered by mistake", OPERATOR)
        envelope = fake.send_envelope("events_api", event)
        fake.wait_for(lambda: any(a.get("envelope_id") == envelope for a in fake.acks), what="the ack")
        thread_ts = event["event"]["ts"]
        ts, answer = answer_of(fake, "C0SALES", thread_ts)
        assert "Awaiting approval" in block_text(answer["blocks"])

        approve = next(b for b in buttons(answer["blocks"]) if b["text"]["text"] == "Approve")
        message = {"ts": ts, "thread_ts": thread_ts, "text": answer["text"], "blocks": answer["blocks"]}
        click = dict(parse_qsl(block_action(MEMBER, "C0SALES", message, approve)))
        fake.send_envelope("interactive", json.loads(click["payload"]))
        fake.wait_for(lambda: fake.calls_to("chat.postEphemeral"), what="the refusal")
        assert deps.store.get_order_details(PENDING)["status"] == "pending"
        click = dict(parse_qsl(block_action(OPERATOR, "C0SALES", message, approve)))
        fake.send_envelope("interactive", json.loads(click["payload"]))
        fake.wait_for(lambda: fake.messages_in("C0SALES", thread_ts)[1:], what="the resumed run")
        assert deps.store.get_order_details(PENDING)["status"] == "cancelled"

        command = dict(parse_qsl(slash_command("where is order #W2611340?", OPERATOR)))
        envelope = fake.send_envelope("slash_commands", command, accepts_response_payload=True)
        fake.wait_for(lambda: any(a.get("envelope_id") == envelope for a in fake.acks), what="the command ack")
        root = fake.wait_for(lambda: [c for c in fake.calls_to("chat.postMessage") if "thread_ts" not in c.args],
                             what="the command's thread")[0]
        _, answer = answer_of(fake, "C0SALES", root.reply["ts"])
        assert "357962501027" in answer["text"]
    finally:
        handler.close()


def test_a_refused_app_token_leaves_the_api_running_and_says_what_to_fix(socket_settings, make_deps, fake_slack):
    fake_slack.fail("apps.connections.open", "invalid_auth")
    handler, line = start_for_server(socket_settings, make_deps())
    assert handler is None and "invalid_auth" in line and "CHUHAI_SLACK_APP_TOKEN" in line
