"""The audit trail: append-only rows, each hash chained to the one before (tamper evidence)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from edge.services.context import ServiceContext
from edge.store.models import AuditLog, User


def _row_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
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
    """Append an audit row; call inside the transaction of the change it records."""
    last = AuditLog.select(AuditLog.hash).order_by(AuditLog.id.desc()).first()
    prev_hash = last.hash if last else ""
    at = ctx.now()
    details_text = json.dumps(details or {}, sort_keys=True, separators=(",", ":"), default=str)
    fields = {
        "at": at.isoformat(), "user": user.username if user else "", "action": action,
        "entity": entity, "entity_id": entity_id, "ip": ip, "details": details_text,
    }
    return AuditLog.create(
        at=at, user=user, action=action, entity=entity, entity_id=entity_id, ip=ip,
        details=details_text, prev_hash=prev_hash, hash=_row_hash(prev_hash, fields),
    )


def verify_chain() -> int | None:
    """ID of the first audit row whose hash does not match, or None when the chain is intact."""
    prev_hash = ""
    for row in AuditLog.select().order_by(AuditLog.id).iterator():
        fields = {
            "at": row.at.isoformat(), "user": row.user.username if row.user_id else "", "action": row.action,
            "entity": row.entity, "entity_id": row.entity_id, "ip": row.ip, "details": row.details,
        }
        if row.prev_hash != prev_hash or row.hash != _row_hash(prev_hash, fields):
            return int(row.id)
        prev_hash = row.hash
    return None
