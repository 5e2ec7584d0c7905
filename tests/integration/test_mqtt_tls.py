"""Replication to the cloud over MQTT with TLS: the broker's CA is pinned; a broker with a certificate from any
other CA is never trusted, and the sales stay safely in the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from edge.security.tls import make_ca, make_server_cert
from edge.services.context import ServiceContext
from edge.store.models import Outbox
from tests.integration.test_replication import sell, start_publisher
from tests.servers import MosquittoServer, wait_until


def write_pki(folder: Path, name: str) -> tuple[Path, Path, Path]:
    """A CA and a broker certificate for 127.0.0.1 signed by it: (CA file, certificate file, key file)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key = make_ca(f"{name} CA")
    cert, key = make_server_cert(ca_cert, ca_key, ["localhost"], ["127.0.0.1"])
    paths = (folder / "ca.pem", folder / "broker.pem", folder / "broker.key")
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[MosquittoServer]:
    """mosquitto with only a TLS listener, its certificate signed by the cloud's CA made here."""
    (tmp_path / "broker").mkdir()
    server = MosquittoServer(tmp_path / "broker", tls=write_pki(tmp_path / "cloud-pki", "Cloud")).start()
    yield server
    server.stop()


def unsent() -> int:
    return int(Outbox.select().where(Outbox.sent_at.is_null()).count())


def test_sales_replicate_over_tls_with_the_pinned_ca(demo_ctx: ServiceContext, tls_broker: MosquittoServer) -> None:
    assert tls_broker.tls is not None
    sell(demo_ctx, 3)
    assert unsent() > 0
    publisher, running = start_publisher(demo_ctx, tls_broker, tls=True, ca_file=str(tls_broker.tls[0]))
    try:
        wait_until(lambda: unsent() == 0, 10, f"the outbox sent over TLS {publisher.stats}")
        assert publisher.stats.connects >= 1
    finally:
        running.halt()


def test_a_broker_signed_by_another_ca_is_refused(demo_ctx: ServiceContext, tls_broker: MosquittoServer,
                                                  tmp_path: Path) -> None:
    rogue_ca = write_pki(tmp_path / "rogue-pki", "Rogue")[0]
    sell(demo_ctx, 1)
    waiting = unsent()
    publisher, running = start_publisher(demo_ctx, tls_broker, tls=True, ca_file=str(rogue_ca))
    try:
        wait_until(lambda: publisher.stats.failed_attempts >= 3, 15, f"three refused attempts {publisher.stats}")
        assert publisher.stats.connects == 0
        assert unsent() == waiting
    finally:
        running.halt()


def test_plain_mqtt_to_the_tls_listener_never_connects(demo_ctx: ServiceContext, tls_broker: MosquittoServer) -> None:
    sell(demo_ctx, 1)
    waiting = unsent()
    publisher, running = start_publisher(demo_ctx, tls_broker, tls=False)
    try:
        wait_until(lambda: publisher.stats.failed_attempts >= 3, 15, f"three failed attempts {publisher.stats}")
        assert publisher.stats.connects == 0 and unsent() == waiting
    finally:
        running.halt()
