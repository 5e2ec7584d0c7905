"""Replication, store → cloud (issue #6), each figure next to a raw paho-mqtt baseline on the same broker, same run.

1. Drain a backlog of 100,000 sales (quick: 10,000) into PostgreSQL: the product's publisher
   (`python -m cloud_bridge.publisher`, batches of 100, 20 in flight) and 2 ingest workers (the product's
   IngestWorker, one process each) against a real mosquitto and PostgreSQL 15 on loopback; timed from the
   publisher's start until the cloud's `store_state.applied_seq` reaches the last sequence (bounded by a time
   limit). The backlog is one real sale made through the services (5 lines, UPI + cash) whose outbox rows
   (`invoice.issued`, 2 × `payment.recorded`, and whatever else a sale writes) are cloned with new UUIDs,
   invoice numbers, references and sequences into the store's outbox. Baseline: one paho client publishing
   messages of the publisher's batch size (a real `encode_batch` output) with QoS 1, the same window, to one
   QoS 1 subscriber. Next to it, where the drain's time goes: the ingest's `ingest_batch` called directly on
   one connection, against the same rows written with pipelined `executemany`.
2. Replication lag at a steady 20 sales/s: real sales through the services on a demo store, paced by a
   monotonic schedule, the publisher and one ingest worker running; lag = when the invoice row is first
   seen in PostgreSQL (polled every 20 ms) − when the sale's checkout returned (committed). Baseline: single
   QoS 1 messages of one sale's batch size published at the same rate, publish → delivery.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psycopg
from peewee import fn
from psycopg.types.json import Jsonb

from cloud_bridge.envelope import Batch, decode_batch, encode_batch
from cloud_bridge.ingest import ingest_batch, migrate
from cloud_bridge.publisher import _envelope
from edge.clock import utcnow
from edge.services import carts, checkout
from edge.services.context import ServiceContext
from edge.store.models import Outbox, Store, User
from tests.bench.bench_sales import Item, load_items, sale_plans, split_payments
from tests.bench.bench_socketio import CASHIER, clean_env, die_with_parent, prepare_daemon
from tests.bench.harness import REPO_ROOT, Result, percentile
from tests.conftest import make_config, make_context, release
from tests.servers import MosquittoServer, PostgresServer, wait_until

SEED = 6
TILL = "T1"
BATCH_SIZE = 100  # the product's default sync.batch_size
WINDOW = 20  # the product's default sync.window
DRAIN_WORKERS = 2
DRAIN_POLL_S = 0.2
LAG_POLL_S = 0.02
RAW_SHARE_GOAL = 0.50
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 15
STORE_IGNORE = shutil.ignore_patterns("*-wal", "*-shm", "edge.lock")
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Sizes:
    """How much of each benchmark to run."""

    drain_sales: int
    drain_timeout_s: float
    raw_messages: int  # batch-sized messages of the throughput baseline
    sql_envelopes: int  # envelopes written by ingest_batch directly, and by the pipelined SQL baseline
    lag_rate: float  # sales per second asked for
    lag_seconds: float
    lag_warmup: int  # untimed sales first
    raw_latency_seconds: float


FULL = Sizes(drain_sales=100_000, drain_timeout_s=150, raw_messages=10_000, sql_envelopes=15_000, lag_rate=20,
             lag_seconds=30, lag_warmup=3, raw_latency_seconds=10)
QUICK = Sizes(drain_sales=10_000, drain_timeout_s=60, raw_messages=2_000, sql_envelopes=6_000, lag_rate=20,
              lag_seconds=10, lag_warmup=3, raw_latency_seconds=5)


# ------------------------------------------------------------------------------------------------------------
# Processes: started on loopback, terminated (killed if they linger) when the benchmark leaves them
# ------------------------------------------------------------------------------------------------------------


@dataclass
class Proc:
    """A child process and its log."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        """What it wrote so far."""
        return self.log_path.read_text(errors="replace")

    def cpu_s(self) -> float:
        """User + system CPU seconds so far (0 once it has exited)."""
        return cpu_seconds(self.process.pid)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a live process from /proc, in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def postgres_cpu(server: PostgresServer) -> dict[int, float]:
    """CPU seconds of the postmaster's children (backends, WAL writer, checkpointer, …) by PID."""
    postmaster = int((server.data_dir / "postmaster.pid").read_text().split()[0])
    children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    return {int(pid): cpu_seconds(int(pid)) for pid in [postmaster, *children]}


def delta(after: dict[int, float], before: dict[int, float]) -> float:
    """CPU seconds used between two snapshots by the processes of the later one."""
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


@contextlib.contextmanager
def child(command: list[str], log_path: Path, env: dict[str, str] | None = None) -> Iterator[Proc]:
    """Start a process; SIGTERM it (SIGKILL after a while) on the way out."""
    log: IO[bytes] = log_path.open("wb")
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env or clean_env(), stdout=log,
                               stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
    try:
        yield Proc(process, log_path)
    finally:
        stop(process)
        log.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it does not exit in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)


def load_command(*args: str) -> list[str]:
    """``python -m tests.bench.replication_load ARGS``."""
    return [sys.executable, "-m", "tests.bench.replication_load", *args]


