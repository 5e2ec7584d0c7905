"""Pricing a sale: the rate of each line by unit and tier (wholesale, counter, customer-specific, manual),
line and invoice discounts, GST per line and the invoice totals with round-off.

Rounding points: the line amount (rate x quantity), each tax of each line, the round-off to the rupee.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cached_property

from edge.domain.errors import RuleError
from edge.domain.gst import BASIS, GstRate, LineTax, Supply, TaxSummaryRow, line_tax, tax_summary
from edge.domain.money import allocate, round_paise, round_to_rupee
from edge.domain.units import MILLI, Unit, UnitKind, check_quantity_milli


class Tier(StrEnum):
    """Where a line's rate comes from."""

    WHOLESALE = "wholesale"
    COUNTER = "counter"
    CUSTOMER = "customer"
    MANUAL = "manual"


@dataclass(frozen=True)
class SaleUnit:
    """A unit of a product with its own explicit prices per tier ({} when derived from the base unit)."""

    unit: Unit
    prices_paise: Mapping[str, int] = field(default_factory=dict)
    floor_paise: int | None = None


@dataclass(frozen=True)
class ProductPricing:
    """What pricing needs of a product: its units and prices, HSN, category and the GST in force."""

    sku: str
    name: str
    hsn_code: str
    category: str | None
    units: Mapping[str, SaleUnit]  # by unit name; the base unit has factor 1000
    gst: GstRate
    prices_include_tax: bool = True

    @cached_property
    def base(self) -> SaleUnit:
        """The base unit (piece or kg)."""
        for sale_unit in self.units.values():
            if sale_unit.unit.factor_milli == MILLI and sale_unit.unit.kind is not UnitKind.PACKAGE:
                return sale_unit
        raise RuleError(f"{self.name} has no base unit", "units")

    def unit(self, name: str) -> SaleUnit:
        """A unit by name; RuleError naming the product when it is not sold in it."""
        try:
            return self.units[name]
        except KeyError as exc:
            raise RuleError(f"{self.name} is not sold by {name!r}", "unit", "unknown_unit") from exc


@dataclass(frozen=True)
class CustomerRate:
    """An agreed rate: for a customer or a customer type, on a product (price per unit, or per base unit when
    ``unit`` is None) or a whole category (a discount off the counter rate), for a period."""

    valid_from: date
    customer: str | None = None
    customer_type: str | None = None
    product: str | None = None
    unit: str | None = None
    category: str | None = None
    price_paise: int | None = None
    discount_bp: int | None = None
    valid_to: date | None = None

    def __post_init__(self) -> None:
        if (self.customer is None) == (self.customer_type is None):
            raise RuleError("a customer rate is for a customer or for a customer type", "customer")
        if (self.product is None) == (self.category is None):
            raise RuleError("a customer rate is for a product or for a category", "product")
        if (self.price_paise is None) == (self.discount_bp is None):
            raise RuleError("a customer rate has a price or a discount", "price_paise")
        if self.category is not None and self.price_paise is not None:
            raise RuleError("a category rate is a discount, not a price", "price_paise")
        if self.price_paise is not None and self.price_paise <= 0:
            raise RuleError("a customer price must be more than zero", "price_paise")
        if self.discount_bp is not None and not 0 < self.discount_bp < BASIS:
            raise RuleError("a customer discount must be between 0 and 100 %", "discount_bp")

    def in_force(self, on: date) -> bool:
        """True when the rate applies on a date."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class SaleTerms:
    """What applies to the whole sale: the tier, the customer, the date, the supply and the cashier's powers."""

    on: date
    supply: Supply
    tier: Tier = Tier.COUNTER
    customer: str | None = None
    customer_type: str | None = None
    customer_rates: Sequence[CustomerRate] = ()
    tier_prices_include_tax: Mapping[str, bool] = field(default_factory=dict)
    may_sell_below_floor: bool = False
    max_discount_bp: int | None = None  # None: no limit


@dataclass(frozen=True)
class LineRequest:
    """A line as the cashier built it."""

    product: ProductPricing
    unit_name: str
    quantity_milli: int
    tier: Tier | None = None  # None: the sale's tier
    manual_rate_paise: int | None = None
    discount_paise: int = 0


