"""Mentions in channels (app_mention) and direct messages (message.im): each runs in its
Slack thread; a top-level message starts a thread whose Chuhai thread id is its ts."""
from __future__ import annotations

from slack_app.text import plain_text


def on_mention(chuhai):
    def handle_mention(body, event, client, context) -> None:
        if event.get("channel", "").startswith("D") or event.get("bot_id") or event.get("subtype"):
            return  # a DM arrives as message.im too; bots and edits are not requests
        _answer(chuhai, body, event, client, context)

    return handle_mention


def on_direct_message(chuhai):
    def handle_direct_message(body, event, client, context) -> None:
        if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
            return  # channel messages come as app_mention; bot posts, edits and joins are not requests
        _answer(chuhai, body, event, client, context)

    return handle_direct_message


def _answer(chuhai, body: dict, event: dict, client, context) -> None:
    if not chuhai.first_delivery(body.get("event_id")):
        return
    chuhai.answer(client, team=event.get("team") or body.get("team_id") or context.team_id,
                  channel=event["channel"], user=event.get("user", ""),
                  text=plain_text(event.get("text", ""), context.bot_user_id),
                  thread_ts=event.get("thread_ts") or event["ts"])
