"""TOTP second factor (RFC 6238, pyotp): secrets, the otpauth URI and its QR code, codes that work once,
and one-time recovery codes."""

from __future__ import annotations

import hmac
import io
import secrets
from datetime import datetime

import pyotp
import qrcode
import qrcode.image.svg

STEP_SECONDS = 30
DIGITS = 6
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without doubt


def new_secret() -> str:
    """A fresh base32 secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=username,
                                                                                    issuer_name=issuer)


def qr_svg(content: str) -> str:
    """An SVG QR code of content (the same qrcode library prints the UPI QR on receipts)."""
    image = qrcode.make(content, image_factory=qrcode.image.svg.SvgPathImage, border=2,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()


def step_of(at: datetime) -> int:
    """The TOTP time step of a UTC time (naive datetimes are UTC, as the store keeps them)."""
    seconds = (at - datetime(1970, 1, 1, tzinfo=at.tzinfo)).total_seconds()
    return int(seconds // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    """The code of a time step (what the authenticator shows then)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def normalise(code: str) -> str:
    """A typed code without spaces or dashes, lower-cased."""
    return "".join(code.split()).replace("-", "").lower()


def matching_step(secret: str, code: str, at: datetime, last_step: int | None, window: int = 1) -> int | None:
    """The time step whose code this is — now, or one step either side for clock drift — if that step is
    newer than the last one accepted (a code is used once); else None."""
    typed = normalise(code)
    if len(typed) != DIGITS or not typed.isdigit():
        return None
    now = step_of(at)
    for step in range(now - window, now + window + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(code_at(secret, step), typed):
            return step
    return None


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """One-time recovery codes like ``k7qm-x3pt-9w``: 10 characters from 31, about 50 bits each."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes


def looks_like_recovery_code(code: str) -> bool:
    """True for something shaped like a recovery code (10 letters or digits once dashes are gone)."""
    typed = normalise(code)
    return len(typed) == 10 and all(char in _RECOVERY_ALPHABET for char in typed)
