"""Payments: split tenders, cash change, over-payment, on-account sales, refunds and the receipt summary."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain.errors import RuleError
from edge.domain.money import format_inr
from edge.domain.payments import (
    Method,
    MethodTotal,
    PaymentKind,
    PaymentLine,
    PaymentStatus,
    amount_paid,
    balance_due,
    left_to_tender,
    line_from_record,
    on_account,
    refund,
    split_summary,
    take_payment,
)
from tests.unit.rules import refusal

BILL = 1_234_56  # ₹1,234.56


# --- paying a bill ----------------------------------------------------------------------------------


def test_upi_then_cash_tendered_above_the_balance_gives_change() -> None:
    upi = take_payment(BILL, [], Method.UPI, 500_00, reference="UPI-4711")
    assert upi.line == PaymentLine(Method.UPI, 500_00, None, "UPI-4711")
    assert upi.change_due_paise == 0
    assert balance_due(BILL, [upi.line]) == 734_56

    cash = take_payment(BILL, [upi.line], Method.CASH, 800_00)
    assert cash.line.amount_paise == 734_56  # applied: only what was due
    assert cash.line.tendered_paise == 800_00
    assert cash.change_due_paise == 65_44
    assert format_inr(cash.change_due_paise) == "₹65.44"
    assert amount_paid([upi.line, cash.line]) == BILL
    assert balance_due(BILL, [upi.line, cash.line]) == 0
    assert left_to_tender(BILL, [upi.line, cash.line]) == 0


def test_cash_with_a_stated_amount_and_a_bigger_note() -> None:
    # Customer pays ₹200.00 of the bill in cash with a ₹500 note and the rest by card.
    cash = take_payment(BILL, [], Method.CASH, 200_00, tendered_paise=500_00)
    assert (cash.line.amount_paise, cash.line.tendered_paise, cash.change_due_paise) == (200_00, 500_00, 300_00)
    card = take_payment(BILL, [cash.line], Method.CARD, 1_034_56, reference="  AUTH 123456 ")
    assert card.line.reference == "AUTH 123456"
    assert amount_paid([cash.line, card.line]) == BILL


def test_exact_cash_gives_no_change() -> None:
    cash = take_payment(BILL, [], Method.CASH, BILL)
    assert (cash.line.amount_paise, cash.line.tendered_paise, cash.change_due_paise) == (BILL, BILL, 0)


def test_payment_after_the_bill_settles_what_is_left() -> None:
    first = take_payment(10_000_00, [], Method.BANK_TRANSFER, 4_000_00, reference="NEFT N123")
    later = take_payment(10_000_00, [first.line], Method.WALLET, 6_000_00)
    assert balance_due(10_000_00, [first.line, later.line]) == 0


@pytest.mark.parametrize("method", [Method.CARD, Method.UPI, Method.WALLET, Method.BANK_TRANSFER, Method.CREDIT])
def test_non_cash_above_the_balance_is_refused(method: Method) -> None:
    upi = take_payment(BILL, [], Method.UPI, 500_00).line
    assert refusal(lambda: take_payment(BILL, [upi], method, 734_57, has_customer=True)) == (
        "overpayment",
        "amount_paise",
    )
    assert take_payment(BILL, [upi], method, 734_56, has_customer=True).line.amount_paise == 734_56


@pytest.mark.parametrize("amount", [0, -1, -500_00])
@pytest.mark.parametrize("method", list(Method))
def test_zero_or_negative_amount_is_refused(method: Method, amount: int) -> None:
    assert refusal(lambda: take_payment(BILL, [], method, amount, has_customer=True)) == (
        "amount_not_positive",
        "amount_paise",
    )


def test_amount_in_floating_point_is_refused() -> None:
    assert refusal(lambda: take_payment(BILL, [], Method.CASH, 12.5)) == ("not_paise", "amount_paise")  # type: ignore[arg-type]


def test_paying_a_settled_invoice_is_refused() -> None:
    paid = [take_payment(BILL, [], Method.CARD, BILL).line]
    assert refusal(lambda: take_payment(BILL, paid, Method.CASH, 100_00)) == ("already_paid", None)


def test_zero_total_invoice_takes_no_payment() -> None:
    assert refusal(lambda: take_payment(0, [], Method.CASH, 10_00)) == ("already_paid", None)


def test_negative_total_is_refused() -> None:
    assert refusal(lambda: take_payment(-1_00, [], Method.CASH, 1_00)) == ("total_negative", "total_paise")
    assert refusal(lambda: balance_due(-1_00, [])) == ("total_negative", "total_paise")


def test_tendered_is_only_for_cash() -> None:
    assert refusal(lambda: take_payment(BILL, [], Method.CARD, 500_00, tendered_paise=500_00)) == (
        "tendered_not_cash",
        "tendered_paise",
    )
    assert refusal(lambda: PaymentLine(Method.UPI, 500_00, tendered_paise=500_00)) == (
        "tendered_not_cash",
        "tendered_paise",
    )


def test_tendered_below_the_amount_is_refused() -> None:
    assert refusal(lambda: take_payment(BILL, [], Method.CASH, 500_00, tendered_paise=200_00)) == (
        "tendered_below_amount",
        "tendered_paise",
    )


def test_reference_is_trimmed_and_at_most_120_characters() -> None:
    assert take_payment(BILL, [], Method.UPI, 1_00, reference=" " + "R" * 120 + " ").line.reference == "R" * 120
    assert refusal(lambda: take_payment(BILL, [], Method.UPI, 1_00, reference="R" * 121)) == (
        "reference_too_long",
        "reference",
    )


def test_unknown_method_is_refused() -> None:
    assert refusal(lambda: take_payment(BILL, [], "cheque", 1_00)) == ("unknown_method", "method")  # type: ignore[arg-type]


# --- on account (customer credit) -------------------------------------------------------------------


def test_on_account_needs_a_customer() -> None:
    assert refusal(lambda: take_payment(BILL, [], Method.CREDIT, BILL)) == ("credit_needs_customer", "customer")


def test_on_account_within_the_credit_limit_settles_the_till_but_not_the_invoice() -> None:
    upi = take_payment(BILL, [], Method.UPI, 500_00).line
    credit = take_payment(BILL, [upi], Method.CREDIT, 734_56, has_customer=True, credit_available_paise=1_000_00).line
    lines = [upi, credit]
    assert left_to_tender(BILL, lines) == 0  # the sale is done at the till
    assert amount_paid(lines) == 500_00  # but only ₹500.00 was received
    assert on_account(lines) == 734_56
    assert balance_due(BILL, lines) == 734_56
    # The customer settles it a week later by bank transfer: allowed though nothing is left to tender.
    later = take_payment(BILL, lines, Method.BANK_TRANSFER, 734_56, reference="IMPS 99").line
    assert balance_due(BILL, [*lines, later]) == 0


def test_on_account_beyond_available_credit_is_refused() -> None:
    assert refusal(
        lambda: take_payment(BILL, [], Method.CREDIT, BILL, has_customer=True, credit_available_paise=1_000_00)
    ) == ("credit_limit", "amount_paise")
    assert refusal(
        lambda: take_payment(BILL, [], Method.CREDIT, 1_00, has_customer=True, credit_available_paise=-50_00)
    ) == ("credit_limit", "amount_paise")
    exact = take_payment(BILL, [], Method.CREDIT, BILL, has_customer=True, credit_available_paise=BILL)
    assert exact.line.amount_paise == BILL


def test_the_same_amount_cannot_go_on_account_twice() -> None:
    credit = take_payment(BILL, [], Method.CREDIT, BILL, has_customer=True).line
    assert refusal(lambda: take_payment(BILL, [credit], Method.CREDIT, 1_00, has_customer=True)) == (
        "overpayment",
        "amount_paise",
    )


# --- payments in flight at a gateway ----------------------------------------------------------------


def test_pending_payment_does_not_count_but_holds_its_amount() -> None:
    pending = PaymentLine(Method.UPI, BILL, status=PaymentStatus.PENDING)
    assert amount_paid([pending]) == 0
    assert left_to_tender(BILL, [pending]) == 0
    assert refusal(lambda: take_payment(BILL, [pending], Method.CASH, BILL)) == ("payment_pending", None)
    partial = PaymentLine(Method.CARD, 1_000_00, status=PaymentStatus.CREATED)
    assert refusal(lambda: take_payment(BILL, [partial], Method.UPI, 300_00)) == ("overpayment", "amount_paise")
    cash = take_payment(BILL, [partial], Method.CASH, 300_00)
    assert (cash.line.amount_paise, cash.change_due_paise) == (234_56, 65_44)


@pytest.mark.parametrize("status", [PaymentStatus.FAILED, PaymentStatus.CANCELLED, PaymentStatus.REFUNDED])
def test_failed_or_cancelled_payment_counts_for_nothing(status: PaymentStatus) -> None:
    failed = PaymentLine(Method.CARD, BILL, status=status)
    assert amount_paid([failed]) == 0
    assert take_payment(BILL, [failed], Method.CARD, BILL).line.amount_paise == BILL
    assert split_summary([failed]) == []


# --- refunds ----------------------------------------------------------------------------------------


def paid_by_card_and_cash() -> list[PaymentLine]:
    """₹1,234.56 paid as ₹1,000.00 by card and ₹234.56 in cash (₹500 note, ₹265.44 change)."""
    card = take_payment(BILL, [], Method.CARD, 1_000_00, reference="AUTH 1").line
    cash = take_payment(BILL, [card], Method.CASH, 500_00).line
    return [card, cash]


def test_refund_reduces_what_is_paid() -> None:
    lines = paid_by_card_and_cash()
    back = refund(BILL, lines, Method.CARD, 400_00, "RRN 55")
    assert back == PaymentLine(Method.CARD, 400_00, None, "RRN 55", PaymentKind.REFUND)
    assert back.signed_paise == -400_00
    assert amount_paid([*lines, back]) == 834_56
    assert balance_due(BILL, [*lines, back]) == 400_00


def test_refund_above_the_total_paid_is_refused() -> None:
    assert refusal(lambda: refund(BILL, paid_by_card_and_cash(), Method.CASH, 1_234_57)) == (
        "refund_exceeds_paid",
        "amount_paise",
    )
    assert refusal(lambda: refund(BILL, [], Method.CASH, 1_00)) == ("refund_exceeds_paid", "amount_paise")


def test_card_refund_cannot_exceed_what_the_card_paid_but_cash_can_cover_it() -> None:
    lines = paid_by_card_and_cash()
    assert refusal(lambda: refund(BILL, lines, Method.CARD, 1_000_01)) == ("refund_exceeds_paid", "amount_paise")
    assert refusal(lambda: refund(BILL, lines, Method.UPI, 1_00)) == ("refund_exceeds_paid", "amount_paise")
    assert refund(BILL, lines, Method.CASH, BILL).amount_paise == BILL
    assert refund(BILL, lines, Method.BANK_TRANSFER, BILL).amount_paise == BILL


def test_refunds_add_up_against_what_was_paid() -> None:
    lines = paid_by_card_and_cash()
    lines.append(refund(BILL, lines, Method.CARD, 600_00))
    assert refusal(lambda: refund(BILL, lines, Method.CARD, 400_01)) == ("refund_exceeds_paid", "amount_paise")
    lines.append(refund(BILL, lines, Method.CARD, 400_00))
    lines.append(refund(BILL, lines, Method.CASH, 234_56))
    assert amount_paid(lines) == 0
    assert refusal(lambda: refund(BILL, lines, Method.CASH, 1)) == ("refund_exceeds_paid", "amount_paise")


def test_refund_in_flight_holds_its_amount() -> None:
    lines = paid_by_card_and_cash()
    lines.append(PaymentLine(Method.CARD, 1_000_00, kind=PaymentKind.REFUND, status=PaymentStatus.PENDING))
    assert amount_paid(lines) == BILL
    assert refusal(lambda: refund(BILL, lines, Method.CARD, 1_00)) == ("refund_exceeds_paid", "amount_paise")
    assert refusal(lambda: refund(BILL, lines, Method.CASH, 234_57)) == ("refund_exceeds_paid", "amount_paise")


def test_refund_to_the_account_is_refused() -> None:
    credit = take_payment(BILL, [], Method.CREDIT, BILL, has_customer=True).line
    assert refusal(lambda: refund(BILL, [credit], Method.CREDIT, 1_00)) == ("credit_not_refundable", "method")


def test_refund_amount_must_be_positive() -> None:
    assert refusal(lambda: refund(BILL, paid_by_card_and_cash(), Method.CASH, 0)) == (
        "amount_not_positive",
        "amount_paise",
    )


# --- receipt summary and stored rows ----------------------------------------------------------------


def test_split_summary_for_the_receipt() -> None:
    upi = take_payment(BILL, [], Method.UPI, 500_00).line
    cash = take_payment(BILL, [upi], Method.CASH, 800_00).line
    back = refund(BILL, [upi, cash], Method.UPI, 100_00)
    summary = split_summary([cash, upi, back, PaymentLine(Method.CARD, 5_00, status=PaymentStatus.FAILED)])
    assert summary == [
        MethodTotal(Method.CASH, paid_paise=734_56, refunded_paise=0, tendered_paise=800_00, change_paise=65_44),
        MethodTotal(Method.UPI, paid_paise=500_00, refunded_paise=100_00, tendered_paise=500_00, change_paise=0),
    ]
    assert [total.net_paise for total in summary] == [734_56, 400_00]


def test_line_from_a_stored_row() -> None:
    line = line_from_record("refund", "card", "succeeded", -400_00, None, "RRN 55")
    assert line == PaymentLine(Method.CARD, 400_00, None, "RRN 55", PaymentKind.REFUND)
    assert line.signed_paise == -400_00
    assert refusal(lambda: line_from_record("payment", "cheque", "succeeded", 1_00)) == ("unknown_method", "method")
    assert refusal(lambda: line_from_record("payment", "cash", "done", 1_00)) == ("unknown_status", "status")
    assert refusal(lambda: line_from_record("tip", "cash", "succeeded", 1_00)) == ("unknown_kind", "kind")


# --- properties -------------------------------------------------------------------------------------

totals = st.integers(min_value=1, max_value=10_00_000_00)  # up to ₹10 lakh
money_methods = st.sampled_from([m for m in Method if m is not Method.CREDIT])


@st.composite
def splits(draw: st.DrawFn) -> tuple[int, list[tuple[Method, int]]]:
    """A bill and a random split of it over money methods."""
    total = draw(totals)
    cuts = sorted(draw(st.lists(st.integers(min_value=1, max_value=total), max_size=6, unique=True)))
    bounds = [0, *[c for c in cuts if c < total], total]
    parts = [b - a for a, b in pairwise(bounds) if b > a]
    return total, [(draw(money_methods), part) for part in parts]


@given(splits())
def test_sum_of_payments_is_the_amount_paid(case: tuple[int, list[tuple[Method, int]]]) -> None:
    total, parts = case
    lines: list[PaymentLine] = []
    for method, amount in parts:
        lines.append(take_payment(total, lines, method, amount).line)
    assert amount_paid(lines) == sum(line.amount_paise for line in lines) == sum(a for _, a in parts) == total
    assert sum(t.net_paise for t in split_summary(lines)) == amount_paid(lines)
    assert balance_due(total, lines) == 0


attempts = st.lists(
    st.tuples(
        st.booleans(),
        st.sampled_from(list(Method)),
        st.integers(min_value=-10_00, max_value=20_00_000_00),
        st.none() | st.integers(min_value=0, max_value=25_00_000_00),
    ),
    max_size=12,
)


@given(totals | st.just(0), attempts, st.none() | st.integers(min_value=-10_00, max_value=5_00_000_00))
def test_payments_never_take_more_than_the_total_and_only_cash_gives_change(
    total: int, tries: list[tuple[bool, Method, int, int | None]], credit_available: int | None
) -> None:
    lines: list[PaymentLine] = []
    for is_refund, method, amount, tendered in tries:
        try:
            if is_refund:
                lines.append(refund(total, lines, method, amount))
                continue
            outcome = take_payment(
                total, lines, method, amount, tendered, has_customer=True, credit_available_paise=credit_available
            )
        except RuleError:
            continue
        assert outcome.change_due_paise >= 0
        assert outcome.change_due_paise == 0 or method is Method.CASH
        if method is not Method.CASH:
            assert outcome.line.amount_paise == amount  # non-cash is applied in full or refused
        else:
            assert outcome.line.amount_paise + outcome.change_due_paise == (tendered or amount)
        lines.append(outcome.line)
        assert 0 <= amount_paid(lines) <= total
    summary = split_summary(lines)
    assert sum(t.net_paise for t in summary) == amount_paid(lines) + on_account(lines)
    assert all(t.change_paise >= 0 for t in summary)
    assert all(t.change_paise == 0 for t in summary if t.method is not Method.CASH)
