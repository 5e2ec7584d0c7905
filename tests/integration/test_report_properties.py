"""Property: after any sequence of sales, payments, returns, cancellations and buyer corrections — across the
financial year's end — the summaries kept at write time equal a rebuild from the source rows, and every sales,
product and GST figure equals the direct computation (tests/integration/report_history.py). On SQLite and
MariaDB; hypothesis draws the sequences, the store keeps growing from one example to the next."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.domain.reports import Period, SalesTotals
from edge.services import after_sale, checkout, gst_reports, report_summaries, reports
from edge.services.errors import InvalidInput
from edge.services.setup import ensure_store
from edge.store.db import write_transaction
from edge.store.migrate import migrate
from edge.store.models import Invoice
from tests.conftest import FakeClock, make_config, make_context, release
from tests.integration.report_history import (
    OTHER_STATE_GSTIN,
    Shop,
    expected_gst,
    expected_products,
    expected_sales,
    local,
    open_shop,
    read_book,
    sell,
)

KINDS = ("sell", "sell", "sell_account", "pay", "return", "return_refund", "cancel", "revise", "later", "later")
OPERATIONS = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 1_000_000)), min_size=1, max_size=10)


@pytest.fixture(params=["sqlite", "mysql"])
def growing(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """A store the examples keep adding to, from 29 March 2026 (so they cross 31 March / 1 April)."""
    data_dir = tmp_path_factory.mktemp("growing") / "data"
    name = f"p_{uuid.uuid4().hex[:12]}"
    server = request.getfixturevalue("mariadb") if request.param == "mysql" else None
    url = server.create_database(name) if server else f"sqlite:///{data_dir / 'store.db'}"
    clock = FakeClock(datetime(2026, 3, 29, 4, 0))
    ctx = make_context(make_config(data_dir, url), clock)
    migrate(ctx.db)
    ensure_store(ctx)
    yield open_shop(ctx, clock, seed=3)
    release(ctx)
    if server:
        server.drop_database(name)


def _pick(shop: Shop, seed: int) -> Invoice | None:
    issued = list(Invoice.select().where(Invoice.status == "issued").order_by(Invoice.id))
    return issued[seed % len(issued)] if issued else None


def apply(shop: Shop, kind: str, seed: int) -> None:
    """One operation, as a till or the back office would do it (a refused one changes nothing)."""
    ctx, rng = shop.ctx, shop.rng
    rng.seed(seed)
    shop.clock.advance(minutes=7)
    if kind in ("sell", "sell_account"):
        pieces = [(shop.pieces[(seed >> shift) % len(shop.pieces)], str(1 + (seed >> shift) % 3))
                  for shift in range(0, 1 + seed % 3 * 4, 4)]
        customer = shop.credit_customers[seed % len(shop.credit_customers)] if kind == "sell_account" else None
        sell(shop, shop.cashiers[seed % len(shop.cashiers)], shop.tills[seed % 3], pieces, customer,
             ("credit" if kind == "sell_account" else ("full", "split", "partial", "none")[seed % 4]))
        return
    if kind == "later":
        shop.clock.advance(hours=1 + seed % 40)
        return
    invoice = _pick(shop, seed)
    if invoice is None:
        return
    invoice_id = str(invoice.uuid)
    view = checkout.view_invoice(ctx, invoice_id)
    try:
        if kind == "pay" and view["balance_due_paise"] > 0:
            checkout.pay(ctx, shop.manager, invoice_id, "upi", view["balance_due_paise"])
        elif kind in ("return", "return_refund"):
            line = view["lines"][seed % len(view["lines"])]
            refund = "cash" if kind == "return_refund" and view["paid_paise"] > 0 else None
            after_sale.return_items(ctx, shop.manager, invoice_id, {line["line_no"]: 1000}, "came back", refund)
        elif kind == "cancel":
            if view["paid_paise"] > 0:
                after_sale.refund_payment(ctx, shop.manager, invoice_id, "cash", view["paid_paise"])
            after_sale.cancel_invoice(ctx, shop.manager, invoice_id, "wrong bill")
        elif kind == "revise":
            gstin, name, state = OTHER_STATE_GSTIN
            changes: dict[str, Any] = ({"name": name, "gstin": gstin, "state_code": state}
                                       if not view["buyer"]["gstin"] else {"delivery_state": "27"})
            after_sale.correct_buyer(ctx, shop.manager, invoice_id, changes, "buyer details corrected")
    except InvalidInput:
        pass  # refused (e.g. nothing left to return): the store is unchanged


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(operations=OPERATIONS)
def test_any_sequence_leaves_summaries_equal_to_a_recomputation(growing: Shop,
                                                               operations: list[tuple[str, int]]) -> None:
    shop = growing
    for kind, seed in operations:
        apply(shop, kind, seed)
    db = shop.ctx.db
    kept = report_summaries.summary_rows(db)
    with write_transaction(db):
        report_summaries.rebuild(db, "Asia/Kolkata")
    assert report_summaries.summary_rows(db) == kept
    book = read_book()
    first, last = date(2026, 3, 29), local(shop.clock.now)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    for day_first, day_last in [(first, last), (first, date(2026, 3, 31)), (date(2026, 4, 1), max(last, first)),
                                *((day, day) for day in days)]:
        if day_last < day_first:
            continue
        flt = reports.Filters(Period(day_first, day_last))
        expected = expected_sales(book, day_first, day_last).get(None, {})
        assert vars(reports.sales_totals(flt)) == {name: expected.get(name, 0)
                                                   for name in SalesTotals.__dataclass_fields__}
        products = {row["product_id"]: row for row in reports.best_sellers(shop.ctx, flt, None)["rows"]}
        assert sum(row["net_sales_paise"] for row in products.values()) == sum(
            values.get("taxable_paise", 0) for values in expected_products(book, day_first, day_last).values())
    for month_first, month_last in ((date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 4, 30))):
        period = Period(month_first, month_last)
        for registration in gst_reports.registrations(period, None):
            own, earlier = expected_gst(book, set(registration.ids), month_first, month_last)
            rows = gst_reports.tax_rows(period, registration.ids)
            for flag, expected_rows in ((False, own), (True, earlier)):
                found: dict[tuple[Any, ...], dict[str, int]] = {}
                for row in rows:
                    if row.earlier != flag:
                        continue
                    slot = found.setdefault((row.section, row.supply, row.place_of_supply, row.rate_bp, row.hsn_code,
                                             row.uqc), dict.fromkeys(("quantity_milli", "taxable_paise", "cgst_paise",
                                                                       "sgst_paise", "igst_paise", "cess_paise"), 0))
                    for name in slot:
                        slot[name] += getattr(row, name)
                assert {key: value for key, value in found.items() if any(value.values())} == expected_rows