@contextlib.contextmanager
def ingest_workers(dsn: str, port: int, count: int, logs: Path) -> Iterator[list[Proc]]:
    """The product's ingest workers, one process each, returned once every one holds its subscription."""
    with contextlib.ExitStack() as stack:
        workers = [stack.enter_context(child(load_command("ingest", "--dsn", dsn, "--port", str(port),
                                                          "--worker-id", f"bench-ingest-{index}"),
                                             logs / f"ingest-{index}.log"))
                   for index in range(count)]
        for worker in workers:
            wait_until(lambda w=worker: "subscribed" in w.log(), START_TIMEOUT_S, "ingest worker", worker.process,
                       worker.log_path)
        yield workers


def worker_stats(worker: Proc) -> dict[str, Any]:
    """The JSON line a worker prints when stopped."""
    stop(worker.process)
    for line in reversed(worker.log().splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    raise AssertionError(f"ingest worker printed no summary:\n{worker.log()[-2000:]}")


@contextlib.contextmanager
def publisher(data_dir: Path, port: int, logs: Path, name: str) -> Iterator[Proc]:
    """The product's publisher process on a store, as its systemd unit runs it (TLS off on loopback)."""
    env = clean_env() | {
        "POS_SYNC_BROKER_HOST": "127.0.0.1", "POS_SYNC_BROKER_PORT": str(port), "POS_SYNC_TLS": "false",
        "POS_SYNC_BATCH_SIZE": str(BATCH_SIZE), "POS_SYNC_WINDOW": str(WINDOW),
    }
    command = [sys.executable, "-m", "cloud_bridge.publisher", "--data-dir", str(data_dir)]
    with child(command, logs / f"{name}.log", env) as proc:
        yield proc


def run_json(command: list[str], log_path: Path, timeout: float) -> dict[str, Any]:
    """Run a helper to completion and parse the JSON line it prints last."""
    with log_path.open("wb") as log:
        completed = subprocess.run(command, cwd=REPO_ROOT, env=clean_env(), stdout=subprocess.PIPE, stderr=log,
                                   timeout=timeout, check=False, preexec_fn=die_with_parent)
    if completed.returncode != 0:
        raise AssertionError(f"{command[3]} failed ({completed.returncode}): {log_path.read_text()[-2000:]}")
    return dict(json.loads(completed.stdout.decode().strip().splitlines()[-1]))


# ------------------------------------------------------------------------------------------------------------
# The store: a demo template, real sales through the services
# ------------------------------------------------------------------------------------------------------------


def copy_store(template: Path, dest: Path) -> Path:
    """A private copy of the template's data dir (no WAL, no lock)."""
    shutil.copytree(template, dest, ignore=STORE_IGNORE)
    return dest


def open_store(data_dir: Path) -> ServiceContext:
    """The services on a store, with the real clock."""
    return make_context(make_config(data_dir), utcnow)


def sell(ctx: ServiceContext, user: User, plan: list[Item], seq: int) -> str:
    """One real sale: open a cart on T1, scan 5 products, check out with UPI + cash; the invoice number."""
    cart_id = str(carts.open_cart(ctx, user, TILL).uuid)
    document: dict[str, Any] = {}
    for item in plan:
        document = carts.scan(ctx, user, cart_id, item.code)
    summary = checkout.checkout(ctx, user, cart_id, split_payments(document["total_paise"], seq))
    if len(summary["payments"]) != 2 or summary["balance_due_paise"] != 0:
        raise AssertionError(f"unexpected sale summary: {summary['number']}, {summary['status']}")
    return str(summary["number"])


def last_outbox_seq() -> int:
    """The store's highest outbox sequence."""
    return int(Outbox.select(fn.MAX(Outbox.seq)).scalar() or 0)


def batch_payload(store_id: str, first_seq: int, count: int) -> bytes:
    """The MQTT payload the publisher makes of these outbox rows (its own code: _envelope, encode_batch)."""
    rows = Outbox.select().where(Outbox.seq >= first_seq).order_by(Outbox.seq).limit(count)
    return encode_batch(Batch(store_id, tuple(_envelope(row) for row in rows)))


# ------------------------------------------------------------------------------------------------------------
# Benchmark 1: drain a backlog
# ------------------------------------------------------------------------------------------------------------


@dataclass
class Backlog:
    """The store with its cloned outbox."""

    data_dir: Path
    store_id: str
    sales: int
    kinds: list[str]  # the event types one sale writes, in order
    last_seq: int
    invoice_total_paise: int  # of the real sale, so the cloud's sums can be checked
    batch_payload: bytes  # the publisher's first message
    envelope_bytes: int  # mean JSON size of an envelope's payload in the outbox
    build_s: float

    @property
    def per_sale(self) -> int:
        """Envelopes per sale."""
        return len(self.kinds)


def new_uuid(rng: random.Random) -> str:
    """A version-4 UUID from the benchmark's seeded generator."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def build_backlog(template: Path, data_dir: Path, sales: int, items: list[Item]) -> Backlog:
    """One real sale through the services, then sales - 1 clones of every outbox row it wrote: new record UUIDs
    (and every reference to them), invoice numbers, UPI references, sequences, and a continued hash chain for
    audit rows; the payload JSON otherwise byte for byte what the services wrote."""
    start = time.perf_counter()
    copy_store(template, data_dir)
    ctx = open_store(data_dir)
    try:
        store_id = str(Store.get().code)
        user = User.get(User.username == CASHIER["username"])
        number = sell(ctx, user, sale_plans(items, 1, SEED)[0], 1)
        rows = list(Outbox.select().order_by(Outbox.seq))
    finally:
        release(ctx)
    kinds = [row.type for row in rows]
    if kinds.count("invoice.issued") != 1 or kinds.count("payment.recorded") != 2:
        raise AssertionError(f"the sale wrote {kinds}, expected an invoice and 2 payments among them")
    documents = [json.loads(row.payload) for row in rows]
    invoice = documents[kinds.index("invoice.issued")]
    reference = next(d["reference"] for d in documents if d.get("method") == "upi")
    prefix = number.rsplit("/", 1)[0]
    templates = [(str(row.record_uuid), row.type, row.schema_version, row.payload, str(row.created_at))
                 for row in rows]
    chain = [d["hash"] for d in documents if "hash" in d and "prev_hash" in d]
    rng = random.Random(SEED)

    def clones() -> Iterator[tuple[Any, ...]]:
        seq = len(rows)
        prev_hash = chain[-1] if chain else ""
        for sale in range(2, sales + 1):
            records = {old: new_uuid(rng) for old, *_ in templates}
            swaps = [*records.items(), (number, f"{prefix}/{sale:06d}"), (reference, f"UPI-{sale:09d}")]
            for record, kind, schema, payload, created_at in templates:
                for old, new in swaps:
                    payload = payload.replace(old, new)
                if '"prev_hash":' in payload:  # a hash-chained row (the audit trail): continue the chain
                    document = json.loads(payload)
                    document["prev_hash"], document["hash"] = prev_hash, f"{rng.getrandbits(256):064x}"
                    prev_hash = document["hash"]
                    payload = json.dumps(document, separators=(",", ":"), sort_keys=True)
                seq += 1
                yield seq, uuid.UUID(records[record]).hex, kind, schema, payload, created_at

    with contextlib.closing(sqlite3.connect(data_dir / "store.db", isolation_level=None)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO outbox (seq, record_uuid, type, schema_version, payload, created_at, sent_at, "
                         "attempts, last_error) VALUES (?, ?, ?, ?, ?, ?, NULL, 0, NULL)", clones())
        last_seq = int(conn.execute("SELECT max(seq) FROM outbox").fetchone()[0])
        conn.execute("UPDATE counter SET value = ? WHERE name = 'outbox_seq'", (last_seq,))
        conn.execute("UPDATE invoice_series SET next_number = ? WHERE prefix = ? AND next_number = 2",
                     (sales + 1, TILL))
        conn.execute("COMMIT")
        envelope_bytes = int(conn.execute("SELECT avg(length(payload)) FROM outbox").fetchone()[0])
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if last_seq != sales * len(kinds):
        raise AssertionError(f"backlog ends at seq {last_seq}, expected {sales * len(kinds)}")
    ctx = open_store(data_dir)
    try:
        payload = batch_payload(store_id, 1, BATCH_SIZE)
    finally:
        release(ctx)
    return Backlog(data_dir, store_id, sales, kinds, last_seq, int(invoice["total_paise"]), payload, envelope_bytes,
                   time.perf_counter() - start)


@dataclass
class RawThroughput:
    """The baseline: batch-sized QoS 1 messages, one publisher → one subscriber."""

    messages: int
    seconds: float
    size: int

    @property
    def messages_per_s(self) -> float:
        """Messages delivered per second."""
        return self.messages / self.seconds

    @property
    def envelopes_per_s(self) -> float:
        """Envelope equivalents: messages × the publisher's batch size."""
        return self.messages_per_s * BATCH_SIZE


def measure_raw_throughput(port: int, payload: bytes, count: int, work: Path) -> RawThroughput:
    """Publish ``count`` copies of a real batch payload with QoS 1 to one QoS 1 subscriber (two processes)."""
    payload_file = work / "raw-batch.json"
    payload_file.write_bytes(payload)
    topic = "bench/raw/throughput"
    with child(load_command("raw-sub", "--port", str(port), "--topic", topic, "--count", str(count), "--size",
                            str(len(payload))), work / "raw-sub.log") as sub:
        wait_until(lambda: "subscribed" in sub.log(), START_TIMEOUT_S, "raw subscriber", sub.process, sub.log_path)
        pub = run_json(load_command("raw-pub", "--port", str(port), "--topic", topic, "--count", str(count),
                                    "--payload", str(payload_file), "--window", str(WINDOW)),
                       work / "raw-pub.log", timeout=600)
        sub.process.wait(timeout=120)
        received = json.loads(sub.log().strip().splitlines()[-1])
    if received["count"] != count or received["wrong_size"]:
        raise AssertionError(f"raw subscriber saw {received}")
    return RawThroughput(count, received["last"] - pub["start"], len(payload))


@dataclass
class Drain:
    """What the drain measured."""

    seconds: float  # publisher start → applied_seq at the last sequence
    first_applied_s: float  # publisher start → first event applied in the cloud
    db_seconds: float  # first event received → last applied, from PostgreSQL's own clock
    applied: int
    completed: bool
    resend_requests: int
    worker_messages: list[int]
    cpu: dict[str, float] = field(default_factory=dict)


def applied_seq(conn: psycopg.Connection[Any], store_id: str) -> int:
    """The cloud's contiguous, applied sequence of the store."""
    row = conn.execute("SELECT applied_seq FROM store_state WHERE store_id = %s", (store_id,)).fetchone()
    return int(row[0]) if row else 0


def measure_drain(backlog: Backlog, broker: MosquittoServer, postgres: PostgresServer, dsn: str,
                  sizes: Sizes, work: Path) -> Drain:
    """Start the workers, then the publisher; poll the cloud every 0.2 s until the last sequence is applied."""
    with ingest_workers(dsn, broker.port, DRAIN_WORKERS, work) as workers, \
            psycopg.connect(dsn, autocommit=True) as conn:
        pg_before = postgres_cpu(postgres)
        broker_before = cpu_seconds(broker.process.pid) if broker.process else 0.0
        worker_before = [w.cpu_s() for w in workers]
        first_applied = None
        applied = 0
        with publisher(backlog.data_dir, broker.port, work, "publisher-drain") as bridge:
            start = time.monotonic()
            deadline = start + sizes.drain_timeout_s
            next_poll = start
            while time.monotonic() < deadline and bridge.process.poll() is None:
                applied = applied_seq(conn, backlog.store_id)
                now = time.monotonic()
                if applied and first_applied is None:
                    first_applied = now - start
                if applied >= backlog.last_seq:
                    break
                next_poll += DRAIN_POLL_S
                time.sleep(max(0.0, next_poll - time.monotonic()))
            seconds = time.monotonic() - start
            cpu = {
                "publisher": bridge.cpu_s(),
                "ingest workers": sum(w.cpu_s() - b for w, b in zip(workers, worker_before, strict=True)),
                "PostgreSQL": delta(postgres_cpu(postgres), pg_before),
                "mosquitto": (cpu_seconds(broker.process.pid) if broker.process else 0.0) - broker_before,
            }
            if bridge.process.poll() is not None:
                raise AssertionError(f"the publisher exited:\n{bridge.log()[-2000:]}")
        resends = bridge.log().count("resending from seq")
        stats = [worker_stats(w) for w in workers]
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT extract(epoch FROM max(applied_at) - min(received_at)) FROM event"
                           " WHERE store_id = %s", (backlog.store_id,)).fetchone()
    db_seconds = float(row[0]) if row and row[0] is not None else seconds
    return Drain(seconds, first_applied or seconds, db_seconds, applied, applied >= backlog.last_seq, resends,
                 [int(s["messages"]) for s in stats], cpu)


