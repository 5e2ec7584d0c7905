"""Users, logins and sessions: argon2id passwords, failed-login backoff, server-side sessions."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from edge.security.passwords import WeakPasswordError, check_policy, verify_password
from edge.services.audit import record_audit
from edge.services.context import ServiceContext
from edge.services.errors import Conflict, InvalidInput, NotFound, Throttled, Unauthenticated
from edge.store.db import write_transaction
from edge.store.models import ROLES, Employee, LoginThrottle, User, UserSession
from edge.store.outbox import enqueue

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
SESSION_TOUCH_SECONDS = 60


@dataclass(frozen=True)
class LoginResult:
    """A successful login: the user and the session token for the cookie."""

    user: User
    token: str
    expires_at: datetime


def user_public(user: User) -> dict[str, object]:
    """A user as the API shows it (never the hash or TOTP seed)."""
    return {
        "id": str(user.uuid),
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "is_active": user.is_active,
        "totp_enabled": user.totp_enabled,
        "employee_code": user.employee.code if user.employee_id else None,
    }


def create_user(
    ctx: ServiceContext,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    employee_code: str | None = None,
    actor: User | None = None,
) -> User:
    """Add a user; the password must meet the policy. Audited and replicated."""
    username = username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput("user name must be 2-64 lower-case letters, digits, '.', '_' or '-'", "username")
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", "role")
    try:
        check_policy(password, username)
    except WeakPasswordError as exc:
        raise InvalidInput(str(exc), "password") from exc
    password_hash = ctx.hasher.hash(password)
    with write_transaction(ctx.db):
        if User.select().where(User.username == username).exists():
            raise Conflict(f"user {username!r} already exists", "username")
        employee = None
        if employee_code:
            employee = Employee.get_or_none(Employee.code == employee_code)
            if employee is None:
                raise NotFound(f"employee {employee_code!r} does not exist", "employee_code")
        now = ctx.now()
        user = User.create(
            username=username, display_name=display_name or username, role=role,
            password_hash=password_hash, employee=employee, created_at=now, password_changed_at=now,
        )
        record_audit(ctx, "user.created", actor, "user", str(user.uuid), details={"username": username, "role": role})
        enqueue("user.created", user.uuid, {k: v for k, v in user_public(user).items() if k != "totp_enabled"})
    return user


def _throttle_delay(ctx: ServiceContext, failures: int) -> int:
    free = int(ctx.config.get("auth.login_free_failures"))
    if failures < free:
        return 0
    base = int(ctx.config.get("auth.login_delay_seconds"))
    ceiling = int(ctx.config.get("auth.login_max_delay_seconds"))
    return int(min(ceiling, base * 2 ** min(failures - free, 30)))


def _check_throttle(ctx: ServiceContext, keys: list[str]) -> None:
    now = ctx.now()
    for row in LoginThrottle.select().where(LoginThrottle.key.in_(keys)):
        if row.blocked_until and row.blocked_until > now:
            wait = max(1, int((row.blocked_until - now).total_seconds() + 0.999))
            what = "this user" if row.key.startswith("user:") else "this address"
            raise Throttled(f"too many failed logins for {what}; try again in {wait} s", wait)


def _note_failure(ctx: ServiceContext, keys: list[str]) -> None:
    now = ctx.now()
    for key in keys:
        row, _ = LoginThrottle.get_or_create(key=key)
        row.failures += 1
        row.last_failure_at = now
        delay = _throttle_delay(ctx, row.failures)
        row.blocked_until = now + timedelta(seconds=delay) if delay else None
        row.save()


def login(ctx: ServiceContext, username: str, password: str, ip: str = "", user_agent: str = "") -> LoginResult:
    """Check the password, slowed per user and per address after repeated failures; open a session."""
    username = (username or "").strip().lower()[:64]
    keys = [f"user:{username}", f"ip:{ip}"]
    with write_transaction(ctx.db):
        _check_throttle(ctx, keys)
    user = User.get_or_none(User.username == username)
    stored = user.password_hash if user else ctx.dummy_password_hash
    ok = verify_password(ctx.hasher, stored, password or "") and user is not None and user.is_active
    if not ok or user is None:
        with write_transaction(ctx.db):
            _note_failure(ctx, keys)
            record_audit(ctx, "login.failed", None, "user", username, ip)
        raise Unauthenticated("wrong user name or password", code="bad_credentials")
    with write_transaction(ctx.db):
        LoginThrottle.delete().where(LoginThrottle.key.in_(keys)).execute()
        if ctx.hasher.check_needs_rehash(user.password_hash):
            user.password_hash = ctx.hasher.hash(password)
            user.save()
        token = secrets.token_urlsafe(32)
        now = ctx.now()
        expires_at = now + timedelta(hours=int(ctx.config.get("auth.session_max_hours")))
        UserSession.create(
            token_hash=hash_token(token), user=user, created_at=now, last_seen_at=now,
            expires_at=expires_at, ip=ip[:45], user_agent=user_agent[:200],
        )
        record_audit(ctx, "login", user, "user", str(user.uuid), ip)
    return LoginResult(user, token, expires_at)


def hash_token(token: str) -> str:
    """SHA-256 of a session token; only this is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def resolve_session(ctx: ServiceContext, token: str | None) -> User | None:
    """The active user of a session token, or None when missing, expired, idle or revoked."""
    if not token:
        return None
    session = UserSession.get_or_none(UserSession.token_hash == hash_token(token))
    if session is None or session.revoked_at is not None:
        return None
    now = ctx.now()
    idle = timedelta(minutes=int(ctx.config.get("auth.session_idle_minutes")))
    if now >= session.expires_at or now - session.last_seen_at >= idle:
        return None
    user: User = session.user
    if not user.is_active:
        return None
    if (now - session.last_seen_at).total_seconds() >= SESSION_TOUCH_SECONDS:
        with write_transaction(ctx.db):
            UserSession.update(last_seen_at=now).where(UserSession.id == session.id).execute()
    return user


def logout(ctx: ServiceContext, token: str | None) -> None:
    """Revoke the session of a token (idempotent)."""
    if not token:
        return
    with write_transaction(ctx.db):
        UserSession.update(revoked_at=ctx.now()).where(
            (UserSession.token_hash == hash_token(token)) & UserSession.revoked_at.is_null()
        ).execute()


def list_users() -> list[dict[str, object]]:
    """Every user, for administrators."""
    return [user_public(user) for user in User.select().order_by(User.username)]
