"""Payments against an invoice: split tenders, cash change, refunds, and what is paid and still due.

An invoice's payment state is derived from its payment lines, never stored apart from them. Only lines
with status ``succeeded`` count as paid; lines still ``created`` or ``pending`` at a gateway are *in flight*
and block over-booking (a second payment or refund cannot take the same money twice) without counting.

``credit`` (on the customer's account) is a tender that closes the sale at the till but is not money
received: the invoice stays due for that part (and becomes overdue after its due date) until a later
payment by a money method settles it. ``amount_paid`` therefore counts money methods only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from edge.domain.errors import RuleError
from edge.domain.money import format_inr

REFERENCE_MAX = 120


class Method(StrEnum):
    """How a customer pays; ``credit`` puts the amount on the customer's account (needs a customer)."""

    CASH = "cash"
    CARD = "card"
    UPI = "upi"
    WALLET = "wallet"
    BANK_TRANSFER = "bank_transfer"
    CREDIT = "credit"


class PaymentKind(StrEnum):
    """A payment towards the invoice, or a refund of money paid."""

    PAYMENT = "payment"
    REFUND = "refund"


class PaymentStatus(StrEnum):
    """A payment line's state (a gateway's state machine; cash and credit are ``succeeded`` at once)."""

    CREATED = "created"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


IN_FLIGHT = frozenset({PaymentStatus.CREATED, PaymentStatus.PENDING})
MONEY_METHODS = frozenset(Method) - {Method.CREDIT}
# Refunded through the same channel as the original payment (a gateway reverses the transaction), so a
# refund by one of these cannot exceed what was paid by it. Cash and bank transfer may refund any money paid.
REFUND_AT_SOURCE = frozenset({Method.CARD, Method.UPI, Method.WALLET})


def check_paise(value: int, field: str, *, positive: bool = False) -> int:
    """An amount in integer paise (never float or bool); ``positive`` refuses zero and below."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError(f"{field} must be a whole number of paise (got {value!r})", field, "not_paise")
    if positive and value <= 0:
        raise RuleError(f"the amount must be more than ₹0.00 (got {format_inr(value)})", field,
                        "amount_not_positive")
    return value


def check_total(total_paise: int) -> int:
    """An invoice total in paise: zero or more."""
    check_paise(total_paise, "total_paise")
    if total_paise < 0:
        raise RuleError(f"an invoice total is never negative (got {format_inr(total_paise)})", "total_paise",
                        "total_negative")
    return total_paise


def clean_reference(reference: str) -> str:
    """A transaction reference as stored: trimmed, at most 120 characters."""
    cleaned = reference.strip()
    if len(cleaned) > REFERENCE_MAX:
        raise RuleError(f"a reference has at most {REFERENCE_MAX} characters (got {len(cleaned)})", "reference",
                        "reference_too_long")
    return cleaned


@dataclass(frozen=True)
class PaymentLine:
    """One payment or refund by one method; ``amount_paise`` is what applies to the invoice, always > 0."""

    method: Method
    amount_paise: int
    tendered_paise: int | None = None
    reference: str = ""
    kind: PaymentKind = PaymentKind.PAYMENT
    status: PaymentStatus = PaymentStatus.SUCCEEDED

    def __post_init__(self) -> None:
        check_paise(self.amount_paise, "amount_paise", positive=True)
        if self.tendered_paise is not None:
            check_paise(self.tendered_paise, "tendered_paise")
            if self.method is not Method.CASH or self.kind is not PaymentKind.PAYMENT:
                raise RuleError("only a cash payment has an amount tendered", "tendered_paise",
                                "tendered_not_cash")
            if self.tendered_paise < self.amount_paise:
                raise RuleError(
                    f"cash tendered ({format_inr(self.tendered_paise)}) is less than the amount applied "
                    f"({format_inr(self.amount_paise)})", "tendered_paise", "tendered_below_amount")
        if len(self.reference) > REFERENCE_MAX:
            raise RuleError(f"a reference has at most {REFERENCE_MAX} characters", "reference",
                            "reference_too_long")

    @property
    def counts(self) -> bool:
        """Whether this line counts towards what is paid (it succeeded)."""
        return self.status is PaymentStatus.SUCCEEDED

    @property
    def signed_paise(self) -> int:
        """The amount with its sign as stored on a payment row: a refund is negative."""
        return -self.amount_paise if self.kind is PaymentKind.REFUND else self.amount_paise

    @property
    def change_paise(self) -> int:
        """Cash change handed back for this line (tendered minus applied); 0 for every other line."""
        return 0 if self.tendered_paise is None else self.tendered_paise - self.amount_paise


@dataclass(frozen=True)
class PaymentOutcome:
    """A payment just taken: the line to store and the change to hand back."""

    line: PaymentLine
    change_due_paise: int


@dataclass(frozen=True)
class MethodTotal:
    """One method's totals for a receipt or the post-sale summary."""

    method: Method
    paid_paise: int
    refunded_paise: int
    tendered_paise: int
    change_paise: int

    @property
    def net_paise(self) -> int:
        """Paid by this method less refunded by it."""
        return self.paid_paise - self.refunded_paise


