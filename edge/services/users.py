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
from edge.services.records import by_uuid
from edge.store import sql
from edge.store.db import write_transaction
from edge.store.models import ROLES, Employee, LoginThrottle, User, UserSession
from edge.store.outbox import enqueue

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
SESSION_TOUCH_SECONDS = 60


PENDING_MINUTES = 10  # a session waiting for its TOTP code (or enrolment) ends this soon
STAGES_PENDING = ("totp", "enrol")


@dataclass(frozen=True)
class LoginResult:
    """A successful password check: the user, the session token for the cookie, and what comes next:
    ``active`` (logged in), ``totp`` (a TOTP or recovery code is awaited) or ``enrol`` (set TOTP up first)."""

    user: User
    token: str
    expires_at: datetime
    stage: str = "active"


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
    _check_password(ctx, password, username)
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


def _check_password(ctx: ServiceContext, password: str, username: str, field: str = "password") -> None:
    try:
        check_policy(password, username, int(ctx.config.get("auth.password_min_length")))
    except WeakPasswordError as exc:
        raise InvalidInput(str(exc), field) from exc


def totp_required(ctx: ServiceContext, user: User) -> bool:
    """Whether the user's role must use a TOTP second factor (admins always; others as configured)."""
    roles = {"admin", *str(ctx.config.get("auth.totp_roles")).split(",")}
    return user.role in roles


def _throttle_delay(ctx: ServiceContext, failures: int) -> int:
    free = int(ctx.config.get("auth.login_free_failures"))
    if failures < free:
        return 0
    base = int(ctx.config.get("auth.login_delay_seconds"))
    ceiling = int(ctx.config.get("auth.login_max_delay_seconds"))
    return int(min(ceiling, base * 2 ** min(failures - free, 30)))


def check_throttle(ctx: ServiceContext, keys: list[str]) -> None:
    now = ctx.now()
    for row in LoginThrottle.select().where(LoginThrottle.key.in_(keys)):
        if row.blocked_until and row.blocked_until > now:
            wait = max(1, int((row.blocked_until - now).total_seconds() + 0.999))
            what = "this address" if row.key.startswith("ip:") else "this user"
            raise Throttled(f"too many failed logins for {what}; try again in {wait} s", wait)


def note_failure(ctx: ServiceContext, keys: list[str]) -> None:
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
        check_throttle(ctx, keys)
    user = User.get_or_none(User.username == username)
    stored = user.password_hash if user else ctx.dummy_password_hash
    ok = verify_password(ctx.hasher, stored, password or "") and user is not None and user.is_active
    if not ok or user is None:
        with write_transaction(ctx.db):
            note_failure(ctx, keys)
            record_audit(ctx, "login.failed", None, "user", username, ip)
        raise Unauthenticated("wrong user name or password", code="bad_credentials")
    with write_transaction(ctx.db):
        LoginThrottle.delete().where(LoginThrottle.key.in_(keys)).execute()
        if ctx.hasher.check_needs_rehash(user.password_hash):
            user.password_hash = ctx.hasher.hash(password)
            user.save()
        token = secrets.token_urlsafe(32)
        now = ctx.now()
        stage = "active"
        if totp_required(ctx, user) or user.totp_enabled:
            stage = "totp" if user.totp_enabled else "enrol"
        if stage == "active":
            expires_at = now + timedelta(hours=int(ctx.config.get("auth.session_max_hours")))
        else:
            expires_at = now + timedelta(minutes=PENDING_MINUTES)
        UserSession.create(
            token_hash=hash_token(token), user=user, created_at=now, last_seen_at=now,
            expires_at=expires_at, ip=ip[:45], user_agent=user_agent[:200], stage=stage,
        )
        record_audit(ctx, "login" if stage == "active" else "login.password_ok", user, "user", str(user.uuid), ip,
                     details={"next": stage})
    return LoginResult(user, token, expires_at, stage)


def activate_session(ctx: ServiceContext, session: UserSession, totp_verified: bool) -> None:
    """A pending session becomes a full one (its absolute expiry counted from now)."""
    now = ctx.now()
    session.stage = "active"
    session.last_seen_at = now
    session.expires_at = now + timedelta(hours=int(ctx.config.get("auth.session_max_hours")))
    if totp_verified:
        session.totp_verified_at = now
    session.save()


