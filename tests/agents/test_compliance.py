"""The compliance auditor: rule data (loads, every citation is a real knowledge-base
section, every fix is localised), the engine on crafted listings, the request parser, and
natural requests through the API in six languages with typed results."""
from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
import yaml

from agents.compliance import ComplianceResult
from agents.compliance_audit import Listing, applicable_rules, audit, audit_markets
from agents.compliance_parse import find_markets, parse
from agents.compliance_rules import CORPUS, RULES_FILE, TERMS_FILE, RuleBook, RuleDataError, rule_book
from vectorstore.corpus import load_corpus

PROMPTS = Path(__file__).resolve().parents[2] / "prompts" / "compliance"
LANGS = ("en", "zh", "es", "de", "fr", "ja")
OP = {"Authorization": "Bearer op-key"}
ADMIN = {"Authorization": "Bearer admin-key"}
PRODUCTS = ["T-Shirt", "Electric Kettle", "Tea Kettle", "Bluetooth Speaker", "Jigsaw Puzzle", "Portable Charger"]


def rules_of(report) -> set[str]:
    return {f.rule_id for f in report.findings}


# ------------------------------------------------------------------ rule data
def test_every_rule_cites_a_real_corpus_section():
    book = rule_book()
    chunks, problems = load_corpus(CORPUS)
    assert not problems
    chunk_ids = {c.chunk_id for c in chunks}
    docs = {p.stem for p in CORPUS.glob("*.md")}
    cited = [r.citation for r in book.rules] + [d.citation for d in book.data_rules.values()]
    assert len(book.rules) > 90 and set(book.markets) == {"US", "EU", "DE", "FR", "ES", "IT", "UK", "JP", "CN"}
    for citation in cited:
        doc, _, section = citation.partition("#")
        assert doc in docs and section and citation in chunk_ids, citation
        assert book.citation(citation).text.strip()


def test_every_family_has_rules_in_its_markets_and_every_market_is_covered():
    book = rule_book()
    assert {r.family for r in book.rules} == set(book.families)
    for market in book.markets:
        families = {r.family for r in book.rules_for(market)}
        assert {"health_claims", "superlatives", "required_marks"} <= families, market
    eu = {r.family for r in book.rules_for("DE")}
    assert {"weee", "batteries", "toys", "textiles", "clp", "gpsr"} <= eu


def test_a_citation_that_does_not_resolve_fails_loading():
    rules = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    terms = yaml.safe_load(TERMS_FILE.read_text(encoding="utf-8"))
    rules["rules"][0]["markets"]["US"]["citation"] = "claims-health#no-such-section"
    with pytest.raises(RuleDataError, match="no-such-section"):
        RuleBook(rules, terms, {c.chunk_id: c for c in rule_book()._citations.values()})
    rules = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    rules["rules"][0]["forbid"] = ["no_such_detector"]
    with pytest.raises(RuleDataError, match="no_such_detector"):
        RuleBook(rules, terms, rule_book()._citations)


def test_reply_templates_cover_every_fix_and_keep_placeholders_in_six_languages():
    book = rule_book()
    en = json.loads((PROMPTS / "en.json").read_text(encoding="utf-8"))
    needed = {f"fix_{r.need}" for r in book.rules} | {f"fix_{d}" for d in book.data_rules if d != "DH-ERASURE"} \
        | {f"family_{f}" for f in book.families} | {f"market_{m}" for m in book.markets}

    def fields(s: str) -> set[str]:
        return {x[1] for x in string.Formatter().parse(s) if x[1]}

    for lang in LANGS:
        texts = json.loads((PROMPTS / f"{lang}.json").read_text(encoding="utf-8"))
        assert needed <= set(texts), (lang, needed - set(texts))
        assert set(texts) == set(en), lang
        for key, value in texts.items():
            assert fields(value) == fields(en[key]), (lang, key)


# ------------------------------------------------------------------ engine
def test_superlatives_need_a_source_except_in_china():
    bare = Listing(title="Wasserkocher 1,7 L - Testsieger", bullets=["CE", "WEEE-Reg.-Nr. DE 12345678"])
    sourced = Listing(title="Wasserkocher 1,7 L - Testsieger (Stiftung Warentest, Ausgabe 05/2025)",
                      bullets=["CE", "WEEE-Reg.-Nr. DE 12345678"])
    assert "SUPERLATIVE-DE" in rules_of(audit(bare, "DE"))
    assert "SUPERLATIVE-DE" not in rules_of(audit(sourced, "DE"))
    cn = audit(Listing(title="全网最低价 第一品牌 保温杯", bullets=["来源：2025年天猫销量数据"]), "CN")
    hit = [f for f in cn.findings if f.rule_id == "CN-ADLAW-ABSOLUTE"]
    assert hit and hit[0].severity == "high" and any("第一" in w for w in hit[0].found)


