"""Corrections after issue: buyer details as revisions (re-taxed when the supply moves), returns as credit notes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.domain.errors import RuleError
from edge.domain.gst import LineTax, Supply, line_tax
from edge.domain.invoice import BuyerDetails, CreditedLine, TaxedLine, credit_note, revise_buyer, totals_of

STORE = "27"
WALK_IN = BuyerDetails("Cash customer")
PUNE_TRADER = BuyerDetails("Shree Ganesh Traders", "27AAPFU0939F1ZV", "Shop 4, Market Yard, Pune", "27")
BENGALURU_CO = BuyerDetails("Sagar Stores Pvt Ltd", "29AABCS1429B1ZQ", "12 MG Road, Bengaluru", "29")


def lines() -> list[TaxedLine]:
    """Two lines of an intra-state invoice: detergent at 18 % (exclusive) and biscuits at 5 % (inclusive)."""
    return [
        TaxedLine(1, "3402", 1800, 0, 1000, line_tax(12_350, 1800, 0, Supply.INTRA, includes_tax=False)),
        TaxedLine(2, "1905", 500, 0, 3000, line_tax(7500, 500, 0, Supply.INTRA, includes_tax=True)),
    ]


def test_gst_bill_asked_for_a_week_later_within_the_state_keeps_the_taxes() -> None:
    revision = revise_buyer(STORE, STORE, WALK_IN, PUNE_TRADER, lines(), 1, "customer asked for a GST bill")
    assert revision.supply_before is revision.supply_after is Supply.INTRA
    assert revision.lines == tuple(lines())
    assert revision.total_difference_paise == 0
    assert revision.after.gstin == "27AAPFU0939F1ZV"


def test_correction_to_an_other_state_buyer_re_taxes_the_same_taxable_values() -> None:
    revision = revise_buyer(STORE, STORE, WALK_IN, BENGALURU_CO, lines(), 1, "billed to head office")
    assert revision.supply_after is Supply.INTER
    detergent, biscuits = revision.lines
    assert (detergent.tax.taxable_paise, detergent.tax.igst_paise, detergent.tax.cgst_paise) == (12_350, 2223, 0)
    assert (biscuits.tax.taxable_paise, biscuits.tax.igst_paise) == (7143, 357)
    before, after = revision.totals_before, revision.totals_after
    assert (before.cgst_paise, before.sgst_paise, before.igst_paise) == (1112 + 179, 1112 + 178, 0)
    assert (after.cgst_paise, after.igst_paise) == (0, 2223 + 357)
    assert before.taxable_paise == after.taxable_paise == 19_493
    assert (before.grand_total_paise, after.grand_total_paise) == (22_100, 22_100)
    assert after.round_off_paise - before.round_off_paise == 1, "one paisa less tax, one more of round-off"


def test_goods_delivered_in_the_store_state_stay_intra_state_for_an_out_of_state_buyer() -> None:
    at_counter = BuyerDetails(BENGALURU_CO.name, BENGALURU_CO.gstin, BENGALURU_CO.address, "29", delivery_state="27")
    assert revise_buyer(STORE, STORE, WALK_IN, at_counter, lines(), 1, "GST bill").supply_after is Supply.INTRA


@pytest.mark.parametrize(("buyer", "reason", "code", "field"), [
    (PUNE_TRADER, "  ", "reason_required", "reason"),
    (BuyerDetails("X", "27AAPFU0939F1ZX"), "typo", "bad_gstin_check", "gstin"),
    (BuyerDetails("  "), "typo", "invalid", "buyer_name"),
    (WALK_IN, "nothing", "no_change", "buyer"),
])
def test_bad_corrections_are_refused_with_the_reason(buyer: BuyerDetails, reason: str, code: str, field: str) -> None:
    with pytest.raises(RuleError) as raised:
        revise_buyer(STORE, STORE, WALK_IN, buyer, lines(), 1, reason)
    assert (raised.value.code, raised.value.field) == (code, field)


def test_partial_return_credits_in_proportion_and_the_last_return_credits_what_is_left() -> None:
    biscuits = lines()[1]
    first = credit_note(lines(), {}, {2: 1000})
    assert first.lines[0].tax == LineTax(2381, 60, 59, 0, 0)
    assert first.totals.grand_total_paise == 2500, "₹25.00 back for one packet"
    rest = credit_note(lines(), {2: first.lines}, {2: 2000})
    returned = [first.lines[0].tax, rest.lines[0].tax]
    assert sum(tax.taxable_paise for tax in returned) == biscuits.tax.taxable_paise
    assert sum(tax.cgst_paise for tax in returned) == biscuits.tax.cgst_paise
    assert sum(tax.total_paise for tax in returned) == 7500


def test_returning_more_than_was_sold_or_an_unknown_line_is_refused() -> None:
    with pytest.raises(RuleError) as raised:
        credit_note(lines(), {2: [CreditedLine(2, 2000, LineTax(4762, 119, 119, 0, 0))]}, {2: 2000})
    assert (raised.value.code, raised.value.field) == ("return_exceeds_sold", "quantity_milli")
    with pytest.raises(RuleError, match="no line 7"):
        credit_note(lines(), {}, {7: 1000})


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10**7), st.sampled_from([0, 500, 1200, 1800, 4000]), st.integers(1, 40),
       st.lists(st.integers(1, 40), min_size=1, max_size=10), st.booleans())
def test_credit_notes_never_credit_more_than_was_invoiced(
    amount: int, rate_bp: int, pieces: int, returns: list[int], intra: bool
) -> None:
    supply = Supply.INTRA if intra else Supply.INTER
    line = TaxedLine(1, "1905", rate_bp, 0, pieces * 1000, line_tax(amount, rate_bp, 0, supply, True))
    done: list[CreditedLine] = []
    for wanted in returns:
        left = pieces - sum(part.quantity_milli for part in done) // 1000
        if left == 0:
            break
        note = credit_note([line], {1: done}, {1: min(wanted, left) * 1000})
        done.extend(note.lines)
    totals = totals_of([part.tax for part in done])
    assert 0 <= totals.taxable_paise <= line.tax.taxable_paise
    assert totals.cgst_paise + totals.sgst_paise + totals.igst_paise <= line.tax.tax_paise
    if sum(part.quantity_milli for part in done) == line.quantity_milli:
        assert [totals.taxable_paise, totals.cgst_paise, totals.sgst_paise, totals.igst_paise] == [
            line.tax.taxable_paise, line.tax.cgst_paise, line.tax.sgst_paise, line.tax.igst_paise]
