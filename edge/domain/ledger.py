"""Customer ledger: signed entries (positive: the customer owes more), running balance and statements.

Entries are stored in UTC as naive datetimes; a statement's period is in the store's time zone, so an
entry at 2026-03-31 20:00 UTC falls on 1 April 2026 in India (01:30 IST).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from enum import StrEnum
from typing import NamedTuple

from edge.domain.errors import RuleError
from edge.domain.payments import check_paise


class EntryKind(StrEnum):
    """What a ledger entry records."""

    OPENING = "opening"
    INVOICE = "invoice"
    PAYMENT = "payment"
    CREDIT_NOTE = "credit_note"
    ADJUSTMENT = "adjustment"
    REFUND = "refund"


# The sign each kind may carry: +1 never negative, -1 never positive, 0 either way.
SIGN = {
    EntryKind.OPENING: 0,
    EntryKind.INVOICE: 1,
    EntryKind.PAYMENT: -1,
    EntryKind.CREDIT_NOTE: -1,
    EntryKind.ADJUSTMENT: 0,
    EntryKind.REFUND: 1,
}


@dataclass(frozen=True)
class LedgerEntry:
    """One debit (positive: the customer owes more) or credit (negative) on a customer's account."""

    at: datetime
    kind: EntryKind
    amount_paise: int
    reference: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.at.tzinfo is not None:
            raise RuleError("ledger times are naive UTC datetimes", "at", "naive_utc_required")
        check_paise(self.amount_paise, "amount_paise")
        sign = SIGN[EntryKind(self.kind)]
        if sign * self.amount_paise < 0:
            direction = "owes more" if sign > 0 else "owes less"
            raise RuleError(f"a {self.kind} entry can only mean the customer {direction}", "amount_paise",
                            "wrong_sign")


class RunningLine(NamedTuple):
    """An entry and the balance right after it."""

    entry: LedgerEntry
    balance_after_paise: int


@dataclass(frozen=True)
class StatementLine:
    """A statement line: the entry, its time in the store's zone, and the balance after it."""

    entry: LedgerEntry
    local_at: datetime
    balance_after_paise: int


@dataclass(frozen=True)
class Statement:
    """A customer's account for the days ``start`` to ``end`` inclusive, in the store's time zone."""

    start: date
    end: date
    opening_paise: int
    lines: tuple[StatementLine, ...]
    closing_paise: int
    debits_paise: int
    credits_paise: int


def _required(text: str, field: str, what: str) -> str:
    """A trimmed text that must not be empty."""
    cleaned = text.strip()
    if not cleaned:
        raise RuleError(f"{what} is required", field, f"{field}_required")
    return cleaned


def entry_for_opening(balance_paise: int, at: datetime, note: str = "") -> LedgerEntry:
    """The balance carried in when an account is opened or migrated (either sign)."""
    return LedgerEntry(at, EntryKind.OPENING, check_paise(balance_paise, "amount_paise"), "", note.strip())


def entry_for_invoice(total_paise: int, at: datetime, number: str) -> LedgerEntry:
    """An invoice charged to the customer: they owe its total more."""
    check_paise(total_paise, "amount_paise")
    if total_paise < 0:
        raise RuleError("an invoice total is never negative", "amount_paise", "wrong_sign")
    return LedgerEntry(at, EntryKind.INVOICE, total_paise, _required(number, "reference", "the invoice number"))


def entry_for_payment(amount_paise: int, at: datetime, reference: str = "") -> LedgerEntry:
    """Money received from the customer: they owe that much less."""
    check_paise(amount_paise, "amount_paise", positive=True)
    return LedgerEntry(at, EntryKind.PAYMENT, -amount_paise, reference.strip())


def entry_for_credit_note(total_paise: int, at: datetime, number: str) -> LedgerEntry:
    """A credit note (return or price correction): the customer owes its total less."""
    check_paise(total_paise, "amount_paise", positive=True)
    return LedgerEntry(at, EntryKind.CREDIT_NOTE, -total_paise,
                       _required(number, "reference", "the credit note number"))


def entry_for_refund(amount_paise: int, at: datetime, reference: str = "") -> LedgerEntry:
    """Money paid out to the customer: it uses up their credit, so they owe that much more."""
    check_paise(amount_paise, "amount_paise", positive=True)
    return LedgerEntry(at, EntryKind.REFUND, amount_paise, reference.strip())


def entry_for_adjustment(amount_paise: int, at: datetime, note: str) -> LedgerEntry:
    """A manual correction of either sign; the note saying why is required."""
    check_paise(amount_paise, "amount_paise")
    if amount_paise == 0:
        raise RuleError("an adjustment of ₹0.00 changes nothing", "amount_paise", "amount_zero")
    return LedgerEntry(at, EntryKind.ADJUSTMENT, amount_paise, "", _required(note, "note", "a note saying why"))


def balance(entries: Iterable[LedgerEntry]) -> int:
    """What the customer owes (negative: what the shop owes them)."""
    return sum(entry.amount_paise for entry in entries)


def running(entries: Iterable[LedgerEntry], opening_paise: int = 0) -> list[RunningLine]:
    """Entries in time order (equal times keep their given order) with the balance after each."""
    total = opening_paise
    lines: list[RunningLine] = []
    for entry in sorted(entries, key=lambda item: item.at):
        total += entry.amount_paise
        lines.append(RunningLine(entry, total))
    return lines


def local_time(at: datetime, tz: tzinfo) -> datetime:
    """A stored naive-UTC time in the given zone."""
    return at.replace(tzinfo=UTC).astimezone(tz)


def statement(entries: Iterable[LedgerEntry], start: date, end: date, tz: tzinfo) -> Statement:
    """The account from ``start`` to ``end`` (inclusive, days in ``tz``): opening, lines, closing, totals."""
    if end < start:
        raise RuleError(f"the period ends ({end}) before it starts ({start})", "end", "period_reversed")
    opening = 0
    within: list[tuple[LedgerEntry, datetime]] = []
    for entry in sorted(entries, key=lambda item: item.at):
        local = local_time(entry.at, tz)
        if local.date() < start:
            opening += entry.amount_paise
        elif local.date() <= end:
            within.append((entry, local))
    lines: list[StatementLine] = []
    total = opening
    for entry, local in within:
        total += entry.amount_paise
        lines.append(StatementLine(entry, local, total))
    debits = sum(entry.amount_paise for entry, _ in within if entry.amount_paise > 0)
    credits = -sum(entry.amount_paise for entry, _ in within if entry.amount_paise < 0)
    return Statement(start, end, opening, tuple(lines), total, debits, credits)
