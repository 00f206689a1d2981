"""The /chuhai slash command: the request is posted to the channel as the root of a new
thread (so the conversation continues there by mentioning @Chuhai), then answered in it."""
from __future__ import annotations

from slack_sdk.errors import SlackApiError

from chuhai.logs import get_logger
from slack_app.config import error_code
from slack_app.service import HELP
from slack_app.text import clip, escape, plain_text

log = get_logger("chuhai.slack")
COMMAND = "/chuhai"


def on_command(chuhai):
    def handle_command(ack, command, client, respond, context) -> None:
        text = plain_text(command.get("text", ""), context.bot_user_id)
        if not text or text.lower() in ("help", "?"):
            return ack(HELP)
        ack()
        user, channel = command["user_id"], command["channel_id"]
        try:
            root = client.chat_postMessage(channel=channel, text=f"<@{user}> asked: {clip(escape(text), 2900)}")
        except SlackApiError as e:
            error = error_code(e)
            log.info("slack_command_cannot_post", channel=channel, error=error)
            return respond(f"I can't post in this conversation ({error}). Invite me with `/invite @Chuhai`, "
                           "or send me a direct message.", response_type="ephemeral")
        chuhai.answer(client, team=command.get("team_id") or context.team_id, channel=channel, user=user,
                      text=text, thread_ts=root["ts"])

    return handle_command
