"""Encryption at rest: payroll amounts, employee bank details, TOTP secrets and gateway payment details are
AES-GCM ciphertext; the raw SQLite file (WAL included) and a MariaDB dump hold none of the plaintext."""

from __future__ import annotations

import subprocess
import uuid
from datetime import date
from pathlib import Path

import pytest
from peewee import BlobField

from edge.security.fieldcrypt import DecryptionError, FieldCipher
from edge.services.context import ServiceContext
from edge.services.demo_data import demo_bank_details, demo_employees
from edge.services.keys import ENCRYPTED_COLUMNS
from edge.services.payroll import run_payroll
from edge.services.setup import seed_demo
from edge.services.twofactor import TOTP_CONTEXT
from edge.store.migrate import migrate
from edge.store.models import ALL_MODELS, Employee, GatewayAttempt, GatewayEvent, Invoice, Payment, Payslip, User
from tests.conftest import FakeClock, make_config, make_context, release
from tests.integration.test_replication import sell
from tests.servers import MariaDBServer, find_binary

GATEWAY_SECRET = "pay_Rzp8QwErTy1234567"  # a made-up gateway payment ID kept in Payment.details_enc
CUSTOMER_VPA = "shopper.secret7@okhdfc"  # a customer's UPI ID, kept in GatewayAttempt.details_enc


def seed_secrets(ctx: ServiceContext) -> list[bytes]:
    """Payroll, a TOTP secret and a gateway payment's details; the plaintexts that must never be stored."""
    hr = User.get(User.username == "hr")
    run_payroll(ctx, hr, date(2026, 11, 23), date(2026, 11, 23))
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ"
    with ctx.db.atomic():
        User.update(totp_secret_enc=ctx.cipher.encrypt(secret.encode(), TOTP_CONTEXT)).where(
            User.username == "admin").execute()
        Payment.create(method="card", gateway="razorpay", amount_paise=123456, status="succeeded",
                       details_enc=ctx.cipher.encrypt_json({"payment_id": GATEWAY_SECRET, "card_last4": "4242"},
                                                           "payment.details"))
        GatewayEvent.create(gateway="razorpay", event_id=f"evt_{uuid.uuid4().hex[:8]}", event_type="payment.captured",
                            payload_enc=ctx.cipher.encrypt_json({"payment": GATEWAY_SECRET}, "gateway_event.payload"))
    sell(ctx, 1)
    with ctx.db.atomic():
        GatewayAttempt.create(
            invoice=Invoice.select().first(), gateway="razorpay", method="upi", flow="upi_collect", attempt=1,
            amount_paise=5000, idempotency_key=f"att-{uuid.uuid4().hex[:8]}",
            details_enc=ctx.cipher.encrypt_json({"vpa": CUSTOMER_VPA}, "gateway_attempt.details"))
    banks = [demo_bank_details(e.code, e.name) for e in demo_employees()]
    plain = [bank["account_number"].encode() for bank in banks]
    plain += [secret.encode(), GATEWAY_SECRET.encode(), CUSTOMER_VPA.encode(), b"card_last4"]
    # Payslip documents are JSON with these keys; their presence anywhere would be a plaintext payslip.
    plain += [b'"gross_paise"', b'"net_paise"', b'"account_number"', b'"ifsc"']
    return plain


def test_every_encrypted_column_is_known_to_key_rotation() -> None:
    blobs = {f"{model._meta.table_name}.{f.column_name}" for model in ALL_MODELS for f in model._meta.sorted_fields
             if isinstance(f, BlobField) and f.column_name.endswith("_enc")}
    assert blobs == {column.name for column in ENCRYPTED_COLUMNS}


def test_the_values_are_aes_gcm_bound_to_their_column(demo_ctx: ServiceContext) -> None:
    seed_secrets(demo_ctx)
    employee = Employee.get(Employee.code == "E0001")
    assert demo_ctx.cipher.decrypt_json(employee.bank_details_enc, "employee.bank_details") == \
        demo_bank_details("E0001", employee.name)
    assert FieldCipher.key_id_of(employee.pay_rate_enc) == "k1"
    with pytest.raises(DecryptionError):  # a value moved to another column does not decrypt
        demo_ctx.cipher.decrypt(employee.bank_details_enc, "employee.pay_rate")
    tampered = bytearray(employee.pay_rate_enc)
    tampered[-1] ^= 1
    with pytest.raises(DecryptionError):
        demo_ctx.cipher.decrypt(bytes(tampered), "employee.pay_rate")
    assert Payslip.select().count() == 250


def test_the_raw_sqlite_file_holds_no_plaintext(demo_ctx: ServiceContext) -> None:
    plain = seed_secrets(demo_ctx)
    data_dir = Path(demo_ctx.config.data_dir)
    release(demo_ctx)
    raw = b"".join(path.read_bytes() for path in sorted(data_dir.glob("store.db*")))
    assert len(raw) > 1_000_000
    found = [value.decode() for value in plain if value in raw]
    assert found == []


@pytest.mark.mysql
def test_a_mariadb_dump_holds_no_plaintext(mariadb: MariaDBServer, tmp_path: Path, clock: FakeClock) -> None:
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = mariadb.create_database(name)
    ctx = make_context(make_config(tmp_path / "data", url), clock)
    try:
        migrate(ctx.db)
        seed_demo(ctx)
        plain = seed_secrets(ctx)
        release(ctx)
        dump = subprocess.run(
            [find_binary("mariadb-dump", "mysqldump"), "--no-defaults", "-h", "127.0.0.1", "-P", str(mariadb.port),
             "-u", "root", "--hex-blob", "--skip-extended-insert", name],
            check=True, capture_output=True, timeout=120,
        ).stdout
        assert b"INSERT INTO `employee`" in dump and len(dump) > 500_000
        assert [value.decode() for value in plain if value in dump] == []
        plain_dump = subprocess.run(  # without --hex-blob the ciphertext is raw bytes in the dump
            [find_binary("mariadb-dump", "mysqldump"), "--no-defaults", "-h", "127.0.0.1", "-P", str(mariadb.port),
             "-u", "root", name], check=True, capture_output=True, timeout=120,
        ).stdout
        assert [value.decode() for value in plain if value in plain_dump] == []
    finally:
        release(ctx)
        mariadb.drop_database(name)
