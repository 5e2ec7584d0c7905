"""Pricing a 200-line cart: mixed units (piece, kg, case), tiers (counter, wholesale, customer, manual),
tax-inclusive and exclusive prices, an invoice discount — the recalculation the till runs on every change.

Baseline in the same run: the same 200 lines summed with plain integer arithmetic (rate x quantity and a
tax per line, no tiers, no Decimal, no rules) — the floor any pricing code could reach in Python.
"""

from __future__ import annotations

import random
import time
from datetime import date

from edge.domain.gst import GstRate, Supply
from edge.domain.pricing import CustomerRate, LineRequest, ProductPricing, SaleTerms, SaleUnit, Tier, price_sale
from edge.domain.units import Unit, UnitKind
from tests.bench.harness import Result, ns_to_ms, percentile

LINES = 200
FULL_RUNS, QUICK_RUNS = 2000, 200
DAY = date(2026, 11, 24)


def build_cart(seed: int = 7) -> tuple[list[LineRequest], SaleTerms]:
    """200 lines over 100 products with every kind of unit and tier."""
    rng = random.Random(seed)
    requests = []
    rates = []
    for index in range(LINES):
        weighed = index % 4 == 0
        base = Unit(UnitKind.KG, "kg") if weighed else Unit(UnitKind.PIECE, "piece")
        price = rng.randint(1_000, 50_000)
        units = {base.name: SaleUnit(base, {"counter": price, "wholesale": price * 95 // 100}, floor_paise=price // 2)}
        case = Unit(UnitKind.PACKAGE, "case", rng.choice([6, 12, 24]) * 1000)
        units["case"] = SaleUnit(case, {"counter": price * case.factor_milli // 1000 * 97 // 100} if index % 3 else {})
        product = ProductPricing(
            f"P{index % 100}", f"Product {index}", "1905", None, units,
            GstRate(rng.choice([0, 500, 1800, 4000]), 0, date(2025, 9, 22)), prices_include_tax=index % 5 != 0,
        )
        if index % 10 == 0:
            agreed = price * 9 // 10
            rates.append(CustomerRate(date(2025, 4, 1), customer="C1", product=product.sku, price_paise=agreed))
        unit_name = rng.choice(list(units))
        quantity = rng.randint(100, 5000) if unit_name == "kg" else rng.randint(1, 20) * 1000
        tier = [None, Tier.WHOLESALE, Tier.CUSTOMER, None][index % 4]
        manual = price if index % 17 == 0 and unit_name != "case" else None
        requests.append(LineRequest(product, unit_name, quantity, tier, manual, discount_paise=index % 7))
    terms = SaleTerms(on=DAY, supply=Supply.INTRA, tier=Tier.COUNTER, customer="C1", customer_type="b2b",
                      customer_rates=tuple(rates))
    return requests, terms


def plain_sum(cart: list[tuple[int, int, int]]) -> int:
    """Integer rate x quantity and one tax per line: the arithmetic floor."""
    total = 0
    for rate, quantity, rate_bp in cart:
        amount = rate * quantity // 1000
        total += amount + amount * rate_bp // 10_000
    return total


def run(quick: bool) -> list[Result]:
    """p50 and p99 of pricing the 200-line cart, against the integer floor."""
    requests, terms = build_cart()
    plain = [(r.product.units[r.unit_name].prices_paise.get("counter", 1000), r.quantity_milli,
              r.product.gst.rate_bp) for r in requests]
    runs = QUICK_RUNS if quick else FULL_RUNS
    for _ in range(20):
        price_sale(requests, terms, invoice_discount_paise=5000)
        plain_sum(plain)
    service_ns, baseline_ns = [], []
    for _ in range(runs):
        start = time.perf_counter_ns()
        price_sale(requests, terms, invoice_discount_paise=5000)
        service_ns.append(time.perf_counter_ns() - start)
        start = time.perf_counter_ns()
        plain_sum(plain)
        baseline_ns.append(time.perf_counter_ns() - start)
    service, baseline = ns_to_ms(service_ns), ns_to_ms(baseline_ns)
    baseline_name = "plain integer rate x quantity + one tax per line, same 200 lines"
    p50, p99 = percentile(service, 50), percentile(service, 99)
    return [
        Result("price_sale, 200 lines: p50", p50, "ms", f"{baseline_name}: p50", percentile(baseline, 50), "—", None),
        Result("price_sale, 200 lines: p99", p99, "ms", f"{baseline_name}: p99", percentile(baseline, 99),
               "p99 <= 2 ms (POS Awesome targets 150 ms)", p99 <= 2.0,
               notes=f"{runs} timed runs after 20 warm-ups; mixed piece/kg/case, four tiers, invoice discount"),
    ]
