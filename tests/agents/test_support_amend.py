"""Amending a proposal that still waits for its yes: read against it, or handled on its own."""
from agents.base import OPEN_PROPOSAL, close_proposal
from agents.support_amend import amended_text, remember

CUST = {"Authorization": "Bearer cust-key"}  # customer:omar_johnson_2562
DELIVERED = "#W2809253"  # Grill, Jigsaw Puzzle, Cycling Helmet, Vacuum Cleaner; paid with paypal_6053880


def _session(text="I want to return the grill from order #W2809253"):
    s = {}
    remember(s, "act_1", DELIVERED, text)
    return s


def test_an_addition_or_a_payment_detail_is_read_with_the_earlier_request():
    assert amended_text(_session(), "also the jigsaw puzzle please") == \
        "I want to return the grill from order #W2809253 also the jigsaw puzzle please"
    assert amended_text(_session(), "OK, put it on my gift card then").startswith("I want to return the grill")


def test_a_replacement_keeps_the_order_but_not_the_earlier_request():
    assert amended_text(_session(), "actually the helmet instead") == "actually the helmet instead #W2809253"


def test_a_new_request_is_handled_on_its_own_and_the_proposal_is_consumed():
    s = _session()
    assert amended_text(s, "where is order #W8797321?") == "where is order #W8797321?"
    assert OPEN_PROPOSAL not in s
    assert amended_text(_session(), "thanks, what's your phone number?") == "thanks, what's your phone number?"


def test_the_earlier_request_is_kept_redacted():
    s = _session("return the grill from #W2809253, my card is 4111 1111 1111 1111")
    assert "4111" not in s[OPEN_PROPOSAL]["text"]


def test_a_decided_proposal_is_closed_only_for_its_own_action():
    sessions = {"support": {"user_id": "u", OPEN_PROPOSAL: {"action_id": "act_1"}}}
    assert close_proposal(sessions, "support", "act_2") == sessions
    assert close_proposal(sessions, "support", "act_1") == {"support": {"user_id": "u"}}


def _run(client, text, thread=None):
    r = client.post("/v1/runs", json={"input": text, **({"thread_id": thread} if thread else {})}, headers=CUST)
    assert r.status_code == 200, r.text
    return r.json()


def test_also_return_another_item_gives_one_proposal_for_both(api):
    client, deps = api
    first = _run(client, f"I want to return the grill from order {DELIVERED}, refund to my paypal")
    assert first["pending_actions"][0]["args"]["item_ids"] == ["5946177616"]
    second = _run(client, "Oh wait, also return the jigsaw puzzle from that order.", first["thread_id"])
    args = second["pending_actions"][0]["args"]
    assert sorted(args["item_ids"]) == ["4068787148", "5946177616"]
    done = _run(client, "yes", first["thread_id"])
    assert done["status"] == "completed"
    assert sorted(deps.store.get_order_details(DELIVERED)["return_items"]) == ["4068787148", "5946177616"]


def test_after_a_decision_a_later_message_does_not_amend_it(api):
    client, _ = api
    first = _run(client, f"I want to return the grill from order {DELIVERED}, refund to my paypal")
    _run(client, "no", first["thread_id"])
    later = _run(client, "also the jigsaw puzzle", first["thread_id"])
    assert all(a["args"].get("item_ids") != ["4068787148", "5946177616"] for a in later["pending_actions"])