def test_required_marks_by_market_and_their_evidence():
    speaker = Listing(title="Bluetooth Speaker, waterproof", bullets=["Rechargeable lithium-ion battery, 7.4 Wh"])
    reports = {r.market: r for r in audit_markets(speaker, ["US", "DE", "UK", "JP"])}
    assert "US-FCC-ID" in rules_of(reports["US"]) and "EU-CE" in rules_of(reports["DE"])
    assert "UK-UKCA" in rules_of(reports["UK"]) and "JP-GITEKI" in rules_of(reports["JP"])
    marked = Listing(title="Bluetooth Speaker, waterproof",
                     bullets=["FCC ID: 2ABCD-SPK01", "CE and UKCA marked", "技適マーク取得済み 認証番号 R 201-123456",
                              "Rechargeable lithium-ion battery, 7.4 Wh"])
    again = {r.market: r for r in audit_markets(marked, ["US", "DE", "UK", "JP"])}
    assert not {"US-FCC-ID", "EU-CE", "UK-UKCA", "JP-GITEKI"} & set().union(*(rules_of(r) for r in again.values()))
    # the French word "ce" is no CE mark
    assert "EU-CE" in rules_of(audit(Listing(title="Enceinte Bluetooth : ce produit est étanche"), "FR"))


def test_accessories_and_non_electric_products_are_not_electrical():
    descaler = audit(Listing(title="Détartrant liquide pour bouilloire 500 ml"), "FR")
    assert "EU-CLP-ONLINE" in rules_of(descaler)
    assert not {"EU-CE", "EU-WEEE"} & rules_of(descaler)
    teapot = audit(Listing(title="Tea Kettle", attributes={"stovetop compatibility": "gas"}), "JP")
    assert "JP-PSE" not in rules_of(teapot)
    backpack = audit(Listing(title="Backpack", attributes={"compartment": "laptop"}), "DE")
    assert not {"EU-CE", "EU-WEEE"} & rules_of(backpack)


def test_lithium_shipping_and_battery_take_back():
    bank = audit(Listing(title="Power Bank 10000mAh"), "US")
    assert "LI-AIR" in rules_of(bank)
    assert "LI-AIR" not in rules_of(audit(Listing(title="Power Bank 10000mAh", bullets=["37 Wh, UN38.3 tested"]), "US"))
    aa = audit(Listing(title="Electric Toothbrush", attributes={"battery type": "AA batteries"}), "DE")
    assert "LI-AIR" not in rules_of(aa) and "EU-BATT-TAKEBACK" in rules_of(aa)


def test_toy_warnings_and_textile_composition():
    toy = Listing(title="Kids Building Blocks, 300 pieces", bullets=["Ages 4-8"])
    assert "TOY-CHOKING-US" in rules_of(audit(toy, "US"))
    warned = toy.model_copy(update={"bullets": ["Ages 4-8", "WARNING: CHOKING HAZARD - Small parts. Not for children "
                                                "under 3 yrs."]})
    assert not rules_of(audit(warned, "US")) & {"TOY-CHOKING-US", "TOY-AGE-US"}
    luggage = audit(Listing(title="Luggage Set", attributes={"piece count": "2-piece"}), "US")
    assert not any(f.family == "toys" for f in luggage.findings)
    shirt = Listing(title="T-Shirt", attributes={"material": "cotton"})
    assert {"TEXTILE-FIBRE-US", "US-TEXTILE-ORIGIN"} <= rules_of(audit(shirt, "US"))
    labelled = Listing(title="T-Shirt", bullets=["95% cotton, 5% elastane", "Made in Portugal"])
    assert not any(f.family == "textiles" for f in audit(labelled, "US").findings)
    assert not any(f.family == "textiles" for f in audit(Listing(title="男士T恤 纯棉"), "CN").findings)


