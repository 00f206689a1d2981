"""The run history: two runs recorded, then compared (metric changes, flipped cases)."""
from evals.cases import Case
from evals.evaluators import Check
from evals.history import History
from evals.runner import CaseResult, SuiteResult, Trial


def result(passes: dict[str, bool], success: float) -> SuiteResult:
    cases = [CaseResult(Case(id=cid, turns=["x"]), [Trial([Check("facts", ok)], [])]) for cid, ok in passes.items()]
    return SuiteResult("s", "conversation", True, cases, [], 1.0, 1, metrics={"success": success, "by_language": {}})


def test_compare_last_shows_what_changed(tmp_path):
    h = History(tmp_path / "h.db")
    first = h.record([result({"a": True, "b": False, "c": True}, 0.667)], git_rev="r1", system="x", model="m",
                     k=1, report="")
    second = h.record([result({"a": False, "b": True, "c": True}, 0.667)], git_rev="r2", system="x", model="m",
                      k=1, report="")
    assert h.previous(second, ["s"]) == first and h.previous(first, ["s"]) is None
    assert h.previous(second, ["other"]) is None
    diff = h.compare(second, first)["s"]
    assert diff["regressed"] == ["a"] and diff["fixed"] == ["b"]
    assert diff["metrics"]["success"] == (0.667, 0.667)
    assert h.run_info(first)["git_rev"] == "r1"
