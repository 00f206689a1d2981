"""Slack tests: the real Bolt app and Chuhai's real run engine, talking to a local fake of
the Slack Web API (fake_slack.py); Slack's requests are signed like Slack signs them."""
from __future__ import annotations

import pytest
from fake_slack import FakeSlack
from netguard import NetGuard
from slack_payloads import SECRET

OPERATOR, MEMBER, GROUP = "U0OPERATOR", "U0MEMBER", "S0OPS"


@pytest.fixture(autouse=True)
def no_outbound():
    """Slack's Web API is the loopback fake: any other connection fails the test."""
    guard = NetGuard().install()
    yield guard
    guard.uninstall()
    assert guard.attempts == []


@pytest.fixture
def fake_slack():
    fake = FakeSlack(usergroups={GROUP: [OPERATOR, "U0OTHEROP"]}).start()
    yield fake
    fake.stop()


@pytest.fixture
def settings(settings, fake_slack):
    """The shared test settings in Slack's HTTP mode against the fake. One run at a time,
    so events are handled in the order they arrive (the ignored-event tests rely on it)."""
    return settings.model_copy(update={
        "slack_bot_token": fake_slack.bot_token, "slack_signing_secret": SECRET, "slack_operator_group": GROUP,
        "slack_api_url": fake_slack.base_url, "run_concurrency": 1})


@pytest.fixture
def slack(api, fake_slack):
    """(TestClient, deps, fake, runner): POST /slack/events mounted on the API app; the
    Slack listeners run on the same Runner as the API."""
    client, deps = api
    assert client.post("/slack/events", content=b"{}").status_code == 401   # mounted, and checking signatures
    return client, deps, fake_slack, client.app.state.runner
