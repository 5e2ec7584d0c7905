"""Invoice status: derived from stored state, payments and due date; issue, cancel and payment checks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain.invoice_state import (
    InvoiceStatus,
    StoredStatus,
    cancel,
    check_can_take_payment,
    clean_reason,
    derive_status,
    issue,
)
from edge.domain.payments import (
    Method,
    PaymentKind,
    PaymentLine,
    PaymentStatus,
    amount_paid,
    refund,
    take_payment,
)
from tests.unit.rules import refusal

BILL = 1_234_56  # ₹1,234.56
DUE = date(2026, 4, 30)
ON_DUE = DUE
DAY_AFTER = DUE + timedelta(days=1)


def test_status_follows_the_payments_of_the_worked_bill() -> None:
    assert derive_status("issued", BILL, [], None, ON_DUE) is InvoiceStatus.ISSUED
    upi = take_payment(BILL, [], Method.UPI, 500_00).line
    assert derive_status("issued", BILL, [upi], None, ON_DUE) is InvoiceStatus.PARTIALLY_PAID
    cash = take_payment(BILL, [upi], Method.CASH, 800_00).line
    assert derive_status("issued", BILL, [upi, cash], None, ON_DUE) is InvoiceStatus.PAID


def test_credit_sale_is_overdue_from_the_day_after_its_due_date() -> None:
    on_account = take_payment(BILL, [], Method.CREDIT, BILL, has_customer=True).line
    assert derive_status("issued", BILL, [on_account], DUE, ON_DUE) is InvoiceStatus.ISSUED
    assert derive_status("issued", BILL, [on_account], DUE, DAY_AFTER) is InvoiceStatus.OVERDUE


def test_partly_paid_credit_sale_past_due_is_overdue_and_paid_one_is_not() -> None:
    upi = take_payment(BILL, [], Method.UPI, 500_00).line
    assert derive_status("issued", BILL, [upi], DUE, ON_DUE) is InvoiceStatus.PARTIALLY_PAID
    assert derive_status("issued", BILL, [upi], DUE, DAY_AFTER) is InvoiceStatus.OVERDUE
    rest = take_payment(BILL, [upi], Method.BANK_TRANSFER, 734_56).line
    assert derive_status("issued", BILL, [upi, rest], DUE, DAY_AFTER + timedelta(days=30)) is InvoiceStatus.PAID


def test_refund_after_full_payment_makes_it_partially_paid_again() -> None:
    card = take_payment(BILL, [], Method.CARD, BILL).line
    back = refund(BILL, [card], Method.CARD, 234_56)
    assert derive_status("issued", BILL, [card, back], None, ON_DUE) is InvoiceStatus.PARTIALLY_PAID


@pytest.mark.parametrize("status", [PaymentStatus.PENDING, PaymentStatus.CREATED, PaymentStatus.FAILED])
def test_payment_that_has_not_succeeded_leaves_the_invoice_unpaid(status: PaymentStatus) -> None:
    upi = PaymentLine(Method.UPI, BILL, status=status)
    assert derive_status("issued", BILL, [upi], None, ON_DUE) is InvoiceStatus.ISSUED


def test_zero_total_invoice_is_paid_once_issued() -> None:
    assert derive_status("issued", 0, [], DUE, DAY_AFTER) is InvoiceStatus.PAID
    assert derive_status("draft", 0, [], None, ON_DUE) is InvoiceStatus.DRAFT


def test_cancelled_wins_and_draft_stays_draft() -> None:
    card = PaymentLine(Method.CARD, BILL)
    assert derive_status(StoredStatus.CANCELLED, BILL, [card], DUE, DAY_AFTER) is InvoiceStatus.CANCELLED
    assert derive_status(StoredStatus.DRAFT, BILL, [], DUE, DAY_AFTER) is InvoiceStatus.DRAFT


def test_unknown_stored_status_is_refused() -> None:
    assert refusal(lambda: derive_status("paid", BILL, [], None, ON_DUE)) == ("unknown_status", "status")


# --- transitions ------------------------------------------------------------------------------------


def test_issue_only_from_draft() -> None:
    assert issue("draft") is StoredStatus.ISSUED
    assert refusal(lambda: issue(StoredStatus.ISSUED)) == ("already_issued", "status")
    assert refusal(lambda: issue("cancelled")) == ("invoice_cancelled", "status")


@pytest.mark.parametrize("stored", ["draft", "issued"])
def test_cancel_with_a_reason_and_nothing_paid(stored: str) -> None:
    assert cancel(stored, "customer changed their mind", []) is StoredStatus.CANCELLED


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_cancel_needs_a_reason(reason: str) -> None:
    assert refusal(lambda: cancel("issued", reason, [])) == ("reason_required", "reason")


def test_reason_is_stored_trimmed() -> None:
    assert clean_reason("  wrong GSTIN on the bill \n") == "wrong GSTIN on the bill"


def test_cancel_a_paid_invoice_only_after_refunding_it() -> None:
    lines = [take_payment(BILL, [], Method.UPI, 500_00).line]
    assert refusal(lambda: cancel("issued", "wrong items billed", lines)) == ("refund_first", None)
    lines.append(refund(BILL, lines, Method.UPI, 400_00))
    assert refusal(lambda: cancel("issued", "wrong items billed", lines)) == ("refund_first", None)
    lines.append(refund(BILL, lines, Method.CASH, 100_00))
    assert amount_paid(lines) == 0
    assert cancel("issued", "wrong items billed", lines) is StoredStatus.CANCELLED


def test_cancel_waits_for_a_payment_in_flight() -> None:
    pending = PaymentLine(Method.UPI, BILL, status=PaymentStatus.PENDING)
    assert refusal(lambda: cancel("issued", "customer left", [pending])) == ("payment_pending", None)


def test_refund_in_flight_still_blocks_cancel() -> None:
    card = PaymentLine(Method.CARD, BILL)
    pending_refund = PaymentLine(Method.CARD, BILL, kind=PaymentKind.REFUND, status=PaymentStatus.PENDING)
    assert refusal(lambda: cancel("issued", "returned", [card, pending_refund])) == ("refund_first", None)


def test_credit_sale_with_nothing_received_can_be_cancelled() -> None:
    on_account = take_payment(BILL, [], Method.CREDIT, BILL, has_customer=True).line
    assert cancel("issued", "billed to the wrong customer", [on_account]) is StoredStatus.CANCELLED


def test_cancelled_invoice_cannot_be_cancelled_again() -> None:
    assert refusal(lambda: cancel("cancelled", "again", [])) == ("already_cancelled", "status")


def test_payment_only_on_an_issued_invoice() -> None:
    check_can_take_payment("issued")
    assert refusal(lambda: check_can_take_payment("draft")) == ("invoice_draft", "status")
    assert refusal(lambda: check_can_take_payment(StoredStatus.CANCELLED)) == ("invoice_cancelled", "status")


# --- properties -------------------------------------------------------------------------------------

lines = st.lists(
    st.builds(
        PaymentLine,
        method=st.sampled_from(list(Method)),
        amount_paise=st.integers(min_value=1, max_value=5_00_000_00),
        kind=st.sampled_from(list(PaymentKind)),
        status=st.sampled_from(list(PaymentStatus)),
    ),
    max_size=8,
)
days = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))


@given(st.integers(min_value=0, max_value=10_00_000_00), lines, st.none() | days, days)
def test_issued_invoice_is_paid_exactly_when_paid_reaches_the_total(
    total: int, payments: list[PaymentLine], due: date | None, today: date
) -> None:
    status = derive_status("issued", total, payments, due, today)
    paid = amount_paid(payments)
    assert (status is InvoiceStatus.PAID) == (paid >= total)
    assert (status is InvoiceStatus.OVERDUE) == (paid < total and due is not None and today > due)
    if status is InvoiceStatus.ISSUED:
        assert paid <= 0
    if status is InvoiceStatus.PARTIALLY_PAID:
        assert 0 < paid < total
