"""Password hashing with argon2id (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 10


class WeakPasswordError(ValueError):
    """The password does not meet the policy."""


def make_hasher(time_cost: int = 3, memory_kib: int = 65536) -> PasswordHasher:
    """An argon2id hasher with the configured cost."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


MAX_PASSWORD_LENGTH = 256  # argon2 takes any length; this only bounds the work one request can ask for
# Passwords that guessing tools try first (the most common leaked ones of 10+ characters, and shop words);
# compared lower-cased and with trailing digits and punctuation taken off.
COMMON_PASSWORDS = frozenset((
    "password", "password1", "password12", "password123", "password1234", "passw0rd", "p@ssword", "p@ssw0rd",
    "1234567890", "12345678910", "0987654321", "1111111111", "0000000000", "1234512345", "1q2w3e4r5t",
    "1qaz2wsx3edc", "qwertyuiop", "qwerty12345", "qwerty123456", "asdfghjkl", "asdfghjkl1", "zxcvbnm123",
    "abcdefghij", "abc1234567", "abcd123456", "iloveyou", "iloveyou1", "sunshine", "princess", "football",
    "baseball", "superman", "batman", "starwars", "whatever", "trustno1", "letmein", "welcome", "welcome1",
    "welcome123", "administrator", "admin12345", "admin123456", "adminadmin", "changeme", "changeme123",
    "secret123", "computer", "internet", "monkey123", "dragon123", "master123", "shadow123", "michael123",
    "india123", "india12345", "bharat123", "mumbai123", "delhi12345", "jaimatadi", "jaishreeram", "shreeganesh",
    "omnamahshivaya", "cashier", "cashier123", "manager", "manager123", "store12345", "shop123456", "storeedge",
    "storeedgepos", "pointofsale",
))


def _stem(password: str) -> str:
    return password.lower().rstrip("0123456789!@#$%^&*()_+-=.,?~ ")


def check_policy(password: str, username: str, min_length: int = MIN_PASSWORD_LENGTH) -> None:
    """Refuse passwords that are short, the user name (or it with a few characters added), or common."""
    if len(password) < min_length:
        raise WeakPasswordError(f"password must have at least {min_length} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPasswordError(f"password must have at most {MAX_PASSWORD_LENGTH} characters")
    lowered = password.lower()
    if username and (username.lower() in lowered or lowered in username.lower()) \
            and len(password) < len(username) + 6:
        raise WeakPasswordError("password must not be the user name with a few characters added")
    if lowered in COMMON_PASSWORDS or _stem(password) in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        raise WeakPasswordError("password is too common; choose one nobody would guess")


def verify_password(hasher: PasswordHasher, stored_hash: str, password: str) -> bool:
    """True when the password matches the stored hash."""
    try:
        return hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
