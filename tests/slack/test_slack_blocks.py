"""Block Kit rendering of RunResult, Slack text conversion, thread ids, operator lookup
and the choice of mode: small parts checked on their own (the fake checks Block Kit limits)."""
import json

import pytest
from fake_slack import FakeSlack, block_problems
from slack_payloads import block_text, buttons
from slack_sdk import WebClient

from graphs.result import Output, PendingActionOut, RunRequest, RunResult
from slack_app import blocks as bk
from slack_app.config import HTTP, SOCKET, SlackConfig
from slack_app.operators import OperatorDirectory
from slack_app.text import plain_text, thread_channel, thread_id

THREAD = "slack:T0CHUHAI:C0SALES:1712345001.000200"


def result(text="Done.", data=None, citations=(), pending=(), status="completed", route=("support",)) -> RunResult:
    return RunResult(run_id="run_1", thread_id=THREAD, status=status, route=list(route),
                     output=Output(text=text, language="en", data=data or {}),
                     tool_calls=[{"tool": "get_order_details", "args": {}, "ok": True, "result": {}}],
                     pending_actions=[PendingActionOut(action_id=a, tool="cancel_pending_order",
                                                       args={"order_id": "#W1"}, summary=f"Cancel #W1 ({a})")
                                      for a in pending],
                     citations=list(citations), timings_ms={"total": 12.5})


def test_reply_fields_and_footer():
    text, blocks = bk.result_blocks(result("Order <b> & co is *shipped*."), "<!subteam^S0OPS>")
    assert text == "Order &lt;b&gt; &amp; co is *shipped*." and block_problems(blocks) == []
    shown = block_text(blocks)
    assert "*Route*\nsupport" in shown and ":white_check_mark: Completed" in shown
    assert "*Tools*\nget_order_details" in shown and "run `run_1`" in shown


def test_long_replies_are_split_into_sections_without_losing_text():
    words = " ".join(f"word{i}" for i in range(2000))   # ~17,000 characters
    _, blocks = bk.result_blocks(result(words), "ops")
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert block_problems(blocks) == [] and len(sections) >= 6
    assert " ".join(sections).split() == words.split()


def test_data_rows_become_tables():
    rows = [{"sku": f"SKU{i}", "title": "Heart-shaped tea light holder, white", "units": i * 10, "margin": 0.3125,
             "note": None} for i in range(13)]
    data = {"route_info": {"scores": [{"a": 1}]}, "executed": [{"ok": True}],
            "selection": {"top_products": rows, "nested": [{"a": {"b": 1}}], "empty": [], "words": ["a", "b"]}}
    _, blocks = bk.result_blocks(result(data=data), "ops")
    tables = [b["text"]["text"] for b in blocks if b["type"] == "section" and "```" in b.get("text", {}).get("text", "")]
    assert len(tables) == 1 and block_problems(blocks) == []
    table = tables[0]
    assert table.startswith("*selection · top products*")
    lines = table.split("```")[1].split("\n")
    assert lines[0].split() == ["sku", "title", "units", "margin", "note"]
    assert len(lines) == 2 + bk.TABLE_ROWS and "SKU9" in lines[-1] and "0.31" in lines[2]
    assert "Heart-shaped tea light…  " in table and "…and 3 more rows" in table


def test_citations_link_when_they_have_a_url():
    cites = [{"doc_id": "policy-returns", "title": "Returns & exchanges", "section": "Deadlines",
              "source": "vectorstore/corpus/policy-returns.md"},
             {"doc_id": "eu-odr", "title": "EU ODR", "source": "https://ec.europa.eu/consumers/odr"}] + \
        [{"doc_id": f"d{i}", "title": f"Doc {i}"} for i in range(5)]
    _, blocks = bk.result_blocks(result(citations=cites), "ops")
    context = next(b for b in blocks if b["type"] == "context" and ":page_facing_up:" in block_text([b]))
    lines = [e["text"] for e in context["elements"]]
    assert lines[0] == ":page_facing_up: *Returns &amp; exchanges* · Deadlines"
    assert lines[1] == ":page_facing_up: <https://ec.europa.eu/consumers/odr|EU ODR>"
    assert lines[-1] == "…and 2 more sources" and len(lines) == bk.MAX_CITATIONS + 1


