"""Cloud ingest: MQTT (shared subscription) → PostgreSQL, idempotent on (store, seq), in order per store.

    python -m cloud_bridge.ingest --dsn postgresql://… --broker host:1883 migrate | run | report

Each message is written in one PostgreSQL transaction and acknowledged to the broker only after commit
(paho's manual ack), so a worker killed mid-message gets it again and the (store_id, seq) key turns the
repeat into a no-op. Workers share one subscription ($share/<group>/…): messages of one store may reach
different workers out of order, so the event log accepts any order and the projections advance only along
the contiguous sequence (``store_state.applied_seq``, the store's row locked FOR UPDATE while applying).
A hole that stays open makes the worker ask the store to resend from it. A message that fails validation
goes to ``dead_letter`` and is acknowledged: it never stops the worker.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from psycopg.types.json import Jsonb

from cloud_bridge.envelope import (
    DEFAULT_PREFIX,
    Batch,
    Envelope,
    EnvelopeError,
    decode_batch,
    resend_topic,
    shared_events_subscription,
    store_of_topic,
)

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
RESEND_AFTER_S = 2.0


def migrate(dsn: str) -> list[int]:
    """Apply the cloud schema's numbered migrations; returns the versions applied."""
    applied = []
    with psycopg.connect(dsn, autocommit=False) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migration (version integer PRIMARY KEY, "
                     "applied_at timestamptz NOT NULL DEFAULT now())")
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migration")}
        for path in sorted(MIGRATIONS.glob("*.sql")):
            version = int(path.name.split("_", 1)[0])
            if version in done:
                continue
            conn.execute(path.read_text())
            conn.execute("INSERT INTO schema_migration (version) VALUES (%s)", (version,))
            applied.append(version)
        conn.commit()
    return applied


def _project(cur: psycopg.Cursor[Any], store_id: str, event: Envelope) -> None:
    """Apply one event, in sequence order, to the projections."""
    family = event.type.split(".", 1)[0]
    payload = event.payload
    if event.type == "invoice.issued":
        cur.execute(
            "INSERT INTO invoice (store_id, uuid, number, issued_at, status, revision, total_paise, taxable_paise,"
            " tax_paise, document, last_seq) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (store_id, uuid) DO NOTHING",
            (store_id, event.uuid, payload["number"], payload["issued_at"], payload["status"], payload["revision"],
             payload["total_paise"], payload["taxable_paise"],
             payload["cgst_paise"] + payload["sgst_paise"] + payload["igst_paise"] + payload["cess_paise"],
             Jsonb(payload), event.seq),
        )
    elif event.type == "invoice.revised":
        document = payload["document"]
        cur.execute(
            "UPDATE invoice SET revision = %s, total_paise = %s, tax_paise = %s, document = %s, last_seq = %s"
            " WHERE store_id = %s AND uuid = %s",
            (payload["revision"], document["total_paise"],
             document["cgst_paise"] + document["sgst_paise"] + document["igst_paise"] + document["cess_paise"],
             Jsonb(document), event.seq, store_id, payload["invoice"]),
        )
    elif event.type == "invoice.cancelled":
        cur.execute("UPDATE invoice SET status = 'cancelled', last_seq = %s WHERE store_id = %s AND uuid = %s",
                    (event.seq, store_id, event.uuid))
    elif event.type in ("payment.recorded", "payment.refunded"):
        refund = event.type == "payment.refunded"
        cur.execute(
            "INSERT INTO payment (store_id, uuid, invoice_uuid, kind, method, amount_paise, reference, last_seq)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (store_id, uuid) DO NOTHING",
            (store_id, event.uuid, payload["invoice"], "refund" if refund else "payment", payload["method"],
             -payload["amount_paise"] if refund else payload["amount_paise"], payload.get("reference", ""),
             event.seq),
        )
    else:
        cur.execute(
            "INSERT INTO record (store_id, kind, uuid, document, last_seq) VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (store_id, kind, uuid) DO UPDATE SET document = EXCLUDED.document,"
            " last_seq = EXCLUDED.last_seq WHERE record.last_seq < EXCLUDED.last_seq",
            (store_id, family, event.uuid, Jsonb(payload), event.seq),
        )


@dataclass
class IngestResult:
    """What one message did."""

    stored: int
    applied: int
    gap_from: int | None
    gap_to: int | None = None


