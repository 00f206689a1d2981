"""Requests shaped like Slack's real ones (Events API event_callback, slash command form
body, block_actions interactivity payload), and their v0 signature headers."""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from urllib.parse import urlencode

from fake_slack import BOT_USER, TEAM

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
APP_ID = "A0CHUHAI"
_ids = itertools.count(1)


def signed_headers(body: str, secret: str = SECRET, timestamp: int | None = None, content_type: str = "json") -> dict:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}",
            "Content-Type": "application/json" if content_type == "json" else "application/x-www-form-urlencoded"}


def next_ts() -> str:
    return f"1712345{next(_ids):03d}.000200"


def event_callback(event: dict) -> dict:
    return {"token": "ZZZZZZWSxiZZZ2yIvs3peJ", "team_id": TEAM, "context_team_id": TEAM, "api_app_id": APP_ID,
            "event": event, "type": "event_callback", "event_id": f"Ev{next(_ids):08d}",
            "event_time": int(time.time()), "is_ext_shared_channel": False,
            "authorizations": [{"enterprise_id": None, "team_id": TEAM, "user_id": BOT_USER, "is_bot": True,
                                "is_enterprise_install": False}]}


def mention(text: str, user: str, channel: str = "C0SALES", ts: str | None = None,
            thread_ts: str | None = None) -> dict:
    ts = ts or next_ts()
    event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts, "team": TEAM,
             "channel": channel, "event_ts": ts,
             "blocks": [{"type": "rich_text", "block_id": "b1", "elements": []}]}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_callback(event)


def direct_message(text: str, user: str, channel: str = "D0DIRECT", ts: str | None = None, **extra) -> dict:
    ts = ts or next_ts()
    return event_callback({"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
                           "event_ts": ts, "channel_type": "im", "team": TEAM, **extra})


def slash_command(text: str, user: str, channel: str = "C0SALES", response_url: str = "") -> str:
    """The form body Slack posts for `/chuhai <text>`."""
    return urlencode({"token": "gIkuvaNzQIHg97ATvDxqgjtO", "team_id": TEAM, "team_domain": "chuhai-test",
                      "channel_id": channel, "channel_name": "sales", "user_id": user, "user_name": user.lower(),
                      "command": "/chuhai", "text": text, "api_app_id": APP_ID, "is_enterprise_install": "false",
                      "response_url": response_url or "https://hooks.slack.com/commands/T0CHUHAI/1/abc",
                      "trigger_id": "13345224609.738474920.8088930838d88f008e0"})


def block_action(user: str, channel: str, message: dict, button: dict) -> str:
    """The form body (`payload=` JSON) Slack posts when `user` clicks `button` on `message`."""
    payload = {"type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": TEAM},
               "api_app_id": APP_ID, "token": "9s8d9as89d8as9d8as989",
               "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel,
                             "is_ephemeral": False, **({"thread_ts": message["thread_ts"]}
                                                       if message.get("thread_ts") else {})},
               "trigger_id": "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3",
               "team": {"id": TEAM, "domain": "chuhai-test"}, "enterprise": None, "is_enterprise_install": False,
               "channel": {"id": channel, "name": "sales"}, "message": {"type": "message", **message},
               "state": {"values": {}}, "response_url": "https://hooks.slack.com/actions/T0CHUHAI/1/xyz",
               "actions": [{"action_id": button["action_id"], "block_id": button["block_id"], "text": button["text"],
                            "value": button["value"], "style": button.get("style", ""), "type": "button",
                            "action_ts": f"{time.time():.6f}"}]}
    return urlencode({"payload": json.dumps(payload)})


def buttons(blocks: list[dict]) -> list[dict]:
    """Every button of a message, each with its block_id."""
    return [{**e, "block_id": b.get("block_id")} for b in blocks if b.get("type") == "actions"
            for e in b["elements"] if e.get("type") == "button"]


def block_text(blocks: list[dict]) -> str:
    """All text of a message's blocks, one string (sections, fields, context)."""
    out = []
    for b in blocks or []:
        if b.get("text"):
            out.append(b["text"]["text"])
        out.extend(f["text"] for f in b.get("fields", []))
        out.extend(e.get("text", "") for e in b.get("elements", []) if isinstance(e.get("text"), str))
    return "\n".join(out)
