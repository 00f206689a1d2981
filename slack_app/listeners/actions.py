"""Approve / Reject buttons (block_actions) on a proposal: they resume the waiting run."""
from __future__ import annotations

import re

from slack_app.blocks import APPROVE, REJECT

DECISION_ACTION = re.compile(rf"^({APPROVE}|{REJECT}):")


def on_decision(chuhai):
    def handle_decision(ack, body, action, client) -> None:
        ack()
        container = body.get("container") or {}
        chuhai.decide(client, team=(body.get("team") or {}).get("id") or body["user"].get("team_id", ""),
                      channel=container.get("channel_id") or body["channel"]["id"], user=body["user"]["id"],
                      message=body.get("message") or {}, value=action.get("value", ""),
                      decision="approve" if action["action_id"].startswith(APPROVE + ":") else "reject")

    return handle_decision
