"""Logs never hold a customer's identifiers in clear (chuhai/log_redaction.py), which is
why a privacy erasure has nothing to erase there: the structlog processor and the stdlib
handler filter, and a whole support conversation, export, failing request and erasure of
one customer through the real API with every log line it wrote read back."""
from __future__ import annotations

import io
import json
import logging

from fastapi.testclient import TestClient

from chuhai.log_redaction import RedactingFilter, install_stdlib_filter, redact_event

ADMIN = {"Authorization": "Bearer admin-key"}
CUST = {"Authorization": "Bearer cust-key"}  # customer:omar_johnson_2562
OMAR, OMAR_EMAIL = "omar_johnson_2562", "omar.johnson6791@example.com"
SECRETS = (OMAR, OMAR_EMAIL, "Omar Johnson", "+1 415 555 0134", "4111 1111 1111 1111")


def test_the_processor_redacts_free_text_and_masks_ids_everywhere():
    out = redact_event(None, "error", {
        "event": "unhandled", "path": f"/v1/privacy/export/{OMAR}", "thread_id": f"{OMAR}",
        "error": f"KeyError('{OMAR_EMAIL}, card 4111 1111 1111 1111, call +1 415 555 0134')",
        "detail": {"who": [f"customer:{OMAR}"]}, "exc": ValueError(OMAR_EMAIL), "ms": 3.5})
    assert out["path"] == "/v1/privacy/export/<USER_ID>" and out["thread_id"] == "<USER_ID>"
    assert out["detail"] == {"who": ["customer:<USER_ID>"]} and out["ms"] == 3.5
    assert not any(s in json.dumps(out) for s in SECRETS)
    # not customer data: left as they are
    keep = {"event": "store_encrypted_on_open", "run_id": "run_8149fa2ee8224473", "thread_id": "inbox.tk_1a2b",
            "status": "completed", "tools": ["get_order_details"], "job": "support_inbox",
            "detail": "order #W2809253 of 2026-11-23, older_than_days=90", "key": "seed_2024"}
    assert redact_event(None, "info", dict(keep)) == keep


def test_the_stdlib_filter_redacts_messages_arguments_and_tracebacks():
    import uvicorn.logging

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("chuhai.test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        assert install_stdlib_filter() >= 1
        install_stdlib_filter()  # a second call adds no second filter
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
        try:
            raise RuntimeError(f"no account for {OMAR_EMAIL}")
        except RuntimeError:
            logger.exception("lookup of %s failed after %d tries", OMAR, 3)
        text = stream.getvalue()
        assert "lookup of <USER_ID> failed after 3 tries" in text
        assert "RuntimeError: no account for <EMAIL_1>" in text
        assert not any(s in text for s in SECRETS)
    finally:
        logger.removeHandler(handler)
    # uvicorn's access formatter reads the arguments by position: they keep their shape
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", f"/v1/privacy/export/{OMAR}", "1.1", 200), None)
    RedactingFilter().filter(record)
    line = uvicorn.logging.AccessFormatter("%(client_addr)s %(request_line)s %(status_code)s",
                                           use_colors=False).format(record)
    assert line == '127.0.0.1:5000 GET /v1/privacy/export/<USER_ID> HTTP/1.1 200 OK'


def test_a_customers_whole_story_leaves_no_identifier_in_the_log(make_deps, capsys, monkeypatch):
    from api.main import create_app
    from chuhai.logs import configure_logging
    from store.privacy import PrivacyService

    configure_logging("INFO", json=True)
    deps = make_deps()
    with TestClient(create_app(deps=deps), raise_server_exceptions=False) as client:
        capsys.readouterr()
        for text in ("Where is my order #W2809253?",
                     f"My e-mail is {OMAR_EMAIL}, I am Omar Johnson, call me on +1 415 555 0134"):
            assert client.post("/v1/runs", json={"input": text}, headers=CUST).status_code == 200
        assert client.get(f"/v1/privacy/export/{OMAR}", headers=ADMIN).status_code == 200

        def broken(self, user_id, role):  # an unexpected error whose text names the customer
            raise RuntimeError(f"export of {user_id} ({OMAR_EMAIL}, Omar Johnson) failed")

        monkeypatch.setattr(PrivacyService, "export", broken)
        assert client.get(f"/v1/privacy/export/{OMAR}", headers=ADMIN).status_code == 500
        assert client.post("/v1/privacy/erasure", json={"user_id": OMAR}, headers=ADMIN).status_code == 200
        err = capsys.readouterr().err
    lines = [json.loads(x) for x in err.splitlines() if x.startswith("{")]
    events = [x["event"] for x in lines]
    assert events.count("run") == 2 and "unhandled" in events  # the lines were captured
    unhandled = next(x for x in lines if x["event"] == "unhandled")
    assert unhandled["path"] == "/v1/privacy/export/<USER_ID>" and "<EMAIL_1>" in unhandled["error"]
    assert not any(s in err for s in SECRETS), err