@dataclass(frozen=True)
class PricedLine:
    """A line with its rate, amounts and taxes."""

    request: LineRequest
    tier: Tier
    rate: Decimal  # paise per unit, exact
    gross_paise: int
    discount_paise: int
    includes_tax: bool
    tax: LineTax

    @property
    def net_paise(self) -> int:
        """Amount after discounts, in the price's own basis (with or without tax)."""
        return self.gross_paise - self.discount_paise

    @property
    def total_paise(self) -> int:
        """What the line costs the buyer, taxes included."""
        return self.tax.total_paise

    @property
    def rate_paise(self) -> int:
        """The rate per unit rounded to the paisa, as printed."""
        return round_paise(self.rate)


@dataclass(frozen=True)
class PricedSale:
    """A priced sale: lines, totals, round-off to the rupee and the tax summary by HSN and rate."""

    lines: tuple[PricedLine, ...]
    subtotal_paise: int
    discount_paise: int
    taxable_paise: int
    cgst_paise: int
    sgst_paise: int
    igst_paise: int
    cess_paise: int
    round_off_paise: int
    grand_total_paise: int
    summary: tuple[TaxSummaryRow, ...]

    @property
    def total_before_round_off_paise(self) -> int:
        """Sum of the line totals."""
        return self.grand_total_paise - self.round_off_paise


def tier_rate(product: ProductPricing, sale_unit: SaleUnit, tier: Tier) -> Decimal | None:
    """Rate of one ``sale_unit`` in a price-list tier: its explicit price, else the base price x factor."""
    explicit = sale_unit.prices_paise.get(tier.value)
    if explicit is not None:
        return Decimal(explicit)
    base_price = product.base.prices_paise.get(tier.value)
    if base_price is None:
        return None
    return Decimal(base_price) * sale_unit.unit.factor_milli / MILLI


def counter_rate(product: ProductPricing, sale_unit: SaleUnit) -> Decimal:
    """The counter-sale rate, the fallback of every other tier."""
    rate = tier_rate(product, sale_unit, Tier.COUNTER)
    if rate is None:
        raise RuleError(f"{product.name} has no counter price for {sale_unit.unit.name}", "price", "no_price")
    return rate


RateBook = Mapping[tuple[bool, bool, str], Sequence[CustomerRate]]


def rate_book(terms: SaleTerms) -> RateBook:
    """The buyer's agreed rates in force on the sale date, by (for the customer?, for a product?, SKU or
    category): built once per sale so each line finds its rate directly."""
    book: dict[tuple[bool, bool, str], list[CustomerRate]] = {}
    for rate in terms.customer_rates:
        if not rate.in_force(terms.on):
            continue
        if rate.customer is not None and rate.customer != terms.customer:
            continue
        if rate.customer_type is not None and rate.customer_type != terms.customer_type:
            continue
        by_product = rate.product is not None
        key = rate.product if by_product else rate.category
        assert key is not None
        book.setdefault((rate.customer is not None, by_product, key), []).append(rate)
    return book


def customer_rate(product: ProductPricing, sale_unit: SaleUnit, book: RateBook) -> Decimal | None:
    """The agreed rate for this buyer, most specific first: customer and product, customer and category,
    type and product, type and category."""
    unit_name = sale_unit.unit.name
    for by_customer, by_product in ((True, True), (True, False), (False, True), (False, False)):
        key = product.sku if by_product else product.category
        if key is None:
            continue
        found = [rate for rate in book.get((by_customer, by_product, key), ()) if rate.unit in (None, unit_name)]
        if not found:
            continue
        best = max(found, key=lambda rate: (rate.unit is not None, rate.valid_from))
        if best.discount_bp is not None:
            return counter_rate(product, sale_unit) * (BASIS - best.discount_bp) / BASIS
        assert best.price_paise is not None
        if best.unit is not None:
            return Decimal(best.price_paise)
        return Decimal(best.price_paise) * sale_unit.unit.factor_milli / MILLI
    return None


def floor_rate(product: ProductPricing, sale_unit: SaleUnit) -> Decimal | None:
    """Lowest rate a cashier may type without the permission: the unit's floor, else the base floor x factor."""
    if sale_unit.floor_paise is not None:
        return Decimal(sale_unit.floor_paise)
    base_floor = product.base.floor_paise
    if base_floor is None:
        return None
    return Decimal(base_floor) * sale_unit.unit.factor_milli / MILLI


