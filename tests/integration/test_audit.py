"""The audit trail notices when a row is changed behind the daemon's back."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from edge.services.after_sale import cancel_invoice, correct_buyer, refund_payment, return_items
from edge.services.audit import record_audit, verify_chain
from edge.services.context import ServiceContext
from edge.store.models import AuditLog, Invoice, InvoiceLine, Payment, User
from tests.conftest import release
from tests.integration.test_cli import edge
from tests.integration.test_replication import sell


def test_audit_chain_is_intact_until_someone_edits_a_row(backend_ctx: ServiceContext) -> None:
    user = User.create(username="owner", display_name="Owner", role="admin", password_hash="x")
    for action in ("login", "user.created", "login"):
        record_audit(backend_ctx, action, user, "user", str(user.uuid), "192.0.2.1", {"n": 1})
    assert verify_chain() is None
    second = AuditLog.select().order_by(AuditLog.id)[1]
    AuditLog.update(action="nothing.to.see").where(AuditLog.id == second.id).execute()
    assert verify_chain() == second.id


# --- python -m edge verify-audit: the audit trail and the chain of every invoice series ----------------------


@pytest.fixture
def traded(demo_ctx: ServiceContext) -> Path:
    """A demo store after sales, a correction, a credit note and a cancellation, every one audited and
    chained; the data dir, its store closed (the command opens it)."""
    sell(demo_ctx, 4)
    manager = User.get(User.username == "manager")
    invoices = list(Invoice.select().order_by(Invoice.id))
    correct_buyer(demo_ctx, manager, str(invoices[0].uuid), {"name": "Sharma Traders"}, "name spelt wrong")
    first_line = InvoiceLine.get((InvoiceLine.invoice == invoices[1]) & (InvoiceLine.line_no == 1))
    return_items(demo_ctx, manager, str(invoices[1].uuid), {1: first_line.quantity_milli}, "damaged", "cash")
    for payment in list(Payment.select().where((Payment.invoice == invoices[2]) & (Payment.kind == "payment"))):
        refund_payment(demo_ctx, manager, str(invoices[2].uuid), payment.method, payment.amount_paise)
    cancel_invoice(demo_ctx, manager, str(invoices[2].uuid), "order cancelled")
    release(demo_ctx)
    return Path(demo_ctx.config.data_dir)


def sql(data_dir: Path, *statements: str) -> None:
    """Change the store behind the daemon's back."""
    with sqlite3.connect(data_dir / "store.db") as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        for statement in statements:
            conn.execute(statement)


def verify(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return edge(data_dir, "verify-audit")


def test_an_untouched_store_verifies(traded: Path) -> None:
    result = verify(traded)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("audit log: ") and "links intact" in line for line in lines)
    series = [line for line in lines if line.startswith("series T1")]  # the invoices and the credit notes
    assert len(series) >= 2 and all("intact" in line for line in series), result.stdout


def test_an_edited_audit_row_is_the_first_broken_link(traded: Path) -> None:
    with sqlite3.connect(traded / "store.db") as conn:
        row_id = conn.execute("SELECT id FROM audit_log WHERE action = 'invoice.revised'").fetchone()[0]
    sql(traded, f"UPDATE audit_log SET details = '{{}}' WHERE id = {row_id}")
    result = verify(traded)
    assert result.returncode == 1
    assert f"error: audit log: edited at row {row_id} (invoice.revised" in result.stderr


def test_a_deleted_audit_row_is_found(traded: Path) -> None:
    with sqlite3.connect(traded / "store.db") as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM audit_log ORDER BY id")]
    sql(traded, f"DELETE FROM audit_log WHERE id = {ids[3]}")
    result = verify(traded)
    assert result.returncode == 1 and f"audit log: deleted at row {ids[4]} " in result.stderr


def test_only_the_last_audit_rows_deleted_is_still_found(traded: Path) -> None:
    with sqlite3.connect(traded / "store.db") as conn:
        last = conn.execute("SELECT MAX(id) FROM audit_log").fetchone()[0]
    sql(traded, f"DELETE FROM audit_log WHERE id >= {last - 1}")
    result = verify(traded)
    assert result.returncode == 1 and "audit log: deleted at the end: 2 of" in result.stderr


def test_reordered_audit_rows_are_found(traded: Path) -> None:
    with sqlite3.connect(traded / "store.db") as conn:
        a, b = [row[0] for row in conn.execute("SELECT id FROM audit_log ORDER BY id LIMIT 2 OFFSET 5")]
    sql(traded, f"UPDATE audit_log SET id = -1 WHERE id = {a}", f"UPDATE audit_log SET id = {a} WHERE id = {b}",
        f"UPDATE audit_log SET id = {b} WHERE id = -1")
    result = verify(traded)
    assert result.returncode == 1 and f"audit log: reordered at row {a} " in result.stderr


def test_an_invoice_changed_behind_the_softwares_back_breaks_its_series(traded: Path) -> None:
    sql(traded, "UPDATE invoice SET total_paise = total_paise - 100 WHERE number = 'T1/2627/000004'")
    result = verify(traded)
    assert result.returncode == 1
    assert "error: series T1/2627 (invoice): edited at T1/2627/000004" in result.stderr


def test_a_removed_chain_link_or_a_skipped_number_breaks_the_series(traded: Path) -> None:
    copy = traded.parent / "copy"
    shutil.copytree(traded, copy)
    sql(traded, "DELETE FROM document_chain WHERE number = 'T1/2627/000002' AND event = 'issued'")
    result = verify(traded)
    assert result.returncode == 1 and "series T1/2627 (invoice): deleted at T1/2627/000003" in result.stderr
    sql(copy, "UPDATE invoice_series SET next_number = next_number + 1 WHERE prefix = 'T1' "
              "AND document_type = 'invoice'")
    result = verify(copy)
    assert result.returncode == 1 and "series T1/2627 (invoice): missing at number 5" in result.stderr


def test_a_price_pushed_from_the_cloud_is_audited_with_before_and_after(demo_ctx: ServiceContext) -> None:
    import json

    from edge.services.downlink import apply_downlink
    from tests.integration.test_sale import PIECE_ITEM

    unit = PIECE_ITEM.units[0]
    message = {"v": 1, "id": "catalog-7", "version": 7, "products": [{
        "sku": PIECE_ITEM.sku, "name": PIECE_ITEM.name, "category": PIECE_ITEM.category,
        "hsn_code": PIECE_ITEM.hsn_code, "base_unit": "piece",
        "units": [{"name": unit.name, "kind": "piece", "factor_milli": 1000, "prices": {"counter": 12345},
                   "effective_from": "2026-11-24"}]}]}
    assert apply_downlink(demo_ctx, json.dumps(message).encode())
    row = AuditLog.select().where(AuditLog.action == "product.changed").order_by(AuditLog.id.desc()).get()
    details = json.loads(row.details)
    assert row.user_id is None and details["source"] == "cloud:catalog-7" and details["sku"] == PIECE_ITEM.sku
    assert details["changes"]["prices"] == [{"unit": unit.name, "tier": "counter", "from_paise": None,
                                             "to_paise": 12345, "effective_from": "2026-11-24"}]
    assert verify_chain() is None
