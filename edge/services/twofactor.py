"""The TOTP second factor: enrolment (secret encrypted at rest, QR code), the login's second step, one-time
recovery codes (argon2-hashed), and the fresh step-up that sensitive actions need."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from edge.security import totp
from edge.security.passwords import verify_password
from edge.services.audit import record_audit
from edge.services.context import ServiceContext
from edge.services.errors import Conflict, Forbidden, InvalidInput, Unauthenticated
from edge.services.users import activate_session, check_throttle, note_failure, revoke_sessions
from edge.store.db import write_transaction
from edge.store.models import RecoveryCode, User, UserSession

TOTP_CONTEXT = "user.totp_secret"
ISSUER = "Store Edge POS"


def _secret(ctx: ServiceContext, user: User) -> str:
    if user.totp_secret_enc is None:
        raise Conflict("two-factor authentication is not set up for this user", "code", code="totp_not_enrolled")
    return ctx.cipher.decrypt(user.totp_secret_enc, TOTP_CONTEXT).decode()


def begin_enrolment(ctx: ServiceContext, session: UserSession) -> dict[str, Any]:
    """A new secret for the session's user (kept encrypted, not yet in force), as text, URI and QR code."""
    user: User = session.user
    if user.totp_enabled:
        raise Conflict("two-factor authentication is already set up; an administrator can reset it", "code",
                       code="totp_enrolled")
    secret = totp.new_secret()
    issuer = f"{ISSUER} {ctx.config.get('store.code')}"
    uri = totp.provisioning_uri(secret, user.username, issuer)
    with write_transaction(ctx.db):
        User.update(totp_secret_enc=ctx.cipher.encrypt(secret.encode(), TOTP_CONTEXT), totp_last_step=None) \
            .where(User.id == user.id).execute()
    return {"secret": secret, "uri": uri, "qr_svg": totp.qr_svg(uri)}


def _keys(user: User, ip: str) -> list[str]:
    return [f"totp:{user.username}", f"ip:{ip}"]


def _check_code(ctx: ServiceContext, user: User, code: str, ip: str, allow_recovery: bool) -> str:
    """Accept a TOTP code (once) or an unused recovery code, throttled like passwords; how it was proved."""
    keys = _keys(user, ip)
    with write_transaction(ctx.db):
        check_throttle(ctx, keys)
    secret = _secret(ctx, user)
    step = totp.matching_step(secret, code or "", ctx.now(), user.totp_last_step)
    if step is not None:
        with write_transaction(ctx.db):
            # Compare-and-set: two requests with the same code cannot both pass.
            won = User.update(totp_last_step=step).where(
                (User.id == user.id) & (User.totp_last_step.is_null() | (User.totp_last_step < step))
            ).execute()
            if won:
                user.totp_last_step = step
                return "totp"
    elif allow_recovery and totp.looks_like_recovery_code(code or ""):
        typed = totp.normalise(code)
        for row in RecoveryCode.select().where((RecoveryCode.user == user) & RecoveryCode.used_at.is_null()):
            if verify_password(ctx.hasher, row.code_hash, typed):
                with write_transaction(ctx.db):
                    if RecoveryCode.update(used_at=ctx.now()).where(
                        (RecoveryCode.id == row.id) & RecoveryCode.used_at.is_null()
                    ).execute():
                        left = RecoveryCode.select().where(
                            (RecoveryCode.user == user) & RecoveryCode.used_at.is_null()).count()
                        record_audit(ctx, "totp.recovery_code_used", user, "user", str(user.uuid), ip,
                                     details={"left": left})
                        return "recovery_code"
    with write_transaction(ctx.db):
        note_failure(ctx, keys)
        record_audit(ctx, "totp.failed", user, "user", str(user.uuid), ip)
    raise Unauthenticated("wrong or already used code", "code", code="bad_totp")


def _new_recovery_codes(ctx: ServiceContext, user: User) -> list[str]:
    codes = totp.new_recovery_codes()
    hashes = [ctx.hasher.hash(totp.normalise(code)) for code in codes]
    with write_transaction(ctx.db):
        RecoveryCode.delete().where(RecoveryCode.user == user).execute()
        RecoveryCode.insert_many([{"user": user.id, "code_hash": h} for h in hashes]).execute()
    return codes


