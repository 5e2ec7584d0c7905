"""The message envelope and topic names shared by the store's publisher and the cloud's ingest.

One MQTT message carries a batch of envelopes of one store, in sequence order:

    {"v": 1, "store_id": "S001", "envelopes": [
        {"seq": 41, "uuid": "…", "type": "invoice.issued", "schema": 1, "at": "2026-11-24T06:00:00Z",
         "payload": {…}}, …]}

Topics (``<prefix>`` defaults to ``pos/v1``):
- ``<prefix>/stores/<store_id>/events``   store → cloud, QoS 1
- ``<prefix>/stores/<store_id>/status``   retained ``online`` / ``offline`` (the last will)
- ``<prefix>/stores/<store_id>/resend``   cloud → store: ``{"from_seq": n}`` after a gap
- ``<prefix>/stores/<store_id>/downlink``  cloud → store: catalog snapshots and deltas
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

ENVELOPE_VERSION = 1
DEFAULT_PREFIX = "pos/v1"
STORE_ID = re.compile(r"^[A-Z0-9]{1,16}$")
TYPE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
# Schema versions the ingest understands, per event type family; anything else goes to the dead letters.
KNOWN_SCHEMAS = {1}


class EnvelopeError(ValueError):
    """A message that does not follow the envelope contract."""


@dataclass(frozen=True)
class Envelope:
    """One replicated business event."""

    seq: int
    uuid: str
    type: str
    schema: int
    at: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Batch:
    """A store's envelopes in one message; ``high_seq`` is the highest sequence the store has had
    acknowledged, sent alone as a heartbeat so the cloud notices when the last messages were lost."""

    store_id: str
    envelopes: tuple[Envelope, ...]
    high_seq: int | None = None


def events_topic(store_id: str, prefix: str = DEFAULT_PREFIX) -> str:
    """Where a store publishes its events."""
    return f"{prefix}/stores/{store_id}/events"


def status_topic(store_id: str, prefix: str = DEFAULT_PREFIX) -> str:
    """A store's retained online/offline status."""
    return f"{prefix}/stores/{store_id}/status"


def resend_topic(store_id: str, prefix: str = DEFAULT_PREFIX) -> str:
    """Where the cloud asks a store to send again from a sequence number."""
    return f"{prefix}/stores/{store_id}/resend"


def downlink_topic(store_id: str, prefix: str = DEFAULT_PREFIX) -> str:
    """Where the cloud pushes catalog data to a store."""
    return f"{prefix}/stores/{store_id}/downlink"


def shared_events_subscription(group: str, prefix: str = DEFAULT_PREFIX) -> str:
    """The shared subscription ingest workers split every store's events over."""
    return f"$share/{group}/{prefix}/stores/+/events"


def encode_batch(batch: Batch) -> bytes:
    """The MQTT payload of a batch."""
    extra = {} if batch.high_seq is None else {"high_seq": batch.high_seq}
    return json.dumps({
        "v": ENVELOPE_VERSION, "store_id": batch.store_id, **extra,
        "envelopes": [
            {"seq": e.seq, "uuid": e.uuid, "type": e.type, "schema": e.schema, "at": e.at, "payload": e.payload}
            for e in batch.envelopes
        ],
    }, separators=(",", ":"), sort_keys=True).encode()


def _envelope(raw: Any, index: int) -> Envelope:
    where = f"envelopes[{index}]"
    if not isinstance(raw, dict):
        raise EnvelopeError(f"{where} is not an object")
    seq, record, kind, schema, at, payload = (raw.get(k) for k in ("seq", "uuid", "type", "schema", "at", "payload"))
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise EnvelopeError(f"{where}.seq must be a positive integer")
    try:
        uuid.UUID(str(record))
    except ValueError as exc:
        raise EnvelopeError(f"{where}.uuid is not a UUID") from exc
    if not isinstance(kind, str) or not TYPE.match(kind):
        raise EnvelopeError(f"{where}.type {kind!r} is not an event type")
    if schema not in KNOWN_SCHEMAS:
        raise EnvelopeError(f"{where}.schema {schema!r} is not a known schema version")
    if not isinstance(at, str) or not isinstance(payload, dict):
        raise EnvelopeError(f"{where} needs an 'at' time and a 'payload' object")
    return Envelope(seq, str(record), kind, schema, at, payload)


def decode_batch(data: bytes, topic_store_id: str | None = None) -> Batch:
    """Parse and check a batch; EnvelopeError says what is wrong."""
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvelopeError(f"not JSON: {exc}") from exc
    if not isinstance(raw, dict) or raw.get("v") != ENVELOPE_VERSION:
        raise EnvelopeError(f"unknown envelope version {raw.get('v') if isinstance(raw, dict) else None!r}")
    store_id = raw.get("store_id")
    if not isinstance(store_id, str) or not STORE_ID.match(store_id):
        raise EnvelopeError("store_id is missing or malformed")
    if topic_store_id is not None and store_id != topic_store_id:
        raise EnvelopeError(f"store_id {store_id} does not match the topic's store {topic_store_id}")
    high_seq = raw.get("high_seq")
    if high_seq is not None and (not isinstance(high_seq, int) or isinstance(high_seq, bool) or high_seq < 0):
        raise EnvelopeError("high_seq must be a non-negative integer")
    envelopes = raw.get("envelopes")
    if not isinstance(envelopes, list) or (not envelopes and high_seq is None):
        raise EnvelopeError("envelopes must be a non-empty list (or empty in a heartbeat with high_seq)")
    parsed = tuple(_envelope(item, index) for index, item in enumerate(envelopes))
    seqs = [e.seq for e in parsed]
    if seqs != sorted(set(seqs)):
        raise EnvelopeError("envelopes must be in increasing sequence order without repeats")
    return Batch(store_id, parsed, high_seq)


def store_of_topic(topic: str) -> str | None:
    """The store ID in a per-store topic."""
    parts = topic.split("/")
    try:
        return parts[parts.index("stores") + 1]
    except (ValueError, IndexError):
        return None