def ingest_batch(conn: psycopg.Connection[Any], batch: Batch) -> IngestResult:
    """Store a batch's envelopes (repeats ignored) and apply every event now contiguous, in one transaction."""
    store_id = batch.store_id
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("INSERT INTO store_state (store_id) VALUES (%s) ON CONFLICT DO NOTHING", (store_id,))
        cur.execute("SELECT applied_seq, max_seen_seq, last_resend_request, gap_since FROM store_state"
                    " WHERE store_id = %s FOR UPDATE", (store_id,))
        applied_seq, max_seen, last_request, gap_since = cur.fetchone()  # type: ignore[misc]
        stored = 0
        if batch.envelopes:
            cur.executemany(  # pipelined: one round trip for the batch, not one per envelope
                "INSERT INTO event (store_id, seq, uuid, type, schema, at, payload) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (store_id, seq) DO NOTHING",
                [(store_id, e.seq, e.uuid, e.type, e.schema, e.at, Jsonb(e.payload)) for e in batch.envelopes],
            )
            stored = max(cur.rowcount, 0)
        cur.execute("SELECT seq, uuid, type, schema, at, payload FROM event WHERE store_id = %s AND seq > %s"
                    " ORDER BY seq LIMIT 5000", (store_id, applied_seq))
        applied = 0
        pending = cur.fetchall()
        # Pipeline mode: the projection statements go out back to back and their answers are read once at
        # the end (an error still aborts the transaction), instead of one network round trip per event.
        with conn.pipeline():
            for seq, record, kind, schema, at, payload in pending:
                if seq != applied_seq + 1:
                    break
                _project(cur, store_id, Envelope(seq, str(record), kind, schema, str(at), payload))
                applied_seq = seq
                applied += 1
            if applied:
                cur.execute("UPDATE event SET applied_at = clock_timestamp()"
                            " WHERE store_id = %s AND seq > %s AND seq <= %s",
                            (store_id, applied_seq - applied, applied_seq))
        max_seen = max(max_seen, batch.envelopes[-1].seq if batch.envelopes else 0, batch.high_seq or 0)
        gap_from = gap_to = None
        now = time.time()
        hole = max_seen > applied_seq
        # A hole that just opened is left alone: shared subscriptions reorder, and it usually fills by itself.
        opened = hole and gap_since is None
        if (hole and gap_since is not None and now - gap_since.timestamp() >= RESEND_AFTER_S
                and (last_request is None or now - last_request.timestamp() >= RESEND_AFTER_S)):
            gap_from = applied_seq + 1
            cur.execute("SELECT min(seq) FROM event WHERE store_id = %s AND seq > %s", (store_id, applied_seq))
            next_held = cur.fetchone()[0]  # type: ignore[index]
            gap_to = (next_held - 1) if next_held else max_seen
        cur.execute(
            "UPDATE store_state SET applied_seq = %s, max_seen_seq = %s, updated_at = now(),"
            " last_resend_request = CASE WHEN %s THEN now() ELSE last_resend_request END,"
            " gap_since = CASE WHEN %s THEN NULL WHEN %s THEN now() ELSE gap_since END WHERE store_id = %s",
            (applied_seq, max_seen, gap_from is not None, not hole, opened, store_id),
        )
    return IngestResult(stored, applied, gap_from, gap_to)


def dead_letter(conn: psycopg.Connection[Any], topic: str, payload: bytes, error: str) -> None:
    """Keep a message that failed validation, with the reason."""
    with conn.transaction():
        conn.execute("INSERT INTO dead_letter (topic, payload, error) VALUES (%s, %s, %s)", (topic, payload, error))


