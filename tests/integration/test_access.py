"""The route × role matrix: every route, every role and anonymous callers (and half-logged-in ones waiting
for their TOTP code); nothing answers outside its declared roles, and sensitive routes want a fresh code."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from edge.store.models import ROLES, User
from edge.web.access import (
    PUBLIC,
    SIGNED_WEBHOOK,
    AccessNotDeclared,
    allowed_roles,
    check_all_declared,
    declare_access,
)
from tests.conftest import DEMO_PASSWORDS, FakeClock, enrol_totp, step_up

# The second login step checks the pending session itself: it answers 401 to anonymous callers.
SECOND_STEP = {"/api/v1/auth/totp", "/api/v1/auth/totp/enrol", "/api/v1/auth/totp/confirm"}
PUBLIC_RULES = {"/api/v1/auth/login", "/api/v1/auth/logout", "/api/v1/health", "/api/v1/openapi.json", "/",
                "/<path:path>", *SECOND_STEP}
# The only unauthenticated routes that change state: the gateways' webhooks, signature-verified.
WEBHOOK_RULES = {"/api/v1/payments/webhooks/stripe", "/api/v1/payments/webhooks/razorpay"}
NO_LOGIN = (PUBLIC, SIGNED_WEBHOOK)


def sample_path(rule: str) -> str:
    """A concrete URL for a rule: each path argument replaced by a sample value."""
    return re.sub(r"<(?:[^:<>]+:)?[^<>]+>", "8901234567894", rule)


def routes(app: Flask) -> list[tuple[str, str, frozenset[str]]]:
    """(path, method, allowed roles) of every registered route."""
    found = []
    for rule in app.url_map.iter_rules():
        roles = allowed_roles(app.view_functions[rule.endpoint])
        assert roles is not None
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.rule, method, roles))
    return found


def call(client: FlaskClient, method: str, path: str) -> int:
    """Status of a call with an empty JSON body for changes."""
    kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH", "DELETE") else {}
    return client.open(sample_path(path), method=method, **kwargs).status_code


def test_only_login_health_openapi_and_kiosk_files_are_public(app: Flask) -> None:
    public = {rule for rule, _, roles in routes(app) if roles == PUBLIC}
    assert public == PUBLIC_RULES
    assert {method for rule, method, _ in routes(app) if rule in PUBLIC_RULES} == {"GET", "POST"}
    assert {(rule, method) for rule, method, roles in routes(app) if roles == PUBLIC and method != "GET"} == {
        ("/api/v1/auth/login", "POST"), ("/api/v1/auth/logout", "POST"),
        *((rule, "POST") for rule in SECOND_STEP)}, \
        "the public POSTs are the login's two steps and logout (which only ends the cookie's own session)"


def test_the_only_unauthenticated_state_changing_routes_are_signed_webhooks(app: Flask, client: FlaskClient) -> None:
    signed = {rule for rule, _, roles in routes(app) if roles == SIGNED_WEBHOOK}
    assert signed == WEBHOOK_RULES
    for rule in sorted(signed):
        response = client.post(rule, json={"id": "evt_1", "type": "payment_intent.succeeded"})
        assert response.status_code in (400, 404), f"{rule} took an unsigned event ({response.status_code})"


def test_anonymous_requests_to_every_other_route_are_refused(app: Flask, client: FlaskClient) -> None:
    checked = 0
    for rule, method, roles in routes(app):
        if roles in NO_LOGIN and rule not in SECOND_STEP:
            continue
        response = client.open(sample_path(rule), method=method, json={} if method != "GET" else None)
        assert response.status_code == 401, f"{method} {rule} answered {response.status_code} anonymously"
        assert response.get_json()["error"]["code"] == "unauthenticated"
        checked += 1
    assert checked >= 60


def test_an_admin_who_gave_only_the_password_gets_nothing(app: Flask) -> None:
    client = app.test_client()
    username, password = DEMO_PASSWORDS["admin"]
    first = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert first.status_code == 200 and first.get_json()["next"] == "enrol"
    for rule, method, roles in routes(app):
        if roles in NO_LOGIN:
            continue
        status = call(client, method, rule)
        assert status == 401, f"a half-logged-in admin got {status} on {method} {rule}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_refused_outside_its_routes(role: str, login: Callable[[str], FlaskClient], app: Flask) -> None:
    client = login(role)
    username = DEMO_PASSWORDS[role][0]
    if not User.get(User.username == username).totp_enabled:
        enrol_totp(app, client, username)  # a fresh second factor: any 403 below is the role's
    for rule, method, roles in routes(app):
        if roles in NO_LOGIN or rule == "/api/v1/auth/logout":
            continue
        response = client.open(sample_path(rule), method=method, json={} if method != "GET" else None)
        if role in roles:
            assert response.status_code not in (401, 403), f"{role} refused on {method} {rule} ({response.status_code})"
        else:
            assert response.status_code == 403, f"{role} got {response.status_code} on {method} {rule}, expected 403"
            assert response.get_json()["error"]["code"] == "forbidden"
        assert response.status_code < 500, f"{role}: {method} {rule} answered {response.status_code}"


SENSITIVE = [
    ("POST", "/api/v1/users", {"username": "till9", "password": "a-long-pass-9", "role": "cashier"}),
    ("PATCH", "/api/v1/users/cashier", {"role": "manager"}),
    ("POST", "/api/v1/users/cashier/password", {"password": "another-long-pass-7"}),
    ("POST", "/api/v1/users/manager/totp/reset", {}),
    ("POST", "/api/v1/auth/recovery-codes", {}),
]


@pytest.mark.parametrize(("method", "path", "body"), SENSITIVE)
def test_sensitive_admin_actions_want_a_fresh_totp_code(
    method: str, path: str, body: dict[str, object], login: Callable[[str], FlaskClient], app: Flask,
    clock: FakeClock,
) -> None:
    admin = login("admin")
    clock.advance(minutes=6)
    stale = admin.open(path, method=method, json=body)
    assert stale.status_code == 403 and stale.get_json()["error"]["code"] == "step_up_required"
    step_up(app, admin, "admin")
    assert admin.open(path, method=method, json=body).status_code in (200, 201)


def test_a_route_without_declared_roles_stops_the_app_from_starting(app: Flask) -> None:
    app.add_url_rule("/api/v1/forgotten", "forgotten", lambda: "oops")
    with pytest.raises(AccessNotDeclared, match="/api/v1/forgotten"):
        check_all_declared(app)


def test_unknown_roles_cannot_be_declared() -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        declare_access(lambda: None, ("superuser",))
