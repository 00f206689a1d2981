"""The peer system (langgraph-supervisor over the bundled model): the chat-model adapter's
tool calling, route extraction, and the System on scripted model text; one real_llm test."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool

from evals.cases import Case
from evals.peer import AGENTS, PeerSystem, handoffs_in, reply_text, route_of, store_tools
from evals.peer_chat import (
    LlamaToolChatModel, ScriptedCompletion, args_grammar, choice_grammar, parse_choice, parse_tool_text,
    to_chat_dicts, tools_block,
)


@tool
def get_order_details(order_id: str) -> str:
    """An order: status, items, payments."""
    return order_id


@tool
def cancel_pending_order(order_id: str, reason: str) -> str:
    """Cancel a pending order."""
    return order_id


def scripted(*replies: str, **kw) -> tuple[LlamaToolChatModel, ScriptedCompletion]:
    backend = ScriptedCompletion(list(replies))
    return LlamaToolChatModel(backend=backend, **kw), backend


# -- parsing the model's text ---------------------------------------------------------------------
def test_function_text_becomes_a_tool_call():
    msg = parse_tool_text('functions.get_order_details:\n{"order_id": "#W8797321"}', ["get_order_details"])
    assert msg.content == ""
    assert [(c["name"], c["args"]) for c in msg.tool_calls] == [("get_order_details", {"order_id": "#W8797321"})]
    assert msg.tool_calls[0]["id"].startswith("call_")


def test_message_text_becomes_content():
    msg = parse_tool_text("message:\nYour order #W1 is pending.", ["get_order_details"])
    assert msg.content == "Your order #W1 is pending." and not msg.tool_calls


def test_unknown_tool_or_bad_json_is_not_a_valid_call():
    assert not parse_tool_text('functions.drop_tables:\n{}', ["get_order_details"]).tool_calls
    bad = parse_tool_text('functions.get_order_details:\n{"order_id": "#W1', ["get_order_details"])
    assert not bad.tool_calls
    assert bad.invalid_tool_calls[0]["name"] == "get_order_details"
    assert "not JSON" in bad.invalid_tool_calls[0]["error"]


def test_parse_choice():
    assert parse_choice("functions.transfer_to_support:", ["transfer_to_support"]) == "transfer_to_support"
    assert parse_choice("message:", ["transfer_to_support"]) is None
    assert parse_choice("functions.transfer_to_x:", ["transfer_to_support"]) is None


# -- prompts and grammars ---------------------------------------------------------------------------
def test_prompt_shows_descriptions_tool_calls_and_tool_results():
    from langchain_core.utils.function_calling import convert_to_openai_tool

    tools = [convert_to_openai_tool(get_order_details)]
    msgs = [SystemMessage("You help customers."), HumanMessage("where is #W1?"),
            AIMessage("", tool_calls=[{"name": "get_order_details", "args": {"order_id": "#W1"}, "id": "c1"}]),
            ToolMessage('{"status":"pending"}', tool_call_id="c1")]
    dicts = to_chat_dicts(msgs, tools)
    assert [d["role"] for d in dicts] == ["system", "user", "assistant", "tool"]
    assert dicts[0]["content"].startswith("You help customers.")
    assert "/* An order: status, items, payments. */" in dicts[0]["content"]
    assert "functions.get_order_details:" in dicts[0]["content"]
    assert dicts[2]["content"] == 'functions.get_order_details:\n{"order_id": "#W1"}'
    assert dicts[3]["content"] == '{"status":"pending"}'


def test_store_tool_schemas_lose_patterns_and_compile_to_grammars():
    from langchain_core.utils.function_calling import convert_to_openai_tool
    from llama_cpp import LlamaGrammar

    tools = [convert_to_openai_tool(t) for t in store_tools(None, [])]
    block = tools_block(tools)
    assert '"pattern"' not in block and "maxLength" not in block
    assert len(tools) == 14
    for t in tools:
        LlamaGrammar.from_string(args_grammar(t["function"]["parameters"]), verbose=False)
    grammar = choice_grammar([t["function"]["name"] for t in tools])
    LlamaGrammar.from_string(grammar, verbose=False)
    assert '"functions.cancel_pending_order:"' in grammar and '"message:"' in grammar


# -- the chat model on scripted text ----------------------------------------------------------------
def test_bound_model_returns_a_tool_call_and_counts_one_call():
    model, backend = scripted("functions.get_order_details:", '{ "order_id": "#W8797321" }')
    out = model.bind_tools([get_order_details, cancel_pending_order]).invoke([HumanMessage("where is #W8797321")])
    assert out.tool_calls[0]["name"] == "get_order_details"
    assert out.tool_calls[0]["args"] == {"order_id": "#W8797321"}
    assert model.calls == 1 and model.records[0].tool == "get_order_details"
    (p1, g1), (p2, g2) = backend.prompts
    assert '"functions.get_order_details:"' in g1 and '"message:"' in g1
    assert p2 == p1 + "functions.get_order_details:\n"
    assert "order_id" in g2


def test_bound_model_message_is_free_text():
    model, backend = scripted("message:", "Hello! How can I help?")
    out = model.bind_tools([get_order_details]).invoke([HumanMessage("hi")])
    assert out.content == "Hello! How can I help?" and not out.tool_calls
    assert backend.prompts[1][0].endswith("message:\n") and backend.prompts[1][1] is None


def test_required_tool_choice_leaves_out_the_message_option():
    model, backend = scripted("functions.get_order_details:", '{"order_id": "#W1"}')
    model.bind_tools([get_order_details], tool_choice="required").invoke([HumanMessage("x")])
    assert '"message:"' not in backend.prompts[0][1]


def test_model_without_tools_just_completes():
    model, backend = scripted("Plain answer")
    assert model.invoke([HumanMessage("hi")]).content == "Plain answer"
    assert len(backend.prompts) == 1 and backend.prompts[0][1] is None


def test_long_history_is_trimmed_keeping_system_and_first_user_message():
    model, backend = scripted("hi", n_ctx=80, max_tokens=10)
    msgs = [SystemMessage("sys prompt"), HumanMessage("first request"),
            *[AIMessage("word " * 20) for _ in range(5)], HumanMessage("last")]
    model.invoke(msgs)
    prompt = backend.prompts[0][0]
    assert "sys prompt" in prompt and "first request" in prompt and "last" in prompt
    assert model.records[0].trimmed >= 1


# -- route extraction from a scripted history --------------------------------------------------------
def handoff(agent: str, call_id: str) -> list:
    return [AIMessage("", name="supervisor", tool_calls=[{"name": f"transfer_to_{agent}", "args": {}, "id": call_id}]),
            ToolMessage(f"Successfully transferred to {agent}", tool_call_id=call_id, name=f"transfer_to_{agent}",
                        response_metadata={"__handoff_destination": agent})]


def back(agent: str, call_id: str) -> list:
    return [AIMessage("Transferring back to supervisor", name=agent, response_metadata={"__is_handoff_back": True},
                      tool_calls=[{"name": "transfer_back_to_supervisor", "args": {}, "id": call_id}]),
            ToolMessage("Successfully transferred back to supervisor", tool_call_id=call_id,
                        response_metadata={"__is_handoff_back": True})]


def test_route_is_the_ordered_handoffs_without_repeats():
    history = [HumanMessage("write the listing and check it is compliant"),
               *handoff("copywriter", "a"), AIMessage("Title: ...", name="copywriter"), *back("copywriter", "b"),
               *handoff("compliance", "c"), AIMessage("Compliant.", name="compliance"), *back("compliance", "d"),
               *handoff("compliance", "e"), AIMessage("Done.", name="supervisor")]
    assert handoffs_in(history) == ["copywriter", "compliance", "compliance"]
    assert route_of(handoffs_in(history)) == ["copywriter", "compliance"]
    assert reply_text(history) == "Title: ...\nCompliant.\nDone."


def test_no_handoff_is_the_empty_route():
    assert route_of(handoffs_in([HumanMessage("tell me a joke"), AIMessage("No.", name="supervisor")])) == []


# -- the peer System on scripted text ----------------------------------------------------------------
def test_routing_case_through_the_supervisor(shared_data, tmp_path):
    model, _ = scripted("functions.transfer_to_copywriter:", "{}", "functions.transfer_to_compliance:", "{}",
                        "message:", "Both specialists answered.")
    system = PeerSystem(shared_data, chat_model=model, workdir=tmp_path)
    case = Case(id="r1", turns=["write a title, then check its claims"], expected_route=["copywriter", "compliance"],
                channel="operator")
    session = system.open(case)
    try:
        reply = session.send(case.turns[0])
    finally:
        session.close()
        system.close()
    assert reply.status == "completed", reply.error
    assert reply.route == ["copywriter", "compliance"]
    assert reply.llm_calls == 3  # the two stubs answer without the LLM
    assert reply.latency_s > 0 and reply.result["timings_ms"]["llm_calls"] == 3
    assert "The copywriter specialist is not available yet" in reply.text
    assert set(AGENTS) >= set(reply.route)


def test_support_case_writes_directly_and_keeps_history(shared_data, tmp_path):
    cancel = {"order_id": "#W8797321", "reason": "ordered by mistake"}
    model, backend = scripted(
        "functions.transfer_to_support:", "{}",
        "functions.cancel_pending_order:", json.dumps(cancel),
        "message:", "Order #W8797321 is cancelled.",
        "message:", "Done.",
        # turn 2: the supervisor answers itself
        "message:", "You're welcome.")
    system = PeerSystem(shared_data, chat_model=model, workdir=tmp_path)
    case = Case(id="s1", turns=["I'm Omar Johnson, zip 32228, cancel #W8797321, ordered by mistake", "thanks"],
                user_id="omar_johnson_2562", expected_actions=[{"name": "cancel_pending_order", "kwargs": cancel}])
    session = system.open(case)
    try:
        first = session.send(case.turns[0])
        second = session.send(case.turns[1])
        export = session.export_store()
    finally:
        session.close()
    reference = system.stores.reference_export([a.model_dump() for a in case.expected_actions], case.user_id)
    system.close()
    assert first.route == ["support"] and first.llm_calls == 4
    assert first.result["writes_without_approval"] == ["cancel_pending_order"]
    assert [c["tool"] for c in first.result["tool_calls"]] == ["cancel_pending_order"]
    assert export == reference
    assert second.route == [] and second.llm_calls == 1 and second.text == "You're welcome."
    assert "cancel #W8797321" in backend.prompts[-1][0]  # turn 2 sees turn 1


def test_bad_tool_arguments_go_back_to_the_model_as_a_failure(shared_data, tmp_path):
    model, backend = scripted("functions.transfer_to_support:", "{}",
                              "functions.get_order_details:", '{"order_id": "12"}',
                              "message:", "Which order?", "message:", "Which order?")
    system = PeerSystem(shared_data, chat_model=model, workdir=tmp_path)
    session = system.open(Case(id="s2", turns=["where is my order 12"]))
    try:
        reply = session.send("where is my order 12")
    finally:
        session.close()
        system.close()
    assert reply.status == "completed"
    assert reply.result["tool_calls"][0]["ok"] is False
    assert '"code":"invalid"' in backend.prompts[4][0]


# -- the real bundled model -----------------------------------------------------------------------------
@pytest.mark.real_llm
def test_real_peer_answers_a_routing_and_a_support_case(shared_data, tmp_path):
    from evals.cases import load_cases

    system = PeerSystem(shared_data, workdir=tmp_path)  # the bundled GGUF, Chuhai's llm_* settings
    support = load_cases(Path(__file__).resolve().parents[2] / "evals" / "datasets" / "support_blind3.jsonl")[0]
    routing = Case(id="route-1", turns=["How many units of the ceramic mug should I reorder for December?"],
                   expected_route=["selection"], channel="operator")
    try:
        for case in (routing, support):
            session = system.open(case)
            try:
                reply = session.send(case.turns[0])
            finally:
                session.close()
            assert reply.llm_calls > 0, reply
            assert reply.status in ("completed", "failed")
            assert set(reply.route) <= set(AGENTS)
    finally:
        system.close()
