"""The transactional outbox: envelope rows written in the same transaction as the business change."""

from __future__ import annotations

import json
import uuid
from typing import Any

from edge.clock import utcnow
from edge.store.models import Counter, Outbox

OUTBOX_COUNTER = "outbox_seq"


def next_value(name: str) -> int:
    """Increment a named counter inside the caller's transaction and return the new value."""
    updated = Counter.update(value=Counter.value + 1).where(Counter.name == name).execute()
    if not updated:
        Counter.insert(name=name, value=1).execute()
        return 1
    return int(Counter.get_by_id(name).value)


def enqueue(event_type: str, record_uuid: uuid.UUID, payload: dict[str, Any], schema_version: int = 1) -> Outbox:
    """Add an event envelope with the next per-store sequence number; call inside the write transaction."""
    seq = next_value(OUTBOX_COUNTER)
    return Outbox.create(
        seq=seq,
        record_uuid=record_uuid,
        type=event_type,
        schema_version=schema_version,
        payload=json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str),
        created_at=utcnow(),
    )
