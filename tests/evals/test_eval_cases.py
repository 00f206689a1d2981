"""Case files: clear errors for bad files, and every registered suite loads cleanly."""
import json

import pytest

from evals.cases import CaseFileError, load_cases
from evals.suites import SUITES, get_suite
from ml.router_features import LABELS, NONE

AGENTS = set(LABELS) - {NONE}


def _write(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def test_bad_json_names_file_and_line(tmp_path):
    path = _write(tmp_path, "x.jsonl", [{"id": "a", "turns": ["hi"]}, "{not json"])
    with pytest.raises(CaseFileError, match=r"x.jsonl:2: not JSON"):
        load_cases(path)


@pytest.mark.parametrize("row, why", [({"id": "a", "turns": []}, "turns"), ({"id": "a", "turns": ["  "]}, "empty"),
                                      ({"turns": ["hi"]}, "id")])
def test_invalid_case_is_refused(tmp_path, row, why):
    with pytest.raises(CaseFileError, match=why):
        load_cases(_write(tmp_path, "x.jsonl", [row]))


def test_duplicate_id_is_refused(tmp_path):
    with pytest.raises(CaseFileError, match="duplicate id a"):
        load_cases(_write(tmp_path, "x.jsonl", [{"id": "a", "turns": ["x"]}, {"id": "a", "turns": ["y"]}]))


def test_yaml_cases(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("- id: y1\n  turns: [where is my order]\n  expected_route: [support]\n")
    (case,) = load_cases(path, suite="mine")
    assert (case.id, case.suite, case.agent) == ("y1", "mine", "support")


def test_unknown_suite_names_the_known_ones():
    with pytest.raises(KeyError, match="routing"):
        get_suite("nope")


@pytest.mark.parametrize("name", [n for n, s in SUITES.items() if s.kind == "conversation"])
def test_suite_cases_are_well_formed(name, shared_data):
    cases = SUITES[name].load(shared_data)
    assert cases and len({c.id for c in cases}) == len(cases)
    for c in cases:
        assert c.expected_route is not None and set(c.expected_route) <= AGENTS, c.id
        assert c.channel in ("customer", "operator", "schedule"), c.id
