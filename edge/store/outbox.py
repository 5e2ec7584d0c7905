"""The transactional outbox: envelope rows written in the same transaction as the business change."""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

from edge.clock import utcnow
from edge.store import sql
from edge.store.db import is_sqlite
from edge.store.models import Counter, Outbox

OUTBOX_COUNTER = "outbox_seq"
# SQLite 3.35+ returns the updated value in the same statement (MySQL/MariaDB need a SELECT after).
RETURNING = sqlite3.sqlite_version_info >= (3, 35)


def next_value(name: str) -> int:
    """Increment a named counter inside the caller's transaction and return the new value."""
    db = Counter._meta.database
    if is_sqlite(db) and RETURNING:
        value = sql.scalar(db, "UPDATE counter SET value = value + 1 WHERE name = {p} RETURNING value", name)
        if value is not None:
            return int(value)
    elif sql.execute(db, "UPDATE counter SET value = value + 1 WHERE name = {p}", name).rowcount:
        return int(sql.scalar(db, "SELECT value FROM counter WHERE name = {p}", name))
    sql.insert(Counter, name=name, value=1)
    return 1


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
