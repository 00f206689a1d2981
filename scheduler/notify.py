"""Where run summaries go: a Slack channel (CHUHAI_SLACK_BOT_TOKEN +
CHUHAI_SLACK_SUMMARY_CHANNEL), else nowhere. A failed post is reported back to the
caller (the run record keeps it) and never fails the run."""
from __future__ import annotations

from typing import Protocol

from chuhai.logs import get_logger

log = get_logger("chuhai.scheduler")


class Notifier(Protocol):
    channel: str | None

    def post(self, channel: str, text: str, blocks: list[dict] | None = None) -> str:
        """Post `text` to `channel`; returns where it went ("slack:<channel>@<ts>"), raises on failure."""


class NullNotifier:
    """Summaries stay in the run records (GET /v1/schedule-runs)."""

    channel = None

    def post(self, channel: str, text: str, blocks: list[dict] | None = None) -> str:
        return ""


class SlackNotifier:
    def __init__(self, token: str, channel: str, api_url: str = "https://slack.com/api/", timeout_s: int = 10):
        from slack_sdk import WebClient

        self.channel = channel
        self.client = WebClient(token=token, base_url=api_url if api_url.endswith("/") else api_url + "/",
                                timeout=timeout_s)

    def post(self, channel: str, text: str, blocks: list[dict] | None = None) -> str:
        kwargs = {"blocks": blocks} if blocks else {}
        resp = self.client.chat_postMessage(channel=channel, text=text, unfurl_links=False, **kwargs)
        return f"slack:{resp.get('channel', channel)}@{resp.get('ts', '')}"


def make_notifier(settings) -> Notifier:
    """Slack when both the bot token and the summary channel are set, else the no-op."""
    from slack_app.config import SlackConfig

    config = SlackConfig.from_settings(settings)
    channel = getattr(settings, "slack_summary_channel", None)
    if not (config.bot_token and channel):
        return NullNotifier()
    return SlackNotifier(config.bot_token, channel, config.api_url)


def notify(notifier: Notifier, text: str, blocks: list[dict] | None = None) -> str:
    """Post a summary to the notifier's channel; what the run record keeps: where it went,
    "" when summaries are off, or "error: ..."."""
    if not notifier.channel:
        return ""
    try:
        return notifier.post(notifier.channel, text, blocks)
    except Exception as e:  # Slack down, a bad token, a missing channel: the run still counts
        log.warning("summary_post_failed", error=str(e)[:300])
        return f"error: {str(e)[:280]}"
