"""Every report figure against a direct computation over the rows a generated history leaves, on SQLite and
MariaDB; the summaries kept at write time against a rebuild; an upgraded store's summaries filled by the
migration. (Query plans: test_report_plans.py.)"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import pytest

from edge.domain.reports import Period, SalesTotals
from edge.services import gst_reports, report_summaries, reports
from edge.services.context import ServiceContext
from edge.services.errors import ServiceError
from edge.services.setup import ensure_store
from edge.store.db import is_sqlite, write_transaction
from edge.store.migrate import migrate
from edge.store.models import Customer, Invoice, InvoiceSeries, SellerRegistration, Till, User
from tests.conftest import FakeClock, make_config, make_context, release
from tests.integration.report_history import (
    TAXES,
    Book,
    Shop,
    expected_gst,
    expected_payments,
    expected_products,
    expected_receivables,
    expected_sales,
    expected_status,
    in_period,
    local,
    make_history,
    open_shop,
    read_book,
)

PERIODS = (
    (date(2025, 12, 30), date(2025, 12, 31)),  # the last days under the old GSTIN
    (date(2026, 1, 1), date(2026, 1, 31)),
    (date(2026, 2, 1), date(2026, 2, 28)),
    (date(2026, 3, 1), date(2026, 3, 31)),  # the financial year's last month
    (date(2026, 4, 1), date(2026, 4, 4)),  # the new financial year
    (date(2026, 3, 31), date(2026, 4, 1)),  # either side of 31 March / 1 April
    (date(2026, 1, 15), date(2026, 3, 10)),  # ragged ends around whole months
    (date(2025, 12, 30), date(2026, 4, 4)),  # everything
)
MONTHS = PERIODS[:5]


@pytest.fixture(scope="module", params=["sqlite", "mysql"])
def shop(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """The generated history, made once per backend for this module (today: 4 April 2026 in India)."""
    data_dir = tmp_path_factory.mktemp("reports") / "data"
    name = f"r_{uuid.uuid4().hex[:12]}"
    server = request.getfixturevalue("mariadb") if request.param == "mysql" else None
    url = server.create_database(name) if server else f"sqlite:///{data_dir / 'store.db'}"
    clock = FakeClock(datetime(2025, 12, 30, 4, 0))
    ctx = make_context(make_config(data_dir, url), clock)
    migrate(ctx.db)
    ensure_store(ctx)
    shop = open_shop(ctx, clock)
    make_history(shop)
    yield shop
    release(ctx)
    if server:
        server.drop_database(name)


@pytest.fixture
def backend_ctx(shop: Shop) -> ServiceContext:
    """The history's store."""
    return shop.ctx


def _filters(first: date, last: date, till: str | None = None, cashier: str | None = None) -> reports.Filters:
    till_id = Till.get(Till.code == till).id if till else None
    cashier_id = User.get(User.username == cashier).id if cashier else None
    return reports.Filters(Period(first, last), till_id, till, cashier_id, cashier)


def _sales(expected: dict[str, int]) -> dict[str, int]:
    return {name: expected.get(name, 0) for name in SalesTotals.__dataclass_fields__}


def test_history_has_the_edge_cases(shop: Shop) -> None:
    book = read_book()
    invoices = list(book.invoices.values())
    assert len({invoice.till_id for invoice in invoices}) == 3 and len({i.cashier_id for i in invoices}) >= 4
    assert book.notes and any(invoice.status == "cancelled" for invoice in invoices)
    assert any(invoice.supply_type == "inter" and invoice.revision for invoice in invoices), "CGST+SGST → IGST"
    moved = [i for i in invoices if any(local(r.changed_at).month != local(i.issued_at).month
                                        for r in book.revisions.get(i.id, []))]
    assert moved, "a correction in a later month"
    assert {local(i.issued_at) for i in invoices} >= {date(2025, 12, 31), date(2026, 1, 1), date(2026, 3, 31),
                                                      date(2026, 4, 1)}
    assert len({i.seller_registration_id for i in invoices}) == 2, "the GSTIN changed on 1 January"
    assert {i.series.financial_year for i in invoices} == {"2526", "2627"}
    assert any(p.method == "credit" for p in book.payments) and any(p.kind == "refund" for p in book.payments)


