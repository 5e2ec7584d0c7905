"""The audit trail: append-only rows, each hash chained to the one before (tamper evidence)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from edge.services.context import ServiceContext
from edge.store import sql
from edge.store.models import AuditLog, User
from edge.store.outbox import enqueue, next_value

AUDIT_CHAIN = "audit_chain"


def _row_hash(prev_hash: str, row: AuditLog, username: str) -> str:
    fields = {
        "at": row.at.isoformat(), "user": username, "action": row.action, "entity": row.entity,
        "entity_id": row.entity_id, "ip": row.ip, "details": row.details,
    }
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def record_audit(
    ctx: ServiceContext,
    action: str,
    user: User | None = None,
    entity: str = "",
    entity_id: str = "",
    ip: str = "",
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Append an audit row; call inside the transaction of the change it records, before any outbox row
    (lock order: audit chain, then outbox sequence)."""
    next_value(AUDIT_CHAIN)  # serialises appends (a row lock on MySQL) so the chain never forks
    last_hash = sql.scalar(ctx.db, "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
    row = AuditLog(
        at=ctx.now(), user=user, action=action, entity=entity, entity_id=entity_id, ip=ip,
        details=json.dumps(details or {}, sort_keys=True, separators=(",", ":"), default=str),
        prev_hash=last_hash or "",
    )
    row.hash = _row_hash(row.prev_hash, row, user.username if user else "")
    sql.insert_new(row)
    # Replicated like every business event: the cloud keeps the store's audit trail, hash chain included.
    enqueue("audit.recorded", row.uuid, {
        "at": row.at, "user": user.username if user else None, "action": action, "entity": entity,
        "entity_id": entity_id, "ip": ip, "details": row.details, "prev_hash": row.prev_hash, "hash": row.hash,
    })
    return row


def verify_chain() -> int | None:
    """ID of the first audit row whose hash does not match, or None when the chain is intact."""
    prev_hash = ""
    for row in AuditLog.select().order_by(AuditLog.id).iterator():
        username = row.user.username if row.user_id else ""
        if row.prev_hash != prev_hash or row.hash != _row_hash(prev_hash, row, username):
            return int(row.id)
        prev_hash = row.hash
    return None