def line_from_record(kind: str, method: str, status: str, amount_paise: int, tendered_paise: int | None = None,
                     reference: str = "") -> PaymentLine:
    """A payment line from a stored row's values (a refund's amount may be stored negative)."""
    try:
        payment_kind = PaymentKind(kind)
    except ValueError as exc:
        raise RuleError(f"{kind!r} is not a payment kind", "kind", "unknown_kind") from exc
    try:
        payment_method = Method(method)
    except ValueError as exc:
        raise RuleError(f"{method!r} is not a payment method", "method", "unknown_method") from exc
    try:
        payment_status = PaymentStatus(status)
    except ValueError as exc:
        raise RuleError(f"{status!r} is not a payment status", "status", "unknown_status") from exc
    check_paise(amount_paise, "amount_paise")
    return PaymentLine(payment_method, abs(amount_paise), tendered_paise, reference, payment_kind, payment_status)


def _net(payments: Iterable[PaymentLine], methods: frozenset[Method], statuses: frozenset[PaymentStatus],
         kind: PaymentKind | None = None) -> int:
    """Signed sum of lines by the given methods in the given statuses (of one kind if given)."""
    return sum(line.signed_paise for line in payments
               if line.method in methods and line.status in statuses and (kind is None or line.kind is kind))


SUCCEEDED = frozenset({PaymentStatus.SUCCEEDED})


def amount_paid(payments: Iterable[PaymentLine]) -> int:
    """Money received: succeeded payments minus succeeded refunds, by money methods (not ``credit``)."""
    return _net(payments, MONEY_METHODS, SUCCEEDED)


def on_account(payments: Iterable[PaymentLine]) -> int:
    """What was put on the customer's account at the till (succeeded ``credit`` lines)."""
    return _net(payments, frozenset({Method.CREDIT}), SUCCEEDED)


def balance_due(total_paise: int, payments: Iterable[PaymentLine]) -> int:
    """Total minus money received; negative only if stored payments overpaid (money to give back)."""
    check_total(total_paise)
    return total_paise - amount_paid(payments)


def left_to_tender(total_paise: int, payments: Iterable[PaymentLine]) -> int:
    """What the till still has to collect or put on account before the sale is settled (never below 0)."""
    lines = list(payments)
    in_flight = _net(lines, frozenset(Method), IN_FLIGHT, PaymentKind.PAYMENT)
    return max(0, balance_due(total_paise, lines) - on_account(lines) - in_flight)


