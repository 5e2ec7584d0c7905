"""Replication with a real mosquitto and a real PostgreSQL: the cloud ends up with exactly the store's data —
nothing lost, nothing doubled, in order per store — through broker restarts, a publisher killed with
SIGKILL, an outage, two ingest workers and a malformed message; and a price pushed down reaches the till."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import psycopg
import pytest

from cloud_bridge.envelope import Batch, Envelope, downlink_topic, encode_batch, events_topic
from cloud_bridge.ingest import IngestWorker, ingest_batch, migrate
from cloud_bridge.publisher import Publisher, PublisherSettings
from edge.services.carts import open_cart, scan
from edge.services.catalog import lookup_barcode
from edge.services.checkout import checkout
from edge.services.context import ServiceContext
from edge.services.downlink import apply_downlink, held_version
from edge.store.models import Invoice, Outbox, Payment, User
from tests.integration.test_cli import FAST, REPO
from tests.integration.test_sale import CASE, PIECE_ITEM
from tests.servers import MosquittoServer, PostgresServer, wait_until

STORE = "S001"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL cluster for the session."""
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def cloud(postgres: PostgresServer) -> str:
    """A fresh cloud database at the head of its migrations."""
    dsn = postgres.create_database(f"cloud_{uuid.uuid4().hex[:10]}")
    assert migrate(dsn) == [1]
    return dsn


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoServer]:
    """A real mosquitto for this test (restartable on the same port, persistent)."""
    (tmp_path / "broker").mkdir()
    server = MosquittoServer(tmp_path / "broker").start()
    yield server
    server.stop()


@dataclass
class Running:
    """A component running in a thread until stopped."""

    stop: threading.Event
    thread: threading.Thread

    def halt(self) -> None:
        """Stop and wait."""
        self.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


def start(target: Callable[[threading.Event], None]) -> Running:
    """Run ``target(stop)`` in a thread."""
    stop = threading.Event()
    thread = threading.Thread(target=target, args=(stop,), daemon=True)
    thread.start()
    return Running(stop, thread)


def start_publisher(ctx: ServiceContext, broker: MosquittoServer, **settings: Any) -> tuple[Publisher, Running]:
    """The store's publisher in a thread."""
    publisher = Publisher(ctx.db, PublisherSettings(STORE, "127.0.0.1", broker.port, backoff_base_s=0.05,
                                                    backoff_max_s=0.5, heartbeat_s=0.5, **settings),
                          on_downlink=lambda payload: apply_downlink(ctx, payload))

    def run(stop: threading.Event) -> None:
        try:
            publisher.run(stop)
        finally:
            ctx.db.close()

    return publisher, start(run)


def start_ingest(cloud: str, broker: MosquittoServer, name: str = "w1") -> tuple[IngestWorker, Running]:
    """A cloud ingest worker in a thread."""
    worker = IngestWorker(cloud, "127.0.0.1", broker.port, worker_id=f"ingest-{name}-{uuid.uuid4().hex[:6]}")
    return worker, start(worker.run)


def sell(ctx: ServiceContext, count: int, cashier: str = "cashier") -> None:
    """Make real sales through the services: two lines, paid by UPI and cash."""
    user = User.get(User.username == cashier)
    for index in range(count):
        cart = open_cart(ctx, user, "T1")
        scan(ctx, user, str(cart.uuid), str(CASE.barcode))
        document = scan(ctx, user, str(cart.uuid), str(PIECE_ITEM.units[0].barcode))
        upi = document["total_paise"] // 3
        checkout(ctx, user, document["id"], [
            {"method": "upi", "amount_paise": upi, "reference": f"UPI-{index}"},
            {"method": "cash", "amount_paise": document["total_paise"] - upi}])


