"""The app manifest operators paste into Slack asks for what the listeners handle and
the scopes of the Web API methods the app calls."""
from pathlib import Path

import yaml

from slack_app.listeners import EVENTS
from slack_app.listeners.commands import COMMAND

MANIFEST = Path(__file__).resolve().parents[2] / "slack_app" / "manifest.yaml"
# the Web API methods and events the app uses -> the scope each needs (Slack's method pages)
NEEDS = {"chat.postMessage": "chat:write", "chat.update": "chat:write", "chat.postEphemeral": "chat:write",
         "files.getUploadURLExternal": "files:write", "files.completeUploadExternal": "files:write",
         "usergroups.users.list": "usergroups:read", "app_mention": "app_mentions:read",
         "message.im": "im:history", COMMAND: "commands"}


def test_manifest_matches_the_listeners_and_calls():
    m = yaml.safe_load(MANIFEST.read_text())
    events = m["settings"]["event_subscriptions"]["bot_events"]
    assert {e.split(".")[0] for e in events} == set(EVENTS) and "message.im" in events
    assert [c["command"] for c in m["features"]["slash_commands"]] == [COMMAND]
    assert m["settings"]["interactivity"]["is_enabled"] and m["settings"]["socket_mode_enabled"]
    assert set(m["oauth_config"]["scopes"]["bot"]) == set(NEEDS.values())
    assert m["features"]["app_home"]["messages_tab_enabled"]   # users can DM the bot