def hash_token(token: str) -> str:
    """SHA-256 of a session token; only this is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def resolve_session_row(
    ctx: ServiceContext, token: str | None, stages: tuple[str, ...] = ("active",)
) -> UserSession | None:
    """The session of a token in one of the stages, or None when missing, expired, idle or revoked, its
    user inactive — or, for a full session, its user must use TOTP and this session never gave a code."""
    if not token:
        return None
    # Every request asks: cached SQL text (edge/store/sql.py), not peewee's query builder.
    session = sql.first(UserSession, "token_hash = {p}", hash_token(token))
    if session is None or session.revoked_at is not None or session.stage not in stages:
        return None
    now = ctx.now()
    idle = timedelta(minutes=int(ctx.config.get("auth.session_idle_minutes")))
    if now >= session.expires_at or now - session.last_seen_at >= idle:
        return None
    user = sql.first(User, "id = {p}", session.user_id)
    if user is None or not user.is_active:
        return None
    session.user = user
    if session.stage == "active" and session.totp_verified_at is None and (user.totp_enabled or
                                                                           totp_required(ctx, user)):
        return None  # TOTP became required (or was set up) after this session began
    if (now - session.last_seen_at).total_seconds() >= SESSION_TOUCH_SECONDS:
        with write_transaction(ctx.db):
            UserSession.update(last_seen_at=now).where(UserSession.id == session.id).execute()
    return session


def resolve_session(ctx: ServiceContext, token: str | None) -> User | None:
    """The user of a full (logged-in) session token, or None."""
    session = resolve_session_row(ctx, token)
    return session.user if session is not None else None


def revoke_sessions(
    ctx: ServiceContext, user: User, actor: User | None, reason: str, keep: UserSession | None = None
) -> int:
    """End every session of a user (but ``keep``); audited. Call inside a write transaction."""
    query = UserSession.update(revoked_at=ctx.now()).where(
        (UserSession.user == user) & UserSession.revoked_at.is_null()
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    count = int(query.execute())
    record_audit(ctx, "sessions.revoked", actor, "user", str(user.uuid),
                 details={"username": user.username, "reason": reason, "sessions": count})
    return count


def _user_state(user: User) -> dict[str, object]:
    return {"role": user.role, "is_active": user.is_active, "display_name": user.display_name,
            "totp_enabled": user.totp_enabled}


def find_user(user_id: str) -> User:
    """A user by UUID (or user name)."""
    try:
        found: User = by_uuid(User, user_id, "user", "user")
        return found
    except NotFound:
        user = User.get_or_none(User.username == str(user_id).strip().lower())
        if user is None:
            raise NotFound(f"no user {user_id!r}", "user") from None
        return user


def _last_admin(user: User) -> bool:
    others = User.select().where((User.role == "admin") & User.is_active & (User.id != user.id)).count()
    return user.role == "admin" and user.is_active and others == 0


def update_user(
    ctx: ServiceContext, actor: User, user_id: str, role: str | None = None, is_active: bool | None = None,
    display_name: str | None = None,
) -> User:
    """Change a user's role, active flag or name (before and after audited); a new role or deactivation
    ends every session of the user. The last active administrator stays one."""
    if role is not None and role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", "role")
    with write_transaction(ctx.db):
        user = find_user(user_id)
        before = _user_state(user)
        if (role not in (None, "admin") or is_active is False) and _last_admin(user):
            raise Conflict("the store must keep one active administrator", "role" if role else "is_active")
        if role is not None:
            user.role = role
        if is_active is not None:
            user.is_active = is_active
        if display_name is not None:
            user.display_name = display_name.strip()[:120] or user.username
        user.save()
        after = _user_state(user)
        record_audit(ctx, "user.updated", actor, "user", str(user.uuid),
                     details={"username": user.username, "before": before, "after": after})
        if before["role"] != after["role"] or (before["is_active"] and not after["is_active"]):
            revoke_sessions(ctx, user, actor, "role changed" if before["role"] != after["role"] else "deactivated")
        enqueue("user.updated", user.uuid, {k: v for k, v in user_public(user).items() if k != "totp_enabled"})
    return user


def set_password(ctx: ServiceContext, actor: User, user_id: str, password: str) -> User:
    """An administrator sets a user's new password; every session of the user ends."""
    with write_transaction(ctx.db):
        user = find_user(user_id)
    _check_password(ctx, password, user.username)
    password_hash = ctx.hasher.hash(password)
    with write_transaction(ctx.db):
        user = find_user(user_id)
        user.password_hash = password_hash
        user.password_changed_at = ctx.now()
        user.save()
        record_audit(ctx, "user.password_set", actor, "user", str(user.uuid), details={"username": user.username})
        revoke_sessions(ctx, user, actor, "password set by an administrator")
    return user


def change_own_password(ctx: ServiceContext, session: UserSession, current: str, new: str, ip: str = "") -> None:
    """A user changes their own password (the current one checked, throttled like a login); their other
    sessions end."""
    user: User = session.user
    keys = [f"user:{user.username}", f"ip:{ip}"]
    with write_transaction(ctx.db):
        check_throttle(ctx, keys)
    if not verify_password(ctx.hasher, user.password_hash, current or ""):
        with write_transaction(ctx.db):
            note_failure(ctx, keys)
        raise Unauthenticated("the current password is wrong", "current_password", code="bad_credentials")
    if new == current:
        raise InvalidInput("the new password must differ from the current one", "new_password")
    _check_password(ctx, new, user.username, "new_password")
    password_hash = ctx.hasher.hash(new)
    with write_transaction(ctx.db):
        User.update(password_hash=password_hash, password_changed_at=ctx.now()).where(User.id == user.id).execute()
        record_audit(ctx, "user.password_changed", user, "user", str(user.uuid), ip,
                     details={"username": user.username})
        revoke_sessions(ctx, user, user, "password changed", keep=session)


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
