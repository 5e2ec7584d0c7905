"""GST: rates with effective dates, place of supply, CGST+SGST or IGST per line, and the tax summary."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from edge.domain.errors import RuleError
from edge.domain.money import round_paise

BASIS = 10_000  # basis points in 100 %
# Slabs in use since GST began (0.25 % rough diamonds, 3 % gold, 40 % since the 2025 rationalisation).
KNOWN_SLABS_BP = frozenset({0, 25, 300, 500, 1200, 1800, 2800, 4000})


class Supply(StrEnum):
    """Intra-state supply pays CGST + SGST; inter-state pays IGST."""

    INTRA = "intra"
    INTER = "inter"


@dataclass(frozen=True)
class GstRate:
    """A product's GST (and compensation cess) from a date on."""

    rate_bp: int
    cess_bp: int
    effective_from: date

    def __post_init__(self) -> None:
        check_rate(self.rate_bp)
        if not 0 <= self.cess_bp <= BASIS:
            raise RuleError(f"cess must be between 0 and 100 % (got {self.cess_bp / 100} %)", "cess_bp")


def check_rate(rate_bp: int) -> int:
    """A GST rate must be one of the real slabs."""
    if rate_bp not in KNOWN_SLABS_BP:
        slabs = ", ".join(f"{slab / 100:g}" for slab in sorted(KNOWN_SLABS_BP))
        raise RuleError(f"GST rate {rate_bp / 100:g} % is not a slab ({slabs} %)", "rate_bp", "unknown_gst_slab")
    return rate_bp


def rate_on(rates: Iterable[GstRate], on: date) -> GstRate:
    """The rate in force on a date: the one with the latest start on or before it."""
    in_force = [rate for rate in rates if rate.effective_from <= on]
    if not in_force:
        raise RuleError(f"no GST rate is in force on {on.isoformat()}", "gst", "no_gst_rate")
    return max(in_force, key=lambda rate: rate.effective_from)


def place_of_supply(
    store_state: str,
    *,
    delivery_state: str | None = None,
    buyer_gstin: str | None = None,
    buyer_state: str | None = None,
) -> str:
    """State of supply: where goods are delivered if known, else the buyer's GSTIN state, else the buyer's
    billing state, else the store's (an over-the-counter sale)."""
    for state in (delivery_state, buyer_gstin[:2] if buyer_gstin else None, buyer_state, store_state):
        if state:
            return state
    raise RuleError("the store's state is not set", "state_code")


def supply_type(seller_state: str, place: str) -> Supply:
    """Intra-state when the seller's registration and the place of supply are in the same state."""
    return Supply.INTRA if seller_state == place else Supply.INTER


@dataclass(frozen=True)
class LineTax:
    """Taxes of one line, each rounded to the paisa on its own."""

    taxable_paise: int
    cgst_paise: int
    sgst_paise: int
    igst_paise: int
    cess_paise: int

    @property
    def tax_paise(self) -> int:
        """All taxes of the line."""
        return self.cgst_paise + self.sgst_paise + self.igst_paise + self.cess_paise

    @property
    def total_paise(self) -> int:
        """Taxable value plus taxes: what the line costs the buyer."""
        return self.taxable_paise + self.tax_paise


def tax_on_taxable(taxable_paise: int, rate_bp: int, cess_bp: int, supply: Supply) -> LineTax:
    """Taxes on a taxable value: CGST and SGST each at half the rate, or IGST at the rate; cess apart."""
    if taxable_paise < 0:
        raise RuleError("a taxable value cannot be negative", "taxable_paise")
    value = Decimal(taxable_paise)
    cess = round_paise(value * cess_bp / BASIS)
    if supply is Supply.INTRA:
        half = round_paise(value * rate_bp / (2 * BASIS))
        return LineTax(taxable_paise, half, half, 0, cess)
    return LineTax(taxable_paise, 0, 0, round_paise(value * rate_bp / BASIS), cess)


def tax_from_inclusive(amount_paise: int, rate_bp: int, cess_bp: int, supply: Supply) -> LineTax:
    """Split a tax-inclusive amount (an MRP) into taxable value and taxes that add up to it exactly."""
    if amount_paise < 0:
        raise RuleError("an amount cannot be negative", "amount_paise")
    taxable = round_paise(Decimal(amount_paise) * BASIS / (BASIS + rate_bp + cess_bp))
    tax = amount_paise - taxable
    cess = min(tax, round_paise(Decimal(taxable) * cess_bp / BASIS))
    gst = tax - cess
    if supply is Supply.INTRA:
        return LineTax(taxable, gst - gst // 2, gst // 2, 0, cess)
    return LineTax(taxable, 0, 0, gst, cess)


def line_tax(amount_paise: int, rate_bp: int, cess_bp: int, supply: Supply, includes_tax: bool) -> LineTax:
    """Taxes of a line's net amount, whether its price includes GST or not."""
    if includes_tax:
        return tax_from_inclusive(amount_paise, rate_bp, cess_bp, supply)
    return tax_on_taxable(amount_paise, rate_bp, cess_bp, supply)


@dataclass(frozen=True)
class TaxSummaryRow:
    """One row of an Indian tax invoice's tax summary: HSN and rate with their taxable value and taxes."""

    hsn_code: str
    rate_bp: int
    taxable_paise: int
    cgst_paise: int
    sgst_paise: int
    igst_paise: int
    cess_paise: int


def tax_summary(lines: Sequence[tuple[str, int, LineTax]]) -> list[TaxSummaryRow]:
    """Totals per (HSN, rate) from (hsn, rate_bp, tax) of each line, ordered by rate then HSN."""
    groups: dict[tuple[str, int], list[int]] = {}
    for hsn, rate_bp, tax in lines:
        sums = groups.setdefault((hsn, rate_bp), [0, 0, 0, 0, 0])
        for index, value in enumerate(
            (tax.taxable_paise, tax.cgst_paise, tax.sgst_paise, tax.igst_paise, tax.cess_paise)
        ):
            sums[index] += value
    return [
        TaxSummaryRow(hsn, rate_bp, *sums)
        for (hsn, rate_bp), sums in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0]))
    ]