class IngestWorker:
    """One worker of the shared subscription."""

    def __init__(self, dsn: str, host: str, port: int, group: str = "ingest", prefix: str = DEFAULT_PREFIX,
                 worker_id: str | None = None) -> None:
        self.dsn, self.host, self.port, self.group, self.prefix = dsn, host, port, group, prefix
        self.worker_id = worker_id or f"ingest-{uuid.uuid4().hex[:8]}"
        self.conn = psycopg.connect(dsn)
        self.connected = False
        self.messages = 0
        self.dead_letters = 0
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.worker_id,
                                  protocol=mqtt.MQTTv5, manual_ack=True, reconnect_on_failure=False)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            return
        self.connected = True
        client.subscribe(shared_events_subscription(self.group, self.prefix), qos=1)

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        self.connected = False

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.handle(message.topic, message.payload)
        client.ack(message.mid, message.qos)

    def handle(self, topic: str, payload: bytes) -> IngestResult | None:
        """Validate and ingest one message (or dead-letter it); commit before returning."""
        self.messages += 1
        try:
            batch = decode_batch(payload, store_of_topic(topic))
        except EnvelopeError as exc:
            self.dead_letters += 1
            dead_letter(self.conn, topic, payload, str(exc))
            log.warning("dead letter from %s: %s", topic, exc)
            return None
        try:
            result = ingest_batch(self.conn, batch)
        except (psycopg.errors.DataError, KeyError, TypeError) as exc:
            self.dead_letters += 1
            dead_letter(self.conn, topic, payload, f"cannot apply: {exc}")
            return None
        if result.gap_from is not None:
            self.client.publish(resend_topic(batch.store_id, self.prefix),
                                json.dumps({"from_seq": result.gap_from, "to_seq": result.gap_to}), qos=1)
        return result

    def run(self, stop: threading.Event) -> None:
        """Consume until stop is set; reconnects when the broker goes away."""
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 24 * 3600
        failures = 0
        while not stop.is_set():
            if not self.connected:
                try:
                    self.client.connect(self.host, self.port, keepalive=30, clean_start=False, properties=props)
                    failures = 0
                except OSError:
                    failures += 1
                    stop.wait(min(5.0, 0.1 * 2 ** min(failures, 6)))
                    continue
            self.client.loop(timeout=0.05)
        if self.connected:
            self.client.disconnect()
        self.conn.close()


def report(dsn: str) -> list[dict[str, Any]]:
    """Per-store counts and totals, to compare with the store's own."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT s.store_id, s.applied_seq, s.max_seen_seq,"
            " (SELECT count(*) FROM event e WHERE e.store_id = s.store_id),"
            " (SELECT count(*) FROM invoice i WHERE i.store_id = s.store_id AND i.status <> 'cancelled'),"
            " (SELECT coalesce(sum(total_paise), 0) FROM invoice i WHERE i.store_id = s.store_id"
            "   AND i.status <> 'cancelled'),"
            " (SELECT coalesce(sum(amount_paise), 0) FROM payment p WHERE p.store_id = s.store_id)"
            " FROM store_state s ORDER BY s.store_id").fetchall()
    keys = ("store_id", "applied_seq", "max_seen_seq", "events", "invoices", "invoice_total_paise", "paid_paise")
    return [dict(zip(keys, (int(v) if isinstance(v, int) else v for v in row), strict=True)) for row in rows]


def resume_point(dsn: str, store_id: str) -> dict[str, Any]:
    """What a store restored from an older backup must skip past before it sells again: the highest sequence
    the cloud holds for it and the highest number of each invoice and credit-note series (edge: resume-from-cloud)."""
    with psycopg.connect(dsn) as conn:
        max_seq = conn.execute("SELECT coalesce(max(seq), 0) FROM event WHERE store_id = %s", (store_id,)).fetchone()
        rows = conn.execute(
            "SELECT type, max(payload->>'number') FROM event"
            " WHERE store_id = %s AND type IN ('invoice.issued', 'credit_note.issued') AND payload ? 'number'"
            " GROUP BY type, regexp_replace(payload->>'number', '/[0-9]+$', '') ORDER BY 1, 2",
            (store_id,)).fetchall()
    numbers: dict[str, list[str]] = {}
    for event_type, number in rows:
        numbers.setdefault(event_type, []).append(number)
    return {"store_id": store_id, "max_seq": int(max_seq[0] if max_seq else 0), "numbers": numbers}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line of the ingest worker."""
    parser = argparse.ArgumentParser(prog="python -m cloud_bridge.ingest")
    parser.add_argument("--dsn", required=True, help="PostgreSQL connection string")
    parser.add_argument("--broker", default="127.0.0.1:1883", help="host:port of the MQTT broker")
    parser.add_argument("--group", default="ingest", help="shared-subscription group")
    parser.add_argument("--prefix", default=DEFAULT_PREFIX)
    parser.add_argument("--store", help="store ID (resume-point)")
    parser.add_argument("command", choices=("migrate", "run", "report", "resume-point"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "migrate":
            print(f"applied: {migrate(args.dsn) or 'none needed'}")
        elif args.command == "resume-point":
            if not args.store:
                parser.error("resume-point needs --store")
            print(json.dumps(resume_point(args.dsn, args.store)))
        elif args.command == "report":
            for row in report(args.dsn):
                print(json.dumps(row))
        else:
            host, _, port = args.broker.rpartition(":")
            worker = IngestWorker(args.dsn, host or "127.0.0.1", int(port), args.group, args.prefix)
            stop = threading.Event()
            import signal

            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            worker.run(stop)
    except psycopg.OperationalError as exc:
        print(f"error: cannot reach PostgreSQL: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
