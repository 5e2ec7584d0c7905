"""Users (administrators) and the employee directory (HR and managers)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from peewee import JOIN

from edge.services import users
from edge.store.models import ROLES, Department, Employee
from edge.web.access import current_user_or_none
from edge.web.api import api, json_body
from edge.web.auth import USER_SCHEMA

bp = Blueprint("people", __name__, url_prefix="/api/v1")

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