def check_cloud(dsn: str, backlog: Backlog) -> None:
    """The cloud holds every sale once: invoices, payments, events and money."""
    with psycopg.connect(dsn) as conn:
        invoices, total = conn.execute("SELECT count(*), coalesce(sum(total_paise), 0) FROM invoice"
                                       " WHERE store_id = %s", (backlog.store_id,)).fetchone()
        payments, paid = conn.execute("SELECT count(*), coalesce(sum(amount_paise), 0) FROM payment"
                                      " WHERE store_id = %s", (backlog.store_id,)).fetchone()
        events = conn.execute("SELECT count(*) FROM event WHERE store_id = %s",
                              (backlog.store_id,)).fetchone()[0]
    expected = (backlog.sales, backlog.sales * backlog.invoice_total_paise, 2 * backlog.sales,
                backlog.sales * backlog.invoice_total_paise, backlog.last_seq)
    if (invoices, total, payments, paid, events) != expected:
        raise AssertionError(f"cloud holds {(invoices, total, payments, paid, events)}, expected {expected}")


def drain_results(backlog: Backlog, drain: Drain, raw: RawThroughput) -> list[Result]:
    """Benchmark 1's figures."""
    envelopes = drain.applied
    env_rate = envelopes / drain.seconds
    sale_rate = env_rate / backlog.per_sale
    raw_sales = raw.envelopes_per_s / backlog.per_sale
    steady = envelopes / drain.db_seconds if drain.db_seconds > 0 else env_rate
    cpu = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in drain.cpu.items())
    messages = sum(drain.worker_messages)
    expected_messages = -(-backlog.last_seq // BATCH_SIZE)
    checked = "Cloud checked: every invoice, payment and event once, totals equal. " if drain.completed else ""
    state = ("" if drain.completed else
             f"NOT FINISHED: stopped at the {drain.seconds:.0f} s time limit with {drain.applied:,} of "
             f"{backlog.last_seq:,} envelopes applied; the rates are over what was applied. ")
    how = (f"{state}{backlog.sales:,} sales = {backlog.last_seq:,} outbox envelopes, cloned from one real sale made "
           f"through the services (5 lines, UPI + cash: {', '.join(backlog.kinds)}; outbox payloads "
           f"{backlog.envelope_bytes} B on average, {len(backlog.batch_payload) // BATCH_SIZE:,} B per envelope in "
           f"the publisher's {len(backlog.batch_payload):,}-byte messages) with new "
           f"UUIDs, invoice numbers, UPI references and sequences, inserted straight into the store's outbox "
           f"({backlog.build_s:.1f} s to build). The publisher process (batches of {BATCH_SIZE}, window {WINDOW}) "
           f"and {DRAIN_WORKERS} ingest worker processes, mosquitto and PostgreSQL 15 (fsync off) on loopback; "
           f"{drain.seconds:.1f} s from the publisher's start until applied_seq reached the last sequence (polled "
           f"every {DRAIN_POLL_S} s), the first event applied after {drain.first_applied_s:.2f} s; from the first "
           f"event received to the last applied by PostgreSQL's clock: {drain.db_seconds:.1f} s = "
           f"{steady:,.0f} envelopes/s. Workers handled {messages:,} messages ({drain.worker_messages}) for "
           f"{expected_messages:,} batches; the publisher got {drain.resend_requests} resend requests (the shared "
           "subscription hands one store's batches to both workers, so they can be applied out of order; a worker "
           "that finds a hole asks the store to resend from it, and the publisher then sends again everything from "
           "there, including what the broker still had queued). CPU meanwhile: "
           f"{cpu}. {checked}Baseline: "
           f"{raw.messages:,} messages of {raw.size:,} B (the publisher's first batch) QoS 1 from one paho client "
           f"(window {WINDOW}) to one QoS 1 subscriber, each its own process: {raw.messages_per_s:,.0f} msg/s "
           f"= {raw.envelopes_per_s:,.0f} envelope equivalents/s")
    return [
        Result(f"drain {backlog.sales:,} sales' backlog into PostgreSQL: envelopes/s", env_rate, "envelopes/s",
               "raw paho QoS 1 publish→subscribe, batch-sized messages × batch size", raw.envelopes_per_s,
               f">= {RAW_SHARE_GOAL:.0%} of raw", env_rate / raw.envelopes_per_s >= RAW_SHARE_GOAL, how),
        Result(f"drain {backlog.sales:,} sales' backlog into PostgreSQL: sales/s", sale_rate, "sales/s",
               f"raw paho QoS 1, in sales ({backlog.per_sale} envelopes each)", raw_sales, "—", None,
               "the same drain counted in sales"),
    ]


def run_drain(template: Path, base: Path, postgres: PostgresServer, items: list[Item], sizes: Sizes) -> list[Result]:
    """Build the backlog; the ingest's SQL alone; broker, raw baseline; workers and publisher; check the cloud."""
    work = base / "drain"
    work.mkdir()
    backlog = build_backlog(template, work / "store", sizes.drain_sales, items)
    sql = measure_sql(backlog, postgres, sizes.sql_envelopes)
    (work / "broker").mkdir()
    broker = MosquittoServer(work / "broker").start()
    try:
        raw = measure_raw_throughput(broker.port, backlog.batch_payload, sizes.raw_messages, work)
        dsn = postgres.create_database("cloud_drain")
        migrate(dsn)
        drain = measure_drain(backlog, broker, postgres, dsn, sizes, work)
    finally:
        broker.stop()
    if drain.completed:
        check_cloud(dsn, backlog)
    results = [*drain_results(backlog, drain, raw), *sql_results(sql)]
    shutil.rmtree(work, ignore_errors=True)  # the big store and broker files: dirty pages dropped, not written
    return results


# ------------------------------------------------------------------------------------------------------------
# Where the drain's time goes: the ingest's SQL without MQTT, and the same rows with fewer round trips
# ------------------------------------------------------------------------------------------------------------


class CountingCursor(psycopg.Cursor[Any]):
    """A cursor that counts the statements it sends (executemany counts once per row)."""

    statements = 0

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        CountingCursor.statements += 1
        return super().execute(*args, **kwargs)

    def executemany(self, query: Any, params_seq: Any, **kwargs: Any) -> None:
        rows = list(params_seq)
        CountingCursor.statements += len(rows)
        super().executemany(query, rows, **kwargs)


EVENT_SQL = ("INSERT INTO event (store_id, seq, uuid, type, schema, at, payload) VALUES (%s, %s, %s, %s, %s, %s, %s)"
             " ON CONFLICT (store_id, seq) DO NOTHING")
INVOICE_SQL = ("INSERT INTO invoice (store_id, uuid, number, issued_at, status, revision, total_paise, taxable_paise,"
               " tax_paise, document, last_seq) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
               " ON CONFLICT (store_id, uuid) DO NOTHING")
PAYMENT_SQL = ("INSERT INTO payment (store_id, uuid, invoice_uuid, kind, method, amount_paise, reference, last_seq)"
               " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (store_id, uuid) DO NOTHING")


def pipelined_batch(conn: psycopg.Connection[Any], batch: Batch) -> None:
    """The baseline: the rows ingest_batch writes for a contiguous batch of invoices and payments (event log,
    invoice and payment projections, applied_at, store_state under its row lock), in one transaction, with
    psycopg's executemany (pipeline mode: the rows go out without waiting for each answer)."""
    store_id, envelopes = batch.store_id, batch.envelopes
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("INSERT INTO store_state (store_id) VALUES (%s) ON CONFLICT DO NOTHING", (store_id,))
        cur.execute("SELECT applied_seq FROM store_state WHERE store_id = %s FOR UPDATE", (store_id,))
        cur.executemany(EVENT_SQL, [(store_id, e.seq, e.uuid, e.type, e.schema, e.at, Jsonb(e.payload))
                                    for e in envelopes])
        invoices = [e for e in envelopes if e.type == "invoice.issued"]
        cur.executemany(INVOICE_SQL, [
            (store_id, e.uuid, p["number"], p["issued_at"], p["status"], p["revision"], p["total_paise"],
             p["taxable_paise"], p["cgst_paise"] + p["sgst_paise"] + p["igst_paise"] + p["cess_paise"], Jsonb(p),
             e.seq) for e in invoices for p in (e.payload,)])
        cur.executemany(PAYMENT_SQL, [
            (store_id, e.uuid, e.payload["invoice"], "payment", e.payload["method"], e.payload["amount_paise"],
             e.payload.get("reference", ""), e.seq) for e in envelopes if e.type == "payment.recorded"])
        cur.execute("UPDATE event SET applied_at = clock_timestamp() WHERE store_id = %s AND seq >= %s AND seq <= %s",
                    (store_id, envelopes[0].seq, envelopes[-1].seq))
        cur.execute("UPDATE store_state SET applied_seq = %s, max_seen_seq = %s, updated_at = now()"
                    " WHERE store_id = %s", (envelopes[-1].seq, envelopes[-1].seq, store_id))


@dataclass
class SqlRate:
    """Envelopes per second into PostgreSQL from one connection, and statements per batch."""

    envelopes: int
    seconds: float
    statements_per_batch: float

    @property
    def per_s(self) -> float:
        """Envelopes per second."""
        return self.envelopes / self.seconds


def write_batches(dsn: str, batches: list[Batch], writer: Any) -> SqlRate:
    """Every batch through ``writer(conn, batch)`` on one connection, timed."""
    CountingCursor.statements = 0
    with psycopg.connect(dsn, cursor_factory=CountingCursor) as conn:
        start = time.perf_counter()
        for batch in batches:
            writer(conn, batch)
        seconds = time.perf_counter() - start
    return SqlRate(sum(len(b.envelopes) for b in batches), seconds, CountingCursor.statements / len(batches))


@dataclass
class SqlCeiling:
    """The ingest's SQL alone, the pipelined baseline, and what parsing the messages costs."""

    ingest: SqlRate
    pipelined: SqlRate
    decode_ms_per_batch: float


def measure_sql(backlog: Backlog, postgres: PostgresServer, envelopes: int) -> SqlCeiling:
    """The backlog's first batches, made by the publisher's code and parsed by the ingest's, written twice."""
    ctx = open_store(backlog.data_dir)
    try:
        payloads = [batch_payload(backlog.store_id, first, BATCH_SIZE) for first in range(1, envelopes + 1, BATCH_SIZE)]
    finally:
        release(ctx)
    start = time.perf_counter()
    batches = [decode_batch(payload, backlog.store_id) for payload in payloads]
    decode_ms = (time.perf_counter() - start) * 1000 / len(batches)
    rates = []
    for name, writer in (("cloud_ingest_batch", ingest_batch), ("cloud_pipelined", pipelined_batch)):
        dsn = postgres.create_database(name)
        migrate(dsn)
        rates.append(write_batches(dsn, batches, writer))
    return SqlCeiling(rates[0], rates[1], decode_ms)


def sql_results(sql: SqlCeiling) -> list[Result]:
    """The diagnostic figures: where the drain's time goes."""
    return [Result(
        "the ingest's ingest_batch alone: one connection, no MQTT, the drain's first batches", sql.ingest.per_s,
        "envelopes/s", "the same rows and transactions, executemany (pipelined)", sql.pipelined.per_s, "—", None,
        f"{sql.ingest.envelopes:,} envelopes in batches of {BATCH_SIZE} (made by the publisher's code, parsed by "
        f"decode_batch beforehand: {sql.decode_ms_per_batch:.1f} ms per batch, not timed here) into a fresh cloud "
        f"database each. ingest_batch sends {sql.ingest.statements_per_batch:.0f} statements per batch, each "
        "waiting for its answer (one INSERT per event, a SELECT of the new events, one INSERT per projection row, "
        f"2 UPDATEs); the baseline sends {sql.pipelined.statements_per_batch:.0f} rows/statements per batch but "
        "pipelined by executemany, and applies the batch directly (no SELECT back). The drain cannot be faster "
        "than the ingest_batch figure for one store: the store's row lock (FOR UPDATE) serialises workers")]


# ------------------------------------------------------------------------------------------------------------
# Benchmark 2: replication lag at a steady rate
# ------------------------------------------------------------------------------------------------------------


class InvoiceWatcher:
    """Polls the cloud every 20 ms; the wall-clock time each invoice number was first seen.

    The time taken is the one just before the query: a row the query sees committed before its snapshot."""

    def __init__(self, dsn: str, store_id: str) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.store_id = store_id
        self.seen: dict[str, float] = {}
        self.polls = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        last_seq = 0
        next_poll = time.monotonic()
        while not self.stop.is_set():
            at = time.time()
            rows = self.conn.execute("SELECT number, last_seq FROM invoice WHERE store_id = %s AND last_seq > %s",
                                     (self.store_id, last_seq)).fetchall()
            self.polls += 1
            for number, seq in rows:
                self.seen.setdefault(number, at)
                last_seq = max(last_seq, seq)
            next_poll += LAG_POLL_S
            self.stop.wait(max(0.0, next_poll - time.monotonic()))

    def __enter__(self) -> InvoiceWatcher:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self.conn.close()


@dataclass
class Sold:
    """A sale of the paced run."""

    number: str
    scheduled: float  # monotonic
    started: float  # monotonic
    finished: float  # monotonic
    committed_at: float  # wall clock, when checkout returned


def paced_sales(ctx: ServiceContext, user: User, plans: list[list[Item]], rate: float, seconds: float,
                first_seq: int) -> tuple[list[Sold], float]:
    """Sales at ``rate`` per second on a monotonic schedule (a late sale starts at once and the schedule does not
    shift), for ``seconds``; the sales and the wall time they took."""
    sold: list[Sold] = []
    start = time.monotonic()
    for index, plan in enumerate(plans):
        scheduled = start + index / rate
        if scheduled - start >= seconds:
            break
        delay = scheduled - time.monotonic()
        if delay > 0:
            time.sleep(delay)  # pacing to the schedule
        started = time.monotonic()
        if started - start >= seconds:
            break
        number = sell(ctx, user, plan, first_seq + index)
        sold.append(Sold(number, scheduled, started, time.monotonic(), time.time()))
    return sold, time.monotonic() - start


@dataclass
class Lag:
    """What the lag run measured."""

    lag_ms: list[float]
    db_lag_ms: list[float]  # to the projection's applied_at, PostgreSQL's clock
    sales: int
    seconds: float
    late_ms: list[float]  # how late each sale started against its schedule
    sale_ms: list[float]  # how long each sale took (open cart, 5 scans, checkout)
    raw_ms: list[float]
    raw_size: int
    polls: int
    to_ingest_ms: list[float]  # outbox row written (store) → the ingest's transaction began (publisher + broker)
    in_ingest_ms: list[float]  # ingest transaction began → event applied
    messages: int  # ingest transactions that carried the run's envelopes
    envelopes: int


def measure_lag(template: Path, base: Path, postgres: PostgresServer, items: list[Item], sizes: Sizes) -> Lag:
    """Broker and raw latency baseline; one worker, the publisher and the paced sales with the watcher."""
    work = base / "lag"
    work.mkdir()
    data_dir = copy_store(template, work / "store")
    count = int(sizes.lag_rate * sizes.lag_seconds) + sizes.lag_warmup + 50
    plans = sale_plans(items, count, SEED + 1)
    ctx = open_store(data_dir)
    try:
        store_id = str(Store.get().code)
        user = User.get(User.username == CASHIER["username"])
        # One sale's batch, for the size of the baseline's messages: made, measured and replicated in the warm-up.
        sell(ctx, user, plans[0], 1)
        single = batch_payload(store_id, 1, last_outbox_seq())
        (work / "raw-sale.json").write_bytes(single)
        (work / "broker").mkdir()
        broker = MosquittoServer(work / "broker").start()
        try:
            raw = run_json(load_command("raw-latency", "--port", str(broker.port), "--topic", "bench/raw/latency",
                                        "--rate", str(sizes.lag_rate), "--seconds", str(sizes.raw_latency_seconds),
                                        "--payload", str(work / "raw-sale.json")),
                           work / "raw-latency.log", timeout=sizes.raw_latency_seconds + 120)
            dsn = postgres.create_database("cloud_lag")
            migrate(dsn)
            with ingest_workers(dsn, broker.port, 1, work), \
                    publisher(data_dir, broker.port, work, "publisher-lag") as bridge:
                wait_until(lambda: "connected to" in bridge.log(), START_TIMEOUT_S, "publisher", bridge.process,
                           bridge.log_path)
                for index in range(1, sizes.lag_warmup):
                    sell(ctx, user, plans[index], index + 1)
                warm_seq = last_outbox_seq()
                with psycopg.connect(dsn, autocommit=True) as conn:
                    wait_until(lambda: applied_seq(conn, store_id) >= warm_seq, 30, "warm-up sales replicated")
                with InvoiceWatcher(dsn, store_id) as watcher:
                    outcome: dict[str, Any] = {}

                    def sales() -> None:
                        try:
                            outcome["sold"] = paced_sales(ctx, user, plans[sizes.lag_warmup:], sizes.lag_rate,
                                                          sizes.lag_seconds, sizes.lag_warmup + 1)
                        except Exception as exc:  # re-raised below, in the benchmark's thread
                            outcome["error"] = exc

                    seller = threading.Thread(target=sales, name="paced-sales")
                    seller.start()
                    seller.join(timeout=sizes.lag_seconds * 4 + 60)
                    if "error" in outcome:
                        raise outcome["error"]
                    sold, seconds = outcome["sold"]
                    wait_until(lambda: all(s.number in watcher.seen for s in sold), 60, "every sale in the cloud")
                    seen = dict(watcher.seen)
                    polls = watcher.polls
                end_seq = last_outbox_seq()
                with psycopg.connect(dsn) as conn:
                    applied = dict(conn.execute(
                        "SELECT i.number, extract(epoch FROM e.applied_at) FROM invoice i JOIN event e"
                        " ON e.store_id = i.store_id AND e.seq = i.last_seq WHERE i.store_id = %s",
                        (store_id,)).fetchall())
                    stages = conn.execute(
                        "SELECT extract(epoch FROM received_at - at) * 1000,"
                        " extract(epoch FROM applied_at - received_at) * 1000, received_at FROM event"
                        " WHERE store_id = %s AND seq > %s AND seq <= %s",
                        (store_id, warm_seq, end_seq)).fetchall()
        finally:
            broker.stop()
    finally:
        release(ctx)
    return Lag([(seen[s.number] - s.committed_at) * 1000 for s in sold],
               [(float(applied[s.number]) - s.committed_at) * 1000 for s in sold], len(sold), seconds,
               [(s.started - s.scheduled) * 1000 for s in sold], [(s.finished - s.started) * 1000 for s in sold],
               list(raw["latency_ms"]), len(single), polls,
               [float(row[0]) for row in stages], [float(row[1]) for row in stages], len({row[2] for row in stages}),
               len(stages))


def lag_results(lag: Lag, sizes: Sizes) -> list[Result]:
    """Benchmark 2's figures."""
    rate = lag.sales / lag.seconds
    achieved = (f"{lag.sales} sales in {lag.seconds:.1f} s = {rate:.1f} sales/s achieved"
                + ("" if rate >= sizes.lag_rate * 0.98 else
                   f" (asked {sizes.lag_rate:g}/s: the services could not keep up on this machine, so the sales ran "
                   f"back to back; a sale started {percentile(lag.late_ms, 50):.0f} ms late at p50, "
                   f"{max(lag.late_ms):.0f} ms at most)"))
    busy = sum(lag.sale_ms) / 1000 / lag.seconds
    third = max(1, len(lag.lag_ms) // 3)
    thirds = ", ".join(f"{percentile(lag.lag_ms[start:start + third], 50):.0f}"
                       for start in range(0, third * 3, third))
    how = (f"{achieved}; a sale took p50 {percentile(lag.sale_ms, 50):.0f} ms, p99 "
           f"{percentile(lag.sale_ms, 99):.0f} ms (the selling thread busy {busy:.0%} of the time). "
           f"Lag p50 in the run's first, second and last third: {thirds} ms. "
           "Real sales through the services (5 lines, UPI + cash) on a demo store from one thread on "
           "a monotonic schedule, the publisher process (batches of up to 100, window 20) and one ingest worker "
           "process running; lag = first seen in PostgreSQL's invoice table (polled every "
           f"{LAG_POLL_S * 1000:.0f} ms, {lag.polls} polls; the poll adds up to {LAG_POLL_S * 1000:.0f} ms) − "
           "checkout returned (committed). By PostgreSQL's own applied_at instead of the poll: p50 "
           f"{percentile(lag.db_lag_ms, 50):.1f} ms, p99 {percentile(lag.db_lag_ms, 99):.1f} ms. Per envelope, "
           "outbox row written → the ingest's transaction began (publisher, broker, worker's receive): p50 "
           f"{percentile(lag.to_ingest_ms, 50):.0f} ms, p99 {percentile(lag.to_ingest_ms, 99):.0f} ms; in the "
           f"ingest transaction: p50 {percentile(lag.in_ingest_ms, 50):.1f} ms, p99 "
           f"{percentile(lag.in_ingest_ms, 99):.1f} ms; the {lag.envelopes} envelopes of the run came in "
           f"{lag.messages} MQTT messages. Baseline: "
           f"{len(lag.raw_ms)} single {lag.raw_size:,}-byte messages (one sale's batch) at {sizes.lag_rate:g}/s, "
           "QoS 1, one paho publisher → one subscriber in one process, publish() → on_message, on the same broker "
           "before the run")
    return [
        Result(f"replication lag, sale committed → invoice in PostgreSQL, at {rate:.1f} sales/s: p50",
               percentile(lag.lag_ms, 50), "ms", "raw paho QoS 1 publish→subscribe, single messages at the same "
               "rate: p50", percentile(lag.raw_ms, 50), "—", None, how),
        Result(f"replication lag, sale committed → invoice in PostgreSQL, at {rate:.1f} sales/s: p99",
               percentile(lag.lag_ms, 99), "ms", "raw paho QoS 1 publish→subscribe, single messages at the same "
               "rate: p99", percentile(lag.raw_ms, 99), "—", None,
               f"max {max(lag.lag_ms):.0f} ms (raw max {max(lag.raw_ms):.1f} ms)"),
    ]


@contextlib.contextmanager
def postgres_cluster() -> Iterator[PostgresServer]:
    """A throw-away PostgreSQL cluster, stopped and removed on the way out."""
    server = PostgresServer()
    try:
        yield server.start()
    finally:
        server.stop()


def run(quick: bool) -> list[Result]:
    """A demo store template; the drain with its PostgreSQL cluster, then the lag run with another."""
    sizes = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="bench-replication-") as tmp:
        base = Path(tmp)
        template = base / "template"
        prepare_daemon(template)
        items = load_items(template / "store.db")
        with postgres_cluster() as postgres:
            drain = run_drain(template, base, postgres, items, sizes)
        os.sync()  # the lag run's fsyncs should not queue behind the drain's writes
        with postgres_cluster() as postgres:  # a fresh cluster: no autovacuum or checkpoint left from the drain
            lag = measure_lag(template, base, postgres, items, sizes)
    return [*drain, *lag_results(lag, sizes)]
