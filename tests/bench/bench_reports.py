"""Dashboards and reports (issue #10) on a generated year of a busy store, in SQLite and in MariaDB.

The store (tests/bench/report_data.py): financial year 2025-26, four tills, eight cashiers, 5,000 products,
3,000 customers, about 500,000 invoices and 2.5 million lines (quick mode: 20,000 invoices), with payments,
credit sales settled later, credit notes, cancellations and IGST revisions, made by bulk inserts
(executemany, a week per transaction) and then summarised by ``rebuild`` — the path an upgraded store takes.
How long that takes is reported. Generated stores are cached between runs under the system temp folder,
keyed by the generator's version and size (never committed); a cached run reports the times measured when
it was made.

Each report is timed warm, "today" being 31 March 2026: p50 and p99 of repeated calls through the service
layer (the REST handlers add JSON encoding only). Baseline in the same run: a raw driver
``SELECT count(*), SUM(total_paise) FROM invoice`` over the whole year on the same database (stdlib sqlite3,
or PyMySQL), and the naive best-sellers query summing the invoice lines. The goal, p99 <= 300 ms, holds on
SQLite; MariaDB's figures are reported beside it. Finally what keeping the summaries costs a checkout: the
same service-layer checkout with and without the summary upkeep, alternating.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import peewee
import pymysql

from edge.services import customers, gst_reports, report_summaries, reports
from edge.services.context import ServiceContext
from edge.store.db import is_sqlite
from edge.store.migrate import available, migrate
from edge.store.models import Customer, CustomerLedgerEntry, Till, User
from tests.bench.harness import Result, percentile
from tests.bench.report_data import FULL, QUICK, Size, generate
from tests.conftest import FakeClock, make_config, make_context, release
from tests.servers import MariaDBServer, find_binary, wait_until

CACHE_ROOT = Path(tempfile.gettempdir()) / "store-edge-bench-cache"
GOAL_MS = 300.0
TODAY = datetime(2026, 3, 31, 12, 0)  # 17:30 in India, the year's last day
YEAR = (date(2025, 4, 1), date(2026, 3, 31))
MONTH = (date(2026, 3, 1), date(2026, 3, 31))
QUARTER = (date(2026, 1, 1), date(2026, 3, 31))
BASELINE = "SELECT count(*), SUM(total_paise) FROM invoice"
NAIVE_BEST = "SELECT product_id, SUM(taxable_paise) FROM invoice_line GROUP BY product_id ORDER BY 2 DESC LIMIT 20"
CHECKOUTS = 200


class CachedMariaDB(MariaDBServer):
    """A MariaDB server whose data folder survives between benchmark runs."""

    def start(self) -> CachedMariaDB:
        """Initialise the data folder only when it is new, then start the server."""
        user = getpass.getuser()
        if not (self.data_dir / "mysql").is_dir():
            subprocess.run(
                [find_binary("mariadb-install-db", "mysql_install_db"), "--no-defaults", f"--datadir={self.data_dir}",
                 f"--user={user}", "--auth-root-authentication-method=normal", "--skip-test-db"],
                check=True, capture_output=True)
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [find_binary("mariadbd", "mysqld"), "--no-defaults", f"--datadir={self.data_dir}",
                 f"--socket={self.socket_path}", f"--port={self.port}", "--bind-address=127.0.0.1", f"--user={user}",
                 "--skip-name-resolve", "--innodb-buffer-pool-size=1G", "--innodb-flush-log-at-trx-commit=2",
                 "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
                 f"--log-error={self.log_file}"], stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._answers, 120, "MariaDB", self.process, self.log_file)
        return self


def _marker(folder: Path) -> Path:
    return folder / "generated.json"


def cache_folder(size: Size, backend: str) -> Path:
    """Where a generated store is kept: keyed by the generator's version, the size and the schema (every
    migration shipped), so a new migration or generator never reuses an old store."""
    schema = hashlib.sha256(",".join(f"{m.version}_{m.name}" for m in available()).encode()).hexdigest()[:10]
    return CACHE_ROOT / f"{size.key}-schema-{schema}" / backend


def _made(ctx: ServiceContext, size: Size, folder: Path) -> dict[str, Any]:
    """Generate the store and note how long it took (kept with the cached store)."""
    started = datetime.now()
    shown = [0]

    def progress(made: int) -> None:
        if made - shown[0] >= 50_000 or made == size.invoices:
            shown[0] = made
            print(f"    {made:,} invoices written", flush=True)

    generated = generate(ctx, size, progress=progress)
    facts = {"generated_on": started.strftime("%Y-%m-%d %H:%M"), "rows": generated.rows,
             "reference_seconds": generated.reference_seconds, "sales_seconds": generated.sales_seconds,
             "summaries_seconds": generated.summaries_seconds, "summary_rows": generated.summary_rows}
    _marker(folder).write_text(json.dumps(facts, indent=1))
    return facts


@contextlib.contextmanager
def sqlite_store(size: Size) -> Iterator[tuple[ServiceContext, dict[str, Any]]]:
    """The generated store in SQLite (made once, then reused from the cache)."""
    folder = cache_folder(size, "sqlite")
    data_dir = folder / "data"
    clock = FakeClock(TODAY)
    if not _marker(folder).exists():
        shutil.rmtree(folder, ignore_errors=True)
        data_dir.mkdir(parents=True)
        ctx = make_context(make_config(data_dir), clock)
        migrate(ctx.db)
        ctx.db.execute_sql("PRAGMA synchronous = OFF")  # a bulk load: durability comes from the final checkpoint
        facts = _made(ctx, size, folder)
        ctx.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        release(ctx)
    facts = json.loads(_marker(folder).read_text())
    ctx = make_context(make_config(data_dir), clock)
    try:
        yield ctx, facts
    finally:
        release(ctx)


@contextlib.contextmanager
def mariadb_store(size: Size) -> Iterator[tuple[ServiceContext, dict[str, Any], MariaDBServer]]:
    """The generated store in MariaDB (its data folder cached like the SQLite file)."""
    folder = cache_folder(size, "mariadb")
    if not _marker(folder).exists():
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    server = CachedMariaDB(folder).start()
    try:
        clock = FakeClock(TODAY)
        secrets_dir = folder / "secrets"
        if not _marker(folder).exists():
            url = server.create_database("bench_reports")
            ctx = make_context(make_config(secrets_dir, url), clock)
            migrate(ctx.db)
            _made(ctx, size, folder)
            release(ctx)
        ctx = make_context(make_config(secrets_dir, server.url("bench_reports")), clock)
        try:
            yield ctx, json.loads(_marker(folder).read_text()), server
        finally:
            release(ctx)
    finally:
        server.stop()


# --- timing ------------------------------------------------------------------------------------------------


def timed(call: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds of each call after one untimed warm-up."""
    call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - started) / 1e6)
    return samples


