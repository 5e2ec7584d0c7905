"""Catalog look-ups at the till: `lookup_barcode` (a scan) and `search_products` (a cashier typing),
on the 240-product demo store and on a generated 100,000-product store, each against raw stdlib
`sqlite3` on the same file with the same pragmas. Warm cache: every timed pass follows an untimed
warm-up, and service and baseline are timed in alternating chunks so machine drift hits both."""

from __future__ import annotations

import gc
import logging
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import peewee

from edge.services.catalog import index_product, lookup_barcode, search_products, search_words
from edge.services.context import ServiceContext
from edge.services.setup import ensure_store, seed_demo
from edge.store.db import sqlite_pragmas, write_transaction
from edge.store.migrate import migrate
from edge.store.models import (
    ALL_MODELS,
    Category,
    Product,
    ProductBarcode,
    ProductGstRate,
    ProductPrice,
    ProductSearchToken,
    ProductUnit,
    RateTier,
)
from tests.bench.catalog_data import GROUPS, CatalogRows, build_catalog
from tests.bench.harness import Result, Stopwatch, ns_to_ms, percentile
from tests.conftest import FakeClock, make_config, make_context

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 6, 0, 0)
SEED = 20_261_124
CHUNK = 500
ROUNDS = 5  # service and baseline alternate in this many chunks
LOOKUP_P99_GOAL_MS = 1.0
SEARCH_P95_GOAL_MS = 20.0
GENERATION_GOAL_S_PER_100K = 30.0
TOKEN_CHECK_SAMPLE = 200

PRODUCT_SQL = "SELECT product_id, unit_id FROM product_barcode WHERE code = ?"
TOKEN_IN = "p.id IN (SELECT product_id FROM product_search_token WHERE token GLOB ?)"
INSERT_ORDER: tuple[tuple[type[peewee.Model], str, tuple[str, ...]], ...] = (
    (Product, "products", ("id", "uuid", "sku", "name", "category", "hsn_code", "base_unit", "is_active",
                           "created_at", "updated_at")),
    (ProductUnit, "units", ("id", "uuid", "product", "kind", "name", "factor_milli", "sellable")),
    (ProductBarcode, "barcodes", ("code", "product", "unit")),
    (ProductPrice, "prices", ("product", "unit", "tier", "price_paise", "effective_from")),
    (ProductGstRate, "gst_rates", ("product", "rate_bp", "cess_bp", "effective_from")),
    (ProductSearchToken, "tokens", ("token", "product")),
)


@dataclass(frozen=True)
class Sizes:
    """How much work one run does."""

    products: int
    lookups: int
    queries: int
    like_queries: int
    warmup: int


FULL = Sizes(products=100_000, lookups=5_000, queries=1_000, like_queries=100, warmup=300)
QUICK = Sizes(products=20_000, lookups=1_000, queries=200, like_queries=30, warmup=100)


@dataclass(frozen=True)
class Timings:
    """Per-call durations of the service and of its raw baseline, in milliseconds."""

    service_ms: list[float]
    baseline_ms: list[float]


def open_store(data_dir: Path) -> ServiceContext:
    """A migrated store with its store row, in a fresh data dir (cheap argon2 from the test config)."""
    ctx = make_context(make_config(data_dir), FakeClock(NOW))
    migrate(ctx.db)
    ensure_store(ctx)
    return ctx


def raw_connection(ctx: ServiceContext) -> sqlite3.Connection:
    """Stdlib sqlite3 on the store's file with the pragmas the daemon sets, in autocommit mode."""
    conn = sqlite3.connect(ctx.db.database, isolation_level=None)
    for name, value in sqlite_pragmas(ctx.config.get("storage.sqlite_busy_timeout_ms")).items():
        conn.execute(f"PRAGMA {name} = {value}")
    return conn


