"""POST /v1/runs/stream on the real graph and store: event order, the same RunResult as
the plain run, approvals and resumes, and errors as events."""
import json

import pytest
from fastapi.testclient import TestClient

from api.auth import key_digest
from api.main import create_app
from graphs.events import chunks
from graphs.result import RunRequest
from graphs.runner import Runner

OP = {"Authorization": "Bearer op-key"}
CUST = {"Authorization": "Bearer cust-key"}  # customer:omar_johnson_2562
OMAR_PENDING = "#W8797321"
OMAR_DELIVERED = "#W2809253"
SMALL_PENDING = "#W5356919"  # 45.90 paid: under the refund limit an auto-approve rule may approve


def stream(client, body, headers=OP) -> list[tuple[str, dict]]:
    r = client.post("/v1/runs/stream", json=body, headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream"), r.text
    events = []
    for block in r.text.split("\n\n"):
        if block.strip():
            fields = dict(line.split(": ", 1) for line in block.split("\n"))
            events.append((fields["event"], json.loads(fields["data"])))
    return events


def names(events) -> list[str]:
    return [name for name, _ in events]


def assert_well_formed(events) -> dict:
    """route -> tool_call* -> token* -> approval_required? -> final; returns the final RunResult."""
    order = names(events)
    assert order[0] == "route" and order[-1] == "final", order
    rank = {"route": 0, "tool_call": 1, "token": 2, "approval_required": 3, "final": 4}
    assert [rank[n] for n in order] == sorted(rank[n] for n in order), order
    assert order.count("route") == 1 and order.count("final") == 1
    final = events[-1][1]
    assert events[0][1]["route"] == final["route"] and events[0][1]["thread_id"] == final["thread_id"]
    assert "".join(d["text"] for n, d in events if n == "token") == final["output"]["text"]
    return final


def test_completed_run_streams_route_tool_calls_tokens_final(api):
    client, _ = api
    events = stream(client, {"input": f"where is order {OMAR_DELIVERED}?"})
    final = assert_well_formed(events)
    assert final["status"] == "completed" and final["route"] == ["support"]
    calls = [d for n, d in events if n == "tool_call"]
    assert calls and calls == final["tool_calls"]
    assert OMAR_DELIVERED in final["output"]["text"] and "approval_required" not in names(events)
    # the streamed run is a run like any other: same thread state as POST /v1/runs gives
    assert client.get(f"/v1/threads/{final['thread_id']}", headers=OP).json()["transcript"][-1]["content"] == \
        final["output"]["text"]


def test_proposal_streams_approval_required_and_yes_streams_the_write(api):
    client, deps = api
    events = stream(client, {"input": f"Please cancel {OMAR_PENDING}, I don't need it anymore"}, headers=CUST)
    final = assert_well_formed(events)
    assert names(events)[-2] == "approval_required" and final["status"] == "awaiting_approval"
    required = dict(events)["approval_required"]
    assert required["thread_id"] == final["thread_id"]
    assert required["pending_actions"] == final["pending_actions"]
    assert required["pending_actions"][0]["tool"] == "cancel_pending_order"
    assert deps.store.get_order_details(OMAR_PENDING)["status"] == "pending"

    done = stream(client, {"input": "yes", "thread_id": final["thread_id"]}, headers=CUST)
    result = assert_well_formed(done)  # a resume runs no router: the thread's route comes first
    assert result["status"] == "completed" and done[0][1]["route"] == ["support"]
    writes = [d for n, d in done if n == "tool_call" and d["tool"] == "cancel_pending_order"]
    assert len(writes) == 1 and writes[0]["ok"]
    assert deps.store.get_order_details(OMAR_PENDING)["status"] == "cancelled"


def test_auto_approved_write_is_streamed_as_a_tool_call(api):
    client, deps = api
    events = stream(client, {"input": f"Cancel order {SMALL_PENDING}, no longer needed", "auto_approve": True})
    final = assert_well_formed(events)
    streamed = [d["tool"] for n, d in events if n == "tool_call"]
    assert final["status"] == "completed" and "cancel_pending_order" in streamed, final
    assert streamed == [c["tool"] for c in final["tool_calls"]]
    assert deps.store.get_order_details(SMALL_PENDING)["status"] == "cancelled"


def test_graph_loop_streams_the_same_events(make_deps):
    """Runner(direct=False) runs new messages in LangGraph's loop: the node events still arrive."""
    deps = make_deps()
    with TestClient(create_app(deps=deps, runner=Runner(deps, direct=False))) as client:
        events = stream(client, {"input": f"where is order {OMAR_DELIVERED}?"})
        final = assert_well_formed(events)
        assert [d for n, d in events if n == "tool_call"] == final["tool_calls"] != []


def test_openapi_lists_the_new_endpoints(api):
    client, _ = api
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/runs/stream", "/v1/threads", "/v1/threads/{thread_id}/history", "/v1/approvals"} <= set(paths)
    assert "text/event-stream" in paths["/v1/runs/stream"]["post"]["responses"]["200"]["content"]


def test_request_errors_answer_before_the_stream(api):
    client, _ = api
    assert client.post("/v1/runs/stream", json={"input": "hi"}).status_code == 401
    r = client.post("/v1/runs/stream", json={"input": "x" * 5000}, headers=OP)
    assert r.status_code == 413 and r.json()["error"]["code"] == "input_too_large"
    r = client.post("/v1/runs/stream", json={"input": "hi", "auto_approve": True}, headers=CUST)
    assert r.status_code == 403


def test_run_errors_become_an_error_event(api):
    client, deps = api
    first = stream(client, {"input": f"Please cancel {OMAR_PENDING}, I don't need it"}, headers=CUST)[-1][1]
    client.app.state.api_keys[key_digest("cust2-key")] = "customer:james_li_5688"
    events = stream(client, {"input": "yes", "thread_id": first["thread_id"]},
                    headers={"Authorization": "Bearer cust2-key"})
    assert names(events) == ["error"]
    assert events[0][1]["error"]["code"] == "forbidden" and events[0][1]["status"] == 403
    assert deps.store.get_order_details(OMAR_PENDING)["status"] == "pending"


def test_a_failure_mid_run_ends_the_stream_with_an_error_event(api, monkeypatch):
    client, _ = api
    runner = client.app.state.runner
    monkeypatch.setitem(runner.direct.nodes, "specialists", lambda state: 1 / 0)
    events = stream(client, {"input": f"where is order {OMAR_DELIVERED}?"})
    assert names(events) == ["route", "error"]  # the router had run; then the failure, no final
    error = events[1][1]
    assert error["status"] == 500 and error["error"]["code"] == "internal"
    assert "Traceback" not in json.dumps(error) and "ZeroDivision" not in json.dumps(error)
    monkeypatch.undo()
    assert_well_formed(stream(client, {"input": f"where is order {OMAR_DELIVERED}?"}))


def test_a_listener_that_fails_does_not_fail_the_run(make_deps):
    runner = Runner(make_deps())
    seen = []

    def emit(event, data):
        seen.append(event)
        raise ConnectionError("client went away")

    result = runner.stream(RunRequest(input=f"Cancel {OMAR_PENDING}, no longer needed"), "operator", emit)
    assert seen == ["route"] and result.status == "awaiting_approval"
    assert runner.pending_actions(result.thread_id)[0]["action_id"] == result.pending_actions[0].action_id


@pytest.mark.parametrize("text", ["", "ok", "  two  words ", "订单 #W2809253 的状态是已送达（delivered）。" * 3,
                                  "line one\n\nline two"])
def test_token_chunks_add_up_to_the_text(text):
    pieces = chunks(text)
    assert "".join(pieces) == text and all(len(p.strip()) <= 16 for p in pieces)
