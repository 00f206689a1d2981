"""Socket Mode (CHUHAI_SLACK_APP_TOKEN set): a WebSocket that Chuhai opens to Slack, so no
public URL is needed. `chuhai serve` starts it next to the API, in the same process."""
from __future__ import annotations

from slack_bolt.adapter.socket_mode import SocketModeHandler

from chuhai.logs import get_logger
from slack_app.app import build_app
from slack_app.config import SOCKET, SlackConfig, error_code

log = get_logger("chuhai.slack")


def start_socket_mode(settings, runner) -> SocketModeHandler:
    """Connect (background threads; the client reconnects by itself) and return the handler:
    `handler.close()` disconnects."""
    cfg = SlackConfig.from_settings(settings)
    handler = SocketModeHandler(build_app(settings, runner, SOCKET), app_token=cfg.app_token)
    handler.connect()
    return handler


def start_for_server(settings, deps) -> tuple[SocketModeHandler | None, str]:
    """What `chuhai serve` starts and says about Slack: (handler or None, one line)."""
    cfg = SlackConfig.from_settings(settings)
    if cfg.problem():
        return None, cfg.problem()
    if cfg.mode is None:
        return None, "Slack: not configured (README, 'Adding Slack')."
    if cfg.mode != SOCKET:
        return None, "Slack: HTTP mode, Slack sends requests to POST /slack/events on this server."
    from graphs.runner import Runner

    try:
        return start_socket_mode(settings, Runner(deps)), "Slack: Socket Mode connected."
    except Exception as e:  # noqa: BLE001 - the API still starts; the line says what to fix
        error = error_code(e)
        log.error("slack_socket_mode_failed", error=error)
        return None, (f"Slack: Socket Mode could not connect ({error}); check CHUHAI_SLACK_APP_TOKEN "
                      "(xapp-..., scope connections:write). The API runs without Slack.")
