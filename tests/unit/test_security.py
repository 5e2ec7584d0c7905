"""Secrets file, field encryption and the password policy."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from edge.security.fieldcrypt import DecryptionError, FieldCipher
from edge.security.passwords import WeakPasswordError, check_policy
from edge.security.secrets import SecretsError, create_secrets_file, ensure_secrets, load_secrets

KEY_A = bytes(range(32))
KEY_B = bytes(range(32, 64))


def test_secrets_file_is_created_private_with_fresh_keys(tmp_path: Path) -> None:
    first = ensure_secrets(tmp_path / "")
    assert stat.S_IMODE((tmp_path / "secrets.toml").stat().st_mode) == 0o600
    assert len(first.session_key) == 32 and len(first.field_keys[first.active_field_key]) == 32
    other = tmp_path / "other"
    other.mkdir()
    assert ensure_secrets(other).session_key != first.session_key


def test_existing_secrets_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    assert create_secrets_file(path) is True
    before = path.read_bytes()
    assert create_secrets_file(path) is False
    assert path.read_bytes() == before


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_secrets_open_to_group_or_others_are_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "secrets.toml"
    create_secrets_file(path)
    os.chmod(path, mode)
    with pytest.raises(SecretsError, match=f"mode {mode:04o}"):
        load_secrets(path)


def test_malformed_secrets_name_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text('session_key = "abcd"\nactive_field_key = "k1"\n[field_keys]\nk1 = "AAAA"\n')
    path.chmod(0o600)
    with pytest.raises(SecretsError, match="session_key must be at least 32 bytes"):
        load_secrets(path)


def test_field_values_round_trip_and_are_bound_to_their_column() -> None:
    cipher = FieldCipher({"k1": KEY_A}, "k1")
    blob = cipher.encrypt_json({"monthly_paise": 2_450_000}, "employee.pay_rate")
    assert b"2450000" not in blob
    assert cipher.decrypt_json(blob, "employee.pay_rate") == {"monthly_paise": 2_450_000}
    with pytest.raises(DecryptionError, match="does not authenticate"):
        cipher.decrypt(blob, "employee.bank_details")


def test_old_key_still_decrypts_after_rotation_and_new_values_use_the_new_key() -> None:
    old = FieldCipher({"k1": KEY_A}, "k1").encrypt(b"HDFC0001234 / 50100012345678", "employee.bank_details")
    rotated = FieldCipher({"k1": KEY_A, "k2": KEY_B}, "k2")
    assert rotated.decrypt(old, "employee.bank_details") == b"HDFC0001234 / 50100012345678"
    assert b"k2" in rotated.encrypt(b"x", "c")[:4]
    with pytest.raises(DecryptionError, match="key 'k1' is not in the secrets file"):
        FieldCipher({"k2": KEY_B}, "k2").decrypt(old, "employee.bank_details")


def test_tampered_ciphertext_is_refused() -> None:
    cipher = FieldCipher({"k1": KEY_A}, "k1")
    blob = bytearray(cipher.encrypt(b"52000", "employee.pay_rate"))
    blob[-1] ^= 1
    with pytest.raises(DecryptionError):
        cipher.decrypt(bytes(blob), "employee.pay_rate")


@pytest.mark.parametrize(
    ("password", "username"), [("short", "ravi"), ("ravi12345", "ravi"), ("ravikumar12", "ravikumar")]
)
def test_weak_passwords_are_refused(password: str, username: str) -> None:
    with pytest.raises(WeakPasswordError):
        check_policy(password, username)


def test_a_long_unrelated_password_is_accepted() -> None:
    check_policy("monsoon-chai-7", "ravi")
