"""Field-key rotation: a new AES-GCM key in the secrets file, every encrypted column re-encrypted in batches
(restartable: a run that stopped half-way is resumed by the next), then the old key taken out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from peewee import Field

from edge.security.fieldcrypt import FieldCipher
from edge.security.secrets import SECRETS_FILE_NAME, add_field_key, load_secrets, remove_field_keys
from edge.services.audit import record_audit
from edge.services.context import ServiceContext
from edge.store.db import write_transaction
from edge.store.models import BaseModel, Employee, GatewayAttempt, GatewayEvent, Payment, Payslip, User


@dataclass(frozen=True)
class EncryptedColumn:
    """A column of AES-GCM ciphertext and the context (associated data) it is bound to."""

    model: type[BaseModel]
    column: str
    context: str

    @property
    def field(self) -> Field:
        found: Field = getattr(self.model, self.column)
        return found

    @property
    def name(self) -> str:
        return f"{self.model._meta.table_name}.{self.column}"


# Every *_enc column of the store (a test checks none is missing).
ENCRYPTED_COLUMNS: tuple[EncryptedColumn, ...] = (
    EncryptedColumn(Employee, "pay_rate_enc", "employee.pay_rate"),
    EncryptedColumn(Employee, "bank_details_enc", "employee.bank_details"),
    EncryptedColumn(Payslip, "amounts_enc", "payslip.amounts"),
    EncryptedColumn(User, "totp_secret_enc", "user.totp_secret"),
    EncryptedColumn(Payment, "details_enc", "payment.details"),
    EncryptedColumn(GatewayEvent, "payload_enc", "gateway_event.payload"),
    EncryptedColumn(GatewayAttempt, "details_enc", "gateway_attempt.details"),
)


@dataclass
class RotationReport:
    """What a run did."""

    started_new_key: bool
    active_key: str
    reencrypted: dict[str, int]
    retired_keys: list[str]


def pending(cipher: FieldCipher) -> dict[str, int]:
    """Rows per column still encrypted with a key other than the active one."""
    left: dict[str, int] = {}
    for column in ENCRYPTED_COLUMNS:
        count = 0
        for (blob,) in column.model.select(column.field).where(column.field.is_null(False)).tuples().iterator():
            if FieldCipher.key_id_of(blob) != cipher.active_key_id:
                count += 1
        left[column.name] = count
    return left


def reencrypt_column(ctx: ServiceContext, column: EncryptedColumn, batch_size: int,
                     progress: Callable[[str, int], None] | None = None) -> int:
    """Re-encrypt a column's rows that use an old key, one transaction per batch (committed batches stay
    done if the run stops)."""
    model, pk = column.model, column.model._meta.primary_key
    done, last_id = 0, 0
    while True:
        with write_transaction(ctx.db):
            rows = list(model.select(pk, column.field).where((pk > last_id) & column.field.is_null(False))
                        .order_by(pk).limit(batch_size).tuples())
            if not rows:
                return done
            for row_id, blob in rows:
                if FieldCipher.key_id_of(blob) != ctx.cipher.active_key_id:
                    model.update({column.field: ctx.cipher.reencrypt(blob, column.context)}).where(
                        pk == row_id).execute()
                    done += 1
            last_id = rows[-1][0]
        if progress is not None:
            progress(column.name, done)


def rotate(ctx: ServiceContext, actor: User | None, batch_size: int = 500,
           progress: Callable[[str, int], None] | None = None) -> RotationReport:
    """Start a rotation (when the last one is finished) or finish the one in progress: every encrypted row
    to the active key, then the older keys out of the secrets file. Call with the daemon stopped (the data
    dir locked): a running daemon would go on encrypting with the key it loaded."""
    path = Path(ctx.config.data_dir) / SECRETS_FILE_NAME
    secrets = load_secrets(path)
    started = False
    before = secrets.active_field_key
    if len(secrets.field_keys) == 1 and not any(pending(ctx.cipher).values()):
        add_field_key(path)
        started = True
        secrets = load_secrets(path)
    ctx.secrets = secrets
    ctx.cipher = FieldCipher(secrets.field_keys, secrets.active_field_key)
    counts = {column.name: reencrypt_column(ctx, column, batch_size, progress) for column in ENCRYPTED_COLUMNS}
    left = pending(ctx.cipher)
    if any(left.values()):
        raise RuntimeError(f"rows still under old keys after re-encryption: {left}")
    retired = sorted(set(secrets.field_keys) - {secrets.active_field_key})
    with write_transaction(ctx.db):
        record_audit(ctx, "keys.rotated", actor, "secrets", "field_keys", details={
            "before": {"active_key": before}, "after": {"active_key": secrets.active_field_key},
            "reencrypted": counts, "retired": retired,
        })
    if retired:
        remove_field_keys(path, set(retired))
        secrets = load_secrets(path)
        ctx.secrets = secrets
        ctx.cipher = FieldCipher(secrets.field_keys, secrets.active_field_key)
    return RotationReport(started, secrets.active_field_key, counts, retired)