def take_payment(total_paise: int, existing: Sequence[PaymentLine], method: Method, amount_paise: int,
                 tendered_paise: int | None = None, reference: str = "", has_customer: bool = False,
                 credit_available_paise: int | None = None) -> PaymentOutcome:
    """Check and build a payment of ``amount_paise`` by ``method``; cash over the balance becomes change."""
    check_total(total_paise)
    method = _method(method)
    check_paise(amount_paise, "amount_paise", positive=True)
    if tendered_paise is not None:
        check_paise(tendered_paise, "tendered_paise")
        if method is not Method.CASH:
            raise RuleError("only cash has an amount tendered", "tendered_paise", "tendered_not_cash")
        if tendered_paise < amount_paise:
            raise RuleError(f"cash tendered ({format_inr(tendered_paise)}) is less than the amount "
                            f"({format_inr(amount_paise)})", "tendered_paise", "tendered_below_amount")
    reference = clean_reference(reference)
    if method is Method.CREDIT and not has_customer:
        raise RuleError("a sale on account needs a customer", "customer", "credit_needs_customer")

    due = balance_due(total_paise, existing)
    if due <= 0:
        raise RuleError(f"this invoice is already paid ({format_inr(total_paise)})", None, "already_paid")
    in_flight = _net(existing, frozenset(Method), IN_FLIGHT, PaymentKind.PAYMENT)
    room = due - in_flight
    if method is Method.CREDIT:
        room -= on_account(existing)
    if room <= 0:
        if in_flight > 0:
            raise RuleError(f"{format_inr(in_flight)} is still awaiting confirmation; finish or cancel it first",
                            None, "payment_pending")
        raise RuleError(f"{format_inr(due)} is already on the customer's account", "amount_paise", "overpayment")

    if method is Method.CASH:
        tendered = amount_paise if tendered_paise is None else tendered_paise
        applied = min(amount_paise, room)
        line = PaymentLine(method, applied, tendered, reference)
        return PaymentOutcome(line, line.change_paise)
    if amount_paise > room:
        raise RuleError(f"{format_inr(amount_paise)} is more than the {format_inr(room)} due; only cash may be "
                        "tendered above it", "amount_paise", "overpayment")
    if method is Method.CREDIT and credit_available_paise is not None and amount_paise > credit_available_paise:
        raise RuleError(f"{format_inr(amount_paise)} on account is more than the customer's available credit of "
                        f"{format_inr(max(0, credit_available_paise))}", "amount_paise", "credit_limit")
    return PaymentOutcome(PaymentLine(method, amount_paise, None, reference), 0)


def refund(total_paise: int, existing: Sequence[PaymentLine], method: Method, amount_paise: int,
           reference: str = "") -> PaymentLine:
    """Check and build a refund: never above the money paid; card, UPI and wallet only up to what each paid."""
    check_total(total_paise)
    method = _method(method)
    check_paise(amount_paise, "amount_paise", positive=True)
    reference = clean_reference(reference)
    if method is Method.CREDIT:
        raise RuleError("a refund gives money back; to credit the customer's account issue a credit note",
                        "method", "credit_not_refundable")
    # Not capped by the total: money paid twice by mistake (two gateway payments both succeeding) must be
    # refundable. A refund in flight already holds its amount.
    pending_refunds = -_net(existing, frozenset(Method), IN_FLIGHT, PaymentKind.REFUND)
    refundable = amount_paid(existing) - pending_refunds
    if amount_paise > refundable:
        raise RuleError(f"{format_inr(amount_paise)} is more than the {format_inr(max(0, refundable))} paid "
                        "that can be refunded", "amount_paise", "refund_exceeds_paid")
    if method in REFUND_AT_SOURCE:
        by_method = frozenset({method})
        refundable_by_method = (_net(existing, by_method, SUCCEEDED)
                                + _net(existing, by_method, IN_FLIGHT, PaymentKind.REFUND))
        if amount_paise > refundable_by_method:
            raise RuleError(f"{format_inr(amount_paise)} is more than the {format_inr(max(0, refundable_by_method))}"
                            f" paid by {method.value} that can be refunded that way; refund the rest in cash "
                            "or by bank transfer",
                            "amount_paise", "refund_exceeds_paid")
    return PaymentLine(method, amount_paise, None, reference, PaymentKind.REFUND)


def split_summary(payments: Iterable[PaymentLine]) -> list[MethodTotal]:
    """Succeeded totals per method, in the order of ``Method``, for methods that were used."""
    totals: dict[Method, list[int]] = {}
    for line in payments:
        if not line.counts:
            continue
        paid, refunded, tendered, change = totals.setdefault(line.method, [0, 0, 0, 0])
        if line.kind is PaymentKind.REFUND:
            refunded += line.amount_paise
        else:
            paid += line.amount_paise
            tendered += line.amount_paise if line.tendered_paise is None else line.tendered_paise
            change += line.change_paise
        totals[line.method] = [paid, refunded, tendered, change]
    return [MethodTotal(method, *totals[method]) for method in Method if method in totals]


def _method(method: Method | str) -> Method:
    """The method, refusing a name that is not one."""
    try:
        return Method(method)
    except ValueError as exc:
        raise RuleError(f"{method!r} is not a payment method", "method", "unknown_method") from exc
