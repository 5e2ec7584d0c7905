"""Query plans of every report on a store of realistic proportions (a year of sales, bulk-generated like the
benchmark's, 4,000 invoices): summaries and indexes, never a full scan of the invoice lines or another big
table, never the payment-status index (it matches nearly every payment) — on SQLite and MariaDB. SQLite plans
without statistics, so every big table is held to it; MariaDB weighs sizes, so tables of under 2,000 rows (the
few credit notes and revisions of this store) may be read whole."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest

from edge.services import customers, gst_reports, reports
from edge.services.context import ServiceContext
from edge.store.db import is_sqlite
from edge.store.migrate import migrate
from edge.store.models import Customer, CustomerLedgerEntry, Till, User
from tests.bench.report_data import TEST, generate
from tests.conftest import FakeClock, make_config, make_context, record_statements, release

BIG_TABLES = ("invoice_line", "invoice", "credit_note_line", "credit_note", "payment", "invoice_revision",
              "customer_ledger_entry", "report_sales", "report_product", "report_tax", "report_payment",
              "report_document")
UNSELECTIVE_INDEXES = ("payment_status",)
ALIAS = re.compile(r'(?:FROM|JOIN)\s+["`]?(\w+)["`]?(?:\s+(?:AS\s+)?["`]?(\w+)["`]?)?', re.IGNORECASE)
NOT_ALIASES = {"where", "on", "join", "left", "inner", "group", "order", "limit", "union", "as", "select"}


@pytest.fixture(scope="module", params=["sqlite", "mysql"])
def year_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceContext]:
    """A generated year (FY 2025-26) of a store with three tills and four cashiers."""
    data_dir = tmp_path_factory.mktemp("plans") / "data"
    name = f"plans_{uuid.uuid4().hex[:12]}"
    server = request.getfixturevalue("mariadb") if request.param == "mysql" else None
    url = server.create_database(name) if server else f"sqlite:///{data_dir / 'store.db'}"
    ctx = make_context(make_config(data_dir, url), FakeClock(datetime(2026, 3, 31, 12, 0)))
    migrate(ctx.db)
    generate(ctx, TEST)
    if server:
        for table in BIG_TABLES:
            ctx.db.execute_sql(f"ANALYZE TABLE {table}")  # as the server's own statistics would be by now
    yield ctx
    release(ctx)
    if server:
        server.drop_database(name)


@pytest.fixture
def statements(year_store: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """Every SQL statement the database is asked to run while the test watches."""
    return record_statements(year_store, monkeypatch)


def _filters(first: date, last: date, till: str | None = None, cashier: str | None = None) -> reports.Filters:
    till_id = Till.get(Till.code == till).id if till else None
    cashier_id = User.get(User.username == cashier).id if cashier else None
    return reports.Filters(reports.Period(first, last), till_id, till, cashier_id, cashier)


def _run_every_report(ctx: ServiceContext) -> None:
    year = _filters(date(2025, 4, 1), date(2026, 3, 31))
    for flt in (_filters(date(2026, 1, 15), date(2026, 3, 10)), _filters(date(2026, 2, 1), date(2026, 2, 28), "T1"),
                _filters(date(2026, 3, 31), date(2026, 3, 31), None, "bench1"), year):
        reports.dashboard(ctx, flt)
        reports.trend(ctx, flt, by="day" if flt.period.days < 400 else "month")
        reports.by_customer(ctx, flt)
        reports.best_sellers(ctx, flt, None)
        reports.receivables(ctx, flt)
        if flt is not year:  # lists read from the sales themselves: a month or a quarter, as a manager asks
            reports.invoice_register(ctx, flt, 1, 50)
            list(reports.register_rows(ctx, flt, chunk=500))
            gst_reports.gst_return(ctx, flt)
    busiest = (CustomerLedgerEntry.select(CustomerLedgerEntry.customer).group_by(CustomerLedgerEntry.customer)
               .order_by(CustomerLedgerEntry.customer).scalar())
    customers.statement(ctx, str(Customer.get_by_id(busiest).uuid), "2025-04-01", "2026-03-31")
    # One customer's invoices over the year, newest first (the customer page), and as CSV.
    customer = Customer.get_by_id(busiest)
    for order in ("newest", "issued"):
        reports.invoice_register(ctx, year, 2, 25, customer, order)
    list(reports.register_rows(ctx, year, chunk=500, customer=customer))


def _tables(sql: str) -> dict[str, str]:
    """Alias (or name) → table of every table a statement reads (peewee writes "invoice" AS "t1")."""
    found = {}
    for table, alias in ALIAS.findall(sql):
        found[table] = table
        if alias and alias.lower() not in NOT_ALIASES:
            found[alias] = table
    return found


SMALL_TABLE = 2_000
_ROW_COUNTS: dict[tuple[int, str], int] = {}


def _rows(ctx: ServiceContext, table: str) -> int:
    key = (id(ctx), table)
    if key not in _ROW_COUNTS:
        _ROW_COUNTS[key] = int(ctx.db.execute_sql(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    return _ROW_COUNTS[key]


def bad_plans(ctx: ServiceContext, sql: str, params: Any) -> list[str]:
    """Big tables a statement reads in full, and unselective indexes it uses."""
    tables = _tables(sql)
    cursor = ctx.db.cursor()
    found = []
    if is_sqlite(ctx.db):
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params or ())
        for *_, detail in cursor.fetchall():
            match = re.match(r"SCAN (\w+)", detail)
            if match and tables.get(match.group(1), match.group(1)) in BIG_TABLES and "COVERING INDEX" not in detail:
                found.append(f"{detail} ({tables.get(match.group(1))})")
            found += [f"{detail}" for index in UNSELECTIVE_INDEXES if f"INDEX {index} " in detail + " "]
        return found
    cursor.execute("EXPLAIN " + sql, params or ())
    names = [column[0] for column in cursor.description]
    for row in cursor.fetchall():
        item = dict(zip(names, row, strict=True))
        table = tables.get(str(item.get("table")), str(item.get("table")))
        # MariaDB weighs table sizes: reading a table of a few dozen rows whole is its right choice.
        if table in BIG_TABLES and item.get("type") in ("ALL", "index") and _rows(ctx, table) >= SMALL_TABLE:
            found.append(f"{item.get('type')} {table}")
        if item.get("key") in UNSELECTIVE_INDEXES:
            found.append(f"{item.get('key')} on {table}")
    return found


def test_the_plan_check_sees_a_full_scan_and_an_unselective_index(year_store: ServiceContext) -> None:
    quote = '"' if is_sqlite(year_store.db) else "`"
    for sql in ("SELECT SUM(t1.taxable_paise) FROM invoice_line AS t1 WHERE t1.hsn_code <> ''",
                f"SELECT SUM({quote}t2{quote}.total_paise) FROM {quote}invoice{quote} AS {quote}t2{quote} "
                f"WHERE {quote}t2{quote}.buyer_name <> ''",
                "SELECT p.invoice_id FROM payment p WHERE p.status = 'pending'"):
        assert bad_plans(year_store, sql, None), sql


def test_every_report_reads_summaries_and_indexes(year_store: ServiceContext,
                                                  statements: list[tuple[str, Any]]) -> None:
    _run_every_report(year_store)
    selects = [(sql, params) for sql, params in statements if sql.lstrip().upper().startswith("SELECT")]
    assert len(selects) > 100
    problems = sorted({f"{problem}: {sql[:200]}" for sql, params in selects
                       for problem in bad_plans(year_store, sql, params)})
    assert problems == []
    assert [sql for sql, _ in selects if re.search(r"\breport_(sales|product|tax|payment|document)\b", sql)]
    assert not [sql for sql, _ in selects if re.search(r"\bSUM\([^)]*\bil\.", sql) or (
        "invoice_line" in sql and "GROUP BY" in sql.upper() and "credit_note" not in sql)], "no sums of lines"


def test_one_customers_invoices_are_read_by_the_customer_index(year_store: ServiceContext,
                                                                statements: list[tuple[str, Any]]) -> None:
    busiest = (CustomerLedgerEntry.select(CustomerLedgerEntry.customer).group_by(CustomerLedgerEntry.customer)
               .order_by(CustomerLedgerEntry.customer).scalar())
    customer = Customer.get_by_id(busiest)
    year = _filters(date(2025, 4, 1), date(2026, 3, 31))
    page = reports.invoice_register(year_store, year, 1, 20, customer, "newest")
    assert page["total"] > 0 and len(page["rows"]) == min(20, page["total"])
    invoice_reads = [(sql, params) for sql, params in statements
                     if re.search(r"FROM [\"`]invoice[\"`]", sql) and "customer_id" in sql]
    assert len(invoice_reads) == 2, "the count and the page"
    for sql, params in invoice_reads:
        cursor = year_store.db.cursor()
        if is_sqlite(year_store.db):
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params or ())
            used = " ".join(str(row[-1]) for row in cursor.fetchall())
        else:
            cursor.execute("EXPLAIN " + sql, params or ())
            names = [column[0] for column in cursor.description]
            used = " ".join(str(dict(zip(names, row, strict=True)).get("key")) for row in cursor.fetchall())
        assert "invoice_customer_id" in used, (sql, used)