def test_sales_figures_match_a_direct_computation(shop: Shop, backend_ctx: ServiceContext) -> None:
    ctx, book = backend_ctx, read_book()
    t2, cashier2 = Till.get(Till.code == "T2").id, User.get(User.username == "cashier2").id
    for first, last in PERIODS:
        flt = _filters(first, last)
        assert vars(reports.sales_totals(flt)) == _sales(expected_sales(book, first, last).get(None, {})), (first, last)
        assert vars(reports.sales_totals(_filters(first, last, "T2"))) == _sales(
            expected_sales(book, first, last, till=t2).get(None, {}))
        assert vars(reports.sales_totals(_filters(first, last, "T2", "cashier2"))) == _sales(
            expected_sales(book, first, last, till=t2, cashier=cashier2).get(None, {}))
        by_customer = expected_sales(book, first, last, key="customer")
        rows = reports.by_customer(ctx, flt)["rows"]
        assert sorted(row["net_sales_paise"] for row in rows) == sorted(
            values.get("taxable_paise", 0) for values in by_customer.values())
        assert sum(row["invoices"] for row in rows) == sum(
            values.get("invoices", 0) - values.get("cancellations", 0) for values in by_customer.values())
        by_type = expected_sales(book, first, last, key="type")
        assert sorted(row["net_billed_paise"] for row in reports.by_customer_type(ctx, flt)["rows"]) == sorted(
            values.get("total_paise", 0) for values in by_type.values())
        _check_products(ctx, book, flt)
        payments = reports.by_payment_method(ctx, flt)
        expected = expected_payments(book, first, last)
        for row in payments["rows"]:
            assert (row["payments"], row["paid_paise"]) == expected.get((row["method"], "payment"), (0, 0))
            assert (row["refunds"], -row["refunded_paise"]) == expected.get((row["method"], "refund"), (0, 0))
        assert {row["method"] for row in payments["rows"]} == {method for method, _ in expected}
    months = reports.trend(ctx, _filters(date(2025, 12, 1), date(2026, 4, 30)))["rows"]
    assert [row["period"] for row in months] == ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04"]
    for row, (first, last) in zip(months, MONTHS, strict=True):
        assert row["net_sales_paise"] == reports.sales_totals(_filters(first, last)).taxable_paise
    days = reports.trend(ctx, _filters(date(2026, 3, 30), date(2026, 4, 2), "T1"), by="day")["rows"]
    for row in days:
        day = date.fromisoformat(row["period"])
        expected_day = expected_sales(book, day, day, till=Till.get(Till.code == "T1").id).get(None, {})
        assert row["net_billed_paise"] == expected_day.get("total_paise", 0)


def _check_products(ctx: ServiceContext, book: Book, flt: reports.Filters) -> None:
    expected = expected_products(book, flt.period.first, flt.period.last)
    rows = reports.best_sellers(ctx, flt, limit=None)["rows"]
    found = {row["sku"]: row for row in rows}
    from edge.store.models import Product

    skus = {product.id: product.sku for product in Product.select()}
    for product_id, values in expected.items():
        row = found.pop(skus[product_id])
        assert (row["sold_milli"], row["returned_milli"], row["lines"], row["net_sales_paise"], row["tax_paise"],
                row["net_billed_paise"]) == tuple(values.get(name, 0) for name in (
                    "sold_milli", "returned_milli", "lines", "taxable_paise", "tax_paise", "total_paise"))
    assert not [row for row in found.values() if row["sold_milli"] or row["net_sales_paise"]]
    revenue = [row["net_sales_paise"] for row in rows]
    assert revenue == sorted(revenue, reverse=True), "best first"
    categories: dict[str, int] = defaultdict(int)
    for product_id, values in expected.items():
        categories[book.categories[product_id] or "Uncategorised"] += values.get("taxable_paise", 0)
    assert {row["category"]: row["net_sales_paise"] for row in reports.by_category(ctx, flt)["rows"]} == {
        name: value for name, value in categories.items() if value or name in categories}


