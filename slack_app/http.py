"""HTTP mode: Slack's requests (events, slash commands, interactivity) at POST /slack/events
on the API server, mounted only when a signing secret is set and no app token is.

Bolt checks every request's X-Slack-Signature (HMAC-SHA256 of "v0:{timestamp}:{body}"
with the signing secret) and refuses timestamps more than 5 minutes from now (replays);
both answer 401 in the API's error format. Bolt's dispatch blocks (the first request reads
the bot's identity), so it runs on a worker thread, off the event loop."""
from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.errors import APIError
from slack_app.config import HTTP, SlackConfig

PATH = "/slack/events"


def slack_router(settings, runner) -> APIRouter | None:
    """The router of POST /slack/events in HTTP mode, None otherwise."""
    if SlackConfig.from_settings(settings).mode != HTTP:
        return None
    from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response

    from slack_app.app import build_app

    bolt = build_app(settings, runner, HTTP)
    router = APIRouter(tags=["slack"])

    @router.post(PATH, summary="Slack events, slash commands and interactivity (signed by Slack)")
    async def slack_events(request: Request) -> Response:
        response = await to_thread.run_sync(bolt.dispatch, to_bolt_request(request, await request.body()))
        if response.status == 401:
            raise APIError(401, "invalid_slack_signature", "The request is not signed by Slack with this app's "
                                                           "signing secret, or its timestamp is over 5 minutes "
                                                           "old. Check CHUHAI_SLACK_SIGNING_SECRET.")
        return to_starlette_response(response)

    router.bolt = bolt  # tests and operators can reach the app (and its ChuhaiSlack) here
    return router
