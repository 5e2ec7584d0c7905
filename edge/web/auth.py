"""Login and logout: an HttpOnly, SameSite=Strict cookie holding a server-side session token."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from edge.services import users
from edge.web.access import ANY_ROLE, PUBLIC, SESSION_COOKIE, current_user_or_none
from edge.web.api import api, json_body

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")

LOGIN_BODY = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
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


@api(bp, "/login", "POST", roles=PUBLIC, summary="Log in; sets the session cookie", body=LOGIN_BODY,
     response={"type": "object", "properties": {"user": USER_SCHEMA}})
def login() -> Any:
    """Check the password (slowed after repeated failures) and start a session."""
    data = json_body(LOGIN_BODY)
    ctx = current_app.extensions["pos"]
    result = users.login(
        ctx, data["username"], data["password"], client_address(), request.headers.get("User-Agent", "")
    )
    response = jsonify({"user": users.user_public(result.user)})
    response.set_cookie(
        SESSION_COOKIE, result.token, httponly=True, samesite="Strict", path="/",
        secure=request.is_secure or bool(ctx.config.get("auth.secure_cookies")),
        max_age=int((result.expires_at - ctx.now()).total_seconds()),
    )
    return response


@api(bp, "/logout", "POST", roles=ANY_ROLE, summary="End this session", body={"type": "object"})
def logout() -> Any:
    """Revoke the session and clear the cookie."""
    users.logout(current_app.extensions["pos"], request.cookies.get(SESSION_COOKIE))
    response = jsonify({"ok": True})
    response.delete_cookie(SESSION_COOKIE, path="/", samesite="Strict")
    return response


@api(bp, "/me", "GET", roles=ANY_ROLE, summary="The logged-in user", response=USER_SCHEMA)
def me() -> Any:
    """Who this session belongs to."""
    return jsonify(users.user_public(current_user_or_none()))
