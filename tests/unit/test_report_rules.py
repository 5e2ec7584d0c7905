"""Report rules (edge/domain/reports.py) and the CSV cell rule, with worked examples from docs/reports.md."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain import invoice_state
from edge.domain.errors import RuleError
from edge.domain.payments import Method, PaymentKind, PaymentLine, PaymentStatus
from edge.domain.reports import (
    ALL_DAY,
    ALL_MONTH,
    DAY,
    MONTH,
    Period,
    SalesTotals,
    Section,
    ageing_bucket,
    base_quantity_milli,
    gst_section,
    month_end,
    months,
    rupees,
    split_period,
    status_from_amounts,
    thousandths,
    uqc,
)
from edge.services.report_csv import Column, escape_formula, money, to_csv

DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


def test_a_period_is_read_as_whole_months_and_ragged_days() -> None:
    pieces = split_period(Period(date(2026, 1, 15), date(2026, 3, 10)), all_tills=True)
    assert [(p.grain, p.first, p.last) for p in pieces] == [
        (ALL_DAY, date(2026, 1, 15), date(2026, 1, 31)), (ALL_MONTH, date(2026, 2, 1), date(2026, 2, 1)),
        (ALL_DAY, date(2026, 3, 1), date(2026, 3, 10))]
    year = split_period(Period(date(2025, 4, 1), date(2026, 3, 31)), all_tills=False)
    assert [(p.grain, p.first, p.last) for p in year] == [(MONTH, date(2025, 4, 1), date(2026, 3, 1))]
    day = split_period(Period(date(2026, 3, 31), date(2026, 3, 31)), all_tills=False)
    assert [(p.grain, p.first, p.last) for p in day] == [(DAY, date(2026, 3, 31), date(2026, 3, 31))]


@given(DAYS, st.integers(0, 800), st.booleans())
def test_the_pieces_cover_every_day_of_a_period_once(first: date, length: int, all_tills: bool) -> None:
    period = Period(first, first + timedelta(days=length))
    covered: list[date] = []
    for piece in split_period(period, all_tills):
        assert piece.grain in ((ALL_DAY, ALL_MONTH) if all_tills else (DAY, MONTH))
        if piece.grain in (DAY, ALL_DAY):
            covered += [piece.first + timedelta(days=n) for n in range((piece.last - piece.first).days + 1)]
        else:
            for month in months(piece.first, piece.last):
                covered += [month + timedelta(days=n) for n in range(month_end(month).day)]
    expected = [period.first + timedelta(days=n) for n in range(period.days)]
    assert covered == expected


def test_a_period_is_refused_backwards_longer_than_three_years_or_outside_2000_2099() -> None:
    with pytest.raises(RuleError) as reversed_period:
        Period(date(2026, 4, 2), date(2026, 4, 1))
    assert (reversed_period.value.code, reversed_period.value.field) == ("period_reversed", "to")
    with pytest.raises(RuleError) as long_period:
        Period(date(2020, 1, 1), date(2026, 1, 1))
    assert (long_period.value.code, long_period.value.field) == ("period_too_long", "from")
    for first, last, field in ((date(1, 1, 9), date(1, 1, 9), "from"), (date(2099, 12, 1), date(9999, 12, 31), "to")):
        with pytest.raises(RuleError) as outside:
            Period(first, last)
        assert (outside.value.code, outside.value.field) == ("bad_date", field)


@pytest.mark.parametrize(("late_days", "bucket"), [
    (-1, "not_due"), (0, "0_30"), (30, "0_30"), (31, "31_60"), (60, "31_60"), (61, "61_90"), (90, "61_90"),
    (91, "over_90"), (400, "over_90")])
def test_ageing_buckets_by_days_past_due(late_days: int, bucket: str) -> None:
    today = date(2026, 4, 1)
    assert ageing_bucket(today - timedelta(days=late_days), today) == bucket


@pytest.mark.parametrize(("gstin", "supply", "value", "day", "section"), [
    ("29AABCS1429B1ZQ", "inter", 5_000_000_00, date(2026, 1, 5), Section.B2B),
    (None, "inter", 100_000_01, date(2024, 8, 1), Section.B2CL),  # above ₹1,00,000 from 1 August 2024
    (None, "inter", 100_000_00, date(2026, 1, 5), Section.B2CS),  # not above the limit
    (None, "inter", 200_000_00, date(2024, 7, 31), Section.B2CS),  # ₹2,50,000 until 31 July 2024
    (None, "inter", 250_000_01, date(2024, 7, 31), Section.B2CL),
    (None, "intra", 900_000_00, date(2026, 1, 5), Section.B2CS),  # intra-state is never B2C Large
])
def test_gstr1_sections(gstin: str | None, supply: str, value: int, day: date, section: Section) -> None:
    assert gst_section(gstin, supply, value, day) is section


def test_quantities_in_base_units_and_their_uqc() -> None:
    assert base_quantity_milli(2000, 24_000) == 48_000  # 2 cases of 24 pieces
    assert base_quantity_milli(1235, 1000) == 1235  # 1.235 kg
    assert base_quantity_milli(3000, 50_000) == 150_000  # 3 bags of 50 kg
    assert (uqc("piece"), uqc("kg"), uqc("litre")) == ("NOS", "KGS", "OTH")


def test_money_and_quantities_for_spreadsheets() -> None:
    assert (rupees(123456), rupees(-5), rupees(0), rupees(-100)) == ("1234.56", "-0.05", "0.00", "-1.00")
    assert (thousandths(1235), thousandths(48_000), thousandths(-500), thousandths(1230)) == (
        "1.235", "48", "-0.5", "1.23")


def test_revenue_is_taxable_value_net_of_returns_and_cancellations() -> None:
    totals = SalesTotals(invoices=3, invoice_taxable_paise=300_00, invoice_total_paise=354_00, returns=1,
                         return_taxable_paise=50_00, return_total_paise=59_00, cancellations=1,
                         cancel_taxable_paise=100_00, cancel_total_paise=118_00, taxable_paise=150_00,
                         cgst_paise=13_50, sgst_paise=13_50, total_paise=177_00)
    assert totals.revenue_paise == 150_00 and totals.tax_paise == 27_00
    assert totals.net_invoices == 2 and totals.average_bill_paise() == 88_50
    assert SalesTotals(invoices=3, total_paise=100).average_bill_paise() == 33
    assert SalesTotals(invoices=2, total_paise=101).average_bill_paise() == 51
    assert SalesTotals().average_bill_paise() == 0


LINES = st.lists(st.tuples(st.sampled_from(list(Method)), st.integers(1, 50_000),
                           st.sampled_from([PaymentKind.PAYMENT, PaymentKind.REFUND]),
                           st.sampled_from(list(PaymentStatus))), max_size=6)


@given(st.sampled_from(["draft", "issued", "cancelled"]), st.integers(0, 100_000), LINES,
       st.one_of(st.none(), DAYS), DAYS)
def test_status_from_amounts_is_the_invoice_screens_status(stored: str, total: int, lines: list[tuple[
        Method, int, PaymentKind, PaymentStatus]], due: date | None, today: date) -> None:
    payments = [PaymentLine(method, amount, kind=kind, status=status) for method, amount, kind, status in lines]
    from edge.domain.payments import amount_paid

    shown = invoice_state.derive_status(stored, total, payments, due, today).value
    assert status_from_amounts(stored, total, amount_paid(payments), due, today) == shown


@pytest.mark.parametrize(("text", "written"), [
    ("=1+1", "'=1+1"), ("+91 98200 00000", "'+91 98200 00000"), ("-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"), ("\tx", "'\tx"), ("-12.50", "-12.50"), ("-3", "-3"),
    ("Sagar Stores", "Sagar Stores"), ("", ""), ("a=b", "a=b")])
def test_formula_looking_cells_get_an_apostrophe_numbers_stay_numbers(text: str, written: str) -> None:
    assert escape_formula(text) == written


def test_csv_writes_rupees_and_escapes_text_headers_included() -> None:
    text = to_csv([Column("Name", "name"), money("Amount", "amount_paise"), Column("=cmd", "x")],
                  [{"name": "=HYPERLINK(\"x\")", "amount_paise": -1234, "x": None}])
    assert text == "Name,Amount,'=cmd\r\n\"'=HYPERLINK(\"\"x\"\")\",-12.34,\r\n"