def checkpoint(ctx: ServiceContext) -> None:
    """Fold the WAL into the main file, as a store at rest would be."""
    conn = raw_connection(ctx)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def timed_pair(service: Callable[[Any], object], baseline: Callable[[Any], object], inputs: Sequence[Any],
               warmup: int) -> Timings:
    """Warm both up on the first inputs, then time every input in ROUNDS alternating chunks."""
    for item in inputs[:warmup]:
        service(item)
        baseline(item)
    service_ns: list[int] = []
    baseline_ns: list[int] = []
    step = -(-len(inputs) // ROUNDS)
    clock = time.perf_counter_ns
    gc.collect()
    for index in range(ROUNDS):
        chunk = inputs[index * step:(index + 1) * step]
        order = ((service, service_ns), (baseline, baseline_ns))
        for func, sink in order if index % 2 == 0 else reversed(order):
            for item in chunk:
                start = clock()
                func(item)
                sink.append(clock() - start)
    return Timings(ns_to_ms(service_ns), ns_to_ms(baseline_ns))


class SqlCapture(logging.Handler):
    """Collects the (sql, params) pairs peewee logs at DEBUG level."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[tuple[str, Sequence[Any]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep peewee's (sql, params) message."""
        if isinstance(record.msg, tuple) and len(record.msg) == 2:
            self.statements.append(record.msg)


@contextmanager
def capture_sql() -> Iterator[SqlCapture]:
    """Capture the SQL peewee runs inside the block."""
    logger = logging.getLogger("peewee")
    handler, level, propagate = SqlCapture(), logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def query_plan(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[str]:
    """EXPLAIN QUERY PLAN details of a statement."""
    plain = [value.isoformat() if isinstance(value, date) else value for value in params]
    return [str(row[3]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql, plain)]


def cashier_queries(names: Sequence[str], count: int, rng: random.Random) -> list[str]:
    """Queries a cashier types: 1-3 words of a real product name, each cut to a prefix of 3+ letters."""
    queries: list[str] = []
    attempts = 0
    while len(queries) < count and attempts < count * 20:
        attempts += 1
        words = [word for word in search_words(rng.choice(names)) if len(word) >= 3]
        if not words:
            continue
        picked = sorted(rng.sample(range(len(words)), rng.randint(1, min(3, len(words)))))
        prefixes = [words[i] if words[i].isdigit() else words[i][:rng.randint(3, len(words[i]))] for i in picked]
        queries.append(" ".join(prefixes))
    return queries


def query_words(text: str) -> list[str]:
    """The words search_products searches for, in its order (longest first, at most 5)."""
    return sorted(set(search_words(text)), key=len, reverse=True)[:5]


def raw_token_search(conn: sqlite3.Connection) -> Callable[[str], list[tuple[int, str]]]:
    """Baseline search: the same token-prefix intersection as search_products, ids and names only."""
    def search(text: str) -> list[tuple[int, str]]:
        words = query_words(text)
        where = " AND ".join([TOKEN_IN] * len(words))
        sql = f"SELECT p.id, p.name FROM product AS p WHERE p.is_active AND {where} ORDER BY p.name, p.id LIMIT 20"
        return conn.execute(sql, [f"{word}*" for word in words]).fetchall()
    return search


def raw_like_search(conn: sqlite3.Connection) -> Callable[[str], list[tuple[int, str]]]:
    """An index-free scan: every query word as a substring of the name (what a naive search does)."""
    def search(text: str) -> list[tuple[int, str]]:
        words = query_words(text)
        where = " AND ".join(["p.name LIKE ?"] * len(words))
        sql = f"SELECT p.id, p.name FROM product AS p WHERE p.is_active AND {where} ORDER BY p.name, p.id LIMIT 20"
        return conn.execute(sql, [f"%{word}%" for word in words]).fetchall()
    return search


def check_search_agrees(ctx: ServiceContext, baseline: Callable[[str], list[tuple[int, str]]],
                        queries: Sequence[str]) -> None:
    """The baseline must find what the service finds, or its figures mean nothing."""
    for text in queries:
        service = sorted(view["name"] for view in search_products(ctx.db, text, TODAY))
        raw = sorted(name for _, name in baseline(text))
        if service != raw:
            raise AssertionError(f"baseline search disagrees with search_products for {text!r}")


def measure_catalog(ctx: ServiceContext, label: str, sizes: Sizes, rng: random.Random) -> list[Result]:
    """Barcode look-ups and name searches on an open store, each against its raw sqlite3 baseline."""
    ctx.db.bind(ALL_MODELS, bind_refs=False, bind_backrefs=False)
    conn = raw_connection(ctx)
    try:
        codes = [str(code) for (code,) in conn.execute("SELECT code FROM product_barcode ORDER BY id")]
        names = [str(name) for (name,) in conn.execute("SELECT name FROM product ORDER BY id")]
        picks = rng.sample(codes, sizes.lookups) if len(codes) >= sizes.lookups else rng.choices(codes, k=sizes.lookups)
        queries = cashier_queries(names, sizes.queries, rng)

        def service_lookup(code: str) -> None:
            if code not in lookup_barcode(ctx.db, code, TODAY)["scanned_unit"]["barcodes"]:
                raise AssertionError(f"lookup_barcode({code}) returned another unit")

        def raw_lookup(code: str) -> None:
            if conn.execute(PRODUCT_SQL, (code,)).fetchone() is None:
                raise AssertionError(f"barcode {code} not found by the baseline")

        token_search = raw_token_search(conn)
        check_search_agrees(ctx, token_search, queries[: sizes.warmup])
        lookups = timed_pair(service_lookup, raw_lookup, picks, sizes.warmup)
        searches = timed_pair(lambda text: search_products(ctx.db, text, TODAY), token_search, queries,
                              sizes.warmup)
        like_search = raw_like_search(conn)
        like_queries = queries[: sizes.like_queries]
        likes = timed_pair(like_search, token_search, like_queries, min(10, len(like_queries)))

        with capture_sql() as lookup_sql:
            lookup_barcode(ctx.db, picks[0], TODAY)
        with capture_sql() as search_sql:
            search_products(ctx.db, queries[0], TODAY)
        search_plan = query_plan(conn, *search_sql.statements[0])
        lookup_plan = query_plan(conn, *lookup_sql.statements[0])
        hits = [len(token_search(text)) for text in queries]
        slowest = queries[max(range(len(queries)), key=lambda i: searches.service_ms[i])]
        slowest_counts = {word: conn.execute("SELECT count(*) FROM product_search_token WHERE token GLOB ?",
                                             (f"{word}*",)).fetchone()[0] for word in query_words(slowest)}
    finally:
        conn.close()

    uses_token_index = any("USING INDEX product_search_token_token" in step for step in search_plan)
    full_hits = sum(1 for count in hits if count == 20)
    lookup_p99 = percentile(lookups.service_ms, 99)
    search_p95 = percentile(searches.service_ms, 95)
    raw_lookup_name = "raw sqlite3 `SELECT product_id, unit_id FROM product_barcode WHERE code = ?`"
    raw_search_name = "raw sqlite3 token-prefix intersection (`token GLOB 'w*'` per word), ids + names"
    example = ", ".join(f"`{text}`" for text in queries[:6])
    return [
        Result(f"{label}: lookup_barcode p50", percentile(lookups.service_ms, 50), "ms", raw_lookup_name + " p50",
               percentile(lookups.baseline_ms, 50), "—", None,
               f"{len(picks)} random existing barcodes of {len(codes)}; full view (units, barcodes, prices, GST)"),
        Result(f"{label}: lookup_barcode p99", lookup_p99, "ms", raw_lookup_name + " p99",
               percentile(lookups.baseline_ms, 99), f"p99 <= {LOOKUP_P99_GOAL_MS} ms",
               lookup_p99 <= LOOKUP_P99_GOAL_MS, "first statement's plan: " + "; ".join(lookup_plan)),
        Result(f"{label}: SQL statements per lookup_barcode", len(lookup_sql.statements), "statements",
               "raw barcode query", 1, "—", None, "statements one call runs (from peewee's SQL log)"),
        Result(f"{label}: search_products p50", percentile(searches.service_ms, 50), "ms",
               raw_search_name + " p50", percentile(searches.baseline_ms, 50), "—", None,
               f"{len(queries)} queries, e.g. {example}; {full_hits} of them hit the 20-row limit"),
        Result(f"{label}: search_products p95", search_p95, "ms", raw_search_name + " p95",
               percentile(searches.baseline_ms, 95), f"p95 <= {SEARCH_P95_GOAL_MS} ms",
               search_p95 <= SEARCH_P95_GOAL_MS,
               f"uses product_search_token_token index: {'yes' if uses_token_index else 'NO'}; "
               "plan: " + "; ".join(search_plan)),
        Result(f"{label}: search_products max", max(searches.service_ms), "ms", raw_search_name + " max",
               max(searches.baseline_ms), "—", None,
               f"slowest: `{slowest}`, its words match {slowest_counts} tokens; every word's matches are "
               f"collected and all hits sorted by name before LIMIT 20; {len(search_sql.statements)} SQL "
               "statements per search call"),
        Result(f"{label}: `name LIKE '%word%'` scan p95", percentile(likes.service_ms, 95), "ms",
               raw_search_name + " p95 (same queries)", percentile(likes.baseline_ms, 95), "—", None,
               f"what the token index saves; {len(like_queries)} queries, substring instead of prefix match; "
               f"max {max(likes.service_ms):.1f} ms vs {max(likes.baseline_ms):.1f} ms"),
    ]


def insert_catalog(rows: CatalogRows) -> None:
    """Bulk insert every table's rows with peewee insert_many, CHUNK rows per statement."""
    for model, attr, fields in INSERT_ORDER:
        model_fields = [getattr(model, name) for name in fields]
        for chunk in peewee.chunked(getattr(rows, attr), CHUNK):
            model.insert_many(chunk, fields=model_fields).execute()


def plain_value(value: object) -> object:
    """A value after peewee's field conversion, as stdlib sqlite3 takes it."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def raw_rows(model: type[peewee.Model], names: Sequence[str],
             rows: Sequence[tuple[object, ...]]) -> tuple[list[str], list[tuple[object, ...]]]:
    """Columns and converted rows as peewee's insert_many writes them: the given fields, then every
    other field that has a default (filled in like peewee does)."""
    given = [model._meta.fields[name] for name in names]
    defaulted = [f for f in model._meta.sorted_fields if f.name not in names and f.default is not None]
    columns = [f.column_name for f in (*given, *defaulted)]
    converted = []
    for row in rows:
        values = [f.db_value(value) for f, value in zip(given, row, strict=True)]
        values += [f.db_value(f.default() if callable(f.default) else f.default) for f in defaulted]
        converted.append(tuple(plain_value(value) for value in values))
    return columns, converted


def raw_insert_seconds(ctx: ServiceContext, rows: CatalogRows) -> float:
    """Baseline: the same rows (converted beforehand, not timed) into an empty store with stdlib
    executemany in one transaction."""
    statements = []
    for model, attr, names in INSERT_ORDER:
        columns, converted = raw_rows(model, names, getattr(rows, attr))
        quoted = ", ".join(f'"{column}"' for column in columns)
        marks = ", ".join("?" * len(columns))
        statements.append((f'INSERT INTO "{model._meta.table_name}" ({quoted}) VALUES ({marks})', converted))
    conn = raw_connection(ctx)
    try:
        with Stopwatch() as watch:
            conn.execute("BEGIN IMMEDIATE")
            for sql, converted in statements:
                conn.executemany(sql, converted)
            conn.execute("COMMIT")
    finally:
        conn.close()
    return watch.seconds


def verify_tokens(ctx: ServiceContext, product_ids: Sequence[int]) -> None:
    """The bulk-inserted tokens equal what index_product writes (checked in a rolled-back transaction)."""
    def tokens(product_id: int) -> list[str]:
        query = ProductSearchToken.select(ProductSearchToken.token).where(ProductSearchToken.product == product_id)
        return sorted(row.token for row in query)

    with ctx.db.atomic() as transaction:
        for product_id in product_ids:
            before = tokens(product_id)
            codes = [row.code for row in ProductBarcode.select(ProductBarcode.code)
                     .where(ProductBarcode.product == product_id)]
            index_product(Product.get_by_id(product_id), codes)
            if tokens(product_id) != before:
                raise AssertionError(f"bulk tokens of product {product_id} differ from index_product's")
        transaction.rollback()


def generated_store(base: Path, sizes: Sizes) -> tuple[ServiceContext, list[Result]]:
    """Generate the big catalog in its own store; the generation figures and the open store."""
    ctx = open_store(base / "generated")
    with write_transaction(ctx.db):
        category_ids = {group.category: Category.create(name=group.category).id for group in GROUPS}
    tier_ids = {tier.code: tier.id for tier in RateTier.select()}
    gc.collect()
    with Stopwatch() as build:
        rows = build_catalog(sizes.products, SEED, category_ids, tier_ids)
    with Stopwatch() as insert, write_transaction(ctx.db):
        insert_catalog(rows)
    checkpoint(ctx)
    verify_tokens(ctx, random.Random(SEED).sample(range(1, sizes.products + 1), TOKEN_CHECK_SAMPLE))

    baseline_ctx = open_store(base / "generated-raw")
    with write_transaction(baseline_ctx.db):
        for group in GROUPS:
            Category.create(id=category_ids[group.category], name=group.category)
    baseline_ctx.db.close()
    ctx.db.bind(ALL_MODELS, bind_refs=False, bind_backrefs=False)
    raw_seconds = raw_insert_seconds(baseline_ctx, rows)

    goal_s = GENERATION_GOAL_S_PER_100K * sizes.products / 100_000
    total = build.seconds + insert.seconds
    size_mb = Path(ctx.db.database).stat().st_size / 1e6
    counts = (f"{len(rows.products)} products, {len(rows.units)} units, {len(rows.barcodes)} barcodes, "
              f"{len(rows.prices)} prices, {len(rows.gst_rates)} GST rates, {len(rows.tokens)} search tokens "
              f"({rows.row_count} rows, {size_mb:.0f} MB file)")
    label = f"{sizes.products:,} products"
    results = [
        Result(f"{label}: generate catalog (build rows + peewee insert_many)", total, "s",
               "raw sqlite3 executemany of the same rows into an empty store", raw_seconds,
               f"<= {goal_s:.0f} s", total <= goal_s,
               f"{counts}; building rows {build.seconds:.1f} s, peewee insert {insert.seconds:.1f} s in one "
               f"transaction, {CHUNK} rows per statement; tokens verified against index_product on "
               f"{TOKEN_CHECK_SAMPLE} products"),
        Result(f"{label}: insert rate (peewee)", rows.row_count / insert.seconds, "rows/s",
               "raw sqlite3 executemany rate", rows.row_count / raw_seconds, "—", None, ""),
    ]
    return ctx, results


def run(quick: bool) -> list[Result]:
    """Demo catalog, then the generated catalog: look-ups, searches and generation time."""
    sizes = QUICK if quick else FULL
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as tmp:
        base = Path(tmp)
        demo = open_store(base / "demo")
        try:
            seed_demo(demo)
            checkpoint(demo)
            results += measure_catalog(demo, "demo (240 products)", sizes, random.Random(SEED))
        finally:
            demo.db.close()
        generated, generation = generated_store(base, sizes)
        try:
            results += measure_catalog(generated, f"{sizes.products:,} products", sizes, random.Random(SEED + 1))
        finally:
            generated.db.close()
        results += generation
    return results
