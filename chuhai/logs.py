"""Structured logs (structlog): JSON lines by default, one event per line."""
from __future__ import annotations

import logging
import sys

import structlog

from chuhai.log_redaction import install_stdlib_filter, redact_event


class _StderrLogger:
    """Writes each line to the *current* sys.stderr (test runners and CLIs swap it)."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    processors = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[*processors, structlog.processors.format_exc_info, redact_event, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=lambda *args: _StderrLogger(),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(message)s")
    install_stdlib_filter()  # no customer identifiers in clear in any log line (chuhai/log_redaction.py)


def get_logger(name: str):
    return structlog.get_logger(name)
