"""Invoice status: the stored state (draft, issued, cancelled), its transitions, and the status shown.

Only draft, issued and cancelled are stored. Partially paid, paid and overdue are derived from the
invoice's payments and due date each time they are needed, so they can never disagree with the payments.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from edge.domain.errors import RuleError
from edge.domain.money import format_inr
from edge.domain.payments import IN_FLIGHT, PaymentKind, PaymentLine, amount_paid, check_total


class StoredStatus(StrEnum):
    """The status kept on the invoice row."""

    DRAFT = "draft"
    ISSUED = "issued"
    CANCELLED = "cancelled"


class InvoiceStatus(StrEnum):
    """The status shown to cashiers and accountants, derived from the stored status, payments and due date."""

    DRAFT = "draft"
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"


def stored_status(value: StoredStatus | str) -> StoredStatus:
    """The stored status from its name, refusing anything else."""
    try:
        return StoredStatus(value)
    except ValueError as exc:
        raise RuleError(f"{value!r} is not an invoice status", "status", "unknown_status") from exc


def derive_status(stored: StoredStatus | str, total_paise: int, payments: Iterable[PaymentLine],
                  due_date: date | None, today: date) -> InvoiceStatus:
    """The invoice's status today (``today`` in the store's time zone); overdue from the day after due."""
    state = stored_status(stored)
    check_total(total_paise)
    if state is StoredStatus.CANCELLED:
        return InvoiceStatus.CANCELLED
    if state is StoredStatus.DRAFT:
        return InvoiceStatus.DRAFT
    paid = amount_paid(payments)
    if paid >= total_paise:
        return InvoiceStatus.PAID
    if due_date is not None and today > due_date:
        return InvoiceStatus.OVERDUE
    return InvoiceStatus.PARTIALLY_PAID if paid > 0 else InvoiceStatus.ISSUED


def issue(stored: StoredStatus | str) -> StoredStatus:
    """Issue a draft invoice; anything else is refused."""
    state = stored_status(stored)
    if state is StoredStatus.ISSUED:
        raise RuleError("this invoice is already issued", "status", "already_issued")
    if state is StoredStatus.CANCELLED:
        raise RuleError("a cancelled invoice cannot be issued", "status", "invoice_cancelled")
    return StoredStatus.ISSUED


def clean_reason(reason: str) -> str:
    """A cancellation reason as stored: trimmed, and required."""
    cleaned = reason.strip()
    if not cleaned:
        raise RuleError("say why the invoice is cancelled", "reason", "reason_required")
    return cleaned


def cancel(stored: StoredStatus | str, reason: str, payments: Iterable[PaymentLine]) -> StoredStatus:
    """Cancel a draft or issued invoice with a reason, once no money paid on it remains unrefunded."""
    state = stored_status(stored)
    if state is StoredStatus.CANCELLED:
        raise RuleError("this invoice is already cancelled", "status", "already_cancelled")
    clean_reason(reason)
    lines = list(payments)
    if any(line.status in IN_FLIGHT and line.kind is PaymentKind.PAYMENT for line in lines):
        raise RuleError("a payment on this invoice is still awaiting confirmation; finish or cancel it first",
                        None, "payment_pending")
    paid = amount_paid(lines)
    if paid != 0:
        raise RuleError(f"refund the {format_inr(paid)} paid before cancelling this invoice", None,
                        "refund_first")
    return StoredStatus.CANCELLED


def check_can_take_payment(stored: StoredStatus | str) -> None:
    """Refuse a payment on a draft or a cancelled invoice."""
    state = stored_status(stored)
    if state is StoredStatus.DRAFT:
        raise RuleError("issue the invoice before taking payment", "status", "invoice_draft")
    if state is StoredStatus.CANCELLED:
        raise RuleError("a cancelled invoice takes no payment", "status", "invoice_cancelled")
