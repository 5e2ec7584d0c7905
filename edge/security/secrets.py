"""The secrets file: created on first run with mode 0600, refused when others can read it."""

from __future__ import annotations

import base64
import os
import re
import secrets as token_source
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SECRETS_FILE_NAME = "secrets.toml"
# Keys of the secrets file; empty strings are credentials an operator fills in later.
CREDENTIAL_KEYS = (
    "mqtt_username", "mqtt_password",
    "smtp_username", "smtp_password",
    "stripe_secret_key", "stripe_webhook_secret",
    "razorpay_key_id", "razorpay_key_secret", "razorpay_webhook_secret",
    "metrics_token",  # Prometheus scrapes /metrics with it as a bearer token; empty: admins only
)
SAFE_VALUE = re.compile(r"^[A-Za-z0-9+/=_.:@-]*$")


class SecretsError(Exception):
    """The secrets file is missing a key, malformed, or too open."""


@dataclass(frozen=True)
class Secrets:
    """Secrets of the daemon: session signing key, field-encryption keys (by ID), credentials."""

    session_key: bytes
    field_keys: Mapping[str, bytes]
    active_field_key: str
    credentials: Mapping[str, str]


def _new_file_text() -> str:
    field_key = base64.b64encode(token_source.token_bytes(32)).decode()
    lines = [
        "# Store Edge POS secrets. Readable only by the daemon's user (mode 0600). Back it up with the store:",
        "# without field_keys the encrypted payroll and payment details cannot be read.",
        f'session_key = "{token_source.token_hex(32)}"',
        'active_field_key = "k1"',
        *(f'{name} = ""' for name in CREDENTIAL_KEYS),
        "",
        "[field_keys]",
        f'k1 = "{field_key}"',
    ]
    return "\n".join(lines) + "\n"


def create_secrets_file(path: Path) -> bool:
    """Create the secrets file with fresh keys unless it exists; True when created."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as handle:
        handle.write(_new_file_text())
        handle.flush()
        os.fsync(handle.fileno())
    return True


def check_permissions(path: Path) -> None:
    """Refuse a secrets file that the group or others may read or write."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SecretsError(
            f"secrets file {path} is readable by others (mode {mode:04o}); run: chmod 600 {path}"
        )


def load_secrets(path: Path) -> Secrets:
    """Read and check the secrets file."""
    if not path.exists():
        raise SecretsError(f"secrets file {path} does not exist")
    check_permissions(path)
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SecretsError(f"secrets file {path} is not valid TOML: {exc}") from exc
    try:
        session_key = bytes.fromhex(raw["session_key"])
        field_keys = {name: base64.b64decode(value, validate=True) for name, value in raw["field_keys"].items()}
        active = str(raw["active_field_key"])
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise SecretsError(f"secrets file {path}: missing or malformed key ({exc})") from exc
    if len(session_key) < 32:
        raise SecretsError(f"secrets file {path}: session_key must be at least 32 bytes of hex")
    if active not in field_keys or any(len(key) != 32 for key in field_keys.values()):
        raise SecretsError(f"secrets file {path}: field_keys must hold 32-byte keys including {active!r}")
    credentials = {name: str(raw.get(name, "")) for name in CREDENTIAL_KEYS}
    return Secrets(session_key, field_keys, active, credentials)


def ensure_secrets(data_dir: Path) -> Secrets:
    """Create the secrets file in the data directory on first run, then load it."""
    path = data_dir / SECRETS_FILE_NAME
    create_secrets_file(path)
    return load_secrets(path)
