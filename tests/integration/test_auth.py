"""Logging in and out: argon2id hashes, the session cookie, expiry, and slowing down password guessing."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from edge.services.context import ServiceContext
from edge.store.models import AuditLog, User, UserSession
from tests.conftest import DEMO_PASSWORDS, FakeClock


def login_status(client: FlaskClient, username: str, password: str) -> int:
    """Status of a login attempt."""
    return client.post("/api/v1/auth/login", json={"username": username, "password": password}).status_code


def test_login_sets_an_httponly_strict_cookie_and_me_answers(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/login", json={"username": "cashier", "password": "cashier-demo-1"})
    assert response.status_code == 200
    assert response.get_json()["user"]["role"] == "cashier"
    cookie = response.headers["Set-Cookie"]
    assert "pos_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    me = client.get("/api/v1/auth/me").get_json()
    assert me["username"] == "cashier"
    assert "password_hash" not in me


def test_passwords_are_stored_as_argon2id(demo_ctx: ServiceContext) -> None:
    for user in User.select():
        assert user.password_hash.startswith("$argon2id$")
        assert DEMO_PASSWORDS[user.role][1] not in user.password_hash


def test_session_token_is_stored_only_as_a_hash(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/login", json={"username": "hr", "password": "hr-demo-1"})
    token = response.headers["Set-Cookie"].split("pos_session=")[1].split(";")[0]
    assert UserSession.select().where(UserSession.token_hash == token).count() == 0
    assert UserSession.select().count() == 1


def test_wrong_password_and_unknown_user_get_the_same_answer(client: FlaskClient) -> None:
    wrong = client.post("/api/v1/auth/login", json={"username": "cashier", "password": "nope-nope-1"})
    unknown = client.post("/api/v1/auth/login", json={"username": "ghost", "password": "nope-nope-1"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["error"]["code"] == "bad_credentials"


def test_logout_ends_the_session_on_the_server(login: Callable[[str], FlaskClient]) -> None:
    client = login("manager")
    cookie = client.get_cookie("pos_session")
    assert cookie is not None
    assert client.post("/api/v1/auth/logout", json={}).status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 401
    client.set_cookie("pos_session", cookie.value)  # a copy of the old cookie no longer works either
    assert client.get("/api/v1/auth/me").status_code == 401


def test_idle_session_expires(login: Callable[[str], FlaskClient], clock: FakeClock) -> None:
    client = login("cashier")
    clock.advance(minutes=29)
    assert client.get("/api/v1/auth/me").status_code == 200
    clock.advance(minutes=29)
    assert client.get("/api/v1/auth/me").status_code == 200, "activity keeps the session alive"
    clock.advance(minutes=31)
    assert client.get("/api/v1/auth/me").status_code == 401


def test_session_ends_at_its_maximum_age_even_when_busy(login: Callable[[str], FlaskClient], clock: FakeClock) -> None:
    client = login("cashier")
    for _ in range(12 * 3):
        clock.advance(minutes=20)
        if client.get("/api/v1/auth/me").status_code == 401:
            break
    assert clock.now.hour == 18, "12 h after the 06:00 login"


def test_repeated_failures_for_a_user_are_slowed_then_allowed_after_the_delay(
    client: FlaskClient, clock: FakeClock
) -> None:
    for _ in range(3):
        assert login_status(client, "cashier", "wrong-password-1") == 401
    refused = client.post("/api/v1/auth/login", json={"username": "cashier", "password": "cashier-demo-1"})
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "throttled"
    assert int(refused.headers["Retry-After"]) == 2
    clock.advance(seconds=2)
    assert login_status(client, "cashier", "wrong-password-1") == 401
    refused = client.post("/api/v1/auth/login", json={"username": "cashier", "password": "cashier-demo-1"})
    assert int(refused.headers["Retry-After"]) == 4, "the delay doubles"
    clock.advance(seconds=4)
    assert login_status(client, "cashier", "cashier-demo-1") == 200


def test_one_address_guessing_many_users_is_slowed(app: Flask, clock: FakeClock) -> None:
    guesser = app.test_client()
    for name in ("admin", "manager", "hr"):
        assert login_status(guesser, name, "wrong-password-1") == 401
    assert login_status(guesser, "employee", "employee-demo-1") == 429
    other_till = app.test_client()
    other_till.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    assert login_status(other_till, "employee", "employee-demo-1") == 200


def test_failed_and_successful_logins_are_audited(client: FlaskClient) -> None:
    login_status(client, "manager", "wrong-password-1")
    login_status(client, "manager", "manager-demo-1")
    actions = [row.action for row in AuditLog.select().order_by(AuditLog.id)]
    assert actions[-2:] == ["login.failed", "login"]


def test_login_with_missing_field_names_the_field(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/login", json={"username": "admin"})
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "invalid", "message": "password is required", "field": "password"
    }


def test_changes_must_be_json(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/login", data={"username": "admin", "password": "admin-demo-1"})
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_admin_creates_a_user_who_can_log_in(login: Callable[[str], FlaskClient], app: Flask) -> None:
    admin = login("admin")
    created = admin.post("/api/v1/users", json={"username": "till2", "password": "a-long-pass-9", "role": "cashier"})
    assert created.status_code == 201
    assert created.get_json()["role"] == "cashier"
    assert login_status(app.test_client(), "till2", "a-long-pass-9") == 200
    again = admin.post("/api/v1/users", json={"username": "till2", "password": "a-long-pass-9", "role": "cashier"})
    assert again.status_code == 409
    weak = admin.post("/api/v1/users", json={"username": "till3", "password": "short", "role": "cashier"})
    assert weak.status_code == 400 and weak.get_json()["error"]["field"] == "password"
    bad_role = admin.post("/api/v1/users", json={"username": "till4", "password": "a-long-pass-9", "role": "owner"})
    assert bad_role.get_json()["error"]["field"] == "role"
