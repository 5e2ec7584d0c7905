"""Report rules: periods and their day/month pieces, ageing buckets, GSTR-1 sections, UQC, revenue.

Pure: no database, no clock. The definitions are written out in docs/reports.md; the services in
edge/services/reports.py and edge/services/report_summaries.py apply them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from edge.domain.errors import RuleError

# Summary rows come at two grains: a store-local day, and a store-local calendar month (keyed by its
# first day); "s" (store) rows are the same summed over every till and cashier (till 0, cashier 0).
# Distinct letters, never case alone: MariaDB compares keys case-insensitively.
DAY, MONTH, ALL_DAY, ALL_MONTH = "d", "m", "sd", "sm"
MAX_RANGE_DAYS = 3 * 366 + 1  # a report covers at most three years
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)  # the financial years invoice numbers can carry

# GSTR-1 B2C Large: an inter-state supply to an unregistered buyer with an invoice value above this
# limit is reported invoice by invoice (Table 5); ₹2,50,000 until 31 July 2024, ₹1,00,000 from 1 August
# 2024 (Notification 12/2024-Central Tax).
B2CL_LIMITS_PAISE: tuple[tuple[date, int], ...] = ((date(2017, 7, 1), 250_000_00), (date(2024, 8, 1), 100_000_00))

# Unique Quantity Codes of the GST portal for the product base units.
UQC_OF_BASE_UNIT = {"piece": "NOS", "kg": "KGS"}


class Section(StrEnum):
    """Where a supply goes in GSTR-1."""

    B2B = "b2b"  # registered buyer (Table 4A), invoice-wise
    B2CL = "b2cl"  # unregistered, inter-state, invoice value above the limit (Table 5), invoice-wise
    B2CS = "b2cs"  # every other unregistered supply (Table 7), summed by place of supply and rate


class Posting(StrEnum):
    """What put a row into the GST summary: an invoice, a credit note, a revision (amendment), a cancellation."""

    INVOICE = "inv"
    CREDIT_NOTE = "cn"
    AMENDMENT = "amd"
    CANCELLATION = "cxl"


AGEING_BUCKETS = ("not_due", "0_30", "31_60", "61_90", "over_90")


@dataclass(frozen=True)
class Period:
    """A report's days, both inclusive, in the store's time zone."""

    first: date
    last: date

    def __post_init__(self) -> None:
        for field, day in (("from", self.first), ("to", self.last)):
            if not FIRST_DAY <= day <= LAST_DAY:
                raise RuleError(f"{field} must be a day of the years 2000 to 2099 (got {day.isoformat()})", field,
                                "bad_date")
        if self.last < self.first:
            raise RuleError(f"the period ends ({self.last.isoformat()}) before it starts ({self.first.isoformat()})",
                            "to", "period_reversed")
        if (self.last - self.first).days + 1 > MAX_RANGE_DAYS:
            raise RuleError(f"a report covers at most {MAX_RANGE_DAYS} days; ask for a shorter period", "from",
                            "period_too_long")

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class Piece:
    """Part of a period read at one grain: days, or whole calendar months (first and last are month starts)."""

    grain: str
    first: date
    last: date


def month_start(day: date) -> date:
    """The first day of a day's month."""
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after a day's month."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_end(day: date) -> date:
    """The last day of a day's month."""
    return next_month(day) - timedelta(days=1)


def months(first: date, last: date) -> Iterator[date]:
    """Month starts from the month of ``first`` to the month of ``last``."""
    current = month_start(first)
    while current <= last:
        yield current
        current = next_month(current)


def split_period(period: Period, all_tills: bool) -> list[Piece]:
    """Read a period as whole months where it covers them and single days at its ragged ends, so a year is
    twelve month rows per key instead of 365 day rows. ``all_tills`` picks the rows summed over every till
    and cashier (no till or cashier filter)."""
    day_grain, month_grain = (ALL_DAY, ALL_MONTH) if all_tills else (DAY, MONTH)
    first_full = period.first if period.first.day == 1 else next_month(period.first)
    last_full_end = period.last if period.last == month_end(period.last) else month_start(period.last) - timedelta(1)
    if first_full > last_full_end:  # no whole month inside
        return [Piece(day_grain, period.first, period.last)]
    pieces = []
    if period.first < first_full:
        pieces.append(Piece(day_grain, period.first, first_full - timedelta(days=1)))
    pieces.append(Piece(month_grain, first_full, month_start(last_full_end)))
    if last_full_end < period.last:
        pieces.append(Piece(day_grain, last_full_end + timedelta(days=1), period.last))
    return pieces


