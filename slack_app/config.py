"""Which way Slack comes in, from settings: Socket Mode when an app token is set (no public
URL needed), HTTP mode at POST /slack/events when a signing secret is set, else none.
Both need the bot token, which every reply is sent with."""
from __future__ import annotations

from dataclasses import dataclass

SOCKET, HTTP = "socket", "http"


def error_code(e: Exception) -> str:
    """Slack's error code of a failed Web API call ("missing_scope", ...), else the exception."""
    response = getattr(e, "response", None)
    if response is not None and hasattr(response, "get"):
        return str(response.get("error") or "unknown_error")
    return repr(e)[:200]


def secret(value) -> str:
    """A setting's plain value: SecretStr or str, '' when unset."""
    if value is None:
        return ""
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str
    app_token: str
    signing_secret: str
    api_url: str
    operator_group: str

    @classmethod
    def from_settings(cls, settings) -> "SlackConfig":
        url = getattr(settings, "slack_api_url", None) or "https://slack.com/api/"
        return cls(bot_token=secret(getattr(settings, "slack_bot_token", None)),
                   app_token=secret(getattr(settings, "slack_app_token", None)),
                   signing_secret=secret(getattr(settings, "slack_signing_secret", None)),
                   api_url=url if url.endswith("/") else url + "/",
                   operator_group=getattr(settings, "slack_operator_group", None) or "")

    @property
    def mode(self) -> str | None:
        """SOCKET, HTTP or None (Slack not configured, or configured incompletely)."""
        if not self.bot_token:
            return None
        if self.app_token:
            return SOCKET if self.app_token.startswith("xapp-") else None
        if self.signing_secret:
            return HTTP
        return None

    def problem(self) -> str | None:
        """Why Slack is off, in words that name the fix; None when it is on or not wanted."""
        if not (self.bot_token or self.app_token or self.signing_secret):
            return None
        if not self.bot_token:
            return "Slack is off: CHUHAI_SLACK_BOT_TOKEN (xoxb-...) is not set."
        if self.app_token and not self.app_token.startswith("xapp-"):
            return "Slack is off: CHUHAI_SLACK_APP_TOKEN must be an app-level token starting with xapp-."
        if self.mode is None:
            return ("Slack is off: set CHUHAI_SLACK_APP_TOKEN (xapp-..., Socket Mode) or "
                    "CHUHAI_SLACK_SIGNING_SECRET (HTTP mode at POST /slack/events).")
        return None