def store_view() -> dict[str, Any]:
    """What the store holds: every invoice with its total, payments, the outbox's last sequence."""
    return {
        "invoices": sorted((str(i.uuid), i.number, i.total_paise) for i in Invoice.select()),
        "paid_paise": sum(p.amount_paise for p in Payment.select()),
        "payments": Payment.select().count(),
        "last_seq": Outbox.select().count(),
    }


def cloud_view(dsn: str) -> dict[str, Any]:
    """What the cloud holds for the store."""
    with psycopg.connect(dsn) as conn:
        invoices = sorted((str(u), n, t) for u, n, t in conn.execute(
            "SELECT uuid, number, total_paise FROM invoice WHERE store_id = %s", (STORE,)))
        paid, payments = conn.execute(
            "SELECT coalesce(sum(amount_paise), 0), count(*) FROM payment WHERE store_id = %s", (STORE,)).fetchone()
        state = conn.execute("SELECT applied_seq FROM store_state WHERE store_id = %s", (STORE,)).fetchone()
    return {"invoices": invoices, "paid_paise": int(paid), "payments": int(payments),
            "last_seq": int(state[0]) if state else 0}


def assert_cloud_equals_store(dsn: str, timeout: float = 60) -> None:
    """Wait until the cloud has applied everything, then compare the sets and the order."""
    expected = store_view()
    wait_until(lambda: cloud_view(dsn)["last_seq"] >= expected["last_seq"], timeout, "replication")
    assert cloud_view(dsn) == expected
    with psycopg.connect(dsn) as conn:
        seqs = [row[0] for row in conn.execute("SELECT seq FROM event WHERE store_id = %s ORDER BY seq", (STORE,))]
        applied_order = [row[0] for row in conn.execute(
            "SELECT seq FROM event WHERE store_id = %s ORDER BY applied_at, seq", (STORE,))]
    assert seqs == list(range(1, expected["last_seq"] + 1)), "every event once, none missing"
    assert applied_order == seqs, "applied in the store's order"


def test_sales_replicate_with_equal_counts_and_totals(
    demo_ctx: ServiceContext, broker: MosquittoServer, cloud: str
) -> None:
    _, ingest = start_ingest(cloud, broker)
    publisher, publishing = start_publisher(demo_ctx, broker, batch_size=25)
    try:
        sell(demo_ctx, 60)
        assert_cloud_equals_store(cloud)
        wait_until(lambda: publisher.backlog() == 0, 30, "the outbox marked sent")
    finally:
        publishing.halt()
        ingest.halt()
    assert Outbox.select().where(Outbox.sent_at.is_null()).count() == 0


def test_broker_killed_and_restarted_ten_times_mid_stream(
    demo_ctx: ServiceContext, broker: MosquittoServer, cloud: str
) -> None:
    _, ingest = start_ingest(cloud, broker)
    publisher, publishing = start_publisher(demo_ctx, broker, batch_size=5, window=4)
    try:
        for _ in range(10):
            sell(demo_ctx, 4)
            broker.kill()
            sell(demo_ctx, 2)  # the till keeps selling while the broker is down
            broker.start()
        assert_cloud_equals_store(cloud, timeout=120)
    finally:
        publishing.halt()
        ingest.halt()
    assert publisher.stats.connects > 1, "the publisher reconnected after the kills"


def test_outage_sales_go_on_then_drain(demo_ctx: ServiceContext, broker: MosquittoServer, cloud: str) -> None:
    broker.stop()
    publisher, publishing = start_publisher(demo_ctx, broker)
    try:
        sell(demo_ctx, 30)
        assert publisher.backlog() == Outbox.select().count(), "nothing sent while the broker is down"
        broker.start()
        _, ingest = start_ingest(cloud, broker)
        try:
            assert_cloud_equals_store(cloud)
        finally:
            ingest.halt()
    finally:
        publishing.halt()


