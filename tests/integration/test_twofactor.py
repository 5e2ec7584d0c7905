"""Admin 2FA: TOTP enrolment with a QR code, the login's second step, codes that work once, recovery codes,
the fresh step-up of sensitive actions, and the sessions that end when a user's rights change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from edge.security import totp
from edge.services.context import ServiceContext
from edge.services.twofactor import TOTP_CONTEXT
from edge.store.models import AuditLog, RecoveryCode, User, UserSession
from edge.web.app import create_app
from tests.conftest import DEMO_PASSWORDS, FakeClock, enrol_totp, log_in, step_up, totp_code
from tests.integration.test_after_sale import sell
from tests.integration.test_sale import CASE


def password_step(app: Flask, role: str) -> tuple[FlaskClient, dict[str, Any]]:
    client = app.test_client()
    username, password = DEMO_PASSWORDS[role]
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return client, response.get_json()


def error_code(response: Any) -> tuple[int, str]:
    return response.status_code, response.get_json()["error"]["code"]


def test_an_admin_enrols_on_first_login_with_a_qr_code(app: Flask, demo_ctx: ServiceContext) -> None:
    client, first = password_step(app, "admin")
    assert first["next"] == "enrol"
    assert client.get("/api/v1/auth/me").status_code == 401, "not logged in before TOTP is set up"
    enrolment = client.post("/api/v1/auth/totp/enrol", json={}).get_json()
    secret = enrolment["secret"]
    assert enrolment["uri"].startswith("otpauth://totp/") and f"secret={secret}" in enrolment["uri"]
    assert "issuer=Store%20Edge%20POS" in enrolment["uri"]
    assert enrolment["qr_svg"].startswith("<?xml") and "<svg" in enrolment["qr_svg"]
    user = User.get(User.username == "admin")
    assert not user.totp_enabled and secret.encode() not in bytes(user.totp_secret_enc)
    assert demo_ctx.cipher.decrypt(user.totp_secret_enc, TOTP_CONTEXT).decode() == secret
    wrong = client.post("/api/v1/auth/totp/confirm", json={"code": "000000"})
    assert error_code(wrong) == (401, "bad_totp")
    now = totp.step_of(demo_ctx.now())
    confirmed = client.post("/api/v1/auth/totp/confirm", json={"code": totp.code_at(secret, now)}).get_json()
    assert confirmed["next"] == "done" and len(confirmed["recovery_codes"]) == 10
    assert client.get("/api/v1/auth/me").get_json()["totp_enabled"] is True
    rows = list(RecoveryCode.select().where(RecoveryCode.user == user))
    assert len(rows) == 10 and all(row.code_hash.startswith("$argon2id$") for row in rows)
    assert not any(code in row.code_hash for row in rows for code in confirmed["recovery_codes"])
    assert "totp.enrolled" in [row.action for row in AuditLog.select()]


def test_the_second_step_takes_each_code_once(app: Flask, demo_ctx: ServiceContext) -> None:
    log_in(app.test_client(), "admin")
    client, first = password_step(app, "admin")
    assert first["next"] == "totp"
    assert client.get("/api/v1/users").status_code == 401
    secret = app.extensions["test_totp"]["admin"]
    used = User.get(User.username == "admin").totp_last_step
    code = totp.code_at(secret, used)
    assert error_code(client.post("/api/v1/auth/totp", json={"code": code})) == (401, "bad_totp"), "a replay"
    fresh = totp_code(app, "admin")
    assert client.post("/api/v1/auth/totp", json={"code": fresh}).get_json()["next"] == "done"
    assert client.get("/api/v1/users").status_code == 200
    other, _ = password_step(app, "admin")
    assert error_code(other.post("/api/v1/auth/totp", json={"code": fresh})) == (401, "bad_totp")


def test_a_recovery_code_logs_in_once(app: Flask) -> None:
    codes = enrol_totp(app, log_in(app.test_client(), "manager"), "manager")
    client, first = password_step(app, "manager")
    assert first["next"] == "totp", "a user who set TOTP up uses it, required or not"
    assert client.post("/api/v1/auth/totp", json={"code": codes[0].upper()}).status_code == 200
    again, _ = password_step(app, "manager")
    assert error_code(again.post("/api/v1/auth/totp", json={"code": codes[0]})) == (401, "bad_totp")
    assert again.post("/api/v1/auth/totp", json={"code": codes[1]}).status_code == 200


def test_guessing_codes_is_slowed(app: Flask, clock: FakeClock) -> None:
    log_in(app.test_client(), "admin")
    client, _ = password_step(app, "admin")
    for _ in range(3):
        assert client.post("/api/v1/auth/totp", json={"code": "123456"}).status_code == 401
    assert error_code(client.post("/api/v1/auth/totp", json={"code": totp_code(app, "admin")})) == (429, "throttled")
    clock.advance(seconds=2)
    assert client.post("/api/v1/auth/totp", json={"code": totp_code(app, "admin")}).status_code == 200


def test_a_pending_login_expires(app: Flask, clock: FakeClock) -> None:
    log_in(app.test_client(), "admin")
    client, _ = password_step(app, "admin")
    clock.advance(minutes=11)
    assert client.post("/api/v1/auth/totp", json={"code": totp_code(app, "admin")}).status_code == 401


def test_managers_need_totp_when_configured_and_open_sessions_stop_working(demo_ctx: ServiceContext) -> None:
    app, _ = create_app(demo_ctx)
    manager = log_in(app.test_client(), "manager")
    assert manager.get("/api/v1/auth/me").status_code == 200
    demo_ctx.config = demo_ctx.config.with_overrides({"auth.totp_roles": "admin,manager"})
    assert manager.get("/api/v1/auth/me").status_code == 401, "the old session gave no code"
    _, first = password_step(app, "manager")
    assert first["next"] == "enrol"
    _, cashier = password_step(app, "cashier")
    assert cashier["next"] == "done"


def test_a_new_role_a_new_password_or_a_revocation_ends_sessions(
    app: Flask, login: Callable[[str], FlaskClient]
) -> None:
    admin = login("admin")
    cashier = login("cashier")
    changed = admin.patch("/api/v1/users/cashier", json={"role": "manager"})
    assert changed.status_code == 200 and changed.get_json()["role"] == "manager"
    assert cashier.get("/api/v1/auth/me").status_code == 401
    audit = AuditLog.select().where(AuditLog.action == "user.updated").order_by(AuditLog.id.desc()).first()
    assert '"before":{' in audit.details and '"role":"cashier"' in audit.details and '"role":"manager"' in audit.details
    hr = login("hr")
    assert admin.post("/api/v1/users/hr/sessions/revoke", json={}).get_json() == {"revoked": 1}
    assert hr.get("/api/v1/auth/me").status_code == 401
    employee = login("employee")
    assert admin.post("/api/v1/users/employee/password", json={"password": "a-new-long-pass-3"}).status_code == 200
    assert employee.get("/api/v1/auth/me").status_code == 401
    assert log_in_with(app, "employee", "a-new-long-pass-3") == 200


def log_in_with(app: Flask, username: str, password: str) -> int:
    return app.test_client().post("/api/v1/auth/login", json={"username": username, "password": password}).status_code


def test_changing_ones_own_password_ends_the_other_sessions(app: Flask, login: Callable[[str], FlaskClient]) -> None:
    here, there = login("cashier"), login("cashier")
    wrong = here.post("/api/v1/auth/password", json={"current_password": "nope-nope-1", "new_password": "x" * 12})
    assert error_code(wrong) == (401, "bad_credentials")
    weak = here.post("/api/v1/auth/password", json={"current_password": "cashier-demo-1",
                                                    "new_password": "password123"})
    assert error_code(weak) == (400, "invalid") and weak.get_json()["error"]["field"] == "new_password"
    assert here.post("/api/v1/auth/password", json={"current_password": "cashier-demo-1",
                                                    "new_password": "Tulsi-Chai-Ki-Dukan"}).status_code == 200
    assert here.get("/api/v1/auth/me").status_code == 200
    assert there.get("/api/v1/auth/me").status_code == 401
    assert log_in_with(app, "cashier", "Tulsi-Chai-Ki-Dukan") == 200
    assert UserSession.select().where(UserSession.revoked_at.is_null(False)).count() >= 1


def test_the_last_administrator_cannot_be_demoted_or_deactivated(login: Callable[[str], FlaskClient]) -> None:
    admin = login("admin")
    assert error_code(admin.patch("/api/v1/users/admin", json={"role": "manager"})) == (409, "conflict")
    assert error_code(admin.patch("/api/v1/users/admin", json={"is_active": False})) == (409, "conflict")


@pytest.mark.parametrize(("password", "why"), [
    ("short-1", "at least 10"), ("newcashier-1", "user name"), ("Password123!", "too common"),
    ("aaaaaaaaaaaa", "too common"), ("qwertyuiop", "too common"),
])
def test_the_password_policy(password: str, why: str, login: Callable[[str], FlaskClient], app: Flask) -> None:
    admin = login("admin")
    response = admin.post("/api/v1/users", json={"username": "newcashier", "password": password, "role": "cashier"})
    assert error_code(response) == (400, "invalid") and why in response.get_json()["error"]["message"]


def test_an_admin_resets_a_lost_phone(app: Flask, login: Callable[[str], FlaskClient]) -> None:
    manager = login("manager")
    enrol_totp(app, manager, "manager")
    admin = login("admin")
    assert admin.post("/api/v1/users/manager/totp/reset", json={}).get_json()["totp_enabled"] is False
    assert manager.get("/api/v1/auth/me").status_code == 401
    assert RecoveryCode.select().join(User).where(User.username == "manager").count() == 0
    assert error_code(admin.post("/api/v1/users/admin/totp/reset", json={})) == (400, "invalid")


def test_correcting_an_old_invoice_wants_a_fresh_code(app: Flask, login: Callable[[str], FlaskClient],
                                                      clock: FakeClock) -> None:
    manager = login("manager")
    sale = sell(manager, [str(CASE.barcode)])
    clock.advance(days=2)
    manager = login("manager")
    body = {"reason": "spelling", "name": "Sharma Traders"}
    refused = manager.post(f"/api/v1/invoices/{sale['id']}/corrections", json=body)
    assert error_code(refused) == (403, "totp_required")
    enrol_totp(app, manager, "manager")
    clock.advance(minutes=6)
    assert error_code(manager.post(f"/api/v1/invoices/{sale['id']}/corrections", json=body)) == (
        403, "step_up_required")
    step_up(app, manager, "manager")
    assert manager.post(f"/api/v1/invoices/{sale['id']}/corrections", json=body).status_code == 201
    assert error_code(manager.post(f"/api/v1/invoices/{sale['id']}/cancel", json={"reason": "x"}))[0] != 403
