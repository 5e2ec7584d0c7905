"""The store's publisher: outbox rows → MQTT (QoS 1), marked sent only after the broker's PUBACK.

Runs as its own process (``python -m cloud_bridge.publisher``, systemd unit store-edge-bridge) next to the
daemon, on the same data dir: a broker or network that hangs never stalls a till, and the bridge can be
restarted or killed on its own. paho-mqtt keeps unacknowledged messages only in memory; the outbox in the
store's database is what survives kill -9 and power loss, and the ingest's idempotency on (store, seq)
makes the re-sends after a restart harmless.

One thread drives everything (``client.loop``): network, callbacks and database, so there is no locking.
"""

from __future__ import annotations

import json
import logging
import os
import random
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
import peewee
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from cloud_bridge.envelope import (
    DEFAULT_PREFIX,
    Batch,
    Envelope,
    downlink_topic,
    encode_batch,
    events_topic,
    resend_topic,
    status_topic,
)
from edge.clock import utcnow
from edge.store.db import write_transaction
from edge.store.models import Outbox
from edge.ups import SYNC_PRIORITY_FLAG

log = logging.getLogger(__name__)
CONNACK_WAIT_S = 10.0


@dataclass
class PublisherSettings:
    """Where and how to publish."""

    store_id: str
    host: str
    port: int
    prefix: str = DEFAULT_PREFIX
    username: str = ""
    password: str = ""
    ca_file: str = ""  # set: TLS with this CA pinned
    tls: bool = False
    batch_size: int = 100  # envelopes per MQTT message when a backlog exists
    window: int = 20  # MQTT messages in flight at most
    keepalive: int = 30
    session_expiry_s: int = 7 * 24 * 3600
    poll_s: float = 0.05
    heartbeat_s: float = 10.0  # idle: tell the cloud the highest acknowledged seq (catches a lost tail)
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    # While this file exists (the daemon saw the UPS go on battery) replication comes first: reconnect
    # attempts wait at most priority_backoff_s, so the backlog leaves the moment the link is back.
    priority_file: str = ""
    priority_backoff_s: float = 2.0


@dataclass
class PublisherStats:
    """What the publisher has done, for logs and tests."""

    published_messages: int = 0
    acked_envelopes: int = 0
    connects: int = 0
    failed_attempts: int = 0  # connections refused, dropped before CONNACK, or not made at all
    resend_requests: int = 0
    downlinks: int = 0


@dataclass
class _State:
    connected: bool = False
    cursor: int = 0  # highest seq handed to the client in this session
    inflight: dict[int, list[int]] = field(default_factory=dict)  # mid → seqs
    acked: list[int] = field(default_factory=list)
    resend: list[tuple[int, int | None]] = field(default_factory=list)  # (from, to) ranges the cloud lacks
    failures: int = 0
    next_attempt: float = 0.0
    next_heartbeat: float = 0.0
    awaiting_connack_until: float = 0.0  # a CONNECT is out: do not open another connection before this


def _envelope(row: Outbox) -> Envelope:
    return Envelope(row.seq, str(row.record_uuid), row.type, row.schema_version,
                    row.created_at.isoformat() + "Z", json.loads(row.payload))