def test_invoice_status_receivables_and_register_match_a_direct_computation(
        shop: Shop, backend_ctx: ServiceContext) -> None:
    ctx, book = backend_ctx, read_book()
    today = local(shop.clock.now)
    for first, last in PERIODS:
        status = reports.invoice_status(ctx, _filters(first, last))
        expected = expected_status(book, first, last, today)
        found = {row["status"]: (row["invoices"], row["value_paise"]) for row in status["rows"] if row["invoices"]}
        assert found == expected, (first, last)
        register = reports.invoice_register(ctx, _filters(first, last), 1, 500)
        issued = [i for i in book.invoices.values() if in_period(i.issued_at, first, last)]
        assert register["total"] == len(issued) == len(register["rows"])
        assert sum(row["total_paise"] for row in register["rows"]) == sum(i.total_paise for i in issued)
        assert {row["status"] for row in register["rows"]} <= set(expected)
        streamed = list(reports.register_rows(ctx, _filters(first, last), chunk=7))
        assert [row["number"] for row in streamed] == [row["number"] for row in register["rows"]]
    owed = reports.receivables(ctx, _filters(today, today))
    buckets, credits = expected_receivables(book, today)
    assert {row["bucket"]: row["balance_paise"] for row in owed["buckets"] if row["balance_paise"]} == buckets
    assert owed["credits_paise"] == credits
    assert sum(row["balance_paise"] for row in owed["customers"]) == owed["total_paise"] == sum(buckets.values())


def _summed(rows: list[gst_reports.TaxRow], earlier: bool) -> dict[tuple[Any, ...], dict[str, int]]:
    found: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        if row.earlier != earlier:
            continue
        slot = found[(row.section, row.supply, row.place_of_supply, row.rate_bp, row.hsn_code, row.uqc)]
        for name in ("quantity_milli", *TAXES):
            slot[name] += getattr(row, name)
    return {key: dict(values) for key, values in found.items() if any(values.values())}


def _total(rows: list[dict[str, Any]], names: tuple[str, ...] = TAXES) -> dict[str, int]:
    return {name: sum(row.get(name, 0) for row in rows) for name in names}


def test_gst_returns_match_a_direct_computation_and_add_up(shop: Shop, backend_ctx: ServiceContext) -> None:
    ctx, book = backend_ctx, read_book()
    for first, last in MONTHS:
        period = Period(first, last)
        blocks = gst_reports.gst_return(ctx, _filters(first, last))["registrations"]
        assert len(blocks) == 1, "a month is under one GSTIN"
        block = blocks[0]
        registration = gst_reports.registrations(period, block["gstin"])[0]
        own, earlier = expected_gst(book, set(registration.ids), first, last)
        rows = gst_reports.tax_rows(period, registration.ids)
        assert _summed(rows, earlier=False) == own, (first, last)
        assert _summed(rows, earlier=True) == earlier, (first, last)
        # The invoice-wise lists and the summary tell the same story.
        by_section: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(TAXES, 0))
        for (section, _, _, rate, _, _), values in own.items():
            for name in TAXES:
                by_section["nil" if rate == 0 else section][name] += values[name]
        assert _total(block["b2b"]) == {n: by_section["b2b"][n] - _total(block["cdnr"])[n] for n in TAXES}
        assert _total(block["b2cl"]) == {n: by_section["b2cl"][n] - _total(block["cdnur"])[n] for n in TAXES}
        assert _total(block["b2cs"]) == by_section["b2cs"]
        assert sum(row["nil_rated_paise"] for row in block["nil"]) == by_section["nil"]["taxable_paise"]
        assert _total(block["rates"]) == _total(block["hsn"]) == {
            n: sum(section[n] for section in by_section.values()) for n in TAXES}
        liability = block["totals"]["liability"]
        assert {n: liability[n] for n in TAXES} == {
            n: sum(v[n] for v in own.values()) + sum(v[n] for v in earlier.values()) for n in TAXES}
        for tax in ("cgst", "sgst", "igst"):
            assert sum(item[f"{tax}_difference_paise"] for item in block["amendments"]) == sum(
                values[f"{tax}_paise"] for values in earlier.values())
        # Documents issued: every number of every series used in the month.
        issued = [i for i in book.invoices.values() if first <= local(i.issued_at) <= last]
        documents = {row["series"]: row for row in block["documents"] if row["nature"].startswith("Invoices")}
        for series in {i.series_id for i in issued}:
            numbering = InvoiceSeries.get_by_id(series)
            row = documents[f"{numbering.prefix}/{numbering.financial_year}"]
            mine = [i for i in issued if i.series_id == series]
            assert row["total"] == len(mine) and row["cancelled"] == sum(i.status == "cancelled" for i in mine)
            assert (row["from_number"], row["to_number"]) == (min(i.number for i in mine), max(i.number for i in mine))
    # The GSTIN changed on 1 January: December is the old one's, a range across both shows both.
    december, january = (gst_reports.gst_return(ctx, _filters(*PERIODS[i]))["registrations"][0]["gstin"]
                         for i in (0, 1))
    assert december != january
    assert [SellerRegistration.get(SellerRegistration.gstin == g).valid_from for g in (december, january)] == [
        date(2025, 1, 1), date(2026, 1, 1)]
    both = gst_reports.gst_return(ctx, _filters(date(2025, 12, 30), date(2026, 1, 3)))["registrations"]
    assert [block["gstin"] for block in both] == [december, january]


