"""The Bolt app around a Runner: one builder for both ways in (Socket Mode, HTTP).

Its WebClient talks to CHUHAI_SLACK_API_URL (Slack itself by default, a local fake in
tests). Nothing is called at start: the bot's identity (auth.test) is read on the first
request. Listeners run on a pool of `run_concurrency` threads after Slack has been
acknowledged (Slack wants an answer within 3 seconds; a run can take longer)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient

from slack_app.config import HTTP, SlackConfig
from slack_app.listeners import register
from slack_app.operators import OperatorDirectory
from slack_app.service import ChuhaiSlack


def build_app(settings, runner, mode: str) -> App:
    cfg = SlackConfig.from_settings(settings)
    http = mode == HTTP
    app = App(name="chuhai", client=WebClient(token=cfg.bot_token, base_url=cfg.api_url),
              signing_secret=cfg.signing_secret if http else "", request_verification_enabled=http,
              url_verification_enabled=http, ssl_check_enabled=http, token_verification_enabled=False,
              process_before_response=False, raise_error_for_unhandled_request=False,
              listener_executor=ThreadPoolExecutor(max_workers=settings.run_concurrency,
                                                   thread_name_prefix="chuhai-slack"))
    app.chuhai = ChuhaiSlack(runner, settings, OperatorDirectory(cfg.operator_group))
    register(app, app.chuhai)
    return app
