"""Rates by unit and tier, GST per line (CGST+SGST or IGST), discounts, round-off and the tax summary.

The worked examples here are the ones in docs/billing-rules.md.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.domain.errors import RuleError
from edge.domain.gst import (
    GstRate,
    Supply,
    check_rate,
    line_tax,
    place_of_supply,
    rate_on,
    supply_type,
    tax_from_inclusive,
    tax_on_taxable,
)
from edge.domain.pricing import CustomerRate, LineRequest, ProductPricing, SaleUnit, Tier, price_sale
from edge.domain.units import Unit, UnitKind
from tests.unit.billing_fixtures import BISCUITS, COLA, DETERGENT, PIECE, SALE_DAY, SUGAR, product, terms


def one_line(request: LineRequest, **kwargs: object):  # type: ignore[no-untyped-def]
    """Price a single-line sale."""
    return price_sale([request], terms(**kwargs)).lines[0]  # type: ignore[arg-type]


def test_loose_sugar_weighed_to_the_gram_tax_inclusive_intra_state() -> None:
    line = one_line(LineRequest(SUGAR, "kg", 1235))
    assert line.gross_paise == 5681, "₹46.00/kg x 1.235 kg = ₹56.81"
    assert (line.tax.taxable_paise, line.tax.cgst_paise, line.tax.sgst_paise) == (5410, 136, 135)
    assert line.total_paise == 5681, "an MRP-style price is what the customer pays"


def test_case_with_its_own_price_and_case_derived_from_the_piece() -> None:
    case = one_line(LineRequest(BISCUITS, "Case of 24", 2000))
    assert case.rate_paise == 57_600 and case.gross_paise == 115_200, "2 cases at the case price ₹576"
    assert (case.tax.taxable_paise, case.tax.cgst_paise, case.tax.sgst_paise) == (109_714, 2743, 2743)
    box = one_line(LineRequest(BISCUITS, "Box of 12", 1000))
    assert box.rate_paise == 30_000, "no box price: 12 x ₹25.00"


def test_wholesale_tier_and_fallback_to_counter_when_a_tier_has_no_price() -> None:
    assert one_line(LineRequest(BISCUITS, "piece", 10_000), tier=Tier.WHOLESALE).gross_paise == 23_500
    case = one_line(LineRequest(BISCUITS, "Case of 24", 1000), tier=Tier.WHOLESALE)
    assert case.tier is Tier.WHOLESALE and case.rate_paise == 56_400, "24 x ₹23.50 wholesale"
    cola = one_line(LineRequest(COLA, "piece", 1000), tier=Tier.WHOLESALE)
    assert (cola.tier, cola.rate_paise) == (Tier.COUNTER, 10_000)


def test_per_line_tier_overrides_the_sale_tier() -> None:
    sale = price_sale(
        [LineRequest(BISCUITS, "piece", 1000), LineRequest(BISCUITS, "piece", 1000, tier=Tier.WHOLESALE)], terms()
    )
    assert [line.rate_paise for line in sale.lines] == [2500, 2350]


def test_tax_exclusive_wholesale_detergent_intra_and_inter_state() -> None:
    intra = one_line(LineRequest(DETERGENT, "piece", 10_000), tier=Tier.WHOLESALE)
    assert (intra.tax.taxable_paise, intra.tax.cgst_paise, intra.tax.sgst_paise) == (190_000, 17_100, 17_100)
    assert intra.total_paise == 224_200
    inter = one_line(LineRequest(DETERGENT, "piece", 10_000), tier=Tier.WHOLESALE, supply=Supply.INTER)
    assert (inter.tax.igst_paise, inter.tax.cgst_paise, inter.total_paise) == (34_200, 0, 224_200)


def test_tier_can_make_prices_exclusive_of_tax() -> None:
    line = one_line(LineRequest(BISCUITS, "piece", 10_000), tier=Tier.WHOLESALE,
                    tier_prices_include_tax={"wholesale": False})
    assert line.includes_tax is False
    assert (line.tax.taxable_paise, line.tax.cgst_paise, line.total_paise) == (23_500, 588, 24_676)


def test_customer_specific_price_then_category_discount_then_counter() -> None:
    rates = [
        CustomerRate(date(2025, 4, 1), customer="C0021", product="PARLEG", price_paise=2350),
        CustomerRate(date(2025, 4, 1), customer_type="wholesale", category="Biscuits & Snacks", discount_bp=500),
    ]
    b2b = one_line(LineRequest(BISCUITS, "Case of 24", 1000), tier=Tier.CUSTOMER, customer="C0021",
                   customer_type="b2b", customer_rates=rates)
    assert (b2b.tier, b2b.rate_paise) == (Tier.CUSTOMER, 56_400), "agreed ₹23.50 a piece x 24"
    trader = one_line(LineRequest(BISCUITS, "piece", 1000), tier=Tier.CUSTOMER, customer="C0100",
                      customer_type="wholesale", customer_rates=rates)
    assert trader.rate == Decimal(2375), "5 % off the ₹25.00 counter rate"
    walk_in = one_line(LineRequest(BISCUITS, "piece", 1000), tier=Tier.CUSTOMER, customer_rates=rates)
    assert (walk_in.tier, walk_in.rate_paise) == (Tier.COUNTER, 2500)


def test_expired_customer_rate_no_longer_applies() -> None:
    rates = [CustomerRate(date(2025, 4, 1), customer="C0021", product="PARLEG", price_paise=2000,
                          valid_to=date(2026, 3, 31))]
    line = one_line(LineRequest(BISCUITS, "piece", 1000), tier=Tier.CUSTOMER, customer="C0021", customer_rates=rates)
    assert line.rate_paise == 2500


def test_manual_rate_below_the_floor_needs_the_permission() -> None:
    with pytest.raises(RuleError) as raised:
        one_line(LineRequest(BISCUITS, "piece", 1000, manual_rate_paise=2000))
    assert (raised.value.code, raised.value.field) == ("below_floor", "manual_rate_paise")
    allowed = one_line(LineRequest(BISCUITS, "piece", 1000, manual_rate_paise=2000), may_sell_below_floor=True)
    assert (allowed.tier, allowed.gross_paise) == (Tier.MANUAL, 2000)
    with pytest.raises(RuleError, match=r"below 528\.00 per Case of 24"):
        one_line(LineRequest(BISCUITS, "Case of 24", 1000, manual_rate_paise=50_000))


def test_invoice_total_rounds_to_the_rupee_as_its_own_line() -> None:
    sale = price_sale([LineRequest(SUGAR, "kg", 1235), LineRequest(BISCUITS, "Case of 24", 2000)], terms())
    assert sale.total_before_round_off_paise == 120_881
    assert (sale.round_off_paise, sale.grand_total_paise) == (19, 120_900)
    assert (sale.taxable_paise, sale.cgst_paise, sale.sgst_paise) == (115_124, 2879, 2878)


def test_invoice_discount_is_spread_over_the_lines_before_tax() -> None:
    sale = price_sale([LineRequest(SUGAR, "kg", 1235), LineRequest(BISCUITS, "Case of 24", 2000)], terms(),
                      invoice_discount_paise=1000)
    assert [line.discount_paise for line in sale.lines] == [47, 953]
    assert [line.net_paise for line in sale.lines] == [5634, 114_247]
    assert sale.total_before_round_off_paise == 119_881
    assert sale.grand_total_paise == 119_900


def test_discount_limits() -> None:
    with pytest.raises(RuleError) as raised:
        price_sale([LineRequest(BISCUITS, "piece", 4000, discount_paise=1500)], terms(max_discount_bp=1000))
    assert (raised.value.code, raised.value.field) == ("discount_limit", "lines[0].discount_paise")
    with pytest.raises(RuleError, match="cannot exceed"):
        price_sale([LineRequest(BISCUITS, "piece", 1000, discount_paise=2600)], terms())
    with pytest.raises(RuleError) as raised:
        price_sale([LineRequest(BISCUITS, "piece", 1000)], terms(max_discount_bp=500), invoice_discount_paise=200)
    assert raised.value.field == "discount_paise"


def test_unit_a_product_is_not_sold_in_is_named() -> None:
    with pytest.raises(RuleError, match="Parle-G 250 g is not sold by 'kg'"):
        price_sale([LineRequest(BISCUITS, "kg", 1000)], terms())


def test_quantity_precision_per_unit_is_enforced_when_pricing() -> None:
    with pytest.raises(RuleError) as raised:
        price_sale([LineRequest(BISCUITS, "piece", 1500)], terms())
    assert raised.value.field == "lines[0].quantity_milli"


def test_tax_summary_by_hsn_and_rate() -> None:
    sale = price_sale([
        LineRequest(SUGAR, "kg", 1235), LineRequest(BISCUITS, "Case of 24", 2000),
        LineRequest(BISCUITS, "piece", 3000), LineRequest(COLA, "piece", 1000),
    ], terms())
    rows = [(row.hsn_code, row.rate_bp, row.taxable_paise, row.cgst_paise, row.sgst_paise) for row in sale.summary]
    assert rows == [
        ("1701", 500, 5410, 136, 135),
        ("1905", 500, 109_714 + 7143, 2743 + 179, 2743 + 178),
        ("2202", 4000, 7143, 1429, 1428),
    ]


def test_aerated_drink_at_40_percent_with_the_old_cess_history() -> None:
    rates = [GstRate(2800, 1200, date(2017, 7, 1)), GstRate(4000, 0, date(2025, 9, 22))]
    assert rate_on(rates, date(2025, 9, 21)) == rates[0]
    assert rate_on(rates, SALE_DAY) == rates[1]
    old = tax_from_inclusive(10_000, 2800, 1200, Supply.INTRA)
    assert (old.taxable_paise, old.cgst_paise, old.sgst_paise, old.cess_paise) == (7143, 1000, 1000, 857)
    with pytest.raises(RuleError, match="no GST rate is in force on 2017-06-30"):
        rate_on(rates, date(2017, 6, 30))


@pytest.mark.parametrize("rate_bp", [0, 25, 300, 500, 1200, 1800, 2800, 4000])
def test_real_slabs_are_accepted(rate_bp: int) -> None:
    assert check_rate(rate_bp) == rate_bp


def test_a_rate_that_is_not_a_slab_is_refused() -> None:
    with pytest.raises(RuleError, match="GST rate 15 % is not a slab"):
        check_rate(1500)


def test_place_of_supply_and_supply_type() -> None:
    assert place_of_supply("27") == "27", "counter sale: the store's state"
    assert place_of_supply("27", buyer_gstin="29AAACB1234C1Z5") == "29"
    assert place_of_supply("27", buyer_gstin="29AAACB1234C1Z5", delivery_state="27") == "27"
    assert place_of_supply("27", buyer_state="24") == "24"
    assert supply_type("27", "27") is Supply.INTRA
    assert supply_type("27", "29") is Supply.INTER


def test_intra_and_inter_state_taxes_of_the_same_taxable_value_can_differ_by_one_paisa() -> None:
    intra = tax_on_taxable(12_350, 1800, 0, Supply.INTRA)
    inter = tax_on_taxable(12_350, 1800, 0, Supply.INTER)
    assert (intra.cgst_paise, intra.sgst_paise, inter.igst_paise) == (1112, 1112, 2223)


# --- properties ---------------------------------------------------------------------------------------

SLABS = st.sampled_from([0, 25, 300, 500, 1200, 1800, 2800, 4000])


@given(st.integers(0, 10**9), SLABS, st.sampled_from([0, 0, 100, 1200]), st.booleans())
def test_taxes_are_never_negative_and_intra_matches_inter_within_a_paisa(
    amount: int, rate_bp: int, cess_bp: int, includes_tax: bool
) -> None:
    intra = line_tax(amount, rate_bp, cess_bp, Supply.INTRA, includes_tax)
    inter = line_tax(amount, rate_bp, cess_bp, Supply.INTER, includes_tax)
    for tax in (intra, inter):
        assert min(tax.taxable_paise, tax.cgst_paise, tax.sgst_paise, tax.igst_paise, tax.cess_paise) >= 0
    assert abs(intra.cgst_paise + intra.sgst_paise - inter.igst_paise) <= 1
    assert abs(intra.cgst_paise - intra.sgst_paise) <= 1
    if includes_tax:
        assert intra.total_paise == inter.total_paise == amount


def priced_product(draw: st.DrawFn, index: int) -> ProductPricing:
    """A random product with a piece unit, a case and a kg variant."""
    price = draw(st.integers(1, 500_000))
    per_case = draw(st.integers(2, 48))
    case_price = draw(st.none() | st.integers(1, 10_000_000))
    weighed = draw(st.booleans())
    base = Unit(UnitKind.KG, "kg") if weighed else PIECE
    units = {
        base.name: SaleUnit(base, {"counter": price, "wholesale": max(1, price - draw(st.integers(0, price)))}),
        "case": SaleUnit(Unit(UnitKind.PACKAGE, "case", per_case * 1000), {} if case_price is None
                         else {"counter": case_price}),
    }
    return product(f"P{index}", f"Product {index}", "1905", draw(SLABS), units, includes_tax=draw(st.booleans()))


@st.composite
def sales(draw: st.DrawFn) -> tuple[list[LineRequest], int]:
    """Random carts of 1-40 lines with mixed units, tiers and rates, and an invoice discount."""
    requests = []
    for index in range(draw(st.integers(1, 40))):
        item = priced_product(draw, index)
        unit_name = draw(st.sampled_from(list(item.units)))
        unit = item.units[unit_name].unit
        quantity = draw(st.integers(1, 5000)) if unit.kind is UnitKind.KG else draw(st.integers(1, 50)) * 1000
        tier = draw(st.sampled_from([None, Tier.WHOLESALE, Tier.COUNTER]))
        requests.append(LineRequest(item, unit_name, quantity, tier))
    return requests, draw(st.integers(0, 100))


@settings(max_examples=200, deadline=None)
@given(sales(), st.sampled_from([Supply.INTRA, Supply.INTER]))
def test_grand_total_is_the_sum_of_line_totals_plus_round_off(sale_input: tuple[list[LineRequest], int],
                                                              supply: Supply) -> None:
    requests, wanted = sale_input
    discount = min(wanted, price_sale(requests, terms(supply=supply)).subtotal_paise)  # never more than the sale
    sale = price_sale(requests, terms(supply=supply), invoice_discount_paise=discount)
    assert sale.grand_total_paise == sum(line.total_paise for line in sale.lines) + sale.round_off_paise
    assert abs(sale.round_off_paise) <= 50 and sale.grand_total_paise % 100 == 0
    assert sale.discount_paise == discount + sum(request.discount_paise for request in requests)
    assert sum(row.taxable_paise for row in sale.summary) == sale.taxable_paise
    assert sum(row.cgst_paise + row.sgst_paise + row.igst_paise for row in sale.summary) == (
        sale.cgst_paise + sale.sgst_paise + sale.igst_paise
    )
    for line in sale.lines:
        assert line.tax.tax_paise >= 0
        if supply is Supply.INTRA:
            assert line.tax.igst_paise == 0
        else:
            assert line.tax.cgst_paise == line.tax.sgst_paise == 0
