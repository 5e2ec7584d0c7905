"""Every route declares its roles: anonymous callers are refused, and each role only gets its routes."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from edge.store.models import ROLES
from edge.web.access import (
    PUBLIC,
    SIGNED_WEBHOOK,
    AccessNotDeclared,
    allowed_roles,
    check_all_declared,
    declare_access,
)

PUBLIC_RULES = {"/api/v1/auth/login", "/api/v1/health", "/api/v1/openapi.json", "/", "/<path:path>"}
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
        ("/api/v1/auth/login", "POST")}, "login is the only public route taking a POST"


def test_the_only_unauthenticated_state_changing_routes_are_signed_webhooks(app: Flask, client: FlaskClient) -> None:
    signed = {rule for rule, _, roles in routes(app) if roles == SIGNED_WEBHOOK}
    assert signed == WEBHOOK_RULES
    for rule in sorted(signed):
        response = client.post(rule, json={"id": "evt_1", "type": "payment_intent.succeeded"})
        assert response.status_code in (400, 404), f"{rule} took an unsigned event ({response.status_code})"


def test_anonymous_requests_to_every_other_route_are_refused(app: Flask, client: FlaskClient) -> None:
    checked = 0
    for rule, method, roles in routes(app):
        if roles in NO_LOGIN:
            continue
        response = client.open(sample_path(rule), method=method, json={} if method != "GET" else None)
        assert response.status_code == 401, f"{method} {rule} answered {response.status_code} anonymously"
        assert response.get_json()["error"]["code"] == "unauthenticated"
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_refused_outside_its_routes(role: str, login: Callable[[str], FlaskClient], app: Flask) -> None:
    client = login(role)
    for rule, method, roles in routes(app):
        if roles in NO_LOGIN or rule == "/api/v1/auth/logout":
            continue
        status = call(client, method, rule)
        if role in roles:
            assert status not in (401, 403), f"{role} refused on {method} {rule} ({status})"
        else:
            assert status == 403, f"{role} got {status} on {method} {rule}, expected 403"


def test_a_route_without_declared_roles_stops_the_app_from_starting(app: Flask) -> None:
    app.add_url_rule("/api/v1/forgotten", "forgotten", lambda: "oops")
    with pytest.raises(AccessNotDeclared, match="/api/v1/forgotten"):
        check_all_declared(app)


def test_unknown_roles_cannot_be_declared() -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        declare_access(lambda: None, ("superuser",))
