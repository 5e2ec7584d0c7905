"""Customer ledger: signed entries, running balance, and statements by India's calendar days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain.ledger import (
    EntryKind,
    LedgerEntry,
    balance,
    entry_for_adjustment,
    entry_for_credit_note,
    entry_for_invoice,
    entry_for_opening,
    entry_for_payment,
    entry_for_refund,
    running,
    statement,
)
from tests.unit.rules import refusal

IST = ZoneInfo("Asia/Kolkata")


def utc(text: str) -> datetime:
    """A stored time: naive, UTC."""
    return datetime.fromisoformat(text)


# --- entries ----------------------------------------------------------------------------------------


def test_entries_carry_the_sign_of_what_the_customer_owes() -> None:
    at = utc("2026-04-10 06:00")
    assert entry_for_invoice(1_234_56, at, "S1/25-26/0042") == LedgerEntry(
        at, EntryKind.INVOICE, 1_234_56, "S1/25-26/0042"
    )
    assert entry_for_payment(500_00, at, " UPI-4711 ").amount_paise == -500_00
    assert entry_for_payment(500_00, at, " UPI-4711 ").reference == "UPI-4711"
    assert entry_for_credit_note(234_56, at, "CN/26-27/0001").amount_paise == -234_56
    assert entry_for_refund(100_00, at, "cash").amount_paise == 100_00
    assert entry_for_adjustment(-1_00, at, "rounding agreed with customer").amount_paise == -1_00
    assert entry_for_adjustment(50_00, at, "bank charges on cheque").amount_paise == 50_00
    assert entry_for_opening(-2_000_00, at, "advance carried in").amount_paise == -2_000_00


def test_refund_paid_out_brings_an_advance_back_to_zero() -> None:
    at = utc("2026-04-10 06:00")
    entries = [entry_for_opening(-300_00, at, "advance"), entry_for_refund(300_00, at + timedelta(hours=1))]
    assert balance(entries) == 0


def test_adjustment_needs_a_note_and_an_amount() -> None:
    at = utc("2026-04-10 06:00")
    assert refusal(lambda: entry_for_adjustment(10_00, at, "  ")) == ("note_required", "note")
    assert refusal(lambda: entry_for_adjustment(0, at, "nothing")) == ("amount_zero", "amount_paise")


def test_invoice_and_credit_note_need_their_number() -> None:
    at = utc("2026-04-10 06:00")
    assert refusal(lambda: entry_for_invoice(100_00, at, " ")) == ("reference_required", "reference")
    assert refusal(lambda: entry_for_credit_note(100_00, at, "")) == ("reference_required", "reference")


@pytest.mark.parametrize("amount", [0, -100_00])
def test_payment_credit_note_and_refund_amounts_are_positive(amount: int) -> None:
    at = utc("2026-04-10 06:00")
    assert refusal(lambda: entry_for_payment(amount, at, "x")) == ("amount_not_positive", "amount_paise")
    assert refusal(lambda: entry_for_credit_note(amount, at, "CN1")) == ("amount_not_positive", "amount_paise")
    assert refusal(lambda: entry_for_refund(amount, at, "x")) == ("amount_not_positive", "amount_paise")


def test_entry_with_the_wrong_sign_is_refused() -> None:
    at = utc("2026-04-10 06:00")
    assert refusal(lambda: LedgerEntry(at, EntryKind.PAYMENT, 500_00)) == ("wrong_sign", "amount_paise")
    assert refusal(lambda: LedgerEntry(at, EntryKind.INVOICE, -500_00)) == ("wrong_sign", "amount_paise")
    assert refusal(lambda: entry_for_invoice(-1, at, "S1")) == ("wrong_sign", "amount_paise")


def test_entry_time_must_be_naive_utc() -> None:
    assert refusal(lambda: entry_for_payment(1_00, datetime(2026, 4, 10, 6, 0, tzinfo=UTC), "x")) == (
        "naive_utc_required",
        "at",
    )


# --- balance and running balance --------------------------------------------------------------------


def test_running_balance_in_time_order_keeping_equal_times_in_given_order() -> None:
    noon = utc("2026-04-10 06:30")
    invoice = entry_for_invoice(1_234_56, noon, "S1/0042")
    upi = entry_for_payment(500_00, noon, "UPI-4711")
    older = entry_for_invoice(100_00, utc("2026-04-01 04:00"), "S1/0001")
    lines = running([invoice, upi, older])
    assert [(line.entry, line.balance_after_paise) for line in lines] == [
        (older, 100_00),
        (invoice, 1_334_56),
        (upi, 834_56),
    ]
    assert lines[-1].balance_after_paise == balance([invoice, upi, older]) == 834_56
    assert running([]) == []


# --- statements -------------------------------------------------------------------------------------


def april_book() -> list[LedgerEntry]:
    """A customer's account around the financial-year boundary (times in UTC; IST is UTC+5:30)."""
    return [
        entry_for_opening(1_000_00, utc("2026-03-01 04:30"), "carried in"),  # 1 Mar 10:00 IST
        entry_for_invoice(2_500_00, utc("2026-03-31 18:29"), "S1/25-26/0999"),  # 31 Mar 23:59 IST
        entry_for_payment(1_500_00, utc("2026-03-31 18:30"), "NEFT 1"),  # 1 Apr 00:00 IST
        entry_for_invoice(1_234_56, utc("2026-03-31 20:00"), "S1/26-27/0001"),  # 1 Apr 01:30 IST
        entry_for_credit_note(234_56, utc("2026-04-30 18:29"), "CN/26-27/0001"),  # 30 Apr 23:59 IST
        entry_for_payment(3_000_00, utc("2026-04-30 18:30"), "UPI 2"),  # 1 May 00:00 IST
    ]


