"""The secrets file: created on first run with mode 0600, refused when others can read it."""

from __future__ import annotations

import base64
import json
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
    "database_password",  # MariaDB/MySQL: merged into storage.database_url, which then carries no password
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


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner may read (mode 0600), atomically and durably (file and folder fsynced)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def set_credential(path: Path, name: str, value: str) -> bool:
    """Set one credential in the secrets file (made with fresh keys when missing); False when it already held
    that value. The other keys and comments stay as they are."""
    if name not in CREDENTIAL_KEYS:
        raise SecretsError(f"{name}: not a credential of the secrets file (one of: {', '.join(CREDENTIAL_KEYS)})")
    create_secrets_file(path)
    if load_secrets(path).credentials[name] == value:
        return False
    line = f"{name} = {json.dumps(value)}"  # a JSON string is a TOML basic string
    text = path.read_text()
    text, replaced = re.subn(rf"(?m)^{name}\s*=.*$", lambda _: line, text, count=1)
    if not replaced:
        head, section, rest = text.partition("\n[")
        text = f"{head.rstrip()}\n{line}\n" + (f"\n[{rest}" if section else "")
    write_private(path, text.encode())
    if load_secrets(path).credentials[name] != value:
        raise SecretsError(f"secrets file {path}: {name} did not read back")
    return True


def add_field_key(path: Path) -> str:
    """Add a new 32-byte field key to the secrets file and make it the active one; returns its ID. The
    old keys stay (they still decrypt the rows not re-encrypted yet)."""
    current = load_secrets(path)
    numbers = [int(match.group(1)) for key_id in current.field_keys if (match := re.fullmatch(r"k(\d+)", key_id))]
    new_id = f"k{max(numbers, default=0) + 1}"
    value = base64.b64encode(token_source.token_bytes(32)).decode()
    text = path.read_text()
    text, replaced = re.subn(r"(?m)^active_field_key\s*=.*$", f'active_field_key = "{new_id}"', text)
    text, inserted = re.subn(r"(?m)^\[field_keys\]\s*$", f'[field_keys]\n{new_id} = "{value}"', text, count=1)
    if replaced != 1 or inserted != 1:
        raise SecretsError(f"secrets file {path}: cannot find active_field_key and [field_keys] to rotate")
    write_private(path, text.encode())
    check = load_secrets(path)
    if check.active_field_key != new_id or check.field_keys.get(new_id) is None:
        raise SecretsError(f"secrets file {path}: the new key did not read back")
    return new_id


def remove_field_keys(path: Path, key_ids: set[str]) -> None:
    """Take retired keys out of the secrets file (never the active one)."""
    current = load_secrets(path)
    if current.active_field_key in key_ids:
        raise SecretsError("the active field key cannot be removed")
    lines = path.read_text().splitlines(keepends=True)
    section = ""
    kept = []
    for line in lines:
        header = re.match(r"^\[([^\]]+)\]\s*$", line)
        if header:
            section = header.group(1)
        name = re.match(r"^\s*([A-Za-z0-9_-]+)\s*=", line)
        if section == "field_keys" and name and name.group(1) in key_ids:
            continue
        kept.append(line)
    write_private(path, "".join(kept).encode())
    load_secrets(path)
