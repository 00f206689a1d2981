"""`redact_json` for tool calls, remembering the strings that hold nothing to redact.

Every tool call is redacted before it is checkpointed or returned (graphs/nodes.py).
An order's details are ~35 strings; the ids among them (order, item, product, payment
method, tracking: 7+ digits) each go through every structured detector (~25 us), ~0.3 ms
per order-status run. Most of those strings come back again and again: catalogue ids,
product names and options, statuses, cities, the same order asked about twice. This
gives exactly what `guards.pii.redact_json` gives, each string and each `PII_FIELDS` value
decided by it; a string that it returns unchanged (nothing detected) is remembered and not
scanned again. A string in which something was found is never remembered, nor are values
under `PII_FIELDS` keys, so the memory holds no detected personal data. It is bounded
(emptied when full) and lives as long as the process, whose detectors do not change.
"""
from __future__ import annotations

from guards.pii import PII_FIELDS, redact_json

MAX_REMEMBERED = 50_000  # strings (ids, names, options: ~60 bytes each)
_clean: set[str] = set()


def redact_tool_json(value):
    """`guards.pii.redact_json(value)`, with default kinds."""
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        return {k: redact_json({k: v})[k] if k in PII_FIELDS else redact_tool_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_tool_json(v) for v in value]
    return value


def _string(text: str) -> str:
    if text in _clean:
        return text
    out = redact_json(text)
    if out == text:
        if len(_clean) >= MAX_REMEMBERED:
            _clean.clear()
        _clean.add(text)
    return out
