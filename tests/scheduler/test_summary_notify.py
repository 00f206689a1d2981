"""Run summaries posted to Slack for real: slack_sdk's WebClient against a local fake of
the Slack Web API (chat.postMessage) on loopback."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from scheduler.notify import NullNotifier, SlackNotifier, make_notifier


class FakeSlack:
    def __init__(self, answer: dict):
        self.answer, self.calls = answer, []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                body = json.loads(raw) if "json" in self.headers.get("content-type", "") else \
                    {k: v[0] for k, v in parse_qs(raw).items()}
                fake.calls.append((self.path, self.headers.get("authorization"), body))
                out = json.dumps(fake.answer).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_slack():
    made = []

    def make(answer):
        made.append(FakeSlack(answer))
        return made[-1]

    yield make
    for f in made:
        f.close()


def test_notifier_from_settings(settings):
    assert isinstance(make_notifier(settings), NullNotifier)
    settings.slack_bot_token = "xoxb-test"
    assert isinstance(make_notifier(settings), NullNotifier)  # no summary channel: nowhere to post
    settings.slack_summary_channel = "C0SUM"
    notifier = make_notifier(settings)
    assert isinstance(notifier, SlackNotifier) and notifier.channel == "C0SUM"


def test_a_run_posts_its_summary_to_slack(fake_slack, sched_deps, runner):
    from scheduler.service import Schedules

    slack = fake_slack({"ok": True, "channel": "C0SUM", "ts": "1795395600.000100"})
    settings = sched_deps.settings
    settings.slack_bot_token, settings.slack_summary_channel, settings.slack_api_url = "xoxb-test", "C0SUM", slack.url
    record = Schedules(sched_deps, runner).run_now("compliance_sweep", "operator")
    assert record["status"] == "completed" and record["notified"] == "slack:C0SUM@1795395600.000100"
    [(path, auth, body)] = slack.calls
    assert path == "/api/chat.postMessage" and auth == "Bearer xoxb-test"
    assert body["channel"] == "C0SUM" and body["text"] == record["summary"]
    assert body["text"].startswith("*Nightly compliance sweep* (manual")


def test_a_failed_post_is_recorded_and_the_run_still_counts(fake_slack, sched_deps, runner):
    from scheduler.service import Schedules

    slack = fake_slack({"ok": False, "error": "channel_not_found"})
    settings = sched_deps.settings
    settings.slack_bot_token, settings.slack_summary_channel, settings.slack_api_url = "xoxb-test", "C0GONE", slack.url
    record = Schedules(sched_deps, runner).run_now("repricing", "operator")
    assert record["status"] == "completed"
    assert record["notified"].startswith("error:") and "channel_not_found" in record["notified"]
