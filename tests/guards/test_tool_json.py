"""guards/tool_json.py gives exactly what guards.pii.redact_json gives, on a first and on a
repeated pass, and never remembers a string in which something was detected."""
import pytest

from guards import tool_json
from guards.pii import redact_json
from guards.tool_json import redact_tool_json

PII_CASES = [
    "call me on +1 415 555 0134 or omar.johnson@example.com",
    {"tool": "get_user_details", "args": {"user_id": "omar_johnson_2562"}, "ok": True,
     "result": {"name": {"first_name": "Omar", "last_name": "Johnson"}, "email": "omar@example.com",
                "address": {"address1": "12 Elm Street", "address2": "", "zip": "32228"},
                "notes": ["card 4111 1111 1111 1111", "IBAN DE89 3704 0044 0532 0130 00", 7, None, True],
                "phone": ["+1 415 555 0134"], "first_name": {"nested": "Omar"}}},
    [["+44 20 7946 0958", "#W2809253"], {"summary": "I'm Omar, SSN 123-45-6789"}],
    "", 3.5, None,
]


@pytest.fixture
def empty_memory(monkeypatch):
    monkeypatch.setattr(tool_json, "_clean", set())
    return tool_json._clean


def _sample(seed_data, n=120):
    return [{"tool": f"get_{kind}_details", "args": {"id": key}, "ok": True, "result": value}
            for kind, entries in seed_data.items() for key, value in list(entries.items())[:n]]


def test_same_as_redact_json_cold_and_warm(seed_data, empty_memory):
    values = _sample(seed_data) + PII_CASES
    want = [redact_json(v) for v in values]
    assert [redact_tool_json(v) for v in values] == want  # nothing remembered yet
    assert empty_memory  # the ids, names and options were remembered
    assert [redact_tool_json(v) for v in values] == want  # from memory


def test_what_is_detected_is_never_remembered(empty_memory):
    for value in PII_CASES:
        redact_tool_json(value)
    assert all(redact_json(s) == s for s in empty_memory)
    # e-mails, phones, cards, IBANs found; names and streets under PII_FIELDS keys
    assert not any(x in s for s in empty_memory for x in ("@", "4111", "555", "DE89", "Elm", "Johnson"))


def test_memory_is_bounded(monkeypatch, empty_memory):
    monkeypatch.setattr(tool_json, "MAX_REMEMBERED", 10)
    for i in range(25):
        assert redact_tool_json(f"item {i}") == f"item {i}"
    assert 0 < len(empty_memory) <= 10