def test_publisher_killed_with_sigkill_and_restarted(
    demo_ctx: ServiceContext, broker: MosquittoServer, cloud: str
) -> None:
    sell(demo_ctx, 80)
    demo_ctx.db.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POS_")} | FAST | {
        "POS_SYNC_BROKER_HOST": "127.0.0.1", "POS_SYNC_BROKER_PORT": str(broker.port), "POS_SYNC_TLS": "false",
        "POS_SYNC_BATCH_SIZE": "2", "POS_SYNC_WINDOW": "2",
    }
    command = [sys.executable, "-m", "cloud_bridge.publisher", "--data-dir", str(demo_ctx.config.data_dir)]
    _, ingest = start_ingest(cloud, broker)
    try:
        log_file = demo_ctx.config.data_dir / "publisher.log"
        with log_file.open("ab") as log:
            process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: cloud_view(cloud)["last_seq"] > 20, 60, "replication to start", process, log_file)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert cloud_view(cloud)["last_seq"] < Outbox.select().count(), "killed mid-stream"
        with log_file.open("ab") as log:
            restarted = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            assert_cloud_equals_store(cloud)
        finally:
            restarted.send_signal(signal.SIGTERM)
            assert restarted.wait(timeout=30) == 0
    finally:
        ingest.halt()


def test_two_ingest_workers_share_the_stream_without_duplicates(
    demo_ctx: ServiceContext, broker: MosquittoServer, cloud: str
) -> None:
    first, one = start_ingest(cloud, broker, "a")
    second, two = start_ingest(cloud, broker, "b")
    _, publishing = start_publisher(demo_ctx, broker, batch_size=3)
    try:
        sell(demo_ctx, 50)
        assert_cloud_equals_store(cloud)
    finally:
        publishing.halt()
        one.halt()
        two.halt()
    assert first.messages > 0 and second.messages > 0, "both workers took part"


def test_a_malformed_message_goes_to_the_dead_letters_and_the_worker_goes_on(
    demo_ctx: ServiceContext, broker: MosquittoServer, cloud: str
) -> None:
    worker, ingest = start_ingest(cloud, broker)
    wait_until(lambda: worker.connected, 20, "ingest connected")
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    for bad in (b"not json", json.dumps({"v": 1, "store_id": STORE, "envelopes": [{"seq": "x"}]}).encode(),
                json.dumps({"v": 9}).encode()):
        client.publish(events_topic(STORE), bad, qos=1).wait_for_publish(10)
    client.loop_stop()
    client.disconnect()
    _, publishing = start_publisher(demo_ctx, broker)
    try:
        sell(demo_ctx, 5)
        assert_cloud_equals_store(cloud)
    finally:
        publishing.halt()
        ingest.halt()
    with psycopg.connect(cloud) as conn:
        errors = [row[0] for row in conn.execute("SELECT error FROM dead_letter ORDER BY id")]
    assert len(errors) == 3
    assert errors[0].startswith("not JSON") and "seq must be a positive integer" in errors[1]


def test_a_gap_is_held_back_and_filled_in_order(cloud: str) -> None:
    def batch(*seqs: int) -> Batch:
        return Batch(STORE, tuple(Envelope(seq, str(uuid.uuid4()), "user.created", 1, "2026-11-24T06:00:00Z",
                                           {"username": f"u{seq}"}) for seq in seqs))

    with psycopg.connect(cloud) as conn:
        assert ingest_batch(conn, batch(1, 2)).applied == 2
        held = ingest_batch(conn, batch(4, 5))
        assert (held.applied, held.gap_from) == (0, None), "4 and 5 wait for 3, which may just be late"
        conn.execute("UPDATE store_state SET gap_since = now() - interval '1 minute'")  # the hole stays open
        repeat = ingest_batch(conn, batch(4))
        assert repeat.stored == 0, "a repeat is a no-op"
        assert (repeat.gap_from, repeat.gap_to) == (3, 3), "the store is asked for just the missing range"
        assert ingest_batch(conn, batch(5)).gap_from is None, "asked once, not on every message"
        filled = ingest_batch(conn, batch(3))
        assert (filled.applied, filled.gap_from) == (3, None)
        state = conn.execute("SELECT applied_seq, max_seen_seq FROM store_state").fetchone()
    assert state == (5, 5)


