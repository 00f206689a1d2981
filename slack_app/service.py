"""What Chuhai does with a Slack message or button click, whichever way it came in.

Roles: every Slack run uses the graph role `operator` (the tool policy knows no narrower
staff role, and a proposal must stay approvable by an operator). What differs is what a
Slack user may do around approvals: members of CHUHAI_SLACK_OPERATOR_GROUP approve or
reject (buttons, or a typed yes/no on the thread); anyone else in the workspace may ask
(reads, proposals) but gets a refusal when they try to decide, or to send a new request
on a thread that waits for a decision (it would silently close the proposal). Slack runs
never auto-approve.

Every failure ends as a short reply in the thread (or an ephemeral note to the clicker)
that says what to do; nothing is dropped silently."""
from __future__ import annotations

import json
import threading

from slack_sdk.errors import SlackApiError

from agents.support_parse import yes_no
from chuhai.logs import get_logger
from graphs.result import RunRequest, RunResult
from graphs.runner import ApprovalError
from slack_app import blocks as bk
from slack_app.charts import charts_of, upload
from slack_app.config import error_code
from slack_app.deliveries import Deliveries
from slack_app.operators import OperatorDirectory
from slack_app.progress import ProgressMessage, send_with_fallback
from slack_app.text import escape, thread_channel, thread_id

log = get_logger("chuhai.slack")
ROLE = "operator"
HELP = ("Ask me about orders, customers, products, pricing, listings, chargebacks or compliance, e.g. "
        "`@Chuhai where is order #W2611340?` or `/chuhai cancel order #W8797321, ordered by mistake`. "
        "Each Slack thread is one conversation; writes wait for an operator's Approve button.")
FAILED = ("Something went wrong on our side and this request was not completed. Try again in a moment; "
          "if it keeps failing, an admin can look for thread {thread} in the Chuhai server log.")


