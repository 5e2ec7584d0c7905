"""The audit trail notices when a row is changed behind the daemon's back."""

from __future__ import annotations

from edge.services.audit import record_audit, verify_chain
from edge.services.context import ServiceContext
from edge.store.models import AuditLog, User


def test_audit_chain_is_intact_until_someone_edits_a_row(backend_ctx: ServiceContext) -> None:
    user = User.create(username="owner", display_name="Owner", role="admin", password_hash="x")
    for action in ("login", "user.created", "login"):
        record_audit(backend_ctx, action, user, "user", str(user.uuid), "192.0.2.1", {"n": 1})
    assert verify_chain() is None
    second = AuditLog.select().order_by(AuditLog.id)[1]
    AuditLog.update(action="nothing.to.see").where(AuditLog.id == second.id).execute()
    assert verify_chain() == second.id