def test_a_price_pushed_down_reaches_the_till(demo_ctx: ServiceContext, broker: MosquittoServer, cloud: str) -> None:
    publisher, publishing = start_publisher(demo_ctx, broker)
    today = date(2026, 11, 24)
    before = lookup_barcode(demo_ctx.db, str(CASE.barcode), today)["units"][0]["prices_paise"]["counter"]
    message = {"v": 1, "id": "catalog-18", "version": 18, "products": [{
        "sku": PIECE_ITEM.sku, "name": PIECE_ITEM.name, "category": PIECE_ITEM.category,
        "hsn_code": PIECE_ITEM.hsn_code, "base_unit": "piece",
        "units": [{"name": PIECE_ITEM.units[0].name, "kind": "piece", "factor_milli": 1000,
                   "prices": {"counter": before + 500}, "effective_from": "2026-11-01"}]}]}
    try:
        wait_until(lambda: publisher.stats.connects >= 1, 20, "publisher connected")
        cloud_side = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        cloud_side.connect("127.0.0.1", broker.port)
        cloud_side.loop_start()
        for _ in range(2):  # delivered twice: applied once
            cloud_side.publish(downlink_topic(STORE), json.dumps(message), qos=1).wait_for_publish(10)
        cloud_side.loop_stop()
        cloud_side.disconnect()
        wait_until(lambda: publisher.stats.downlinks >= 2, 20, "downlink received")
    finally:
        publishing.halt()
    after = lookup_barcode(demo_ctx.db, str(PIECE_ITEM.units[0].barcode), today)
    assert after["units"][0]["prices_paise"]["counter"] == before + 500
    assert held_version() == 18
    assert Outbox.select().where(Outbox.type == "catalog.applied").count() == 1
    assert apply_downlink(demo_ctx, json.dumps({**message, "id": "catalog-17", "version": 17}).encode()) is False


def test_envelope_batches_round_trip(tmp_path: Path) -> None:
    from cloud_bridge.envelope import EnvelopeError, decode_batch

    batch = Batch(STORE, (Envelope(7, str(uuid.uuid4()), "invoice.issued", 1, "2026-11-24T06:00:00Z", {"n": 1}),))
    assert decode_batch(encode_batch(batch), STORE) == batch
    with pytest.raises(EnvelopeError, match="does not match the topic"):
        decode_batch(encode_batch(batch), "S002")


def test_ten_thousand_sales_replicate_exactly(demo_ctx: ServiceContext, broker: MosquittoServer, cloud: str) -> None:
    """The issue's volume: 10,000 real sales through the services, replicated while the till sells."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POS_")} | FAST | {
        "POS_SYNC_BROKER_HOST": "127.0.0.1", "POS_SYNC_BROKER_PORT": str(broker.port), "POS_SYNC_TLS": "false"}
    publisher = subprocess.Popen([sys.executable, "-m", "cloud_bridge.publisher", "--data-dir",
                                  str(demo_ctx.config.data_dir)], cwd=REPO, env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ingest = subprocess.Popen([sys.executable, "-m", "cloud_bridge.ingest", "--dsn", cloud, "--broker",
                               f"127.0.0.1:{broker.port}", "run"], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        user = User.get(User.username == "cashier")
        for index in range(10_000):
            cart = open_cart(demo_ctx, user, "T1")
            document = scan(demo_ctx, user, str(cart.uuid), str(CASE.barcode))
            checkout(demo_ctx, user, document["id"], [{"method": "cash", "amount_paise": document["total_paise"],
                                                       "reference": f"R{index}"}])
        assert Invoice.select().count() == 10_000
        assert_cloud_equals_store(cloud, timeout=300)
    finally:
        for process in (publisher, ingest):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