def test_a_finding_says_what_was_found_what_is_missing_the_fix_and_its_section():
    report = audit(Listing(title="Copper bracelet that cures arthritis", language="en"), "US")
    health = next(f for f in report.findings if f.family == "health_claims")
    assert health.severity == "high" and health.missing is None and "cures" in " ".join(health.found).lower()
    assert health.citation in report.citations and report.citations[health.citation].doc_id == "claims-health"
    gpsr = next(f for f in audit(Listing(title="Bookshelf"), "DE").findings if f.family == "gpsr")
    assert gpsr.missing and "economic operator" in gpsr.fix
    with pytest.raises(ValueError, match="unsupported market"):
        audit(Listing(title="x"), "BR")


def test_applicable_rules_say_what_a_listing_must_show():
    rules = {r.id for r in applicable_rules(Listing(title="LED desk lamp"), "FR")}
    assert {"EU-CE", "EU-WEEE", "EU-GPSR-RP"} <= rules and not any(r.startswith("TOY") for r in rules)


# ------------------------------------------------------------------ parsing
@pytest.mark.parametrize("text,intent,markets", [
    ("check the Bluetooth Speaker listing for Germany", "audit_product", ["DE"]),
    ("audit all listings for the UK", "audit_store", ["UK"]),
    ('is this title OK for Japan: "最高の電気ケトル 日本一"', "audit_text", ["JP"]),
    ("find card numbers stored in our data", "scan_pii", []),
    ("erase customer omar_johnson_2562's data", "erase", []),
    ("Prüfe das Angebot für den Electric Kettle für Deutschland", "audit_product", ["DE"]),
    ("Compliance-Prüfung aller Produkte für Italien", "audit_store", ["IT"]),
    ("Vérifie la fiche du Jigsaw Puzzle pour la France", "audit_product", ["FR"]),
    ("Cherche des numéros de carte bancaire stockés dans nos données", "scan_pii", []),
    ("¿Este título cumple la normativa en España? «Pulsera que cura la artritis»", "audit_text", ["ES"]),
    ("删除客户 omar_johnson_2562 的所有个人数据", "erase", []),
    ("检查所有商品在日本市场的合规问题", "audit_store", ["JP"]),
    ("このタイトルは中国で問題ないか確認して：「最好的电热水壶 第一品牌」", "audit_text", ["CN"]),
])
def test_requests_are_read_in_six_languages(text, intent, markets):
    parsed = parse(text, PRODUCTS)
    assert parsed.intent == intent and parsed.markets == markets, parsed


def test_market_names_codes_and_unsupported_markets():
    assert find_markets("for amazon.co.uk and the US") == (["UK", "US"], [], [])
    assert find_markets("de la France")[0] == ["FR"]  # French "de" is not DE
    markets, members, unsupported = find_markets("sell in the Netherlands and Brazil")
    assert markets == ["EU"] and members == ["netherlands"] and unsupported == ["brazil"]
    assert find_markets("タイトルを確認して")[2] == []  # タイ inside タイトル is no Thailand


