"""Users (administrators) and the employee directory (HR and managers)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from peewee import JOIN

from edge.services import twofactor, users
from edge.store.db import write_transaction
from edge.store.models import ROLES, Department, Employee
from edge.web.access import current_user_or_none, require_step_up
from edge.web.api import api, json_body
from edge.web.auth import USER_SCHEMA

bp = Blueprint("people", __name__, url_prefix="/api/v1")

USER_PATCH_BODY = {
    "type": "object",
    "minProperties": 1,
    "properties": {
        "role": {"type": "string", "enum": list(ROLES)}, "is_active": {"type": "boolean"},
        "display_name": {"type": "string", "maxLength": 120},
    },
}
SET_PASSWORD_BODY = {"type": "object", "required": ["password"],
                     "properties": {"password": {"type": "string", "maxLength": 1024}}}
NEW_USER_BODY = {
    "type": "object",
    "required": ["username", "password", "role"],
    "properties": {
        "username": {"type": "string"}, "password": {"type": "string"},
        "role": {"type": "string", "enum": list(ROLES)}, "display_name": {"type": "string"},
        "employee_code": {"type": "string"},
    },
}


@api(bp, "/users", "GET", roles=("admin",), summary="Every user",
     response={"type": "object", "properties": {"items": {"type": "array", "items": USER_SCHEMA}}})
def list_users() -> Any:
    """Users with roles; never hashes or TOTP seeds."""
    return jsonify({"items": users.list_users()})


@api(bp, "/users", "POST", roles=("admin",), summary="Add a user", body=NEW_USER_BODY, response=USER_SCHEMA,
     status=201)
def create_user() -> Any:
    """Create a login with a role; the password must meet the policy."""
    data = json_body(NEW_USER_BODY)
    require_step_up("adding a user")
    user = users.create_user(
        current_app.extensions["pos"], data["username"], data["password"], data["role"],
        data.get("display_name"), data.get("employee_code"), actor=current_user_or_none(),
    )
    return jsonify(users.user_public(user)), 201


@api(bp, "/employees", "GET", roles=("admin", "hr", "manager"), summary="Employee directory (no pay data)",
     response={"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}})
def list_employees() -> Any:
    """Code, name, department, designation, shift and status of every employee."""
    query = (
        Employee.select(Employee, Department)
        .join(Department, JOIN.LEFT_OUTER, on=(Employee.department == Department.id), attr="dept")
        .order_by(Employee.code)
    )
    items = [
        {"code": e.code, "name": e.name, "department": e.dept.name if e.department_id else None,
         "designation": e.designation, "pay_basis": e.pay_basis, "is_active": e.is_active}
        for e in query
    ]
    return jsonify({"items": items})


@api(bp, "/users/<user_id>", "PATCH", roles=("admin",), summary="Change a user's role, name or active flag "
     "(needs a fresh TOTP code; a new role or deactivation ends the user's sessions)", body=USER_PATCH_BODY,
     response=USER_SCHEMA)
def update_user(user_id: str) -> Any:
    """Role and account changes, audited with before and after."""
    data = json_body(USER_PATCH_BODY)
    require_step_up("changing a user")
    user = users.update_user(current_app.extensions["pos"], current_user_or_none(), user_id, data.get("role"),
                             data.get("is_active"), data.get("display_name"))
    return jsonify(users.user_public(user))


@api(bp, "/users/<user_id>/password", "POST", roles=("admin",),
     summary="Set a user's password (needs a fresh TOTP code; the user's sessions end)", body=SET_PASSWORD_BODY,
     response=USER_SCHEMA)
def set_password(user_id: str) -> Any:
    """A forgotten password replaced by an administrator."""
    data = json_body(SET_PASSWORD_BODY)
    require_step_up("setting a password")
    user = users.set_password(current_app.extensions["pos"], current_user_or_none(), user_id, data["password"])
    return jsonify(users.user_public(user))


@api(bp, "/users/<user_id>/sessions/revoke", "POST", roles=("admin",), summary="End every session of a user",
     body={"type": "object"}, response={"type": "object", "properties": {"revoked": {"type": "integer"}}})
def revoke_sessions(user_id: str) -> Any:
    """A lost badge or a left employee: their open sessions end now."""
    json_body({"type": "object"})
    ctx = current_app.extensions["pos"]
    with write_transaction(ctx.db):
        count = users.revoke_sessions(ctx, users.find_user(user_id), current_user_or_none(),
                                      "revoked by an administrator")
    return jsonify({"revoked": count})


@api(bp, "/users/<user_id>/totp/reset", "POST", roles=("admin",),
     summary="Take a user's TOTP away (lost phone; needs a fresh TOTP code)", body={"type": "object"},
     response=USER_SCHEMA)
def reset_totp(user_id: str) -> Any:
    """The user sets TOTP up again at the next login."""
    json_body({"type": "object"})
    require_step_up("resetting two-factor authentication")
    ctx = current_app.extensions["pos"]
    user = users.find_user(user_id)
    twofactor.reset(ctx, current_user_or_none(), user)
    return jsonify(users.user_public(users.find_user(user_id)))
