"""Log lines never carry a customer's identifiers in clear.

The application log goes to stderr and is kept by whoever runs the service, out of an
erasure's reach, so an erasure relies on it never holding a customer's data
(docs/DATA_SECURITY.md). Every structlog event (chuhai/logs.py) and every stdlib log
record that reaches a handler configured at start (uvicorn's included) is redacted
before it is written:

- the store's customer ids (``first_last_1234``, the seed's scheme) become ``<USER_ID>``;
- e-mails, phones, cards, IBANs, SSNs, Chinese resident ids, person names and street
  addresses become placeholders (guards.pii, ALL_KINDS).

Values under TRUSTED keys are written by the code itself (event names, run and action
ids, statuses, counts, agent and tool names) and pass as they are; a thread id (which a
client may choose) only gets the id mask. So the per-request ``run`` line pays for no
detector, about a microsecond in all.
"""
from __future__ import annotations

import logging
import re

USER_ID = re.compile(r"(?<![A-Za-z0-9])[a-z]+(?:_[a-z]+)+_\d{4}(?![A-Za-z0-9])")
USER_ID_PLACEHOLDER = "<USER_ID>"
TRUSTED = frozenset({"event", "level", "timestamp", "logger", "run_id", "action_id", "status", "route", "tools",
                     "ms", "s", "count", "threads", "rows", "job", "older_than_days"})
ID_ONLY = frozenset({"thread_id"})


def mask_ids(text: str) -> str:
    return USER_ID.sub(USER_ID_PLACEHOLDER, text) if "_" in text else text


# guards.pii does not take an e-mail right after a single quote (a quote may be part of a
# local part: o'brien@...), which is how repr() quotes it: KeyError('a@b.com'). In a log
# line that quote becomes a double one, so the address is found.
_QUOTED_EMAIL = re.compile(r"'(?=[A-Za-z0-9._%+-]+@)")


def redact_text(text: str) -> str:
    """A free-text log value with customer ids and personal data replaced."""
    from guards.pii import ALL_KINDS, redact

    if "@" in text:
        text = _QUOTED_EMAIL.sub('"', text)
    return redact(mask_ids(text), kinds=ALL_KINDS).text


def _redact_value(value, full: bool):
    if isinstance(value, str):
        return redact_text(value) if full else mask_ids(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {k: _redact_value(v, full) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_redact_value(v, full) for v in value]
    return _redact_value(repr(value), full)  # what the JSON renderer would print


def redact_event(_logger, _method: str, event: dict) -> dict:
    """structlog processor: after format_exc_info (so tracebacks are redacted too), before
    the renderer."""
    return {k: v if k in TRUSTED else _redact_value(v, k not in ID_ONLY) for k, v in event.items()}


def _redact_arg(arg):
    """A %-argument: numbers as they are (``%d`` still formats), anything else as redacted text."""
    return arg if isinstance(arg, (int, float)) or arg is None else redact_text(str(arg))


class RedactingFilter(logging.Filter):
    """A handler filter for stdlib records: message, arguments and traceback redacted.
    Arguments keep their shape (uvicorn's access formatter reads them by position)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        if isinstance(record.args, dict):
            record.args = {k: _redact_arg(v) for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(_redact_arg(a) for a in record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


def install_stdlib_filter() -> int:
    """Add RedactingFilter to every handler configured so far (root, uvicorn, ...);
    returns how many handlers got it. Handlers a library adds later do not."""
    loggers = [logging.getLogger()] + [lg for lg in logging.Logger.manager.loggerDict.values()
                                       if isinstance(lg, logging.Logger)]
    added = 0
    for lg in loggers:
        for handler in lg.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
                added += 1
    return added
