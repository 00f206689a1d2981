"""No PII the customer typed, and none the store holds about them, reaches the LLM prompt,
the logs or the checkpoint files in a support conversation (real graph, real SQLite
checkpointer, real store; a scripted LLM that records its prompts)."""
import json
from pathlib import Path

from graphs.result import RunRequest
from graphs.runner import Runner
from llm.fake import ScriptedLLM

ORDER = "#W8797321"  # omar_johnson_2562's pending order
TYPED = ["Omar Johnson", "omar.johnson6791@example.com", "+1 415 555 0134", "4111 1111 1111 1111",
         "77 Maple Avenue", "DE89 3704 0044 0532 0130 00"]
MESSAGES = [
    f"Customer Omar Johnson (omar.johnson6791@example.com, +1 415 555 0134) asks where order {ORDER} is.",
    f"He wants order {ORDER} shipped to 77 Maple Avenue, Apt 4, Springfield, IL 62704, USA instead.",
    "He also pasted his card 4111 1111 1111 1111 and IBAN DE89 3704 0044 0532 0130 00, please ignore those.",
]


def _checkpoint_bytes(path: str) -> bytes:
    return b"".join(p.read_bytes() for p in Path(path).parent.glob(Path(path).name + "*"))


def test_no_pii_in_prompts_logs_or_checkpoints(make_deps, capsys):
    llm = ScriptedLLM(default=lambda messages: {"agents": ["support"]})
    deps = make_deps(llm=llm)
    deps.settings.router_min_confidence = 1.01  # every operator message goes to the LLM too
    stored = deps.store.get_user_details("omar_johnson_2562")
    held = [stored["address"]["address1"], f"{stored['name']['first_name']} {stored['name']['last_name']}"]
    runner = Runner(deps)
    thread = None
    results = []
    for text in MESSAGES:
        res = runner.run(RunRequest(input=text, thread_id=thread, channel="operator"), "operator")
        thread = res.thread_id
        results.append(res)
    assert len(llm.history) == len(MESSAGES)  # the LLM did see every message...
    prompts = json.dumps(llm.history, ensure_ascii=False)
    logs = capsys.readouterr().err
    checkpoints = _checkpoint_bytes(deps.settings.checkpoint_path)
    assert checkpoints  # the thread was checkpointed
    for value in TYPED + held:
        assert value not in prompts, value  # ... but redacted
        assert value not in logs, value
        assert value.encode() not in checkpoints, value
    # the conversation still worked: a proposal for the new address, with the real address in it
    proposal = results[1].pending_actions
    assert proposal and proposal[0].tool == "modify_pending_order_address"
    assert proposal[0].args["address1"].startswith("77 Maple Avenue")
