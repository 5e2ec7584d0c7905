"""The transactional outbox: envelope rows written in the same transaction as the business change."""

from __future__ import annotations

import json
import uuid
from typing import Any

from edge.clock import utcnow
from edge.store import sql
from edge.store.models import Counter, Outbox

OUTBOX_COUNTER = "outbox_seq"


def next_value(name: str) -> int:
    """Increment a named counter inside the caller's transaction and return the new value."""
    db = Counter._meta.database
    if not sql.execute(db, "UPDATE counter SET value = value + 1 WHERE name = {p}", name).rowcount:
        sql.insert(Counter, name=name, value=1)
        return 1
    return int(sql.scalar(db, "SELECT value FROM counter WHERE name = {p}", name))


def enqueue(event_type: str, record_uuid: uuid.UUID, payload: dict[str, Any], schema_version: int = 1) -> int:
    """Add an event envelope with the next per-store sequence number; call inside the write transaction.
    Returns the sequence number."""
    seq = next_value(OUTBOX_COUNTER)
    sql.insert(
        Outbox,
        seq=seq,
        record_uuid=record_uuid,
        type=event_type,
        schema_version=schema_version,
        payload=json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str),
        created_at=utcnow(),
    )
    return seq
