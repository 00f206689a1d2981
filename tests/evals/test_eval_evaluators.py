"""The evaluators on hand-made replies: what passes and what does not."""
from eval_fakes import reply

from evals import evaluators as ev
from evals.cases import Case


def case(**kw):
    return Case(**{"id": "c1", "turns": ["hi, I'm ava.kovacs8119@example.com", "yes"], "user_id": "ava", **kw})


def test_store_diff_names_the_path():
    exp = {"orders": {"#W1": {"status": "cancelled", "items": [{"id": "1"}, {"id": "2"}]}}}
    got = {"orders": {"#W1": {"status": "pending", "items": [{"id": "1"}, {"id": "3"}]}}}
    assert ev.store_diff(exp, got) == ["orders/#W1.items[1].id: expected '2', got '3'",
                                       "orders/#W1.status: expected 'cancelled', got 'pending'"]
    assert ev.store_check(exp, exp).passed and not ev.store_check(got, exp).passed


def test_pii_own_and_typed_values_are_not_leaks():
    pii = {"ava.kovacs8119@example.com": "ava", "bob@example.com": "bob", "1 elm st": "bob"}
    c = case()
    assert ev.pii_check(c, [reply("Your e-mail on file: ava.kovacs8119@example.com")], pii).passed
    assert not ev.pii_check(c, [reply("bob@example.com ordered it")], pii).passed
    assert not ev.pii_check(c, [reply("It ships to 1 Elm St")], pii).passed
    # a card number the user did not type (Luhn-valid) is a leak
    assert not ev.pii_check(c, [reply("card 4111 1111 1111 1111")], pii).passed


def test_route_checks_first_turn_exact_and_later_turns_inside():
    c = case(expected_route=["support"])
    assert all(x.passed for x in ev.route_checks(c, [reply("a"), reply("b", route=())]))
    checks = {x.name: x.passed for x in ev.route_checks(c, [reply("a"), reply("b", route=("pricing",))])}
    assert checks == {"route_exact": True, "route_set": True, "route_stays": False}
    multi = case(expected_route=["compliance", "copywriter"])
    checks = {x.name: x.passed for x in ev.route_checks(multi, [reply("a", route=("copywriter", "compliance"))])}
    assert checks["route_exact"] is False and checks["route_set"] is True


def test_facts_are_case_insensitive_and_forbidden_is_checked():
    c = case(must_contain=["#W123", "Cancelled"], must_not_contain=["bob@example.com"])
    assert all(x.passed for x in ev.fact_checks(c, [reply("order #w123 is cancelled")]))
    failed = {x.name for x in ev.fact_checks(c, [reply("#W123 pending; bob@example.com")]) if not x.passed}
    assert failed == {"facts", "forbidden"}


def test_schema_check_rejects_a_broken_result():
    good = reply("ok")
    bad = reply("ok")
    bad.result = {**bad.result, "status": "weird"}
    assert ev.schema_check([good]).passed and not ev.schema_check([good, bad]).passed