def confirm_enrolment(ctx: ServiceContext, session: UserSession, code: str, ip: str = "") -> list[str]:
    """The first code from the authenticator puts TOTP in force; the session becomes (or stays) a full one
    with a fresh second factor. Returns the recovery codes, shown this once."""
    user: User = session.user
    if user.totp_enabled:
        raise Conflict("two-factor authentication is already set up", "code", code="totp_enrolled")
    _check_code(ctx, user, code, ip, allow_recovery=False)
    codes = _new_recovery_codes(ctx, user)
    with write_transaction(ctx.db):
        User.update(totp_enabled=True).where(User.id == user.id).execute()
        activate_session(ctx, session, totp_verified=True)
        record_audit(ctx, "totp.enrolled", user, "user", str(user.uuid), ip,
                     details={"before": {"totp_enabled": False}, "after": {"totp_enabled": True}})
    user.totp_enabled = True
    return codes


def complete_login(ctx: ServiceContext, session: UserSession, code: str, ip: str = "") -> str:
    """The login's second step: a TOTP code or a recovery code turns the pending session into a full one."""
    if session.stage != "totp":
        raise Conflict("this session is not waiting for a code", "code")
    how = _check_code(ctx, session.user, code, ip, allow_recovery=True)
    with write_transaction(ctx.db):
        activate_session(ctx, session, totp_verified=True)
        record_audit(ctx, "login", session.user, "user", str(session.user.uuid), ip, details={"second_factor": how})
    return how


def step_up(ctx: ServiceContext, session: UserSession, code: str, ip: str = "") -> Any:
    """A fresh TOTP code for the sensitive actions of the next minutes; returns until when it counts."""
    user: User = session.user
    if not user.totp_enabled:
        raise Forbidden("set up two-factor authentication first", "code", code="totp_required")
    _check_code(ctx, user, code, ip, allow_recovery=False)
    now = ctx.now()
    with write_transaction(ctx.db):
        UserSession.update(totp_verified_at=now).where(UserSession.id == session.id).execute()
    session.totp_verified_at = now
    return now + timedelta(minutes=int(ctx.config.get("auth.step_up_minutes")))


def require_fresh(ctx: ServiceContext, session: UserSession | None, action: str) -> None:
    """Refuse a sensitive action unless the session gave a TOTP code in the last few minutes."""
    if session is None:
        raise Unauthenticated("log in first")
    if not session.user.totp_enabled:
        raise Forbidden(f"{action} needs two-factor authentication: set up TOTP first", code="totp_required")
    window = timedelta(minutes=int(ctx.config.get("auth.step_up_minutes")))
    if session.totp_verified_at is None or ctx.now() - session.totp_verified_at > window:
        raise Forbidden(f"{action} needs a fresh TOTP code (POST /api/v1/auth/step-up)", code="step_up_required")


def regenerate_recovery_codes(ctx: ServiceContext, session: UserSession, ip: str = "") -> list[str]:
    """New recovery codes (the old ones stop working); needs a fresh TOTP code."""
    require_fresh(ctx, session, "new recovery codes")
    codes = _new_recovery_codes(ctx, session.user)
    with write_transaction(ctx.db):
        record_audit(ctx, "totp.recovery_codes_renewed", session.user, "user", str(session.user.uuid), ip)
    return codes


def reset(ctx: ServiceContext, actor: User, user: User, ip: str = "") -> None:
    """An administrator takes a user's TOTP away (a lost phone): the user sets it up again at next login."""
    if user.id == actor.id:
        raise InvalidInput("reset your own two-factor authentication through another administrator", "user")
    with write_transaction(ctx.db):
        before = {"totp_enabled": user.totp_enabled}
        User.update(totp_enabled=False, totp_secret_enc=None, totp_last_step=None).where(User.id == user.id).execute()
        RecoveryCode.delete().where(RecoveryCode.user == user).execute()
        record_audit(ctx, "totp.reset", actor, "user", str(user.uuid), ip,
                     details={"username": user.username, "before": before, "after": {"totp_enabled": False}})
        revoke_sessions(ctx, user, actor, "two-factor reset")


def admin_with_fresh_code(ctx: ServiceContext, username: str, code: str, where: str = "console") -> User:
    """The administrator running a sensitive console command (key rotation), proved by a TOTP code now."""
    user = User.get_or_none(User.username == (username or "").strip().lower())
    if user is None or not user.is_active or user.role != "admin":
        raise Forbidden(f"{username!r} is not an active administrator", "admin")
    if not user.totp_enabled:
        raise Forbidden(f"{user.username} has not set up two-factor authentication", "admin", code="totp_required")
    _check_code(ctx, user, code, where, allow_recovery=False)
    return user
