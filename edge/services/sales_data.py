"""Loading what the billing rules need from the store: products with units, prices and GST in force,
a customer's agreed rates, the seller registration in force, scale-label rules."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import peewee

from edge.domain.barcodes import DEFAULT_SCALE_RULES, ScaleRule, parse_rule
from edge.domain.errors import RuleError
from edge.domain.gst import GstRate
from edge.domain.gstin import Registration, in_force
from edge.domain.pricing import CustomerRate, ProductPricing, SaleUnit
from edge.domain.units import Unit, UnitKind
from edge.services.catalog import product_views
from edge.services.context import ServiceContext
from edge.store import sql
from edge.store.models import (
    BarcodeRule,
    Category,
    Customer,
    CustomerPrice,
    CustomerType,
    Product,
    ProductUnit,
    RateTier,
    SellerRegistration,
)
from edge.store.outbox import next_value


@dataclass(frozen=True)
class LoadedProduct:
    """A product's pricing as the billing rules take it."""

    id: int
    pricing: ProductPricing


def load_products(db: peewee.Database, product_ids: Iterable[int], on: date) -> dict[int, LoadedProduct]:
    """Products by ID, priced as on a date (prices and GST rate in force then), read with the catalog's
    fixed SQL (the scan path)."""
    ids = sorted(set(product_ids))
    loaded = {}
    for product_id, view in zip(ids, product_views(db, ids, on), strict=True):
        sale_units = {
            unit["name"]: SaleUnit(Unit(UnitKind(unit["kind"]), unit["name"], unit["factor_milli"]),
                                   unit["prices_paise"], unit["floor_price_paise"])
            for unit in view["units"]
        }
        if view["gst_rate_bp"] is None:
            raise RuleError(f"{view['name']} has no GST rate in force on {on.isoformat()}", "gst", "no_gst_rate")
        pricing = ProductPricing(
            sku=view["sku"], name=view["name"], hsn_code=view["hsn_code"], category=view["category"],
            units=sale_units, gst=GstRate(view["gst_rate_bp"], view["cess_bp"] or 0, on),
            prices_include_tax=view["prices_include_tax"],
        )
        loaded[product_id] = LoadedProduct(product_id, pricing)
    return loaded


CATALOG_GENERATION = "catalog_generation"  # counter bumped by every catalog write, in its transaction


def catalog_changed() -> None:
    """Mark the catalog (products, units, barcodes, prices, GST rates, categories, tiers) changed; call in the
    writing transaction, so tills stop using what they cached the moment it commits."""
    next_value(CATALOG_GENERATION)


class ProductCache:
    """Products as priced on a day, kept between scans while the catalog generation stays the same: a scan
    re-prices the whole cart, and reading five products' units, prices and GST each time was a fifth of it."""

    LIMIT = 4096  # entries (product × day); past it the cache starts again

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._entries: dict[tuple[int, date], LoadedProduct] = {}

    def load(self, db: peewee.Database, product_ids: Iterable[int], on: date) -> dict[int, LoadedProduct]:
        """Products by ID as on a date; the generation is read in the caller's transaction."""
        generation = int(sql.scalar(db, "SELECT value FROM counter WHERE name = {p}", CATALOG_GENERATION) or 0)
        ids = set(product_ids)
        with self._lock:
            if generation != self._generation:
                self._entries.clear()
                self._generation = generation
            found = {pid: self._entries[(pid, on)] for pid in ids if (pid, on) in self._entries}
        missing = ids - found.keys()
        if missing:
            loaded = load_products(db, missing, on)
            found.update(loaded)
            with self._lock:
                if generation == self._generation:
                    if len(self._entries) + len(loaded) > self.LIMIT:
                        self._entries.clear()
                    self._entries.update({(pid, on): product for pid, product in loaded.items()})
        return found


def priced_products(ctx: ServiceContext, product_ids: Iterable[int], on: date) -> dict[int, LoadedProduct]:
    """Products by ID as on a date, from the context's product cache (the scan and checkout path)."""
    cache: ProductCache = ctx.cached("product_cache", float("inf"), ProductCache)
    return cache.load(ctx.db, product_ids, on)


def customer_rates(customer: Customer | None) -> list[CustomerRate]:
    """Rates agreed with a customer and with its customer type."""
    if customer is None:
        return []
    query = (
        CustomerPrice.select(CustomerPrice, Product, ProductUnit, Category, CustomerType)
        .join_from(CustomerPrice, Product, peewee.JOIN.LEFT_OUTER)
        .join_from(CustomerPrice, ProductUnit, peewee.JOIN.LEFT_OUTER)
        .join_from(CustomerPrice, Category, peewee.JOIN.LEFT_OUTER)
        .join_from(CustomerPrice, CustomerType, peewee.JOIN.LEFT_OUTER)
        .where((CustomerPrice.customer == customer) | (CustomerPrice.customer_type == customer.customer_type_id))
    )
    rates = []
    for row in query:
        base_unit = row.unit_id is None or (row.unit.factor_milli == 1000 and row.unit.kind != "package")
        rates.append(CustomerRate(
            valid_from=row.valid_from, valid_to=row.valid_to,
            customer=customer.code if row.customer_id else None,
            customer_type=row.customer_type.code if row.customer_type_id else None,
            product=row.product.sku if row.product_id else None,
            unit=None if base_unit else row.unit.name,
            category=row.category.name if row.category_id else None,
            price_paise=row.price_paise, discount_bp=row.discount_bp,
        ))
    return rates


def registrations() -> list[Registration]:
    """Every seller registration of the company."""
    return [
        Registration(gstin=row.gstin, legal_name=row.legal_name, trade_name=row.trade_name,
                     state_code=row.state_code, valid_from=row.valid_from, valid_to=row.valid_to)
        for row in SellerRegistration.select().order_by(SellerRegistration.valid_from)
    ]


def registration_on(on: date) -> tuple[SellerRegistration, Registration]:
    """The seller registration in force on a date, as row and as rule object."""
    registration = in_force(registrations(), on)
    row = SellerRegistration.get(
        (SellerRegistration.gstin == registration.gstin) & (SellerRegistration.valid_from == registration.valid_from)
    )
    return row, registration


def scale_rules() -> Sequence[ScaleRule]:
    """Active scale-label rules of the store, or the defaults when none are configured."""
    rows = list(BarcodeRule.select().where(BarcodeRule.is_active))
    if not rows:
        return DEFAULT_SCALE_RULES
    return [parse_rule(row.name, row.kind, row.pattern, row.sequence) for row in rows]


def tier_tax_basis() -> dict[str, bool]:
    """Tiers whose prices are set to include (True) or exclude (False) tax regardless of the product."""
    return {tier.code: tier.prices_include_tax for tier in RateTier.select() if tier.prices_include_tax is not None}

