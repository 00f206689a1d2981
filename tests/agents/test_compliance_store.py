"""The compliance auditor on the real store: the batch audit of every product x variant x
market (with progress and published listings), the data-handling scan (card numbers and
other personal data where they should not be, masked), and a customer's erasure as a
pending action that erases nothing before an admin approves it."""
from __future__ import annotations

import json

import pytest

from agents.compliance_privacy import mask, scan_stored_pii
from agents.compliance_rules import rule_book
from agents.compliance_store import audit_store
from store.listings import publish_listing, published_listings

ADMIN = {"Authorization": "Bearer admin-key"}
OP = {"Authorization": "Bearer op-key"}
OMAR = "omar_johnson_2562"
CARD = "4111 1111 1111 1111"


def by_name(result) -> dict:
    return {p.name: p for p in result.product_audits}


def test_full_store_audit_covers_every_variant_and_market_with_progress(make_store, seed_data):
    store = make_store()
    markets = list(rule_book().markets)
    calls = []
    result = audit_store(store, markets, progress=lambda done, total: calls.append((done, total)))
    variants = sum(len(p["variants"]) for p in seed_data["products"].values())
    assert result.products == len(seed_data["products"]) == 50 and result.variants == variants
    assert result.audits == variants * len(markets)
    assert calls[-1] == (50, 50) and len(calls) == 50
    products = by_name(result)
    assert set(products["T-Shirt"].failing["DE"]) >= {"EU-GPSR-RP", "TEXTILE-FIBRE-DE"}
    assert "EU-CE" in products["Electric Kettle"].failing["DE"] and "JP-PSE" in products["Electric Kettle"].failing["JP"]
    assert "EU-CE" not in products["Tea Kettle"].failing.get("DE", {})  # a stovetop kettle is not electrical
    assert "EU-CE" not in products["Backpack"].failing.get("DE", {})    # "compartment: laptop" is not a laptop
    assert products["Jigsaw Puzzle"].failing["US"]["TOY-CHOKING-US"] == products["Jigsaw Puzzle"].variants
    assert products["Yoga Mat"].failing.get("US") is None  # nothing required of a yoga mat in the US
    assert set(result.rules) == {r for p in result.product_audits for m in p.failing.values() for r in m}
    assert all(c in result.citations for c in {i.citation for i in result.rules.values()})


def test_published_listing_is_audited_instead_of_the_options(make_store):
    store = make_store()
    shirt = store.find_products_by_name("T-Shirt")[0]["product_id"]
    before = by_name(audit_store(store, ["DE"], product_ids=[shirt]))["T-Shirt"]
    assert not before.published and "TEXTILE-FIBRE-DE" in before.failing["DE"]
    publish_listing(store, product_id=shirt, market="DE", language="de", title="Herren T-Shirt Rundhals",
                    bullets=["100 % Baumwolle", "Maschinenwäsche 40 °C"], created_by="copywriter",
                    description="EU-Verantwortliche Person: Nordlicht Import GmbH, Hafenstraße 12, 20457 Hamburg, "
                                "kontakt@nordlicht-import.de")
    after = by_name(audit_store(store, ["DE", "US"], product_ids=[shirt]))["T-Shirt"]
    assert after.published == ["DE"] and "DE" not in after.failing  # clean now
    assert "TEXTILE-FIBRE-US" in after.failing["US"]                 # the US still audits the options
    second = publish_listing(store, product_id=shirt, market="DE", language="de", title="Herren T-Shirt - der beste")
    assert second["version"] == 2 and published_listings(store, product_id=shirt)[0]["version"] == 2
    latest = by_name(audit_store(store, ["DE"], product_ids=[shirt]))["T-Shirt"]
    assert "SUPERLATIVE-DE" in latest.failing["DE"]