class Publisher:
    """Publishes a store's outbox to the broker, in order, exactly once in effect."""

    def __init__(self, db: peewee.Database, settings: PublisherSettings,
                 on_downlink: Callable[[bytes], None] | None = None) -> None:
        self.db = db
        self.settings = settings
        self.stats = PublisherStats()
        self.on_downlink = on_downlink
        self._state = _State()
        self.client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        s = self.settings
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"store-{s.store_id}-publisher",
                             protocol=mqtt.MQTTv5, reconnect_on_failure=False)
        client.max_inflight_messages_set(s.window)
        client.max_queued_messages_set(0)
        if s.username:
            client.username_pw_set(s.username, s.password)
        if s.tls or s.ca_file:
            client.tls_set(ca_certs=s.ca_file or None, cert_reqs=ssl.CERT_REQUIRED)
        client.will_set(status_topic(s.store_id, s.prefix), "offline", qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        return client

    # --- paho callbacks (run inside client.loop, on this thread) ------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        self._state.awaiting_connack_until = 0.0
        if reason.is_failure:
            self.stats.failed_attempts += 1
            log.warning("broker refused the connection: %s", reason)
            return
        state = self._state
        state.connected, state.failures = True, 0
        self.stats.connects += 1
        if not flags.session_present:
            # The broker forgot our session: whatever was in flight is re-read from the outbox.
            state.inflight.clear()
            state.cursor = 0
        s = self.settings
        client.publish(status_topic(s.store_id, s.prefix), "online", qos=1, retain=True)
        client.subscribe([(resend_topic(s.store_id, s.prefix), 1), (downlink_topic(s.store_id, s.prefix), 1)])
        log.info("connected to %s:%s (session present: %s)", s.host, s.port, flags.session_present)

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if not self._state.connected and self._state.awaiting_connack_until:
            self.stats.failed_attempts += 1  # dropped before the CONNACK (e.g. plain MQTT to a TLS port)
        self._state.connected = False
        self._state.awaiting_connack_until = 0.0
        log.info("disconnected: %s", reason)

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, reason: Any, props: Any) -> None:
        seqs = self._state.inflight.pop(mid, None)
        if seqs is not None and not reason.is_failure:
            self._state.acked.extend(seqs)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        s = self.settings
        if message.topic == resend_topic(s.store_id, s.prefix):
            try:
                request = json.loads(message.payload)
                from_seq = int(request["from_seq"])
                to_seq = int(request["to_seq"]) if request.get("to_seq") is not None else None
            except (ValueError, KeyError, TypeError, AttributeError):
                log.warning("ignored a malformed resend request: %r", message.payload[:200])
                return
            self.stats.resend_requests += 1
            self._state.resend.append((from_seq, to_seq))
        elif message.topic == downlink_topic(s.store_id, s.prefix) and self.on_downlink is not None:
            self.stats.downlinks += 1
            try:
                self.on_downlink(message.payload)
            except Exception:
                log.exception("downlink message could not be applied")

    # --- the loop ------------------------------------------------------------------------------------

    def _connect(self) -> None:
        state, s = self._state, self.settings
        now = time.monotonic()
        if now < state.next_attempt or now < state.awaiting_connack_until:
            return
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = s.session_expiry_s
        try:
            self.client.connect(s.host, s.port, keepalive=s.keepalive, clean_start=False, properties=props)
            # The CONNACK comes on a later loop turn (over TLS often after the first poll): wait for it, or
            # for the disconnect callback, instead of tearing the fresh connection down with another connect.
            state.awaiting_connack_until = time.monotonic() + CONNACK_WAIT_S
        except OSError as exc:
            state.failures += 1
            self.stats.failed_attempts += 1
            # Full jitter: thousands of stores coming back after an outage do not reconnect in step.
            delay = random.uniform(0, min(self._backoff_cap(), s.backoff_base_s * 2 ** min(state.failures, 16)))  # noqa: S311
            state.next_attempt = time.monotonic() + delay
            log.info("broker unreachable (%s); next try in %.1f s", exc, delay)

    def _backoff_cap(self) -> float:
        s = self.settings
        if s.priority_file and os.path.exists(s.priority_file):
            return min(s.backoff_max_s, s.priority_backoff_s)
        return s.backoff_max_s

    def _mark_acked(self) -> None:
        state = self._state
        if not state.acked:
            return
        seqs, state.acked = state.acked, []
        with write_transaction(self.db):
            now = utcnow()
            for start in range(0, len(seqs), 500):
                Outbox.update(sent_at=now).where(Outbox.seq.in_(seqs[start:start + 500])).execute()
        self.stats.acked_envelopes += len(seqs)

    def _apply_resend(self) -> None:
        state = self._state
        if not state.resend:
            return
        ranges, state.resend = state.resend, []
        with write_transaction(self.db):
            for from_seq, to_seq in ranges:
                query = Outbox.update(sent_at=None).where(Outbox.seq >= from_seq)
                (query if to_seq is None else query.where(Outbox.seq <= to_seq)).execute()
        state.cursor = min(state.cursor, min(from_seq for from_seq, _ in ranges) - 1)
        log.info("resending %s at the cloud's request", ", ".join(f"{a}..{b or ''}" for a, b in ranges))

    def _fill_window(self) -> None:
        state, s = self._state, self.settings
        room = s.window - len(state.inflight)
        if room <= 0 or not state.connected:
            return
        in_flight = {seq for seqs in state.inflight.values() for seq in seqs}
        rows = [row for row in Outbox.select().where(Outbox.sent_at.is_null() & (Outbox.seq > state.cursor))
                .order_by(Outbox.seq).limit(room * s.batch_size) if row.seq not in in_flight]
        for start in range(0, len(rows), s.batch_size):
            chunk = rows[start:start + s.batch_size]
            payload = encode_batch(Batch(s.store_id, tuple(_envelope(row) for row in chunk)))
            info = self.client.publish(events_topic(s.store_id, s.prefix), payload, qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                state.connected = info.rc != mqtt.MQTT_ERR_NO_CONN and state.connected
                break
            state.inflight[info.mid] = [row.seq for row in chunk]
            state.cursor = chunk[-1].seq
            self.stats.published_messages += 1

    def _heartbeat(self) -> None:
        state, s = self._state, self.settings
        if not state.connected or state.inflight or time.monotonic() < state.next_heartbeat:
            return
        state.next_heartbeat = time.monotonic() + s.heartbeat_s
        high = Outbox.select(peewee.fn.MAX(Outbox.seq)).where(Outbox.sent_at.is_null(False)).scalar() or 0
        if Outbox.select().where(Outbox.sent_at.is_null()).exists():
            return  # still draining: the next batch carries the news
        self.client.publish(events_topic(s.store_id, s.prefix), encode_batch(Batch(s.store_id, (), int(high))), qos=1)

    def step(self) -> None:
        """One turn: connect if needed, move network traffic, record PUBACKs, publish what fits the window."""
        if not self._state.connected:
            cap = self._backoff_cap()
            self._state.next_attempt = min(self._state.next_attempt, time.monotonic() + cap)
            self._connect()
        rc = self.client.loop(timeout=self.settings.poll_s)
        if rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
            self._state.connected = False
        self._mark_acked()
        self._apply_resend()
        self._fill_window()
        self._heartbeat()

    def run(self, stop: threading.Event) -> None:
        """Publish until stop is set; then say offline and disconnect."""
        try:
            while not stop.is_set():
                try:
                    self.step()
                except peewee.OperationalError as exc:  # the store is busy (daemon writing): try again
                    log.warning("store busy: %s", exc)
        finally:
            if self._state.connected:
                s = self.settings
                self.client.publish(status_topic(s.store_id, s.prefix), "offline", qos=1, retain=True)
                self.client.loop(timeout=0.2)
                self._mark_acked()
                self.client.disconnect()

    def backlog(self) -> int:
        """Envelopes not yet acknowledged by the broker."""
        return int(Outbox.select().where(Outbox.sent_at.is_null()).count())


def settings_from_config(config: Any, secrets: Any, store_id: str) -> PublisherSettings:
    """Publisher settings from the daemon's config ([sync]) and secrets (MQTT credentials)."""
    return PublisherSettings(
        store_id=store_id, host=config.get("sync.broker_host"), port=config.get("sync.broker_port"),
        prefix=config.get("sync.topic_prefix"), username=secrets.credentials.get("mqtt_username", ""),
        password=secrets.credentials.get("mqtt_password", ""), ca_file=config.get("sync.ca_file"),
        tls=config.get("sync.tls"), batch_size=config.get("sync.batch_size"), window=config.get("sync.window"),
        priority_file=str(config.data_dir / SYNC_PRIORITY_FLAG),
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m cloud_bridge.publisher [--data-dir DIR] [--config FILE]``: publish until SIGTERM."""
    import argparse
    import signal
    import sys
    from pathlib import Path

    from edge.config import ConfigError, load_config
    from edge.server import StartupError, build_context, setup_logging
    from edge.store.models import Store

    parser = argparse.ArgumentParser(prog="python -m cloud_bridge.publisher")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--config", type=Path)
    args = parser.parse_args(argv)
    try:
        overrides = {"storage.data_dir": str(args.data_dir.resolve())} if args.data_dir else {}
        config = load_config(args.config, overrides=overrides)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    if not config.get("sync.broker_host"):
        print("config error: sync.broker_host: set the cloud broker to replicate", file=sys.stderr)
        return 2
    setup_logging(config, None)
    try:
        ctx = build_context(config)
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    from edge.services.downlink import apply_downlink

    store = Store.get()
    publisher = Publisher(ctx.db, settings_from_config(config, ctx.secrets, store.code),
                          on_downlink=lambda payload: apply_downlink(ctx, payload))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    publisher.run(stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
