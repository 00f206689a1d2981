"""Landed-cost arithmetic (agents/pricing_landed.py) against hand-computed cases on the
rate tables (agents/data/fx.yaml, agents/data/landed_cost/*.yaml), the FX table shared
with the copywriter, and typed refusals for unknown markets and currencies.

Rates used below (ECB, 2025-02-28, per EUR): GBP 0.82608, USD 1.0411, JPY 156.96, so
EUR per GBP = 1 / 0.82608 = 1.210537, USD per GBP = 1.260290, JPY per GBP = 190.0058."""
from __future__ import annotations

import pytest

from agents import copy_data
from agents import pricing_rates as rates
from agents.pricing_landed import economics


def test_the_tables_the_cases_below_rely_on():
    assert rates.rate("GBP", "EUR") == pytest.approx(1.210537, abs=1e-6)
    assert rates.rate("GBP", "USD") == pytest.approx(1.260290, abs=1e-6)
    assert rates.rate("GBP", "JPY") == pytest.approx(190.0058, abs=1e-4)
    de, us, jp = rates.market_rates("DE"), rates.market_rates("US"), rates.market_rates("JP")
    assert (de.vat_pct, de.prices_include_tax, de.duty.rate_pct("kitchen_dining"), de.duty.basis) == (19, True, 9.0, "CIF")
    assert (de.duty.de_minimis.amount, de.duty.de_minimis.currency, de.shipping_per_unit_gbp) == (150, "EUR", 0.25)
    assert (us.vat_pct, us.prices_include_tax, us.duty.rate_pct("bags_storage"), us.duty.basis) == (0, False, 27.6, "FOB")
    assert us.duty.de_minimis is None and us.shipping_per_unit_gbp == 0.50
    assert (jp.duty.rate_pct("jewellery_accessories"), jp.duty.de_minimis.amount, jp.shipping_per_unit_gbp) == (5.2, 10000, 0.60)


def test_home_market_no_duty_no_fx():
    # £3.60 incl. 20% VAT -> net 3.00; cost 1.00 + domestic shipping 0.08 = 1.08 landed
    lc = economics("GB", "home_decor", 1.00, fx_fee_pct=1.0).breakdown(3.60)
    assert (lc.vat, lc.net_price, lc.net_price_gbp) == (0.6, 3.0, 3.0)
    assert (lc.duty_gbp, lc.fx_fee_gbp, lc.landed_cost_gbp, lc.unit_profit_gbp) == (0.0, 0.0, 1.08, 1.92)
    assert lc.margin_pct == 177.78  # 1.92 / 1.08


def test_germany_under_the_de_minimis_pays_no_duty():
    # €11.90 incl. 19% -> net €10.00 = £8.2608; 12 units x (8.2608 + 0.25 CIF) = £102.13 <= €150 = £123.91
    # landed = 2.00 cost + 0.25 shipping + 0 duty + 1% FX fee 0.082608 = 2.332608; profit 5.928192
    lc = economics("DE", "kitchen_dining", 2.00, fx_fee_pct=1.0, units_per_shipment=12).breakdown(11.90)
    assert lc.net_price == 10.0 and lc.net_price_gbp == 8.2608 and lc.de_minimis_gbp == 123.912
    assert lc.customs_value_gbp == 8.5108 and not lc.duty_applied and lc.duty_gbp == 0.0
    assert (lc.fx_fee_gbp, lc.landed_cost_gbp, lc.unit_profit_gbp) == (0.0826, 2.3326, 5.9282)
    assert [n.code for n in lc.notes][:1] == ["de_minimis"]


def test_germany_over_the_de_minimis_pays_duty_on_the_cif_value():
    # 24 units x 8.5108 = £204.26 > £123.91: duty 9% x 8.5108 = 0.765972; landed 3.09858; profit 5.16222
    lc = economics("DE", "kitchen_dining", 2.00, fx_fee_pct=1.0, units_per_shipment=24).breakdown(11.90)
    assert lc.duty_applied and lc.duty_gbp == 0.766
    assert (lc.landed_cost_gbp, lc.unit_profit_gbp, lc.margin_pct) == (3.0986, 5.1622, 166.6)
    assert lc.landed_cost == pytest.approx(3.09858 * 1.210537, abs=1e-4)  # the same in EUR