def grains_of(day: date, rollup: bool) -> list[tuple[str, date]]:
    """Where one posting on a day lands: its day and month rows, and the all-tills rows when the table keeps them."""
    rows = [(DAY, day), (MONTH, month_start(day))]
    if rollup:
        rows += [(ALL_DAY, day), (ALL_MONTH, month_start(day))]
    return rows


def ageing_bucket(due: date, today: date) -> str:
    """Bucket of an amount due on ``due`` seen on ``today``: not yet due, then 0-30, 31-60, 61-90 and over 90
    days past due (due today is 0 days past due)."""
    late = (today - due).days
    if late < 0:
        return "not_due"
    if late <= 30:
        return "0_30"
    if late <= 60:
        return "31_60"
    if late <= 90:
        return "61_90"
    return "over_90"


def b2cl_limit_paise(invoice_date: date) -> int:
    """The B2C Large invoice-value limit in force on an invoice date."""
    limit = B2CL_LIMITS_PAISE[0][1]
    for start, value in B2CL_LIMITS_PAISE:
        if invoice_date >= start:
            limit = value
    return limit


def gst_section(buyer_gstin: str | None, supply: str, invoice_value_paise: int, invoice_date: date) -> Section:
    """The GSTR-1 section of an invoice (and of its credit notes): B2B with a buyer GSTIN; B2C Large for an
    inter-state invoice to an unregistered buyer above the limit; B2C Small otherwise."""
    if buyer_gstin:
        return Section.B2B
    if supply == "inter" and invoice_value_paise > b2cl_limit_paise(invoice_date):
        return Section.B2CL
    return Section.B2CS


def uqc(base_unit: str) -> str:
    """The GST portal's unit code for a base unit (OTH for anything else)."""
    return UQC_OF_BASE_UNIT.get(base_unit, "OTH")


def base_quantity_milli(quantity_milli: int, unit_factor_milli: int) -> int:
    """A line's quantity in thousandths of the product's base unit: 2 cases of 24 (2000, 24000) → 48000."""
    whole, rest = divmod(quantity_milli * unit_factor_milli, 1000)
    return whole + (1 if rest * 2 >= 1000 else 0)


@dataclass(frozen=True)
class SalesTotals:
    """Sales of a period in the posting sense: invoices on their issue day, credit notes on theirs, a
    cancellation reversing what the invoice still carried on the day it was cancelled."""

    invoices: int = 0
    invoice_taxable_paise: int = 0
    invoice_total_paise: int = 0
    returns: int = 0
    return_taxable_paise: int = 0
    return_total_paise: int = 0
    cancellations: int = 0
    cancel_taxable_paise: int = 0
    cancel_total_paise: int = 0
    taxable_paise: int = 0
    cgst_paise: int = 0
    sgst_paise: int = 0
    igst_paise: int = 0
    cess_paise: int = 0
    round_off_paise: int = 0
    total_paise: int = 0

    @property
    def revenue_paise(self) -> int:
        """Net sales, the revenue an accountant books: taxable value of invoices less credit notes and
        cancellations. GST collected is a liability, not revenue; round-off is booked apart."""
        return self.taxable_paise

    @property
    def tax_paise(self) -> int:
        """GST and cess, net."""
        return self.cgst_paise + self.sgst_paise + self.igst_paise + self.cess_paise

    @property
    def net_invoices(self) -> int:
        """Invoices issued less those cancelled."""
        return self.invoices - self.cancellations

    def average_bill_paise(self) -> int:
        """Net billed value per net invoice (0 without invoices), rounded half up."""
        count = self.net_invoices
        if count <= 0:
            return 0
        quotient, rest = divmod(self.total_paise, count)
        return quotient + (1 if rest * 2 >= count else 0)


def status_from_amounts(stored: str, total_paise: int, paid_paise: int, due_date: date | None,
                        today: date) -> str:
    """The status an invoice shows (edge.domain.invoice_state.derive_status) from its money paid instead of
    its payment lines: cancelled, draft, paid, overdue, partially paid, issued."""
    if stored in ("cancelled", "draft"):
        return stored
    if paid_paise >= total_paise:
        return "paid"
    if due_date is not None and today > due_date:
        return "overdue"
    return "partially_paid" if paid_paise > 0 else "issued"


def rupees(paise: int) -> str:
    """Paise as rupees with two decimals for a spreadsheet: 123456 → "1234.56", -5 → "-0.05"."""
    sign = "-" if paise < 0 else ""
    whole, part = divmod(abs(paise), 100)
    return f"{sign}{whole}.{part:02d}"


def thousandths(milli: int) -> str:
    """Thousandths as a decimal: 1235 → "1.235", 48000 → "48"."""
    sign = "-" if milli < 0 else ""
    whole, part = divmod(abs(milli), 1000)
    return f"{sign}{whole}" if part == 0 else f"{sign}{whole}.{part:03d}".rstrip("0")
