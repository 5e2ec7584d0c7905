"""Key rotation: `python -m edge rotate-key` puts a new field key in the secrets file, re-encrypts every row
in batches (a stopped run is resumed), then retires the old key; an administrator's TOTP code is needed."""

from __future__ import annotations

import stat
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from edge.clock import utcnow
from edge.security import totp
from edge.security.fieldcrypt import FieldCipher
from edge.security.secrets import SECRETS_FILE_NAME, add_field_key, load_secrets
from edge.services import keys
from edge.services.context import ServiceContext
from edge.services.keys import ENCRYPTED_COLUMNS, pending, rotate
from edge.services.payroll import run_payroll
from edge.store.models import AuditLog, User
from tests.conftest import log_in, release
from tests.integration.test_cli import edge


def plaintexts(ctx: ServiceContext) -> dict[tuple[str, int], Any]:
    """Every encrypted value, decrypted, by column and row."""
    values = {}
    for column in ENCRYPTED_COLUMNS:
        pk = column.model._meta.primary_key
        for row_id, blob in column.model.select(pk, column.field).where(column.field.is_null(False)).tuples():
            values[(column.name, row_id)] = ctx.cipher.decrypt(blob, column.context)
    return values


def key_ids() -> set[str]:
    return {FieldCipher.key_id_of(blob) for column in ENCRYPTED_COLUMNS
            for (blob,) in column.model.select(column.field).where(column.field.is_null(False)).tuples()}


@pytest.fixture
def store(demo_ctx: ServiceContext, app: Flask) -> ServiceContext:
    """The demo store with payslips and an administrator who set TOTP up."""
    run_payroll(demo_ctx, User.get(User.username == "hr"), date(2026, 11, 23), date(2026, 11, 23))
    log_in(app.test_client(), "admin")
    return demo_ctx


def test_a_rotation_re_encrypts_every_value_and_retires_the_old_key(store: ServiceContext) -> None:
    before = plaintexts(store)
    assert len(before) >= 250 * 3 + 1 and key_ids() == {"k1"}
    report = rotate(store, User.get(User.username == "admin"), batch_size=64)
    assert report.started_new_key and report.active_key == "k2" and report.retired_keys == ["k1"]
    assert report.reencrypted["employee.pay_rate_enc"] == 250 and report.reencrypted["payslip.amounts_enc"] == 250
    assert key_ids() == {"k2"}
    assert plaintexts(store) == before
    path = Path(store.config.data_dir) / SECRETS_FILE_NAME
    assert set(load_secrets(path).field_keys) == {"k2"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with path.open("rb") as handle:
        assert tomllib.load(handle)["session_key"] == store.secrets.session_key.hex(), "the rest of the file kept"
    audit = AuditLog.select().where(AuditLog.action == "keys.rotated").get()
    assert '"before":{"active_key":"k1"}' in audit.details and '"after":{"active_key":"k2"}' in audit.details


def test_a_rotation_stopped_half_way_is_resumed(store: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    before = plaintexts(store)
    real = keys.reencrypt_column
    calls = {"n": 0}

    def crash_after_a_few_batches(ctx: ServiceContext, column: Any, batch_size: int, progress: Any = None) -> int:
        calls["n"] += 1
        if calls["n"] == 2:  # the second column: one batch done, then the power fails
            def stop(name: str, done: int) -> None:
                raise KeyboardInterrupt
            return real(ctx, column, batch_size, stop)
        return real(ctx, column, batch_size, progress)

    monkeypatch.setattr(keys, "reencrypt_column", crash_after_a_few_batches)
    with pytest.raises(KeyboardInterrupt):
        rotate(store, None, batch_size=50)
    monkeypatch.undo()
    path = Path(store.config.data_dir) / SECRETS_FILE_NAME
    assert set(load_secrets(path).field_keys) == {"k1", "k2"}, "the old key stays until every row moved"
    assert key_ids() == {"k1", "k2"}
    left = pending(FieldCipher(load_secrets(path).field_keys, "k2"))
    assert 0 < sum(left.values()) < len(before)
    report = rotate(store, None, batch_size=50)
    assert not report.started_new_key and report.active_key == "k2" and report.retired_keys == ["k1"]
    assert key_ids() == {"k2"} and plaintexts(store) == before


def test_the_command_needs_the_admins_code_and_a_stopped_daemon(store: ServiceContext, app: Flask) -> None:
    secret = app.extensions["test_totp"]["admin"]
    data_dir = Path(store.config.data_dir)
    release(store)
    wrong = edge(data_dir, "rotate-key", "--admin", "admin", stdin="000000\n")
    assert wrong.returncode == 1 and "wrong or already used code" in wrong.stderr
    not_admin = edge(data_dir, "rotate-key", "--admin", "cashier", stdin="000000\n")
    assert not_admin.returncode == 1 and "not an active administrator" in not_admin.stderr
    assert set(load_secrets(data_dir / SECRETS_FILE_NAME).field_keys) == {"k1"}
    code = totp.code_at(secret, totp.step_of(utcnow()))
    done = edge(data_dir, "rotate-key", "--admin", "admin", "--batch-size", "100", stdin=f"{code}\n")
    assert done.returncode == 0, done.stderr
    assert "field keys rotated (new key): active key k2" in done.stdout and "retired keys: k1" in done.stdout
    again = edge(data_dir, "rotate-key", "--admin", "admin", stdin=f"{code}\n")
    assert again.returncode == 1 and "wrong or already used code" in again.stderr, "a code works once"
    assert edge(data_dir, "verify-audit").returncode == 0


def test_adding_a_key_keeps_the_old_one_for_reading(tmp_path: Path) -> None:
    from edge.security.secrets import ensure_secrets

    first = ensure_secrets(tmp_path)
    new_id = add_field_key(tmp_path / SECRETS_FILE_NAME)
    second = load_secrets(tmp_path / SECRETS_FILE_NAME)
    assert new_id == "k2" and second.active_field_key == "k2"
    assert second.field_keys["k1"] == first.field_keys["k1"] and len(second.field_keys["k2"]) == 32
    old = FieldCipher(first.field_keys, "k1").encrypt(b"4593.75", "payslip.amounts")
    assert FieldCipher(second.field_keys, "k2").decrypt(old, "payslip.amounts") == b"4593.75"