def test_pending_actions_get_buttons_that_carry_thread_and_action():
    _, blocks = bk.result_blocks(result(status="awaiting_approval", pending=("act_1", "act_2")), "<!subteam^S0OPS>")
    assert block_problems(blocks) == []
    found = buttons(blocks)
    assert [b["action_id"] for b in found] == ["chuhai_approve:act_1", "chuhai_reject:act_1",
                                               "chuhai_approve:act_2", "chuhai_reject:act_2"]
    assert json.loads(found[2]["value"]) == {"thread_id": THREAD, "action_id": "act_2"}
    assert "Only operators (<!subteam^S0OPS>)" in block_text(blocks)

    decided = bk.decided_blocks(blocks, "act_1", "Approved by <@U1>")
    assert [b["action_id"] for b in buttons(decided)] == ["chuhai_approve:act_2", "chuhai_reject:act_2"]
    assert "Approved by <@U1>" in block_text(decided) and block_problems(decided) == []


def test_slack_markup_back_to_what_the_user_typed():
    typed = ("<@U0BOT> refund <mailto:ana@example.com|ana@example.com> for <@U0OTHER>, see "
             "<https://shop.example/o/1|the order> in <#C0SALES|sales> &amp; tell <!subteam^S0OPS|@ops> &lt;now&gt;")
    assert plain_text(typed, "U0BOT") == ("refund ana@example.com for @U0OTHER, see the order in #sales & tell "
                                          "@@ops <now>")
    assert plain_text("<mailto:bo@example.com>", "U0BOT") == "bo@example.com"


def test_thread_ids_are_valid_chuhai_thread_ids():
    tid = thread_id("T0CHUHAI", "C0SALES", "1712345001.000200")
    assert tid == THREAD and thread_channel(tid) == ("T0CHUHAI", "C0SALES") and thread_channel("t_abc") is None
    assert RunRequest(input="x", thread_id=tid).thread_id == tid
    with pytest.raises(ValueError):
        thread_id("T0CHUHAI", "C0SALES:evil", "1.2")
    with pytest.raises(ValueError):
        thread_id("", "C0SALES", "1.2")


def test_operator_directory_reads_groups_once_per_ttl_and_names_the_fix():
    fake = FakeSlack(usergroups={"S0OPS": ["U0OPERATOR"]}).start()
    try:
        client = WebClient(token=fake.bot_token, base_url=fake.base_url)
        now = [0.0]
        ops = OperatorDirectory("S0OPS, U0BOSS", ttl_s=60, clock=lambda: now[0])
        assert ops.check(client, "U0BOSS").is_operator and not fake.calls   # listed user: no lookup
        assert ops.check(client, "U0OPERATOR").is_operator
        assert not ops.check(client, "U0MEMBER").is_operator
        assert len(fake.calls_to("usergroups.users.list")) == 1
        now[0] = 61.0
        fake.usergroups["S0OPS"] = ["U0MEMBER"]
        assert ops.check(client, "U0MEMBER").is_operator and len(fake.calls_to("usergroups.users.list")) == 2

        fake.fail("usergroups.users.list", "missing_scope")
        unread = OperatorDirectory("S0OPS").check(client, "U0OPERATOR")
        assert not unread.is_operator and "usergroups:read" in unread.problem
        nobody = OperatorDirectory("").check(client, "U0OPERATOR")
        assert not nobody.is_operator and "CHUHAI_SLACK_OPERATOR_GROUP" in nobody.problem
    finally:
        fake.stop()


@pytest.mark.parametrize("env, mode, problem", [
    ({}, None, None),
    ({"slack_bot_token": "xoxb-1", "slack_app_token": "xapp-1"}, SOCKET, None),
    ({"slack_bot_token": "xoxb-1", "slack_app_token": "xapp-1", "slack_signing_secret": "s"}, SOCKET, None),
    ({"slack_bot_token": "xoxb-1", "slack_signing_secret": "s"}, HTTP, None),
    ({"slack_bot_token": "xoxb-1"}, None, "CHUHAI_SLACK_APP_TOKEN"),
    ({"slack_app_token": "xapp-1"}, None, "CHUHAI_SLACK_BOT_TOKEN"),
    ({"slack_bot_token": "xoxb-1", "slack_app_token": "xoxb-2"}, None, "must be an app-level token"),
])
def test_mode_from_settings(env, mode, problem):
    from chuhai.settings import Settings

    cfg = SlackConfig.from_settings(Settings(**env))
    assert cfg.mode == mode
    assert (cfg.problem() or None) == problem or problem in (cfg.problem() or "")
