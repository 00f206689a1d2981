"""The LLM is asked only under low router confidence, and only breaks ties among
labels the classifier finds plausible."""
from graphs.result import RunRequest
from graphs.runner import Runner
from llm.fake import ScriptedLLM


def test_no_llm_call_when_confident(make_deps):
    llm = ScriptedLLM([])
    deps = make_deps(llm=llm)
    res = Runner(deps).run(RunRequest(input="Where is order #W2809253? It should have arrived by now."), "operator")
    assert res.route == ["support"] and res.timings_ms["llm_calls"] == 0 and llm.calls == 0


def test_llm_breaks_tie_under_low_confidence(make_deps, settings):
    settings.router_min_confidence = 1.01  # every request counts as unsure
    llm = ScriptedLLM([{"agents": ["support"]}])
    deps = make_deps(llm=llm)
    res = Runner(deps).run(RunRequest(input="Where is order #W2809253? It should have arrived by now."), "operator")
    assert res.timings_ms["llm_calls"] == 1 and res.route == ["support"]
    assert res.output.data["route_info"]["method"] == "llm"


def test_implausible_llm_answer_is_ignored(make_deps, settings):
    settings.router_min_confidence = 1.01
    llm = ScriptedLLM([{"agents": ["pricing"]}])  # SmolLM2-style wrong answer
    deps = make_deps(llm=llm)
    res = Runner(deps).run(RunRequest(input="Where is order #W2809253? It should have arrived by now."), "operator")
    assert res.route == ["support"] and res.output.data["route_info"]["method"] == "classifier"