def test_united_states_fob_duty_with_the_additional_tariff_and_no_vat_in_the_price():
    # $12.60, sales tax added at checkout: net = $12.60 = £9.997702; bags 17.6% + 10% = 27.6% of
    # the FOB value (shipping left out): 2.759366; landed 3.00 + 0.50 + 2.759366 + 0.099977 = 6.359343
    lc = economics("US", "bags_storage", 3.00, fx_fee_pct=1.0).breakdown(12.60)
    assert (lc.vat, lc.net_price) == (0.0, 12.6) and lc.customs_value_gbp == 9.9977
    assert (lc.duty_gbp, lc.fx_fee_gbp, lc.landed_cost_gbp) == (2.7594, 0.1, 6.3593)


def test_japan_whole_yen_and_a_de_minimis_in_yen():
    # ¥1,100 incl. 10% -> ¥1,000 = £5.262997; ¥10,000 de-minimis = £52.63; 12 x (5.263 + 0.60) = £70.36:
    # dutiable; jewellery 5.2% x 5.862997 = 0.304876; landed 1.50 + 0.60 + 0.304876 + 0.05263 = 2.457506
    lc = economics("JP", "jewellery_accessories", 1.50, fx_fee_pct=1.0, units_per_shipment=12).breakdown(1100)
    assert lc.net_price == 1000.0 and lc.net_price_gbp == 5.263 and lc.de_minimis_gbp == 52.63
    assert (lc.duty_gbp, lc.landed_cost_gbp) == (0.3049, 2.4575)
    assert rates.tick("JPY") == 1.0 and rates.decimals("JPY") == 0


def test_a_shipping_override_and_an_unknown_category_use_the_default_rate():
    e = economics("DE", "no-such-group", 1.00, fx_fee_pct=0.0, shipping_gbp=0.40, units_per_shipment=100)
    assert (e.category, e.duty_pct, e.shipping_gbp, e.shipping_source) == ("other", 2.7, 0.40, "request")


def test_the_margin_test_is_exact_at_the_boundary():
    # GB: landed 1.08; 20% margin needs net 1.296 -> shelf 1.5552: 1.56 passes, 1.55 does not
    e = economics("GB", "home_decor", 1.00, fx_fee_pct=0.0)
    assert list(e.meets_margin([1.55, 1.56], 20.0)) == [False, True]


def test_cross_rates_and_pegs_come_from_one_table():
    assert rates.rate("GBP", "JPY") * rates.rate("JPY", "GBP") == pytest.approx(1.0)
    assert rates.rate("GBP", "AED") == pytest.approx(3.6725 * 1.0411 / 0.82608)
    info = rates.fx_info()
    assert (info.as_of, info.verified) == ("2025-02-28", True) and "ECB" in info.source
    assert all(t.as_of and t.source for t in rates.tables_info())


def test_the_copywriter_reads_the_same_fx_table():
    view = copy_data.fx()
    assert view["base"] == "USD" and view["rates"]["USD"] == 1.0
    assert view["rates"]["JPY"] == round(156.96 / 1.0411, 4) and view["as_of"] == rates.fx_info().as_of
    assert view["decimals"]["JPY"] == 0


def test_unknown_currency_and_markets_are_typed_refusals():
    with pytest.raises(rates.RateError) as e:
        rates.rate("GBP", "XYZ")
    assert e.value.code == "unknown_currency" and "XYZ" in e.value.message
    with pytest.raises(rates.RateError) as e:
        rates.market_rates("BR")  # a market of the sales history without tax and duty rates
    assert e.value.code == "no_rates" and "markets with rates" in e.value.message