# ------------------------------------------------------------------ through the API
def run(client, text, headers=OP):
    r = client.post("/v1/runs", json={"input": text, "channel": "operator"}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("lang,text,intent,expect", [
    ("en", "Can I sell the Jigsaw Puzzle in the US as it is? Check it for compliance problems", "audit_product",
     "choking"),
    ("de", "Prüfe das Angebot für den Electric Kettle auf Compliance für Deutschland", "audit_product", "WEEE-Reg.-Nr."),
    ("fr", "Vérifie la conformité de la fiche Smart Watch pour la France", "audit_product", "marquage CE"),
    ("es", "Revisa el cumplimiento normativo del anuncio de Portable Charger para España", "audit_product", "UN38.3"),
    ("zh", "检查所有商品在日本市场的合规问题", "audit_store", "591"),
    ("ja", "T-Shirt の商品ページが日本の表示規制に適合しているかコンプライアンスチェックして", "audit_product", "組成"),
])
def test_natural_requests_reach_the_agent_and_return_typed_results(api, lang, text, intent, expect):
    client, _ = api
    body = run(client, text)
    assert body["route"] == ["compliance"] and body["status"] == "completed", body
    result = ComplianceResult.model_validate(body["output"]["data"]["compliance"])
    assert result.intent == intent and body["output"]["language"] == lang
    assert expect in body["output"]["text"]
    assert body["citations"] and all(c["chunk_id"] and c["text"] for c in body["citations"])
    assert any(c["tool"] in ("audit_store", "audit_listing") for c in body["tool_calls"])


def test_pasted_title_is_audited_for_the_named_market(api):
    client, _ = api
    body = run(client, '¿Este título cumple la normativa en Alemania? "Pulsera que cura la artritis"')
    result = ComplianceResult.model_validate(body["output"]["data"]["compliance"])
    assert result.intent == "audit_listing" and result.markets == ["DE"]
    assert "HEALTH-DE" in {f.rule_id for f in result.listing_reports[0].findings}
    assert any(c["chunk_id"] == "claims-germany#health-advertising-hwg-and-food-law" for c in body["citations"])


def test_bad_input_gets_a_clear_answer(api):
    client, _ = api
    brazil = run(client, "run a compliance audit of the Perfume listing for Brazil")
    assert brazil["output"]["data"]["compliance"]["intent"] == "unsupported_market" and "Brazil" in brazil["output"]["text"]
    assert "Japan" in brazil["output"]["text"] and not brazil["tool_calls"][1:]
    unknown = run(client, "check the compliance of product 1234567890 for Germany")
    assert unknown["output"]["data"]["compliance"]["intent"] == "not_found" and "1234567890" in unknown["output"]["text"]
    r = client.post("/v1/tools/audit_listing", json={"listing": {"title": "Kettle"}, "markets": ["BR"]}, headers=OP)
    assert r.status_code == 422 and "supported" in r.json()["error"]["message"]
    r = client.post("/v1/tools/audit_listing", json={"listing": {"title": ""}}, headers=OP)
    assert r.status_code == 422


def test_accessories_people_and_word_order_generalise():
    stand = audit(Listing(title="笔记本电脑支架 铝合金", bullets=["可调节高度"]), "CN")
    assert "CN-CCC" not in rules_of(stand)
    assert "CN-CCC" in rules_of(audit(Listing(title="笔记本电脑 14英寸"), "CN"))
    marbles = audit(Listing(title="Wooden Marble Run for Kids, 80 Marbles", bullets=["Ages 4+"]), "US")
    assert "TOY-CHOKING-US" in rules_of(marbles)  # "for kids" is not cut like "for laptops"
    rp = Listing(title="Maglione", bullets=["70% lana, 30% poliammide"],
                 description="Importatore UE: Adriatica S.p.A., Via Venezia 8, Venezia")
    assert "EU-GPSR-RP" not in rules_of(audit(rp, "IT"))
    pain = audit(Listing(title="Magnetic Knee Brace - Eliminates Joint Pain Naturally"), "US")
    assert "HEALTH-US" in rules_of(pain)


def test_compliance_eval_suite_scores_families_per_set(shared_data):
    from evals.compliance_suite import family_scores, load

    cases = load(shared_data)
    assert len(cases) >= 120 and {c.expected_label for c in cases} == {"dev", "heldout"}
    assert {c.market for c in cases} == set(rule_book().markets)
    families = set(rule_book().families)
    assert all(set(c.expected_families) <= families for c in cases)
    assert sum(not c.expected_families for c in cases) >= 30  # clean listings too
    pairs = [(c, {"got": ["gpsr"]}) for c in cases if c.market == "DE"]
    scores = family_scores(pairs)
    assert scores["gpsr"]["recall"] == 1.0 and scores["gpsr"]["precision"] < 1.0
    assert scores["micro"]["recall"] < scores["gpsr"]["recall"]


REQUEST_INTENTS = {"audit_product": "01 06 07 10 13 16 20 23 24", "audit_store": "02 09 11 15 17 22",
                   "audit_text": "03 08 14 21", "scan_pii": "04 12 19", "erase": "05 18"}


def test_every_routing_eval_request_is_read_right_when_it_reaches_the_agent(seed_data):
    from evals.cases import load_cases
    from evals.suites import DATASETS

    names = [p["name"] for p in seed_data["products"].values()]
    expected = {f"cr-{n}": intent for intent, ids in REQUEST_INTENTS.items() for n in ids.split()}
    cases = load_cases(DATASETS / "compliance_requests.jsonl")
    assert {c.id for c in cases} == set(expected)
    for case in cases:
        parsed = parse(case.turns[0], names, case.lang)
        assert parsed.intent == expected[case.id], (case.id, parsed)
        assert set(case.must_contain) <= set(parsed.products), case.id