def test_summaries_kept_at_write_time_equal_a_rebuild(shop: Shop, backend_ctx: ServiceContext) -> None:
    kept = report_summaries.summary_rows(backend_ctx.db)
    assert all(kept[name] for name in ("report_sales", "report_product", "report_tax", "report_payment",
                                       "report_document", "report_open_invoice"))
    with write_transaction(backend_ctx.db):
        report_summaries.rebuild(backend_ctx.db, "Asia/Kolkata")
    assert report_summaries.summary_rows(backend_ctx.db) == kept


def test_old_invoices_get_their_summaries_when_the_store_is_upgraded(shop: Shop, backend_ctx: ServiceContext) -> None:
    from edge.store.models import REPORT_MODELS

    kept = report_summaries.summary_rows(backend_ctx.db)
    db = backend_ctx.db
    for model in REPORT_MODELS:
        db.execute_sql(f"DROP TABLE {model._meta.table_name}")
    db.execute_sql("DROP INDEX invoice_revision_changed_at" + ("" if is_sqlite(db) else " ON invoice_revision"))
    db.execute_sql("ALTER TABLE invoice DROP COLUMN customer_type_id")  # a store at version 4
    db.execute_sql("DELETE FROM schema_migration WHERE version >= 5")
    applied = migrate(db)
    assert [m.version for m in applied] == [5, 6]
    assert report_summaries.summary_rows(db) == kept
    assert Invoice.select().count() == len(shop.invoices)


def test_a_customer_who_changes_type_keeps_earlier_sales_and_their_cancellation_under_the_old_type(
    demo_ctx: ServiceContext,
) -> None:
    """A retail customer buys, then is made wholesale; cancelling the earlier invoice takes the sale out of
    retail, where it was made, not out of wholesale; the summaries kept at write time still equal a rebuild."""
    from edge.services import after_sale, carts, checkout
    from edge.store.models import Customer, CustomerType, Product

    ctx = demo_ctx
    cashier, manager = User.get(User.username == "cashier"), User.get(User.username == "manager")
    retail = CustomerType.get(CustomerType.code == "retail")
    wholesale = CustomerType.get(CustomerType.code == "wholesale")
    customer = Customer.select().where(Customer.customer_type == retail).first()
    product = Product.select().where((Product.base_unit == "piece") & Product.is_active).first()
    cart_id = str(carts.open_cart(ctx, cashier, "T1").uuid)
    carts.set_terms(ctx, cashier, cart_id, {"customer_id": str(customer.uuid)})
    carts.add_product(ctx, cashier, cart_id, str(product.uuid), None, "2")
    sale = checkout.checkout(ctx, cashier, cart_id, [])
    today = ctx.now().date()
    flt = reports.Filters(Period(today, today), None, None, None, None)

    def billed() -> dict[str, tuple[int, int]]:
        return {row["type"]: (row["invoices"], row["net_billed_paise"])
                for row in reports.by_customer_type(ctx, flt)["rows"] if row["invoices"] or row["net_billed_paise"]}

    assert billed() == {"retail": (1, sale["total_paise"])}
    Customer.update(customer_type=wholesale).where(Customer.id == customer.id).execute()
    after_sale.cancel_invoice(ctx, manager, sale["id"], "billed to the wrong customer")
    assert billed() == {}, "the cancellation nets out under retail; wholesale never bought anything"
    kept = report_summaries.summary_rows(ctx.db)
    with write_transaction(ctx.db):
        report_summaries.rebuild(ctx.db, "Asia/Kolkata")
    assert report_summaries.summary_rows(ctx.db) == kept


