"""Slack listeners, registered in this one place (DESIGN.md: one registry per kind)."""
from __future__ import annotations

from chuhai.logs import get_logger
from slack_app.listeners.actions import DECISION_ACTION, on_decision
from slack_app.listeners.commands import COMMAND, on_command
from slack_app.listeners.messages import on_direct_message, on_mention

log = get_logger("chuhai.slack")
EVENTS = ("app_mention", "message")   # the manifest subscribes to app_mention and message.im


def register(app, chuhai) -> None:
    app.event("app_mention")(on_mention(chuhai))
    app.event("message")(on_direct_message(chuhai))
    app.command(COMMAND)(on_command(chuhai))
    app.action(DECISION_ACTION)(on_decision(chuhai))

    @app.error
    def log_listener_error(error, body) -> None:
        log.error("slack_listener_failed", error=repr(error)[:500], type=(body or {}).get("type"))
