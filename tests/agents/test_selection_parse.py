"""Reading selection requests: market names in six languages and as codes, the numbers
of a reorder question, pasted reviews, categories and currencies."""
from __future__ import annotations

import pytest

from agents.selection_markets import find_markets, markets, resolve
from agents.selection_parse import parse

CATALOG = {"85123A": "WHITE HANGING HEART T-LIGHT HOLDER", "22423": "REGENCY CAKESTAND 3 TIER",
           "84879": "ASSORTED COLOUR BIRD ORNAMENT"}


@pytest.mark.parametrize("text, market", [
    ("weekly selection report for market US", "US"),
    ("weekly selection report for market UK", "GB"),
    ("weekly selection report for market JP", "JP"),
    ("德国市场我应该卖什么？", "DE"),
    ("¿Qué debería vender en Alemania?", "DE"),
    ("Was soll ich in Deutschland verkaufen?", "DE"),
    ("Que vendre en Allemagne ?", "DE"),
    ("ドイツで何を売るべきですか", "DE"),
    ("英国市场的选品报告", "GB"),
    ("Informe para el Reino Unido", "GB"),
    ("what sells in Great Britain", "GB"),
    ("what sells in EIRE", "IE"),
    ("what sells in Ireland", "IE"),
    ("the German market", "DE"),
    ("what do German customers buy?", "DE"),
    ("rapport en français pour le marché allemand", "DE"),
    ("market IT please", "IT"),
    ("Was verkauft sich in Österreich?", "AT"),
    ("selection for RSA", "ZA"),
    ("アメリカ市場", "US"),
])
def test_markets_in_six_languages_and_codes(text, market):
    assert find_markets(text).ids[:1] == [market]


@pytest.mark.parametrize("text", ["IT department budget", "what should I sell?", "weekly market report",
                                  "good morning team", "日本語で答えて", "lead time LT 6 weeks"])
def test_words_that_are_not_markets(text):
    found = find_markets(text)
    assert found.ids == [] and found.unknown is None


@pytest.mark.parametrize("text, name", [("selection report for Narnia", "Narnia"), ("market Atlantis please", "Atlantis"),
                                        ("给我做一份纳尼亚市场的选品报告", "纳尼亚"), ("ナルニアの市場で何が売れる？", "ナルニア")])
def test_unknown_market_names_are_caught(text, name):
    found = find_markets(text)
    assert found.ids == [] and found.unknown == name


def test_every_market_maps_to_a_history_country_or_none_and_resolves():
    table = markets()
    countries = [m.country for m in table.values() if m.country]
    assert len(countries) == len(set(countries)) == 38   # the 38 countries of the sales history
    assert resolve("EIRE").id == "IE" and resolve("uk").id == "GB" and resolve("德国").id == "DE"
    assert resolve("Germany").country == "Germany" and resolve("Narnia") is None
    assert table["MX"].country is None


def test_reorder_numbers_in_english():
    a = parse("How much of 85123A should I reorder for the UK with a 6 week lead time and 98% service level? "
              "We have 120 on hand.", CATALOG)
    assert a.markets.ids == ["GB"] and a.products == ["85123A"]
    assert (a.lead_time_weeks, a.service_level, a.on_hand) == (6.0, 0.98, {"85123A": 120})


@pytest.mark.parametrize("text, lead, level, on_hand", [
    ("德国补货：交货期 30 天，服务水平 97%，库存 22423 50 件", 30 / 7, 0.97, {"22423": 50}),
    ("Alemania: plazo de entrega de 3 semanas, nivel de servicio del 95 %, existencias 22423=40", 3.0, 0.95,
     {"22423": 40}),
    ("Deutschland: Lieferzeit 2 Wochen, Servicegrad 99 %, Bestand 22423: 15", 2.0, 0.99, {"22423": 15}),
    ("Allemagne : délai de livraison de 5 semaines, niveau de service 90 %, en stock 22423=7", 5.0, 0.9, {"22423": 7}),
    ("ドイツ：リードタイムは3週間、サービスレベル95%、在庫 22423 は 60 個", 3.0, 0.95, {"22423": 60}),
])
def test_reorder_numbers_in_other_languages(text, lead, level, on_hand):
    a = parse(text, CATALOG)
    assert a.markets.ids == ["DE"] and a.products == ["22423"]
    assert a.lead_time_weeks == pytest.approx(lead, abs=1e-3) and a.service_level == pytest.approx(level)
    assert a.on_hand == on_hand


def test_nearest_number_belongs_to_its_keyword():
    a = parse("reorder 22423 for UK, 6-week lead time, forecast the next 12 weeks", CATALOG)
    assert (a.lead_time_weeks, a.horizon_weeks) == (6.0, 12)
    b = parse("lead time 30 days, on hand 85123A=200, 22423: 15, service level 0.9, next 10 weeks", CATALOG)
    assert b.on_hand == {"85123A": 200, "22423": 15} and b.service_level == 0.9 and b.horizon_weeks == 10


def test_products_by_code_or_full_description_and_unknown_codes():
    assert parse("How much REGENCY CAKESTAND 3 TIER should I stock in France?", CATALOG).products == ["22423"]
    assert parse("SKU 99999 forecast for Germany", CATALOG).products == ["99999"]
    # a five-digit quantity is not a product unless the history knows it or a product word precedes it
    assert parse("we sold 12000 units in Germany", CATALOG).products == []


def test_pasted_reviews_lines_and_csv():
    a = parse("Selection report for DE. Competitor reviews:\nThe lid broke after a week\n- Too small\nLovely", CATALOG)
    assert a.reviews == ["The lid broke after a week", "Too small", "Lovely"] and a.reviews_csv is None
    b = parse('report for France. reviews: text,rating\n"broke quickly",1\n"great",5', CATALOG)
    assert b.reviews is None and b.reviews_csv.startswith("text,rating")
    c = parse("德国选品报告。评论：盖子一周就坏了；太小了", CATALOG)
    assert c.markets.ids == ["DE"] and c.reviews == ["盖子一周就坏了", "太小了"]


def test_category_and_currency():
    assert parse("what kitchen products are growing in the Netherlands?", CATALOG).category == "kitchen_dining"
    assert parse("Weihnachtsartikel für Frankreich", CATALOG).category == "seasonal"
    assert parse("UK report in EUR", CATALOG).currency == "EUR"
    unknown = parse("UK report, revenue in XYZ please", CATALOG)
    assert unknown.currency is None and unknown.unknown_currency == "XYZ"
    assert parse("report for the USA market", CATALOG).unknown_currency is None  # USA is a market, not a currency
