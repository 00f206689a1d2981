"""Slow tier: the real bundled SmolLM2 GGUF in the supervisor, end to end."""
import pytest

from chuhai.settings import Settings
from graphs.result import RunRequest
from graphs.runner import Runner

pytestmark = pytest.mark.real_llm


@pytest.fixture
def real_llm():
    from llm import make_llm

    return make_llm(Settings(llm_backend="llama_cpp", llm_timeout_s=300))


def test_llm_fallback_routing_with_bundled_model(make_deps, settings, real_llm):
    settings.router_min_confidence = 1.01  # force the LLM path
    deps = make_deps(llm=real_llm)
    res = Runner(deps).run(RunRequest(input="Write a German product title for my ceramic tea kettle"), "operator")
    assert res.timings_ms["llm_calls"] == 1
    assert real_llm.calls >= 1
    info = res.output.data["route_info"]
    assert "llm_error" not in info, info
    assert set(res.route) <= {"selection", "copywriter", "pricing", "support", "chargeback", "compliance"}
    assert res.status == "completed" and res.output.text


def test_support_write_with_bundled_model_loaded(make_deps, real_llm):
    deps = make_deps(llm=real_llm)
    runner = Runner(deps)
    first = runner.run(RunRequest(input="I'm Omar Johnson, zip 32228. Cancel order #W8797321, I ordered it by "
                                        "mistake", channel="customer"), "operator")
    assert first.status == "awaiting_approval"
    done = runner.run(RunRequest(input="yes", thread_id=first.thread_id, channel="customer"), "operator")
    assert done.status == "completed"
    assert deps.store.get_order_details("#W8797321")["status"] == "cancelled"