def queries(ctx: ServiceContext) -> list[tuple[str, Callable[[], object]]]:
    """Every dashboard figure and report, with the parameters a manager would use."""
    till = Till.select().order_by(Till.id).first()
    cashier = User.get(User.username == "bench1")

    def filters(span: tuple[date, date], till_code: str | None = None, user: User | None = None) -> reports.Filters:
        return reports.Filters(reports.Period(*span), till.id if till_code else None, till_code,
                               user.id if user else None, user.username if user else None)

    year, month, quarter = filters(YEAR), filters(MONTH), filters(QUARTER)
    today = filters((YEAR[1], YEAR[1]))
    biggest = (CustomerLedgerEntry.select(CustomerLedgerEntry.customer).group_by(CustomerLedgerEntry.customer)
               .order_by(peewee.fn.COUNT(CustomerLedgerEntry.id).desc()).scalar())
    customer = str(Customer.get_by_id(biggest).uuid)
    return [
        ("dashboard of the month (every figure at once)", lambda: reports.dashboard(ctx, month)),
        ("revenue: today", lambda: reports.revenue(ctx, today)),
        ("revenue: the year", lambda: reports.revenue(ctx, year)),
        ("revenue trend: 12 months", lambda: reports.trend(ctx, year)),
        ("revenue trend: day by day, a quarter", lambda: reports.trend(ctx, quarter, "day")),
        ("invoices by status: the year", lambda: reports.invoice_status(ctx, year)),
        ("receivables with ageing buckets", lambda: reports.receivables(ctx, today)),
        ("revenue by customer: the year", lambda: reports.by_customer(ctx, year, 20)),
        ("revenue by customer type: the year", lambda: reports.by_customer_type(ctx, year)),
        ("best sellers: the year", lambda: reports.best_sellers(ctx, year, 20)),
        ("best sellers: a month, one till", lambda: reports.best_sellers(ctx, filters(MONTH, till.code), 20)),
        ("best sellers: the year, one cashier", lambda: reports.best_sellers(ctx, filters(YEAR, None, cashier), 20)),
        ("sales by category: the year", lambda: reports.by_category(ctx, year)),
        ("payments by method: the year", lambda: reports.by_payment_method(ctx, year)),
        ("invoice register: first page of the month", lambda: reports.invoice_register(ctx, month, 1, 100)),
        ("GSTR-1 of the month (every section)", lambda: gst_reports.gst_return(ctx, month)),
        ("GSTR-1 B2B invoices of the month", lambda: gst_reports.gst_section_rows(ctx, month, "b2b")),
        ("GSTR-1 HSN summary of the quarter", lambda: gst_reports.gst_section_rows(ctx, quarter, "hsn")),
        ("customer statement: the busiest account, the year",
         lambda: customers.statement(ctx, customer, YEAR[0].isoformat(), YEAR[1].isoformat())),
    ]


