"""Field encryption at rest: AES-256-GCM (cryptography) with a key ID prefix for rotation."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = 1
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A ciphertext could not be decrypted (wrong key, tampered, or another record's value)."""


class FieldCipher:
    """Encrypts small values bound to their table and column (the associated data)."""

    def __init__(self, keys: Mapping[str, bytes], active_key_id: str) -> None:
        self._keys = dict(keys)
        self._active = active_key_id

    def encrypt(self, plaintext: bytes, context: str) -> bytes:
        """``version | key id length | key id | nonce | ciphertext+tag``."""
        key_id = self._active.encode()
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self._keys[self._active]).encrypt(nonce, plaintext, context.encode())
        return bytes([FORMAT_VERSION, len(key_id)]) + key_id + nonce + sealed

    def decrypt(self, blob: bytes, context: str) -> bytes:
        """Plaintext of a value made by encrypt with the same context."""
        blob = bytes(blob)
        if len(blob) < 2 or blob[0] != FORMAT_VERSION:
            raise DecryptionError(f"{context}: unknown ciphertext format")
        key_len = blob[1]
        key_id = blob[2 : 2 + key_len].decode()
        if key_id not in self._keys:
            raise DecryptionError(f"{context}: key {key_id!r} is not in the secrets file")
        nonce = blob[2 + key_len : 2 + key_len + NONCE_BYTES]
        try:
            return AESGCM(self._keys[key_id]).decrypt(nonce, blob[2 + key_len + NONCE_BYTES :], context.encode())
        except InvalidTag as exc:
            raise DecryptionError(f"{context}: ciphertext does not authenticate") from exc

    @property
    def active_key_id(self) -> str:
        """The key new values are encrypted with."""
        return self._active

    @staticmethod
    def key_id_of(blob: bytes) -> str:
        """The ID of the key a ciphertext was made with."""
        blob = bytes(blob)
        if len(blob) < 2 or blob[0] != FORMAT_VERSION:
            raise DecryptionError("unknown ciphertext format")
        return blob[2 : 2 + blob[1]].decode()

    def reencrypt(self, blob: bytes, context: str) -> bytes:
        """The same plaintext under the active key (a fresh nonce); authenticated on the way."""
        return self.encrypt(self.decrypt(blob, context), context)

    def encrypt_json(self, value: Any, context: str) -> bytes:
        """Encrypt a JSON-serialisable value."""
        return self.encrypt(json.dumps(value, separators=(",", ":"), sort_keys=True).encode(), context)

    def decrypt_json(self, blob: bytes, context: str) -> Any:
        """Decrypt a value made by encrypt_json."""
        return json.loads(self.decrypt(blob, context))