def test_pii_scan_finds_misplaced_data_and_never_returns_it_unmasked(make_store, tmp_path):
    store = make_store()
    clean = scan_stored_pii(store, include_sales=False)
    assert clean.total_findings == 0 and clean.fields_scanned > 10_000  # customers' e-mails where they belong
    store.transfer_to_human_agents(f"Customer read out card {CARD} and asked to call +1 415 555 0134", user_id=OMAR)
    shirt = store.find_products_by_name("T-Shirt")[0]["product_id"]
    publish_listing(store, product_id=shirt, market="US", language="en", title="T-Shirt",
                    bullets=["Questions? mail jane.doe@example.com"])
    learned = tmp_path / "learned"
    learned.mkdir()
    (learned / "faq-abc.md").write_text("---\nid: faq-abc\n---\n\n## Refund\n\nCall me at +49 30 1234 5678.\n",
                                        encoding="utf-8")
    scan = scan_stored_pii(store, learned, include_sales=False)
    found = {(f.location, f.kind, f.rule_id) for f in scan.findings}
    assert ("handoffs.summary", "CARD", "DH-CARD") in found
    assert ("listings.text", "EMAIL", "DH-CONTACT") in found
    assert ("knowledge_base.learned_faq", "PHONE", "DH-CONTACT") in found
    assert not any(f.location == "handoffs.summary" and f.kind == "PHONE" for f in scan.findings)  # allowed there
    assert scan.files_scanned == 1 and scan.total_findings == 3 and scan.citations
    dumped = scan.model_dump_json()
    for secret in ("4111111111111111", CARD, "jane.doe@example.com", "1234 5678", "555 0134"):
        assert secret not in dumped
    assert mask("CARD", CARD) == "card ending 1111 (16 digits)"


def test_erasure_is_proposed_and_nothing_is_erased_before_approval(api):
    client, deps = api
    r = client.post("/v1/runs", json={"input": f"erase customer {OMAR}'s personal data", "channel": "operator"},
                    headers=ADMIN)
    body = r.json()
    assert body["route"] == ["compliance"] and body["status"] == "awaiting_approval", body
    action = body["pending_actions"][0]
    assert action["tool"] == "erase_customer_data" and action["args"] == {"user_id": OMAR}
    data = body["output"]["data"]["compliance"]
    assert data["intent"] == "erase" and data["erasure"]["orders"] == 3 and data["erasure"]["action_id"]
    assert deps.store.subject_record(OMAR)["orders"]  # nothing erased yet
    done = client.post(f"/v1/threads/{body['thread_id']}/approvals/{action['action_id']}",
                       json={"decision": "approve"}, headers=ADMIN)
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["status"] == "completed" and OMAR in result["output"]["text"], result
    assert deps.store.subject_record(OMAR) is None
    call = next(c for c in result["tool_calls"] if c["tool"] == "erase_customer_data")
    assert call["ok"] and call["result"]["request"]["status"] == "completed"


def test_erasure_declined_or_by_an_operator_erases_nothing(api):
    client, deps = api
    body = client.post("/v1/runs", json={"input": f"DSGVO-Löschung: lösche alle personenbezogenen Daten des Kunden {OMAR}",
                                            "channel": "operator"},
                       headers=OP).json()
    assert body["route"] == ["compliance"] and not body["pending_actions"]
    assert body["output"]["data"]["compliance"]["erasure"]["reason"] == "admin_only"
    body = client.post("/v1/runs", json={"input": f"erase customer {OMAR}'s personal data", "channel": "operator"},
                       headers=ADMIN).json()
    aid = body["pending_actions"][0]["action_id"]
    r = client.post(f"/v1/threads/{body['thread_id']}/approvals/{aid}", json={"decision": "reject"}, headers=ADMIN)
    assert r.status_code == 200 and "nothing was erased" in r.json()["output"]["text"]
    assert deps.store.subject_record(OMAR) is not None
    r = client.post("/v1/tools/erase_customer_data", json={"user_id": OMAR}, headers=OP)
    assert r.status_code == 403 and deps.store.subject_record(OMAR) is not None
    unknown = client.post("/v1/runs", json={"input": "erase customer nobody_here_0000's personal data"},
                          headers=ADMIN).json()
    assert unknown["output"]["data"]["compliance"]["erasure"]["reason"] == "unknown"
    assert not unknown["pending_actions"]
    json.dumps(unknown)  # the typed result is plain JSON


@pytest.mark.slow
def test_cli_audits_the_seeded_store_and_refuses_unknown_markets(tmp_path, monkeypatch, shared_data):
    from typer.testing import CliRunner

    from agents.compliance_cli import compliance_app

    monkeypatch.setenv("CHUHAI_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CHUHAI_SHARED_DATA_DIR", str(shared_data))
    runner = CliRunner()
    out = runner.invoke(compliance_app, ["audit", "--market", "UK", "--product", "Kettle", "--json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output[out.output.index("{"):])
    assert result["products"] == 2 and result["markets"] == ["UK"]
    bad = runner.invoke(compliance_app, ["audit", "--market", "BR"])
    assert bad.exit_code == 2 and "supported" in bad.output
