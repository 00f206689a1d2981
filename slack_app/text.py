"""Slack text in and out: a message's markup turned back into what the user typed, mrkdwn
escaping for what Chuhai sends, and the Chuhai thread id of a Slack thread."""
from __future__ import annotations

import re

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#[CG][A-Z0-9]+\|([^>]*)>")
_GROUP = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:mailto:|tel:|https?://)[^|>]+)(?:\|([^>]*))?>")
_THREAD_PART = re.compile(r"^[A-Za-z0-9.]+$")


def plain_text(text: str, bot_user_id: str | None = None) -> str:
    """What the user typed: mentions of the bot dropped, other mentions as @id, links as
    their label (an e-mail Slack auto-linked is the e-mail again), entities unescaped."""
    text = text or ""
    text = _USER.sub(lambda m: "" if m.group(1) == bot_user_id else f"@{m.group(1)}", text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(1)}", text)
    text = _GROUP.sub(lambda m: f"@{m.group(1) or 'group'}", text)
    text = _SPECIAL.sub(lambda m: f"@{m.group(1)}", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1).removeprefix("mailto:").removeprefix("tel:"), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"[ \t]+", " ", text).strip()


def escape(text: str) -> str:
    """Slack mrkdwn control characters; Chuhai's own text never carries Slack markup."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def thread_id(team: str, channel: str, thread_ts: str) -> str:
    """One Chuhai thread per Slack thread: "slack:<team>:<channel>:<thread_ts>"."""
    for part in (team, channel, thread_ts):
        if not part or not _THREAD_PART.match(part):
            raise ValueError(f"not a Slack id or timestamp: {part!r}")
    return f"slack:{team}:{channel}:{thread_ts}"


def thread_channel(thread: str) -> tuple[str, str] | None:
    """(team, channel) of a Slack thread id, None for another kind of thread id."""
    parts = thread.split(":")
    return (parts[1], parts[2]) if len(parts) == 4 and parts[0] == "slack" else None