def resolve_rate(request: LineRequest, terms: SaleTerms, book: RateBook | None = None) -> tuple[Tier, Decimal]:
    """The tier that applies to a line and its rate per unit."""
    product = request.product
    sale_unit = product.unit(request.unit_name)
    if request.manual_rate_paise is not None:
        manual = Decimal(request.manual_rate_paise)
        if manual <= 0:
            raise RuleError("a manual rate must be more than zero", "manual_rate_paise")
        floor = floor_rate(product, sale_unit)
        if floor is not None and manual < floor and not terms.may_sell_below_floor:
            raise RuleError(
                f"{product.name}: a rate below {round_paise(floor) / 100:.2f} per {sale_unit.unit.name} needs "
                "a manager's permission", "manual_rate_paise", "below_floor",
            )
        return Tier.MANUAL, manual
    tier = request.tier or terms.tier
    if tier is Tier.MANUAL:
        raise RuleError("the manual tier needs a typed rate", "manual_rate_paise")
    if tier is Tier.CUSTOMER:
        agreed = customer_rate(product, sale_unit, rate_book(terms) if book is None else book)
        if agreed is not None:
            return Tier.CUSTOMER, agreed
        return Tier.COUNTER, counter_rate(product, sale_unit)
    rate = tier_rate(product, sale_unit, tier)
    if rate is None:
        return Tier.COUNTER, counter_rate(product, sale_unit)
    return tier, rate


def _includes_tax(request: LineRequest, tier: Tier, terms: SaleTerms) -> bool:
    # A typed rate is in the same basis as the tier the cashier was selling in.
    basis = (request.tier or terms.tier) if tier is Tier.MANUAL else tier
    override = terms.tier_prices_include_tax.get(basis.value)
    return request.product.prices_include_tax if override is None else override


def _check_discount(discount: int, gross: int, terms: SaleTerms, field_name: str) -> None:
    if discount < 0:
        raise RuleError("a discount cannot be negative", field_name)
    if discount > gross:
        raise RuleError("a discount cannot exceed the amount it applies to", field_name, "discount_too_large")
    if terms.max_discount_bp is not None and discount * BASIS > gross * terms.max_discount_bp:
        raise RuleError(
            f"a discount above {terms.max_discount_bp / 100:g} % needs a manager", field_name, "discount_limit"
        )


def price_sale(requests: Sequence[LineRequest], terms: SaleTerms, invoice_discount_paise: int = 0) -> PricedSale:
    """Price every line, spread the invoice discount over the lines, tax each line and total the sale."""
    staged: list[tuple[LineRequest, Tier, Decimal, int, bool]] = []
    book = rate_book(terms)
    for index, request in enumerate(requests):
        sale_unit = request.product.unit(request.unit_name)
        check_quantity_milli(request.quantity_milli, sale_unit.unit, f"lines[{index}].quantity_milli")
        tier, rate = resolve_rate(request, terms, book)
        gross = round_paise(rate * request.quantity_milli / MILLI)
        _check_discount(request.discount_paise, gross, terms, f"lines[{index}].discount_paise")
        staged.append((request, tier, rate, gross, _includes_tax(request, tier, terms)))
    nets = [gross - request.discount_paise for request, _, _, gross, _ in staged]
    _check_discount(invoice_discount_paise, sum(nets), terms, "discount_paise")
    shares = allocate(invoice_discount_paise, nets)
    lines = []
    for (request, tier, rate, gross, includes_tax), share in zip(staged, shares, strict=True):
        discount = request.discount_paise + share
        gst = request.product.gst
        tax = line_tax(gross - discount, gst.rate_bp, gst.cess_bp, terms.supply, includes_tax)
        lines.append(PricedLine(request, tier, rate, gross, discount, includes_tax, tax))
    return total_sale(lines)


def total_sale(lines: Sequence[PricedLine]) -> PricedSale:
    """Totals of priced (or re-taxed) lines: taxes, round-off to the nearest rupee, tax summary."""
    total = sum(line.total_paise for line in lines)
    grand_total, round_off = round_to_rupee(total)
    summary = tax_summary([(line.request.product.hsn_code, line.request.product.gst.rate_bp, line.tax)
                           for line in lines])
    return PricedSale(
        lines=tuple(lines),
        subtotal_paise=sum(line.gross_paise for line in lines),
        discount_paise=sum(line.discount_paise for line in lines),
        taxable_paise=sum(line.tax.taxable_paise for line in lines),
        cgst_paise=sum(line.tax.cgst_paise for line in lines),
        sgst_paise=sum(line.tax.sgst_paise for line in lines),
        igst_paise=sum(line.tax.igst_paise for line in lines),
        cess_paise=sum(line.tax.cess_paise for line in lines),
        round_off_paise=round_off,
        grand_total_paise=grand_total,
        summary=tuple(summary),
    )
