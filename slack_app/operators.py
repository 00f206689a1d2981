"""Who may approve from Slack: CHUHAI_SLACK_OPERATOR_GROUP lists user group ids (S...)
and/or user ids (U... or W...), comma-separated. A group's members are read with
usergroups.users.list (scope usergroups:read) and kept for `ttl_s`, so a burst of
button clicks costs one call; membership changes in Slack count within that time.
Unset: nobody approves from Slack (the API still can)."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from chuhai.logs import get_logger
from slack_app.config import error_code

log = get_logger("chuhai.slack")
TTL_S = 60.0


@dataclass
class Membership:
    is_operator: bool
    problem: str = ""   # why membership could not be read, naming the fix; "" when it could


class OperatorDirectory:
    def __init__(self, spec: str, ttl_s: float = TTL_S, clock=time.monotonic):
        entries = [e.strip() for e in (spec or "").split(",") if e.strip()]
        self.groups = [e for e in entries if e.startswith("S")]
        self.users = {e for e in entries if e[0] in "UW"}
        self.unknown = [e for e in entries if e[0] not in "SUW"]
        self.ttl_s, self.clock = ttl_s, clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return bool(self.groups or self.users)

    def describe(self) -> str:
        """Who the operators are, as Slack mrkdwn (a group renders as its @handle)."""
        names = [f"<!subteam^{g}>" for g in self.groups] + [f"<@{u}>" for u in sorted(self.users)]
        return ", ".join(names) or "nobody (CHUHAI_SLACK_OPERATOR_GROUP is not set)"

    def check(self, client, user_id: str) -> Membership:
        if user_id in self.users:
            return Membership(True)
        if not self.configured:
            return Membership(False, "No operator group is configured: an admin sets CHUHAI_SLACK_OPERATOR_GROUP "
                                     "to a user group id (S...) or user ids.")
        problems = []
        for group in self.groups:
            try:
                if user_id in self._members(client, group):
                    return Membership(True)
            except SlackApiError as e:
                error = error_code(e)
                log.warning("slack_operator_group_unreadable", group=group, error=error)
                fix = " (add the usergroups:read scope and reinstall the app)" if error == "missing_scope" else ""
                problems.append(f"I could not read the operator group {group}: {error}{fix}.")
        return Membership(False, " ".join(problems))

    def _members(self, client, group: str) -> frozenset[str]:
        now = self.clock()
        with self._lock:
            hit = self._cache.get(group)
            if hit and now - hit[0] < self.ttl_s:
                return hit[1]
        members = frozenset(client.usergroups_users_list(usergroup=group).get("users") or [])
        with self._lock:
            self._cache[group] = (now, members)
        return members