class ChuhaiSlack:
    def __init__(self, runner, settings, operators: OperatorDirectory):
        self.runner, self.settings, self.operators = runner, settings, operators
        self.deliveries = Deliveries(runner.deps.store.engine)
        self._deciding: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    # -- messages --------------------------------------------------------------------------
    def first_delivery(self, event_id: str | None) -> bool:
        """False for an event already handled (by this or another process): Slack delivers
        again when an ack was late."""
        if not event_id:
            return True
        return self.deliveries.first(event_id)

    def answer(self, client, *, team: str, channel: str, user: str, text: str, thread_ts: str) -> None:
        """Run one message of a Slack thread and answer it in that thread."""
        thread = f"{team}:{channel}:{thread_ts}"
        try:
            thread = thread_id(team, channel, thread_ts)
            refusal = self._refusal(client, thread, user, text)
        except Exception as e:  # noqa: BLE001 - e.g. the checkpoint cannot be read
            refusal = self._error_text(e, thread)
        if refusal:
            text, blocks = bk.notice_blocks(refusal)
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)
            return
        progress = ProgressMessage(client, channel, thread_ts)
        progress.start()
        try:
            result = self.runner.stream(RunRequest(input=text, thread_id=thread, channel="operator"), ROLE,
                                        progress.on_event)
        except Exception as e:  # noqa: BLE001 - every failure becomes a reply
            progress.finish(*bk.error_blocks(self._error_text(e, thread)))
            return
        progress.finish(*bk.result_blocks(result, self.operators.describe()))
        self._share_charts(client, channel, thread_ts, result)

    def _refusal(self, client, thread: str, user: str, text: str) -> str | None:
        """Why this message is not run (help, too long, a decision the user may not make)."""
        if not text.strip() or text.strip().lower() in ("help", "?"):
            return HELP
        limit = self.settings.max_input_chars
        if len(text) > limit:
            return f"Your message has {len(text)} characters; the limit is {limit}. Shorten it and send it again."
        if not self.runner.pending_actions(thread):
            return None
        membership = self.operators.check(client, user)
        if membership.is_operator:
            return None
        who = self.operators.describe()
        if yes_no(text) is not None:
            return f"Only operators ({who}) can approve or reject; ask one of them. {membership.problem}".strip()
        return (f"This thread is waiting for an operator ({who}) to approve or reject the proposal above. "
                f"Start a new thread for a new request. {membership.problem}").strip()

    # -- approvals -------------------------------------------------------------------------
    def decide(self, client, *, team: str, channel: str, user: str, message: dict, value: str,
               decision: str) -> None:
        """An Approve / Reject click on `message` (the answer that carries the buttons)."""
        try:
            info = json.loads(value)
            thread, action_id = str(info["thread_id"]), str(info["action_id"])
        except (ValueError, KeyError, TypeError):
            return self._tell(client, channel, user, "This button is not one of Chuhai's; nothing changed.")
        if thread_channel(thread) != (team, channel):
            return self._tell(client, channel, user, "This button belongs to another conversation; nothing changed.")
        membership = self.operators.check(client, user)
        if not membership.is_operator:
            log.info("slack_decision_refused", thread_id=thread, action_id=action_id, user=user)
            return self._tell(client, channel, user, f"Only operators ({self.operators.describe()}) can approve or "
                                                     f"reject actions; ask one of them. {membership.problem}".strip())
        key = (thread, action_id)
        with self._lock:
            if key in self._deciding:
                return self._tell(client, channel, user, "This action is being decided right now; wait for the result.")
            self._deciding.add(key)
        try:
            result = self.runner.decide(thread, action_id, decision, ROLE, comment=f"slack:{user}")
        except ApprovalError as e:
            note = "No longer pending: it was decided already, or a newer request replaced it."
            self._mark(client, channel, message, action_id, f":information_source: {note}")
            return self._tell(client, channel, user, f"{e.message} Nothing changed.")
        except Exception as e:  # noqa: BLE001
            return self._tell(client, channel, user, self._error_text(e, thread))
        finally:
            with self._lock:
                self._deciding.discard(key)
        verb = ":white_check_mark: Approved" if decision == "approve" else ":no_entry_sign: Rejected"
        self._mark(client, channel, message, action_id, f"{verb} by <@{user}>")
        thread_ts = thread.rsplit(":", 1)[1]
        text, blocks = bk.result_blocks(result, self.operators.describe())
        send_with_fallback(client.chat_postMessage, channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)
        self._share_charts(client, channel, thread_ts, result)

    # -- helpers ---------------------------------------------------------------------------
    def _mark(self, client, channel: str, message: dict, action_id: str, note: str) -> None:
        """Replace the decided action's buttons on the answer message by `note`."""
        if message.get("ts") and message.get("blocks"):
            client.chat_update(channel=channel, ts=message["ts"], text=message.get("text") or note,
                               blocks=bk.decided_blocks(message["blocks"], action_id, note))

    @staticmethod
    def _tell(client, channel: str, user: str, text: str) -> None:
        client.chat_postEphemeral(channel=channel, user=user, text=text)

    def _share_charts(self, client, channel: str, thread_ts: str, result: RunResult) -> None:
        charts, problems = charts_of(result, self.settings.state_dir)
        try:
            upload(client, channel, thread_ts, charts)
        except SlackApiError as e:
            error = error_code(e)
            fix = " An admin adds the files:write scope and reinstalls the app." if error == "missing_scope" else ""
            problems.append(f"The charts could not be uploaded ({error}).{fix}")
        if problems:
            text = "\n".join(problems)
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text,
                                    blocks=[bk.context(escape(text))])

    @staticmethod
    def _error_text(e: Exception, thread: str) -> str:
        if isinstance(e, ApprovalError):
            return f"{e.message} Nothing changed."
        log.error("slack_run_failed", thread_id=thread, error=repr(e)[:500])
        return FAILED.format(thread=thread)