def test_april_statement_takes_days_in_india_not_utc() -> None:
    book = april_book()
    april = statement(book, date(2026, 4, 1), date(2026, 4, 30), IST)
    assert april.opening_paise == 3_500_00  # ₹1,000.00 + ₹2,500.00 from March
    assert [(line.entry.reference, line.balance_after_paise) for line in april.lines] == [
        ("NEFT 1", 2_000_00),
        ("S1/26-27/0001", 3_234_56),
        ("CN/26-27/0001", 3_000_00),
    ]
    assert april.lines[1].local_at == datetime(2026, 4, 1, 1, 30, tzinfo=IST)
    assert april.debits_paise == 1_234_56
    assert april.credits_paise == 1_734_56
    assert april.closing_paise == 3_000_00 == april.opening_paise + april.debits_paise - april.credits_paise


def test_march_statement_ends_at_midnight_in_india() -> None:
    march = statement(april_book(), date(2026, 3, 1), date(2026, 3, 31), IST)
    assert march.opening_paise == 0
    assert [line.entry.reference for line in march.lines] == ["", "S1/25-26/0999"]
    assert march.closing_paise == 3_500_00


def test_one_day_statement_and_a_quiet_period() -> None:
    first = statement(april_book(), date(2026, 4, 1), date(2026, 4, 1), IST)
    assert (first.opening_paise, len(first.lines), first.closing_paise) == (3_500_00, 2, 3_234_56)
    quiet = statement(april_book(), date(2026, 4, 2), date(2026, 4, 29), IST)
    assert (quiet.opening_paise, quiet.lines, quiet.closing_paise) == (3_234_56, (), 3_234_56)
    assert (quiet.debits_paise, quiet.credits_paise) == (0, 0)


def test_period_ending_before_it_starts_is_refused() -> None:
    assert refusal(lambda: statement(april_book(), date(2026, 4, 30), date(2026, 4, 1), IST)) == (
        "period_reversed",
        "end",
    )


# --- properties -------------------------------------------------------------------------------------

times = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31, 23, 59))
entries = st.lists(
    st.one_of(
        st.builds(entry_for_invoice, st.integers(min_value=0, max_value=10_00_000_00), times, st.just("S1")),
        st.builds(entry_for_payment, st.integers(min_value=1, max_value=10_00_000_00), times, st.just("P")),
        st.builds(entry_for_credit_note, st.integers(min_value=1, max_value=10_00_000_00), times, st.just("CN")),
        st.builds(entry_for_refund, st.integers(min_value=1, max_value=1_00_000_00), times, st.just("R")),
        st.builds(
            entry_for_adjustment,
            st.integers(min_value=-1_00_000_00, max_value=1_00_000_00).filter(bool),
            times,
            st.just("fix"),
        ),
    ),
    max_size=30,
)
days = st.dates(min_value=date(2024, 12, 25), max_value=date(2028, 1, 5))


@given(entries, days, days)
def test_closing_is_opening_plus_the_entries_of_the_period(book: list[LedgerEntry], a: date, b: date) -> None:
    start, end = min(a, b), max(a, b)
    result = statement(book, start, end, IST)
    in_period = [e for e in book if start <= e.at.replace(tzinfo=UTC).astimezone(IST).date() <= end]
    before = [e for e in book if e.at.replace(tzinfo=UTC).astimezone(IST).date() < start]
    assert result.opening_paise == balance(before)
    assert result.closing_paise == result.opening_paise + sum(e.amount_paise for e in in_period)
    assert result.closing_paise == result.opening_paise + result.debits_paise - result.credits_paise
    assert len(result.lines) == len(in_period)
    if result.lines:
        assert result.lines[-1].balance_after_paise == result.closing_paise
    everything = statement(book, date(2024, 12, 25), date(2028, 1, 5), IST)
    assert (everything.opening_paise, everything.closing_paise) == (0, balance(book))


@given(entries)
def test_running_balance_ends_at_the_balance(book: list[LedgerEntry]) -> None:
    lines = running(book)
    assert [line.entry.at for line in lines] == sorted(e.at for e in book)
    assert (lines[-1].balance_after_paise if lines else 0) == balance(book)
