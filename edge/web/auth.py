"""Login and logout: an HttpOnly, SameSite=Strict cookie holding a server-side session token."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from edge.services import twofactor, users
from edge.services.errors import Unauthenticated
from edge.web.access import ANY_ROLE, PUBLIC, SESSION_COOKIE, current_session_or_none, current_user_or_none
from edge.web.api import api, json_body

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")

LOGIN_BODY = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {"username": {"type": "string", "maxLength": 64}, "password": {"type": "string", "maxLength": 1024}},
}
USER_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string"}, "username": {"type": "string"}, "display_name": {"type": "string"},
        "role": {"type": "string"}, "is_active": {"type": "boolean"}, "totp_enabled": {"type": "boolean"},
        "employee_code": {"type": ["string", "null"]},
    },
}


def client_address() -> str:
    """The caller's address (the daemon is reached directly, not through a proxy)."""
    return request.remote_addr or ""


LOGIN_RESPONSE = {
    "type": "object",
    "properties": {"user": USER_SCHEMA, "next": {"type": "string", "enum": ["done", "totp", "enrol"]}},
}
CODE_BODY = {"type": "object", "required": ["code"], "properties": {"code": {"type": "string", "maxLength": 64}}}
PASSWORD_BODY = {
    "type": "object",
    "required": ["current_password", "new_password"],
    "properties": {"current_password": {"type": "string", "maxLength": 1024},
                   "new_password": {"type": "string", "maxLength": 1024}},
}
ENROL_RESPONSE = {
    "type": "object",
    "properties": {"secret": {"type": "string"}, "uri": {"type": "string"}, "qr_svg": {"type": "string"}},
}
CODES_RESPONSE = {
    "type": "object",
    "properties": {"user": USER_SCHEMA, "next": {"type": "string"},
                   "recovery_codes": {"type": "array", "items": {"type": "string"}}},
}


def _context() -> Any:
    return current_app.extensions["pos"]


def _set_cookie(response: Response, token: str, expires_at: Any) -> None:
    ctx = _context()
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="Strict", path="/",
        secure=request.is_secure or bool(ctx.config.get("auth.secure_cookies")),
        max_age=max(1, int((expires_at - ctx.now()).total_seconds())),
    )


def _pending_or_full(stage: str) -> Any:
    """The session of this cookie that waits for a code (``totp``), for enrolment (``enrol``, a full session
    may enrol too), or 401."""
    ctx = _context()
    token = request.cookies.get(SESSION_COOKIE)
    stages = ("totp",) if stage == "totp" else ("enrol", "active")
    session = users.resolve_session_row(ctx, token, stages)
    if session is None:
        raise Unauthenticated("log in first")
    return session


@api(bp, "/login", "POST", roles=PUBLIC, summary="Log in; sets the session cookie (next: done, totp or enrol)",
     body=LOGIN_BODY, response=LOGIN_RESPONSE)
def login() -> Any:
    """Check the password (slowed after repeated failures) and start a session; a user who must use TOTP
    gets a pending session that only the second step (or the enrolment) turns into a full one."""
    data = json_body(LOGIN_BODY)
    ctx = _context()
    result = users.login(
        ctx, data["username"], data["password"], client_address(), request.headers.get("User-Agent", "")
    )
    response = jsonify({"user": users.user_public(result.user),
                        "next": "done" if result.stage == "active" else result.stage})
    _set_cookie(response, result.token, result.expires_at)
    return response


@api(bp, "/totp", "POST", roles=PUBLIC, summary="The login's second step: a TOTP or recovery code",
     body=CODE_BODY, response=LOGIN_RESPONSE)
def totp_login() -> Any:
    """Finish a login that is waiting for its code."""
    session = _pending_or_full("totp")
    data = json_body(CODE_BODY)
    twofactor.complete_login(_context(), session, data["code"], client_address())
    response = jsonify({"user": users.user_public(session.user), "next": "done"})
    _set_cookie(response, request.cookies[SESSION_COOKIE], session.expires_at)
    return response


@api(bp, "/totp/enrol", "POST", roles=PUBLIC, summary="Start setting up TOTP: a new secret and its QR code",
     body={"type": "object"}, response=ENROL_RESPONSE)
def totp_enrol() -> Any:
    """A secret for the authenticator app (shown as text and QR code); not in force until confirmed."""
    session = _pending_or_full("enrol")
    json_body({"type": "object"})
    return jsonify(twofactor.begin_enrolment(_context(), session))


@api(bp, "/totp/confirm", "POST", roles=PUBLIC, summary="Confirm TOTP with a first code; returns recovery codes",
     body=CODE_BODY, response=CODES_RESPONSE)
def totp_confirm() -> Any:
    """Put TOTP in force and log in fully; the recovery codes are shown this once."""
    session = _pending_or_full("enrol")
    data = json_body(CODE_BODY)
    codes = twofactor.confirm_enrolment(_context(), session, data["code"], client_address())
    response = jsonify({"user": users.user_public(session.user), "next": "done", "recovery_codes": codes})
    _set_cookie(response, request.cookies[SESSION_COOKIE], session.expires_at)
    return response


@api(bp, "/step-up", "POST", roles=ANY_ROLE, summary="A fresh TOTP code for the sensitive actions of the next minutes",
     body=CODE_BODY, response={"type": "object", "properties": {"fresh_until": {"type": "string"}}})
def step_up() -> Any:
    """Prove the second factor again (user and role changes, payroll export, old invoice corrections)."""
    data = json_body(CODE_BODY)
    until = twofactor.step_up(_context(), current_session_or_none(), data["code"], client_address())
    return jsonify({"fresh_until": until.isoformat() + "Z"})


@api(bp, "/recovery-codes", "POST", roles=ANY_ROLE, summary="New recovery codes (needs a fresh TOTP code)",
     body={"type": "object"}, response=CODES_RESPONSE)
def recovery_codes() -> Any:
    """Replace the recovery codes; the old ones stop working."""
    json_body({"type": "object"})
    codes = twofactor.regenerate_recovery_codes(_context(), current_session_or_none(), client_address())
    return jsonify({"recovery_codes": codes})


@api(bp, "/password", "POST", roles=ANY_ROLE, summary="Change your own password; your other sessions end",
     body=PASSWORD_BODY)
def change_password() -> Any:
    """The current password is checked (throttled like a login); the new one must meet the policy."""
    data = json_body(PASSWORD_BODY)
    users.change_own_password(_context(), current_session_or_none(), data["current_password"],
                              data["new_password"], client_address())
    return jsonify({"ok": True})


@api(bp, "/logout", "POST", roles=PUBLIC, summary="End this session (a pending one too)", body={"type": "object"})
def logout() -> Any:
    """Revoke the session and clear the cookie."""
    users.logout(_context(), request.cookies.get(SESSION_COOKIE))
    response = jsonify({"ok": True})
    response.delete_cookie(SESSION_COOKIE, path="/", samesite="Strict")
    return response


@api(bp, "/me", "GET", roles=ANY_ROLE, summary="The logged-in user", response=USER_SCHEMA)
def me() -> Any:
    """Who this session belongs to."""
    return jsonify(users.user_public(current_user_or_none()))
