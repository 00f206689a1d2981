"""The status message of a run in progress: posted when work starts, updated on the
runner's `route` and `tool_call` events (graphs/events.py), replaced by the answer.

Updates are sent from the run's thread as the events happen (one chat.update each, at
most MAX_UPDATES a run: Slack allows about 50 chat.update calls a minute). A failed
update only stops the progress display; the run goes on and its answer is still sent."""
from __future__ import annotations

import json

from slack_sdk.errors import SlackApiError

from chuhai.logs import get_logger
from slack_app.blocks import progress_blocks
from slack_app.config import error_code
from slack_app.text import escape

log = get_logger("chuhai.slack")
MAX_UPDATES = 12


class ProgressMessage:
    def __init__(self, client, channel: str, thread_ts: str):
        self.client, self.channel, self.thread_ts = client, channel, thread_ts
        self.lines: list[str] = []
        self.updates = 0
        self.ts: str | None = None

    def start(self) -> str:
        text, blocks = progress_blocks([])
        self.ts = self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, text=text,
                                               blocks=blocks)["ts"]
        return self.ts

    def on_event(self, event: str, data: str) -> None:
        """The runner's emit callback: (event name, JSON data)."""
        line = _line(event, json.loads(data)) if event in ("route", "tool_call") else None
        if line is None or self.updates >= MAX_UPDATES:
            return
        self.lines.append(line)
        self.updates += 1
        text, blocks = progress_blocks(self.lines)
        self.client.chat_update(channel=self.channel, ts=self.ts, text=text, blocks=blocks)

    def finish(self, text: str, blocks: list[dict]) -> None:
        """The answer in place of the status."""
        send_with_fallback(self.client.chat_update, channel=self.channel, ts=self.ts, text=text, blocks=blocks)


def send_with_fallback(send, **kwargs):
    """A chat.postMessage/chat.update with blocks; if Slack refuses the blocks, the text
    alone, so an answer is never lost to a rendering problem."""
    try:
        return send(**kwargs)
    except SlackApiError as e:
        if not kwargs.get("blocks"):
            raise
        log.warning("slack_blocks_refused", error=error_code(e))
        return send(**{**kwargs, "blocks": []})


def _line(event: str, data: dict) -> str:
    if event == "route":
        route = data.get("route") or []
        return f":compass: Routed to *{escape(' → '.join(route))}*" if route else ":compass: No specialist fits"
    mark = ":white_check_mark:" if data.get("ok", True) else ":x:"
    return f"{mark} `{escape(str(data.get('tool', '?')))}`"
