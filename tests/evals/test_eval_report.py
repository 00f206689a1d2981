"""Reports: Markdown and self-contained HTML from the same blocks, failures with the
reply and the store diff, plots embedded."""
from evals import report
from evals.cases import Case
from evals.evaluators import Check
from evals.runner import CaseResult, SuiteResult, Trial, metrics
from evals.systems import Reply


def test_report_files(tmp_path):
    ok = CaseResult(Case(id="ok1", turns=["hi"], lang="en", expected_route=["support"]),
                    [Trial([Check("route_exact", True)], [Reply("hello", ["support"], "completed", 0, 0.01)])])
    bad = CaseResult(Case(id="bad1", turns=["cancel <it>"], lang="de", expected_route=["support"]),
                     [Trial([Check("route_exact", True), Check("store", False, "orders/#W1.status: expected 'cancelled', got 'pending'")],
                            [Reply("Sure & done", ["support"], "completed", 1, 0.2)])])
    r = SuiteResult("support_x", "conversation", True, [ok, bad], [], 1.5, 1)
    r.metrics = metrics(r)
    paths = report.write([r], {"git": "abc"}, tmp_path, comparison=None)
    md, html = paths["markdown"].read_text(), paths["html"].read_text()
    assert "| support_x | yes | 2 | 0.500 |" in md
    assert "bad1 [de]" in md and "expected 'cancelled', got 'pending'" in md and "< [support] Sure & done" in md
    assert "cancel &lt;it&gt;" in html and "Sure &amp; done" in html
    assert "data:image/png;base64," in html and "src='http" not in html and 'src="http' not in html
    assert (tmp_path / "plot1.png").read_bytes()[:4] == b"\x89PNG"
    assert '"support_x"' in paths["json"].read_text()
