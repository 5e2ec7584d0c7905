"""Products and terms for the billing-rule tests, with the prices written in docs/billing-rules.md."""

from __future__ import annotations

from datetime import date

from edge.domain.gst import GstRate, Supply
from edge.domain.pricing import ProductPricing, SaleTerms, SaleUnit, Tier
from edge.domain.units import Unit, UnitKind

SALE_DAY = date(2026, 11, 24)
PIECE = Unit(UnitKind.PIECE, "piece")
KG = Unit(UnitKind.KG, "kg")


def product(
    sku: str, name: str, hsn: str, rate_bp: int, units: dict[str, SaleUnit], category: str | None = None,
    includes_tax: bool = True, cess_bp: int = 0,
) -> ProductPricing:
    """A product priced for a sale on SALE_DAY."""
    return ProductPricing(sku, name, hsn, category, units, GstRate(rate_bp, cess_bp, date(2025, 9, 22)), includes_tax)


SUGAR = product("SUGAR", "Sugar (loose)", "1701", 500, {
    "kg": SaleUnit(KG, {"counter": 4600, "wholesale": 4400}),
    "50 kg bag": SaleUnit(Unit(UnitKind.PACKAGE, "50 kg bag", 50_000), {"counter": 220_000}),
}, "Sugar, Salt & Jaggery")
BISCUITS = product("PARLEG", "Parle-G 250 g", "1905", 500, {
    "piece": SaleUnit(PIECE, {"counter": 2500, "wholesale": 2350}, floor_paise=2200),
    "Case of 24": SaleUnit(Unit(UnitKind.PACKAGE, "Case of 24", 24_000), {"counter": 57_600}),
    "Box of 12": SaleUnit(Unit(UnitKind.PACKAGE, "Box of 12", 12_000)),
}, "Biscuits & Snacks")
DETERGENT = product("SURF1", "Surf Excel 1 kg", "3402", 1800, {
    "piece": SaleUnit(PIECE, {"counter": 22_000, "wholesale": 19_000}),
}, "Household & Cleaning", includes_tax=False)
COLA = product("COLA2L", "Cola 2 L", "2202", 4000, {"piece": SaleUnit(PIECE, {"counter": 10_000})}, "Beverages")


def terms(supply: Supply = Supply.INTRA, tier: Tier = Tier.COUNTER, **kwargs: object) -> SaleTerms:
    """Sale terms on SALE_DAY."""
    return SaleTerms(on=SALE_DAY, supply=supply, tier=tier, **kwargs)  # type: ignore[arg-type]