def test_the_register_of_one_customer_lists_exactly_their_invoices_paged(
        shop: Shop, backend_ctx: ServiceContext) -> None:
    ctx, book = backend_ctx, read_book()
    first, last = PERIODS[-1]
    counts = defaultdict(int)
    for invoice in book.invoices.values():
        if invoice.customer_id and in_period(invoice.issued_at, first, last):
            counts[invoice.customer_id] += 1
    busiest = max(counts, key=lambda key: counts[key])
    customer = Customer.get_by_id(busiest)
    assert counts[busiest] > 3, "a customer with a few invoices"
    theirs = sorted((i for i in book.invoices.values() if i.customer_id == busiest), key=lambda i: (i.issued_at, i.id))
    found = reports.parse_customer({"customer": str(customer.uuid)})
    assert found is not None and found.id == busiest
    assert reports.parse_customer({"customer": customer.code.lower()}).id == busiest, "the code works too"
    whole = reports.invoice_register(ctx, _filters(first, last), 1, 500, found)
    assert [row["number"] for row in whole["rows"]] == [i.number for i in theirs]
    assert whole["customer"] == {"id": str(customer.uuid), "code": customer.code, "name": customer.name}
    assert {row["customer_code"] for row in whole["rows"]} == {customer.code}
    newest = reports.invoice_register(ctx, _filters(first, last), 1, 2, found, "newest")
    assert (newest["total"], newest["pages"]) == (len(theirs), (len(theirs) + 1) // 2)
    assert [row["number"] for row in newest["rows"]] == [i.number for i in theirs[::-1][:2]]
    second = reports.invoice_register(ctx, _filters(first, last), 2, 2, found, "newest")
    assert [row["number"] for row in second["rows"]] == [i.number for i in theirs[::-1][2:4]]
    streamed = list(reports.register_rows(ctx, _filters(first, last), chunk=3, customer=found))
    assert [row["number"] for row in streamed] == [i.number for i in theirs]


def test_the_register_filtered_by_status_holds_exactly_the_rows_showing_it(
        shop: Shop, backend_ctx: ServiceContext) -> None:
    """Each status the register can show, filtered in the database, gives the same invoices as the unfiltered
    register's rows with that status, with the same count and pages, JSON and CSV alike."""
    ctx = backend_ctx
    for first, last in (PERIODS[-1], PERIODS[1]):
        flt = _filters(first, last)
        every = reports.invoice_register(ctx, flt, 1, 500)["rows"]
        if (first, last) == PERIODS[-1]:
            assert {"paid", "partially_paid", "overdue", "issued", "cancelled"} <= {row["status"] for row in every}
        for status in reports.STATUSES:
            expected = [row["number"] for row in every if row["status"] == status]
            found = reports.invoice_register(ctx, flt, 1, 500, status=reports.parse_status({"status": status}))
            assert [row["number"] for row in found["rows"]] == expected, (first, last, status)
            assert found["total"] == len(expected) and found["status"] == status
            streamed = reports.register_rows(ctx, flt, chunk=5, status=status)
            assert [row["number"] for row in streamed] == expected
    assert refusal(lambda: reports.parse_status({"status": "unpaid"})) == ("invalid", "status")
    assert reports.parse_status({}) is None


def refusal(action: Callable[[], Any]) -> tuple[str, str | None]:
    """The (code, field) of the service error ``action`` raises."""
    with pytest.raises(ServiceError) as raised:
        action()
    return raised.value.code, raised.value.field


def test_an_unknown_customer_or_order_is_refused_by_name(shop: Shop, backend_ctx: ServiceContext) -> None:
    assert refusal(lambda: reports.parse_customer({"customer": "C9999"})) == ("unknown_customer", "customer")
    assert refusal(lambda: reports.parse_customer({"customer": str(uuid.uuid4())})) == ("unknown_customer", "customer")
    assert reports.parse_customer({"customer": " "}) is None
    flt = _filters(*PERIODS[1])
    assert refusal(lambda: reports.invoice_register(backend_ctx, flt, order="oldest")) == ("invalid", "order")
