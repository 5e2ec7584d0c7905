"""After an invoice is issued: buyer-detail corrections as revisions, and credit notes for returns.

Items and amounts are never edited in place. A correction of the buyer's name, GSTIN, address or place of
supply is a new revision; when it moves the supply between intra- and inter-state the taxes are computed
again on the same taxable values and the revision records the difference. Returns are credit notes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from edge.domain.errors import RuleError
from edge.domain.gst import LineTax, Supply, place_of_supply, supply_type, tax_on_taxable
from edge.domain.gstin import check_gstin
from edge.domain.money import round_paise, round_to_rupee


@dataclass(frozen=True)
class BuyerDetails:
    """Who the invoice is made out to; ``delivery_state`` set when goods go elsewhere than the billing state."""

    name: str
    gstin: str | None = None
    address: str = ""
    state_code: str | None = None
    delivery_state: str | None = None

    def place(self, store_state: str) -> str:
        """The place of supply these details give."""
        return place_of_supply(
            store_state, delivery_state=self.delivery_state, buyer_gstin=self.gstin, buyer_state=self.state_code
        )


@dataclass(frozen=True)
class TaxedLine:
    """An issued invoice line as stored: HSN, rate, quantity and its taxes."""

    line_no: int
    hsn_code: str
    rate_bp: int
    cess_bp: int
    quantity_milli: int
    tax: LineTax


@dataclass(frozen=True)
class Totals:
    """Taxes, round-off and grand total of a set of lines."""

    taxable_paise: int
    cgst_paise: int
    sgst_paise: int
    igst_paise: int
    cess_paise: int
    round_off_paise: int
    grand_total_paise: int


def totals_of(taxes: Sequence[LineTax]) -> Totals:
    """Sum line taxes and round the total to the nearest rupee."""
    grand, round_off = round_to_rupee(sum(tax.total_paise for tax in taxes))
    return Totals(
        taxable_paise=sum(tax.taxable_paise for tax in taxes),
        cgst_paise=sum(tax.cgst_paise for tax in taxes),
        sgst_paise=sum(tax.sgst_paise for tax in taxes),
        igst_paise=sum(tax.igst_paise for tax in taxes),
        cess_paise=sum(tax.cess_paise for tax in taxes),
        round_off_paise=round_off,
        grand_total_paise=grand,
    )


@dataclass(frozen=True)
class BuyerRevision:
    """A correction of the buyer's details: before, after, why, and what it did to the taxes."""

    revision: int
    reason: str
    before: BuyerDetails
    after: BuyerDetails
    supply_before: Supply
    supply_after: Supply
    lines: tuple[TaxedLine, ...]
    totals_before: Totals
    totals_after: Totals

    @property
    def total_difference_paise(self) -> int:
        """Change of the grand total (non-zero only when re-taxing moved it across a rupee)."""
        return self.totals_after.grand_total_paise - self.totals_before.grand_total_paise


def clean_buyer(details: BuyerDetails) -> BuyerDetails:
    """Trim the text and check the GSTIN (format, state code, check character)."""
    name = details.name.strip()
    if not name:
        raise RuleError("the buyer's name is required", "buyer_name")
    gstin = check_gstin(details.gstin) if details.gstin and details.gstin.strip() else None
    return replace(details, name=name, gstin=gstin, address=details.address.strip())


def revise_buyer(
    store_state: str,
    seller_state: str,
    current: BuyerDetails,
    corrected: BuyerDetails,
    lines: Sequence[TaxedLine],
    revision: int,
    reason: str,
) -> BuyerRevision:
    """Correct the buyer's details of an issued invoice; re-tax the same taxable values if the supply moves."""
    if not reason.strip():
        raise RuleError("say why the invoice is corrected", "reason", "reason_required")
    corrected = clean_buyer(corrected)
    if corrected == current:
        raise RuleError("the corrected details are the same as the invoice's", "buyer", "no_change")
    before = supply_type(seller_state, current.place(store_state))
    after = supply_type(seller_state, corrected.place(store_state))
    if before is after:
        new_lines = tuple(lines)
    else:
        new_lines = tuple(
            replace(line, tax=tax_on_taxable(line.tax.taxable_paise, line.rate_bp, line.cess_bp, after))
            for line in lines
        )
    return BuyerRevision(
        revision=revision, reason=reason.strip(), before=current, after=corrected,
        supply_before=before, supply_after=after, lines=new_lines,
        totals_before=totals_of([line.tax for line in lines]),
        totals_after=totals_of([line.tax for line in new_lines]),
    )


@dataclass(frozen=True)
class CreditedLine:
    """Quantity and amounts credited against one invoice line."""

    line_no: int
    quantity_milli: int
    tax: LineTax


@dataclass(frozen=True)
class CreditNoteAmounts:
    """A credit note's lines and totals."""

    lines: tuple[CreditedLine, ...]
    totals: Totals


def _part(amount: int, quantity: int, of_quantity: int) -> int:
    return round_paise(Decimal(amount) * quantity / of_quantity)


def credit_note(
    lines: Sequence[TaxedLine],
    already_credited: Mapping[int, Sequence[CreditedLine]],
    returns: Mapping[int, int],
) -> CreditNoteAmounts:
    """Credit returned quantities (line number → thousandths) in proportion to each line's amounts; the last
    return of a line credits exactly what is left, so a line is never credited more than it was invoiced."""
    if not returns:
        raise RuleError("a credit note needs at least one returned line", "lines")
    by_no = {line.line_no: line for line in lines}
    credited = []
    for line_no, quantity in sorted(returns.items()):
        line = by_no.get(line_no)
        if line is None:
            raise RuleError(f"the invoice has no line {line_no}", "line_no", "unknown_line")
        previous = already_credited.get(line_no, ())
        returned = sum(part.quantity_milli for part in previous)
        left = line.quantity_milli - returned
        if quantity <= 0:
            raise RuleError("a returned quantity must be more than zero", "quantity_milli")
        if quantity > left:
            raise RuleError(
                f"line {line_no}: only {left / 1000:g} is left to return", "quantity_milli", "return_exceeds_sold"
            )
        remaining = [
            getattr(line.tax, name) - sum(getattr(part.tax, name) for part in previous)
            for name in ("taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "cess_paise")
        ]
        if quantity == left:
            amounts = remaining
        else:
            amounts = [
                min(rest, _part(getattr(line.tax, name), quantity, line.quantity_milli))
                for rest, name in zip(
                    remaining, ("taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "cess_paise"), strict=True
                )
            ]
        credited.append(CreditedLine(line_no, quantity, LineTax(*amounts)))
    return CreditNoteAmounts(tuple(credited), totals_of([part.tax for part in credited]))