def raw_baselines(ctx: ServiceContext, runs: int) -> tuple[list[float], list[float]]:
    """The raw driver's whole-year count and sum over the invoices, and the naive best sellers over the lines."""
    if is_sqlite(ctx.db):
        conn: Any = sqlite3.connect(ctx.db.database)
    else:
        params = ctx.db.connect_params
        conn = pymysql.connect(host=params.get("host", "127.0.0.1"), port=int(params.get("port", 3306)),
                               user=params.get("user", "root"), database=ctx.db.database)
    try:
        def run(sql: str) -> Callable[[], object]:
            def call() -> object:
                cursor = conn.cursor()
                cursor.execute(sql)
                return cursor.fetchall()
            return call

        return timed(run(BASELINE), runs), timed(run(NAIVE_BEST), max(3, runs // 10))
    finally:
        conn.close()


def measure(ctx: ServiceContext, backend: str, facts: dict[str, Any], quick: bool) -> list[Result]:
    """Generation figures, then every query's p50 and p99 against the raw baseline."""
    runs = 20 if quick else 40
    rows = facts["rows"]
    label = f"{backend}, {rows.get('invoice', 0):,} invoices / {rows.get('invoice_line', 0):,} lines"
    results = [
        Result(f"{label}: generate the year's sales (bulk inserts)", facts["sales_seconds"], "s", "—", None, "—",
               None, f"made {facts['generated_on']} (cached between runs); rows {rows}; reference data "
                     f"{facts['reference_seconds']:.1f} s"),
        Result(f"{label}: rebuild the summaries from the sales", facts["summaries_seconds"], "s", "—", None, "—",
               None, f"summary rows {facts['summary_rows']}"),
    ]
    baseline, naive = raw_baselines(ctx, runs)
    base50, base99 = percentile(baseline, 50), percentile(baseline, 99)
    results.append(Result(f"{label}: naive best sellers summing every invoice line (raw driver)",
                          percentile(naive, 50), "ms", "raw `SELECT count(*), SUM(total_paise) FROM invoice` p50",
                          base50, "—", None, NAIVE_BEST))
    for name, call in queries(ctx):
        samples = timed(call, runs)
        p50, p99 = percentile(samples, 50), percentile(samples, 99)
        goal = f"p99 <= {GOAL_MS:.0f} ms" if backend == "SQLite" else "—"
        results.append(Result(f"{label}: {name} p50", p50, "ms", "raw count/sum over invoices p50", base50, "—",
                              None))
        results.append(Result(f"{label}: {name} p99", p99, "ms", "raw count/sum over invoices p99", base99, goal,
                              p99 <= GOAL_MS if backend == "SQLite" else None))
    return results


# --- what the summaries cost a checkout --------------------------------------------------------------------


def checkout_cost(quick: bool) -> list[Result]:
    """Service-layer checkouts (5 lines, cash) on a demo store, with and without the summary upkeep."""
    from edge.services import carts, checkout
    from edge.services.demo_data import demo_products
    from edge.services.setup import seed_demo

    folder = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    ctx = make_context(make_config(folder / "data"), FakeClock(datetime(2026, 3, 2, 6, 0)))
    try:
        migrate(ctx.db)
        seed_demo(ctx)
        cashier = User.get(User.username == "cashier")
        codes = [str(unit.barcode) for product in demo_products() for unit in product.units
                 if unit.barcode and unit.sellable and product.base_unit == "piece"][:40]
        real = report_summaries.invoice_issued
        timings: dict[bool, list[float]] = {True: [], False: []}
        count = CHECKOUTS // 4 if quick else CHECKOUTS
        for index in range(count * 2):
            keep = (index // 10) % 2 == 0
            report_summaries.invoice_issued = real if keep else (lambda *args, **kwargs: None)  # type: ignore[assignment]
            cart = carts.open_cart(ctx, cashier, "T1")
            document: dict[str, Any] = {}
            for offset in range(5):
                document = carts.scan(ctx, cashier, str(cart.uuid), codes[(index + offset * 7) % len(codes)])
            started = time.perf_counter_ns()
            paid = [{"method": "cash", "amount_paise": document["total_paise"]}]
            checkout.checkout(ctx, cashier, document["id"], paid)
            timings[keep].append((time.perf_counter_ns() - started) / 1e6)
        report_summaries.invoice_issued = real
    finally:
        release(ctx)
        shutil.rmtree(folder, ignore_errors=True)
    with_, without = percentile(timings[True], 50), percentile(timings[False], 50)
    return [Result("checkout (5 lines, cash) with the report summaries kept in its transaction p50", with_, "ms",
                   "the same checkout without the summary upkeep p50", without, "—", None,
                   f"{count} checkouts each way, alternating in tens, SQLite WAL synchronous=FULL; "
                   f"upkeep ≈ {with_ - without:.2f} ms")]


def run(quick: bool) -> list[Result]:
    """The benchmark: SQLite, MariaDB, then the checkout cost."""
    size = QUICK if quick else FULL
    results: list[Result] = []
    with sqlite_store(size) as (ctx, facts):
        results += measure(ctx, "SQLite", facts, quick)
    if os.environ.get("POS_BENCH_SKIP_MARIADB") != "1":
        with mariadb_store(size) as (ctx, facts, _server):
            results += measure(ctx, "MariaDB", facts, quick)
    results += checkout_cost(quick)
    return results
