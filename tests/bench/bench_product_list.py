"""The back office's product list (`list_products`, GET /api/v1/products without q) on the generated
100,000-product store of bench_catalog: a page at the start, the middle and the end of the catalog reached
by cursor, against raw stdlib `sqlite3` reading the same page by LIMIT/OFFSET (ids only) on the same file —
the page-number paging the keyset replaces. Warm cache, alternating chunks (bench_catalog.timed_pair)."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from edge.services.catalog import list_products
from edge.services.context import ServiceContext
from tests.bench.bench_catalog import FULL, QUICK, TODAY, generated_store, raw_connection, timed_pair
from tests.bench.harness import Result, percentile

PAGE = 25
REPEATS_FULL, REPEATS_QUICK = 200, 60
PAGE_P95_GOAL_MS = 50.0
OFFSET_SQL = "SELECT id FROM product WHERE is_active = 1 ORDER BY name, id LIMIT ? OFFSET ?"
COUNT_SQL = "SELECT COUNT(*) FROM product WHERE is_active = 1"


def cursors(ctx: ServiceContext) -> list[str | None]:
    """The `after` cursor of every page of the active catalog, in order (None: the first page)."""
    found: list[str | None] = [None]
    page = list_products(ctx.db, TODAY, limit=100)
    while page["next"]:
        found.append(page["next"])
        page = list_products(ctx.db, TODAY, limit=100, after=page["next"])
    return found


def measure(ctx: ServiceContext, conn: sqlite3.Connection, label: str, repeats: int) -> list[Result]:
    """First, middle and last page: the service by cursor against raw OFFSET paging of the same page."""
    marks = cursors(ctx)  # pages of 100; page k of 25 starts at a cursor when k is a multiple of 4
    total = conn.execute(COUNT_SQL).fetchone()[0]
    results = []
    for where, index in (("first", 0), ("middle", len(marks) // 2), ("last", len(marks) - 1)):
        after = marks[index]
        offset = index * 100

        def service(_: int, after: str | None = after) -> object:
            return list_products(ctx.db, TODAY, limit=PAGE, after=after)

        def baseline(_: int, offset: int = offset) -> object:
            conn.execute(COUNT_SQL).fetchone()
            return conn.execute(OFFSET_SQL, (PAGE + 1, offset)).fetchall()

        timings = timed_pair(service, baseline, list(range(repeats)), warmup=20)
        p95 = percentile(timings.service_ms, 95)
        results.append(Result(
            f"{label}: {where} page of 25 by cursor (p95)", p95, "ms",
            f"raw sqlite3 COUNT + LIMIT/OFFSET {offset} (ids only), p95", percentile(timings.baseline_ms, 95),
            f"<= {PAGE_P95_GOAL_MS:.0f} ms", p95 <= PAGE_P95_GOAL_MS,
            f"{total} active products; the service also builds the 25 product views (units, barcodes, prices, "
            f"GST) and counts the total; p50 {percentile(timings.service_ms, 50):.2f} ms vs "
            f"{percentile(timings.baseline_ms, 50):.2f} ms"))
    return results


def run(quick: bool) -> list[Result]:
    """Generate the big catalog, then time pages across it."""
    sizes = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="bench-product-list-") as tmp:
        ctx, _ = generated_store(Path(tmp), sizes)
        conn = raw_connection(ctx)
        try:
            return measure(ctx, conn, f"{sizes.products:,} products", REPEATS_QUICK if quick else REPEATS_FULL)
        finally:
            conn.close()
            ctx.db.close()
